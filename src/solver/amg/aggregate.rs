//! Strength of connection, standard aggregation, the tentative prolongator and its smoothing.

use rayon::prelude::*;

use crate::assembly::Matrix;

const NONE: u32 = u32::MAX;

/// Aggregate of every node (`NONE` for nodes left out) and the number of aggregates.
pub struct Aggregates {
    pub of_node: Vec<u32>,
    pub count: usize,
}

/// Strong neighbours of every row, as CSR (`ptr`, `cols`):
/// `|aᵢⱼ| ≥ θ √(|aᵢᵢ aⱼⱼ|)`, j ≠ i, explicit zeros ignored.
fn strength(a: &Matrix, theta: f64) -> (Vec<usize>, Vec<u32>) {
    let diag = a.diag().to_dense();
    let rows: Vec<Vec<u32>> = a
        .outer_iterator()
        .enumerate()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(i, row)| {
            row.iter()
                .filter(|&(j, &v)| {
                    j != i && v != 0.0 && v.abs() >= theta * (diag[i] * diag[j]).abs().sqrt()
                })
                .map(|(j, _)| j as u32)
                .collect()
        })
        .collect();
    let mut ptr = Vec::with_capacity(rows.len() + 1);
    ptr.push(0);
    let mut cols = Vec::new();
    for r in rows {
        cols.extend_from_slice(&r);
        ptr.push(cols.len());
    }
    (ptr, cols)
}

/// Standard aggregation in three passes over the strength graph:
/// 1. a node whose strong neighbours are all free forms an aggregate with them;
/// 2. a free node joins the aggregate of a neighbour aggregated in pass 1;
/// 3. the remaining free nodes form new aggregates with their free neighbours.
///
/// Nodes without strong neighbours (Dirichlet rows) stay out of every aggregate.
pub fn aggregate(a: &Matrix, theta: f64) -> Aggregates {
    let (ptr, cols) = strength(a, theta);
    let n = a.rows();
    let nbrs = |i: usize| &cols[ptr[i]..ptr[i + 1]];
    let mut of_node = vec![NONE; n];
    let mut count = 0u32;
    for i in 0..n {
        if of_node[i] != NONE || nbrs(i).is_empty() {
            continue;
        }
        if nbrs(i).iter().all(|&j| of_node[j as usize] == NONE) {
            of_node[i] = count;
            for &j in nbrs(i) {
                of_node[j as usize] = count;
            }
            count += 1;
        }
    }
    let first_pass = of_node.clone();
    for (i, agg) in of_node.iter_mut().enumerate() {
        if *agg == NONE {
            if let Some(&j) = nbrs(i).iter().find(|&&j| first_pass[j as usize] != NONE) {
                *agg = first_pass[j as usize];
            }
        }
    }
    for i in 0..n {
        if of_node[i] == NONE && !nbrs(i).is_empty() {
            of_node[i] = count;
            for &j in nbrs(i) {
                if of_node[j as usize] == NONE {
                    of_node[j as usize] = count;
                }
            }
            count += 1;
        }
    }
    Aggregates {
        of_node,
        count: count as usize,
    }
}

/// The tentative prolongator and the coarse near-null space.
///
/// With `b` the near-null space on this level (constants on the finest), column `g` of T is
/// `b` restricted to aggregate g and normalised: `T(i, g) = bᵢ / ‖b|_g‖` (the QR factorisation
/// of one candidate per aggregate). The coarse near-null space is the R factor,
/// `b_c(g) = ‖b|_g‖`, so that `T b_c = b` on aggregated nodes: constants are represented exactly
/// on every level. (Taking constants again on a coarse level instead would be wrong: the coarse
/// image of a constant is `√|g|`, not 1.)
pub fn tentative(aggs: &Aggregates, b: &[f64]) -> (Matrix, Vec<f64>) {
    let n = b.len();
    let mut norm2 = vec![0.0; aggs.count];
    for (i, &g) in aggs.of_node.iter().enumerate() {
        if g != NONE {
            norm2[g as usize] += b[i] * b[i];
        }
    }
    let coarse_b: Vec<f64> = norm2.iter().map(|v| v.sqrt()).collect();
    let mut indptr = Vec::with_capacity(n + 1);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    indptr.push(0u32);
    for (i, &g) in aggs.of_node.iter().enumerate() {
        if g != NONE && coarse_b[g as usize] > 0.0 {
            indices.push(g);
            data.push(b[i] / coarse_b[g as usize]);
        }
        indptr.push(indices.len() as u32);
    }
    (
        Matrix::new((n, aggs.count), indptr, indices, data),
        coarse_b,
    )
}

/// P = (I − ω D⁻¹A) T with ω = 4 / (3 ρ(D⁻¹A)).
pub fn smooth_prolongator(a: &Matrix, t: &Matrix, inv_diag: &[f64], lambda_max: f64) -> Matrix {
    let omega = 4.0 / (3.0 * lambda_max);
    let mut p: Matrix = crate::solver::spgemm::spgemm(a, t);
    let t_indptr = t.indptr();
    let t_indptr = t_indptr.raw_storage();
    let (t_cols, t_vals) = (t.indices(), t.data());
    let indptr: Vec<u32> = p.indptr().raw_storage().to_vec();
    let indices: Vec<u32> = p.indices().to_vec();
    let data = p.data_mut();
    for i in 0..a.rows() {
        let (s, e) = (indptr[i] as usize, indptr[i + 1] as usize);
        let scale = -omega * inv_diag[i];
        for v in &mut data[s..e] {
            *v *= scale;
        }
        for k in t_indptr[i] as usize..t_indptr[i + 1] as usize {
            // T's entry (i, agg) lies in A T's pattern: aᵢᵢ ≠ 0 and T(i, agg) ≠ 0.
            if let Ok(pos) = indices[s..e].binary_search(&t_cols[k]) {
                data[s + pos] += t_vals[k];
            }
        }
    }
    p
}
