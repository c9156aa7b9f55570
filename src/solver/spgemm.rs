//! Parallel sparse matrix-matrix product C = A B over CSR arrays (Gustavson's row-by-row
//! algorithm with a sparse accumulator per thread). sprs's own product is the fallback
//! reference in the tests; this one splits rows across threads and keeps rows sorted.

use rayon::prelude::*;

use crate::assembly::Matrix;

/// The most rows per parallel task.
const MAX_ROWS_PER_TASK: usize = 1024;

/// One task's rows of C.
#[derive(Default)]
struct Block {
    row_len: Vec<u32>,
    cols: Vec<u32>,
    vals: Vec<f64>,
}

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

    /// value[j] += v.
    fn add(&mut self, j: usize, v: f64) {
        if !self.touched[j] {
            self.touched[j] = true;
            self.list.push(j as u32);
        }
        self.value[j] += v;
    }

    /// Appends the accumulated row to `block`, sorted, and clears the accumulator.
    fn flush(&mut self, block: &mut Block) {
        self.list.sort_unstable();
        block.row_len.push(self.list.len() as u32);
        for &j in &self.list {
            block.cols.push(j);
            block.vals.push(self.value[j as usize]);
            self.value[j as usize] = 0.0;
            self.touched[j as usize] = false;
        }
        self.list.clear();
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

/// The `n` rows of an `n × m` product, each computed by `row(i, accumulator)`, in parallel.
fn rows_in_parallel(
    (n, m): (usize, usize),
    row: impl Fn(usize, &mut Accumulator) + Sync,
) -> Matrix {
    // Enough tasks to balance the threads on small coarse levels too; each row is computed
    // alone, so the result does not depend on the split.
    let per_task = (n / (8 * rayon::current_num_threads())).clamp(16, MAX_ROWS_PER_TASK);
    let blocks: Vec<Block> = (0..n.div_ceil(per_task))
        .into_par_iter()
        .map_init(
            || Accumulator::new(m),
            |acc, t| {
                let mut block = Block::default();
                for i in t * per_task..((t + 1) * per_task).min(n) {
                    row(i, acc);
                    acc.flush(&mut block);
                }
                block
            },
        )
        .collect();
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0u32);
    let mut total = 0u64;
    for b in &blocks {
        for &l in &b.row_len {
            total += l as u64;
            indptr.push(u32::try_from(total).expect("product too large for 32-bit CSR offsets"));
        }
    }
    let mut indices = Vec::with_capacity(total as usize);
    let mut data = Vec::with_capacity(total as usize);
    for b in blocks {
        indices.extend_from_slice(&b.cols);
        data.extend_from_slice(&b.vals);
    }
    Matrix::new((n, m), indptr, indices, data)
}

/// C = A B.
pub fn spgemm(a: &Matrix, b: &Matrix) -> Matrix {
    assert_eq!(a.cols(), b.rows(), "spgemm: inner dimensions differ");
    let (a, b_csr) = (Csr::of(a), Csr::of(b));
    rows_in_parallel((a.ptr.len() - 1, b.cols()), |i, acc| {
        for (k, aik) in a.row(i) {
            for (j, bkj) in b_csr.row(k) {
                acc.add(j, aik * bkj);
            }
        }
    })
}

/// The Galerkin product Pᵀ A P, row by row from `pt` = Pᵀ: coarse row c is
/// Σᵢ (Pᵀ)_ci Σⱼ a_ij (row j of P). No intermediate product is stored: on the finest level
/// Pᵀ A alone would hold about twice the coarse operator's entries.
pub fn galerkin(pt: &Matrix, a: &Matrix, p: &Matrix) -> Matrix {
    assert_eq!(pt.cols(), a.rows(), "galerkin: Pᵀ and A differ in size");
    assert_eq!(a.cols(), p.rows(), "galerkin: A and P differ in size");
    let (pt_csr, a, p_csr) = (Csr::of(pt), Csr::of(a), Csr::of(p));
    rows_in_parallel((pt.rows(), p.cols()), |c, acc| {
        for (i, pci) in pt_csr.row(c) {
            for (j, aij) in a.row(i) {
                let w = pci * aij;
                for (k, pjk) in p_csr.row(j) {
                    acc.add(k, w * pjk);
                }
            }
        }
    })
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
