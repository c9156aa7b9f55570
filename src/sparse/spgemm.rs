//! Parallel sparse matrix-matrix product C = A B over CSR arrays (Gustavson's row-by-row
//! algorithm with a sparse accumulator per thread). sprs's own product is the fallback
//! reference in the tests; this one splits rows across threads and keeps rows sorted.

use super::rows::gather;
use crate::sparse::Matrix;

/// Dense accumulator over C's columns with the list of columns touched.
struct Accumulator {
    value: Vec<f64>,
    touched: Vec<bool>,
    list: Vec<u32>,
}

impl Accumulator {
    fn new(m: usize) -> Self {
        Accumulator {
            value: vec![0.0; m],
            touched: vec![false; m],
            list: Vec::new(),
        }
    }

    /// `value[j] += v`.
    fn add(&mut self, j: usize, v: f64) {
        if !self.touched[j] {
            self.touched[j] = true;
            self.list.push(j as u32);
        }
        self.value[j] += v;
    }

    /// Hands the accumulated entries to `each(column, value)` in column order and clears the
    /// accumulator.
    fn drain(&mut self, mut each: impl FnMut(u32, f64)) {
        self.list.sort_unstable();
        for &j in &self.list {
            each(j, self.value[j as usize]);
            self.value[j as usize] = 0.0;
            self.touched[j as usize] = false;
        }
        self.list.clear();
    }

    /// Appends the accumulated row to `cols` and `vals`, sorted, and clears the accumulator.
    fn flush(&mut self, cols: &mut Vec<u32>, vals: &mut Vec<f64>) {
        self.drain(|j, v| {
            cols.push(j);
            vals.push(v);
        });
    }
}

/// One CSR matrix's arrays, borrowed.
struct Csr<'a> {
    ptr: &'a [u32],
    idx: &'a [u32],
    val: &'a [f64],
}

impl<'a> Csr<'a> {
    fn of(m: &'a Matrix) -> Self {
        Csr {
            ptr: m.indptr().into_raw_storage(),
            idx: m.indices(),
            val: m.data(),
        }
    }

    /// Row i's (column, value) pairs.
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + 'a {
        let (s, e) = (self.ptr[i] as usize, self.ptr[i + 1] as usize);
        self.idx[s..e]
            .iter()
            .map(|&j| j as usize)
            .zip(self.val[s..e].iter().copied())
    }
}

/// The `n` rows of an `n × m` product, each computed by `row(i, accumulator)` and then
/// handed, sorted, to `finish(i, columns, values)`, in parallel (see [`gather`]).
fn rows_in_parallel(
    (n, m): (usize, usize),
    row: impl Fn(usize, &mut Accumulator) + Sync,
    finish: impl Fn(usize, &[u32], &mut [f64]) + Sync,
) -> Matrix {
    let c = gather(
        n,
        || Accumulator::new(m),
        |i, acc, cols, vals| {
            let start = cols.len();
            row(i, acc);
            acc.flush(cols, vals);
            finish(i, &cols[start..], &mut vals[start..]);
        },
    );
    Matrix::new((n, m), c.ptr, c.cols, c.vals)
}

/// C = A B.
pub fn spgemm(a: &Matrix, b: &Matrix) -> Matrix {
    spgemm_then(a, b, |_, _, _| {})
}

/// C = A B, each row of C handed to `finish(i, columns, values)` as it is formed (sorted),
/// to be changed in place.
pub fn spgemm_then(
    a: &Matrix,
    b: &Matrix,
    finish: impl Fn(usize, &[u32], &mut [f64]) + Sync,
) -> Matrix {
    assert_eq!(a.cols(), b.rows(), "spgemm: inner dimensions differ");
    let (a, b_csr) = (Csr::of(a), Csr::of(b));
    rows_in_parallel(
        (a.ptr.len() - 1, b.cols()),
        |i, acc| {
            for (k, aik) in a.row(i) {
                for (j, bkj) in b_csr.row(k) {
                    acc.add(j, aik * bkj);
                }
            }
        },
        finish,
    )
}

/// The Galerkin product Pᵀ A P, row by row from `pt` = Pᵀ: coarse row c is
/// Σᵢ (Pᵀ)_ci Σⱼ a_ij (row j of P). No intermediate product is stored: on the finest level
/// Pᵀ A alone would hold about twice the coarse operator's entries.
pub fn galerkin(pt: &Matrix, a: &Matrix, p: &Matrix) -> Matrix {
    assert_eq!(pt.cols(), a.rows(), "galerkin: Pᵀ and A differ in size");
    assert_eq!(a.cols(), p.rows(), "galerkin: A and P differ in size");
    let (pt_csr, a, p_csr) = (Csr::of(pt), Csr::of(a), Csr::of(p));
    rows_in_parallel(
        (pt.rows(), p.cols()),
        |c, acc| {
            for (i, pci) in pt_csr.row(c) {
                for (j, aij) in a.row(i) {
                    let w = pci * aij;
                    for (k, pjk) in p_csr.row(j) {
                        acc.add(k, w * pjk);
                    }
                }
            }
        },
        |_, _, _| {},
    )
}

/// (Pᵀ A) P without storing Pᵀ A: coarse row c forms row c of Pᵀ A in a scratch
/// accumulator, then adds each of its entries, in column order, times the matching row of P.
/// The products and their order are those of `spgemm(&spgemm(pt, a), p)`, so the result is
/// bit for bit the same; only one row of Pᵀ A exists at a time (below the finest level P has
/// 6-10 entries per row, and Pᵀ A stored whole made the set-up's peak at 2M nodes).
pub fn galerkin_by_rows(pt: &Matrix, a: &Matrix, p: &Matrix) -> Matrix {
    assert_eq!(pt.cols(), a.rows(), "galerkin: Pᵀ and A differ in size");
    assert_eq!(a.cols(), p.rows(), "galerkin: A and P differ in size");
    let (pt_csr, a_csr, p_csr) = (Csr::of(pt), Csr::of(a), Csr::of(p));
    let (n, m, fine) = (pt.rows(), p.cols(), a.cols());
    let c = gather(
        n,
        || (Accumulator::new(fine), Accumulator::new(m)),
        |c, (pta, acc), cols, vals| {
            for (i, pci) in pt_csr.row(c) {
                for (j, aij) in a_csr.row(i) {
                    pta.add(j, pci * aij);
                }
            }
            pta.drain(|j, w| {
                for (k, pjk) in p_csr.row(j as usize) {
                    acc.add(k, w * pjk);
                }
            });
            acc.flush(cols, vals);
        },
    );
    Matrix::new((n, m), c.ptr, c.cols, c.vals)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random sparse matrix with about four entries per row.
    fn random(rows: usize, cols: usize, mut seed: u64) -> Matrix {
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut tri = sprs::TriMatI::<f64, u32>::new((rows, cols));
        for _ in 0..rows * 4 {
            let (i, j) = (next() % rows, next() % cols);
            tri.add_triplet(i, j, (next() % 1000) as f64 / 100.0 - 5.0);
        }
        tri.to_csr()
    }

    #[test]
    fn matches_sprs_product() {
        let (a, b) = (random(60, 40, 7), random(40, 30, 8));
        let theirs: Matrix = &a * &b;
        close(&spgemm(&a, &b), &theirs);
    }

    #[test]
    fn galerkin_by_rows_is_the_two_products_bit_for_bit() {
        let (a, p) = (random(300, 300, 5), random(300, 40, 6));
        let pt: Matrix = p.transpose_view().to_csr();
        let two = spgemm(&spgemm(&pt, &a), &p);
        let rows = galerkin_by_rows(&pt, &a, &p);
        assert_eq!(two.indptr(), rows.indptr());
        assert_eq!(two.indices(), rows.indices());
        let bits = |m: &Matrix| m.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&two), bits(&rows));
    }

    #[test]
    fn galerkin_matches_the_two_products() {
        let (a, p) = (random(50, 50, 3), random(50, 13, 4));
        let pt: Matrix = p.transpose_view().to_csr();
        let pta: Matrix = &pt * &a;
        let theirs: Matrix = &pta * &p;
        close(&galerkin(&pt, &a, &p), &theirs);
    }

    /// Entries equal to rounding, rows sorted as CSR requires.
    fn close(ours: &Matrix, theirs: &Matrix) {
        assert_eq!(ours.shape(), theirs.shape());
        let (d1, d2) = (ours.to_dense(), theirs.to_dense());
        for (x, y) in d1.iter().zip(d2.iter()) {
            assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()));
        }
        // Rows sorted, as CSR requires.
        for row in ours.outer_iterator() {
            assert!(row.indices().windows(2).all(|w| w[0] < w[1]));
        }
    }
}
