//! Parallel sparse matrix-vector product over the CSR arrays (sprs's own is serial).
//!
//! The values may be stored in f64 or f32; products and sums are always formed in f64.

use std::ops::Range;

use rayon::prelude::*;

use crate::sparse::Matrix;

/// Rows per rayon task: large enough to amortise scheduling, small enough to balance.
const ROWS_PER_TASK: usize = 2048;

/// Anything that computes y = A x.
pub trait LinearOperator: Sync {
    fn apply(&self, x: &[f64], y: &mut [f64]);
}

impl LinearOperator for Matrix {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        spmv(self, x, y);
    }
}

/// y = A x, rows in parallel.
pub fn spmv(a: &Matrix, x: &[f64], y: &mut [f64]) {
    let indptr = a.indptr();
    spmv_csr(indptr.raw_storage(), a.indices(), a.data(), x, y);
}

/// y = A x for A given by its CSR arrays, with values of any type that widens to f64.
pub fn spmv_csr<V>(indptr: &[u32], indices: &[u32], data: &[V], x: &[f64], y: &mut [f64])
where
    V: Copy + Into<f64> + Sync,
{
    spmv_rows(indptr, y, |k| {
        indices[k.clone()]
            .iter()
            .zip(&data[k])
            .map(|(&j, &v)| v.into() * x[j as usize])
            .sum()
    });
}

/// yᵢ = `row(indptr[i]..indptr[i + 1])` for every row i, rows in parallel: the loop every
/// SpMV shares, whatever its values are stored as.
pub fn spmv_rows(indptr: &[u32], y: &mut [f64], row: impl Fn(Range<usize>) -> f64 + Sync) {
    y.par_chunks_mut(ROWS_PER_TASK)
        .enumerate()
        .for_each(|(c, ys)| {
            let first = c * ROWS_PER_TASK;
            for (r, yi) in ys.iter_mut().enumerate() {
                *yi = row(indptr[first + r] as usize..indptr[first + r + 1] as usize);
            }
        });
}
