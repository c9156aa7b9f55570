//! Parallel sparse matrix-vector product over the CSR arrays (sprs's own is serial).

use rayon::prelude::*;

use crate::assembly::Matrix;

/// Rows per rayon task: large enough to amortise scheduling, small enough to balance.
const ROWS_PER_TASK: usize = 2048;

/// y = A x, rows in parallel.
pub fn spmv(a: &Matrix, x: &[f64], y: &mut [f64]) {
    let indptr = a.indptr();
    let indptr = indptr.raw_storage();
    let (indices, data) = (a.indices(), a.data());
    y.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(c, ys)| {
            let first = c * ROWS_PER_TASK;
            for (r, yi) in ys.iter_mut().enumerate() {
                let (s, e) = (indptr[first + r] as usize, indptr[first + r + 1] as usize);
                *yi = indices[s..e]
                    .iter()
                    .zip(&data[s..e])
                    .map(|(&j, &v)| v * x[j as usize])
                    .sum();
            }
        });
}
