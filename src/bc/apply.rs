//! Imposing conditions on the assembled system: Robin edges (an inflow velocity) into the
//! matrix and the right-hand side, and Dirichlet rows by exact elimination.

use rayon::prelude::*;

use crate::element::robin_edge;
use crate::mesh::PreparedMesh;
use crate::sparse::rows::split_lengths;
use crate::sparse::Matrix;

/// Adds the Robin terms of `edges` into the matrix values and the right-hand side (the inflow
/// they carry, which depends on u when p > 0, is [`robin_inflow`]).
pub fn apply_robin(
    mesh: &PreparedMesh,
    a: &mut Matrix,
    b: &mut [f64],
    edges: &[[u32; 3]],
    p: f64,
    gamma: f64,
) {
    let mut updates = Vec::new();
    for edge in edges {
        let xy = edge.map(|k| mesh.xy[k as usize]);
        let (h, f) = robin_edge(&xy, p, gamma);
        for r in 0..3 {
            b[edge[r] as usize] += f[r];
            if p != 0.0 {
                for c in 0..3 {
                    // Edge nodes share an element, so the matrix has every pair.
                    if let Some(pos) = position(a, edge[r] as usize, edge[c]) {
                        updates.push((pos, h[r][c]));
                    }
                }
            }
        }
    }
    let values = a.data_mut();
    for (pos, v) in updates {
        values[pos] += v;
    }
}

/// Where entry (row, col) lies in the matrix's value array, if it is stored.
fn position(a: &Matrix, row: usize, col: u32) -> Option<usize> {
    let indptr = a.indptr();
    let (s, e) = (indptr.index(row) as usize, indptr.index(row + 1) as usize);
    a.indices()[s..e].binary_search(&col).ok().map(|p| s + p)
}

/// The volume inflow through the Robin edges once u is known: `Σₑ 1ᵀ(Pₑ − Hₑ uₑ)`, the
/// integral of ∂u/∂n = γ − p u over the inlet (per unit depth). With p = 0 it is `Σ Pₑ`.
pub fn robin_inflow(mesh: &PreparedMesh, edges: &[[u32; 3]], p: f64, gamma: f64, u: &[f64]) -> f64 {
    edges
        .iter()
        .map(|edge| {
            let (h, f) = robin_edge(&edge.map(|k| mesh.xy[k as usize]), p, gamma);
            (0..3)
                .map(|r| f[r] - (0..3).map(|c| h[r][c] * u[edge[c] as usize]).sum::<f64>())
                .sum::<f64>()
        })
        .sum()
}

/// What elimination removed from the Dirichlet rows, kept to compute the boundary reaction
/// (the flux through the Dirichlet boundary) after the solve.
#[derive(Debug, Clone, Default)]
pub struct DirichletRows {
    /// (row, original entries as (column, value)) for every Dirichlet node.
    rows: Vec<(u32, Vec<(u32, f64)>)>,
}

/// Imposes `u[nodes[k]] = values[k]` exactly by elimination (see the module docs).
pub fn apply_dirichlet(
    a: &mut Matrix,
    b: &mut [f64],
    nodes: &[u32],
    values: &[f64],
) -> DirichletRows {
    let n = a.rows();
    let mut g = vec![f64::NAN; n];
    for (&i, &v) in nodes.iter().zip(values) {
        g[i as usize] = v;
    }
    let (ap, ai, ax) = (a.indptr().into_raw_storage(), a.indices(), a.data());
    let saved = DirichletRows {
        rows: nodes
            .iter()
            .map(|&i| {
                let (s, e) = (ap[i as usize] as usize, ap[i as usize + 1] as usize);
                (i, (s..e).map(|k| (ai[k], ax[k])).collect())
            })
            .collect(),
    };
    // The matrix taken apart, so that rows can be updated in place, blocks of rows in
    // parallel, without copying its pattern.
    let shape = a.shape();
    let (indptr, indices, mut data) = std::mem::replace(a, Matrix::zero((0, 0))).into_raw_storage();
    const ROWS: usize = 4096;
    let lengths = (0..n.div_ceil(ROWS))
        .map(|blk| (indptr[((blk + 1) * ROWS).min(n)] - indptr[blk * ROWS]) as usize);
    split_lengths(&mut data, lengths)
        .into_par_iter()
        .zip(b.par_chunks_mut(ROWS))
        .enumerate()
        .for_each(|(blk, (block_values, block_b))| {
            let offset = indptr[blk * ROWS] as usize;
            for (k, bi) in block_b.iter_mut().enumerate() {
                let i = blk * ROWS + k;
                let (s, e) = (indptr[i] as usize, indptr[i + 1] as usize);
                let (cols, row) = (&indices[s..e], &mut block_values[s - offset..e - offset]);
                if !g[i].is_nan() {
                    let mut diag = 0.0;
                    for (v, &c) in row.iter_mut().zip(cols) {
                        if c as usize == i {
                            diag = *v;
                        } else {
                            *v = 0.0;
                        }
                    }
                    *bi = diag * g[i];
                } else {
                    for (v, &c) in row.iter_mut().zip(cols) {
                        let gc = g[c as usize];
                        if !gc.is_nan() {
                            *bi -= *v * gc;
                            *v = 0.0;
                        }
                    }
                }
            }
        });
    *a = Matrix::new(shape, indptr, indices, data);
    saved
}

impl DirichletRows {
    /// The eliminated nodes, in the order they were eliminated.
    pub fn nodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.rows.iter().map(|(i, _)| *i)
    }

    /// The right-hand side of another problem with the same matrix and other values on the
    /// eliminated nodes: `b` is its right-hand side before elimination, `values[k]` the value
    /// of the k-th eliminated node. As [`apply_dirichlet`] does, with the saved rows standing
    /// for the eliminated columns (the matrix is symmetric).
    pub fn eliminate(&self, values: &[f64], b: &mut [f64]) {
        let mut fixed = vec![false; b.len()];
        for (i, _) in &self.rows {
            fixed[*i as usize] = true;
        }
        for ((i, row), &g) in self.rows.iter().zip(values) {
            for &(j, v) in row {
                if j == *i {
                    b[j as usize] = v * g;
                } else if !fixed[j as usize] {
                    b[j as usize] -= v * g;
                }
            }
        }
    }

    /// Puts the eliminated rows and columns of `a` back as they were before
    /// [`apply_dirichlet`]: each row from what was saved, each column from the row by
    /// symmetry.
    pub fn restore(&self, a: &mut Matrix) {
        let mut updates = Vec::new();
        for (i, row) in &self.rows {
            for &(j, v) in row {
                if let Some(pos) = position(a, *i as usize, j) {
                    updates.push((pos, v));
                }
                if j != *i {
                    if let Some(pos) = position(a, j as usize, *i) {
                        updates.push((pos, v));
                    }
                }
            }
        }
        let values = a.data_mut();
        for (pos, v) in updates {
            values[pos] = v;
        }
    }

    /// The flux entering the domain through each Dirichlet node: `(K u − f)ᵢ` with the
    /// original row of K and `f` the natural load on that row (what elimination removed),
    /// given node by node in the order the nodes were eliminated.
    pub fn reactions(&self, u: &[f64], load: &[f64]) -> Vec<(u32, f64)> {
        self.rows
            .iter()
            .zip(load)
            .map(|((i, row), f)| {
                let ku: f64 = row.iter().map(|&(j, v)| v * u[j as usize]).sum();
                (*i, ku - f)
            })
            .collect()
    }
}
