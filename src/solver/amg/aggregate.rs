//! Strength of connection, standard aggregation, the tentative prolongator and its smoothing.

use super::strength::Graph;
use crate::sparse::rows::gather;
use crate::sparse::Matrix;

const NONE: u32 = u32::MAX;

/// Aggregate of every node (`NONE` for nodes left out) and the number of aggregates.
pub struct Aggregates {
    pub of_node: Vec<u32>,
    pub count: usize,
}

/// Standard aggregation in three passes over the strength graph:
/// 1. a node whose strong neighbours are all free forms an aggregate with them;
/// 2. a free node joins the aggregate of a neighbour aggregated in pass 1;
/// 3. the remaining free nodes form new aggregates with their free neighbours.
///
/// Nodes without strong neighbours (Dirichlet rows) stay out of every aggregate.
pub fn aggregate(strength: &Graph) -> Aggregates {
    let n = strength.ptr.len() - 1;
    let nbrs = |i: usize| strength.neighbours(i);
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

/// P = (I − ω D⁻¹A) T with ω = 4 / (3 ρ(D⁻¹A)), row by row as A T is formed.
pub fn smooth_prolongator(a: &Matrix, t: &Matrix, inv_diag: &[f64], lambda_max: f64) -> Matrix {
    let omega = 4.0 / (3.0 * lambda_max);
    let t_indptr = t.indptr();
    let t_indptr = t_indptr.raw_storage();
    let (t_cols, t_vals) = (t.indices(), t.data());
    crate::sparse::spgemm::spgemm_then(a, t, |i, cols, vals| {
        let scale = -omega * inv_diag[i];
        for v in vals.iter_mut() {
            *v *= scale;
        }
        for k in t_indptr[i] as usize..t_indptr[i + 1] as usize {
            // T's entry (i, agg) lies in A T's pattern: aᵢᵢ ≠ 0 and T(i, agg) ≠ 0.
            if let Ok(pos) = cols.binary_search(&t_cols[k]) {
                vals[pos] += t_vals[k];
            }
        }
    })
}

/// A filtered to the strength graph: the diagonal, the strong entries, and every weak
/// off-diagonal entry added to the diagonal, so that row sums (and with them the constants of
/// the near-null space) are kept: `A_F 1 = A 1`. Where lumping would leave a diagonal entry
/// that is not positive, the row keeps its own diagonal.
pub fn filtered(a: &Matrix, strength: &Graph) -> Matrix {
    let n = a.rows();
    let (ap, ai, ax) = (a.indptr(), a.indices(), a.data());
    let ap = ap.raw_storage();
    let f = gather(
        n,
        || (),
        |i, _, cols, vals| {
            let start = cols.len();
            let strong = strength.neighbours(i);
            let (mut weak, mut diagonal) = (0.0, None);
            for k in ap[i] as usize..ap[i + 1] as usize {
                let j = ai[k];
                if j as usize == i {
                    diagonal = Some(cols.len() - start);
                } else if strong.binary_search(&j).is_err() {
                    weak += ax[k];
                    continue;
                }
                cols.push(j);
                vals.push(ax[k]);
            }
            if let Some(d) = diagonal {
                if vals[start + d] + weak > 0.0 {
                    vals[start + d] += weak;
                }
            }
        },
    );
    Matrix::new((n, n), f.ptr, f.cols, f.vals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::amg::strength;

    #[test]
    fn filtering_keeps_strong_entries_and_row_sums() {
        // A 1-D Laplacian with one weak link (between 4 and 5) and one positive coupling:
        // the weak entries leave the pattern and their values go to the diagonal.
        let n = 10;
        let mut tri = sprs::TriMatI::<f64, u32>::new((n, n));
        for i in 0..n {
            tri.add_triplet(i, i, 4.0);
            if i + 1 < n {
                let v = match i {
                    4 => -1e-3,
                    7 => 0.5,
                    _ => -1.0,
                };
                tri.add_triplet(i, i + 1, v);
                tri.add_triplet(i + 1, i, v);
            }
        }
        let a: Matrix = tri.to_csr();
        let graph = strength::symmetric(&a, 0.08);
        let f = filtered(&a, &graph);
        for i in 0..n {
            let row_sum = |m: &Matrix| m.outer_view(i).unwrap().iter().map(|(_, v)| v).sum::<f64>();
            assert!((row_sum(&f) - row_sum(&a)).abs() < 1e-15, "row {i}");
            for (j, &v) in f.outer_view(i).unwrap().iter() {
                if j != i {
                    assert!(graph.neighbours(i).contains(&(j as u32)));
                    assert_eq!(v, a.get(i, j).copied().unwrap());
                }
            }
        }
        assert!(f.get(4, 5).is_none() && f.get(5, 4).is_none());
        assert_eq!(f.get(4, 4).copied(), Some(4.0 - 1e-3));
        assert_eq!(f.nnz(), a.nnz() - 2);
    }
}
