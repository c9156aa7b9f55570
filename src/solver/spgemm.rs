//! Parallel sparse matrix-matrix product C = A B over CSR arrays (Gustavson's row-by-row
//! algorithm with a sparse accumulator per thread). sprs's own product is the fallback
//! reference in the tests; this one splits rows across threads and keeps rows sorted.

use rayon::prelude::*;

use crate::assembly::Matrix;

/// Rows per parallel task.
const ROWS_PER_TASK: usize = 1024;

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

/// C = A B.
pub fn spgemm(a: &Matrix, b: &Matrix) -> Matrix {
    assert_eq!(a.cols(), b.rows(), "spgemm: inner dimensions differ");
    let (n, m) = (a.rows(), b.cols());
    let (ap, ai, ax) = (a.indptr(), a.indices(), a.data());
    let ap = ap.raw_storage();
    let (bp, bi, bx) = (b.indptr(), b.indices(), b.data());
    let bp = bp.raw_storage();
    let blocks: Vec<Block> = (0..n.div_ceil(ROWS_PER_TASK))
        .into_par_iter()
        .map_init(
            || Accumulator {
                value: vec![0.0; m],
                touched: vec![false; m],
                list: Vec::new(),
            },
            |acc, t| {
                let mut block = Block::default();
                for i in t * ROWS_PER_TASK..((t + 1) * ROWS_PER_TASK).min(n) {
                    for k in ap[i] as usize..ap[i + 1] as usize {
                        let (row, aik) = (ai[k] as usize, ax[k]);
                        for l in bp[row] as usize..bp[row + 1] as usize {
                            let j = bi[l] as usize;
                            if !acc.touched[j] {
                                acc.touched[j] = true;
                                acc.list.push(j as u32);
                            }
                            acc.value[j] += aik * bx[l];
                        }
                    }
                    acc.list.sort_unstable();
                    block.row_len.push(acc.list.len() as u32);
                    for &j in &acc.list {
                        block.cols.push(j);
                        block.vals.push(acc.value[j as usize]);
                        acc.value[j as usize] = 0.0;
                        acc.touched[j as usize] = false;
                    }
                    acc.list.clear();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sprs_product() {
        // Two pseudo-random sparse matrices, 60 × 40 and 40 × 30.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut random = |rows: usize, cols: usize| {
            let mut tri = sprs::TriMatI::<f64, u32>::new((rows, cols));
            for _ in 0..rows * 4 {
                tri.add_triplet(
                    next() % rows,
                    next() % cols,
                    (next() % 1000) as f64 / 100.0 - 5.0,
                );
            }
            let m: Matrix = tri.to_csr();
            m
        };
        let (a, b) = (random(60, 40), random(40, 30));
        let ours = spgemm(&a, &b);
        let theirs: Matrix = &a * &b;
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
