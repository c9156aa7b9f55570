//! Parallel sparse matrix-vector product over the CSR arrays (sprs's own is serial).
//!
//! The values may be stored in f64 or f32; products and sums are always formed in f64, each
//! row's in column order, so that the result does not depend on the thread count. (Four
//! interleaved partial sums per row were tried, to hide the adder's latency: no faster in f32,
//! 10-20% slower in f64. The out-of-order core already overlaps consecutive rows.)

use rayon::prelude::*;

use crate::assembly::Matrix;

/// Rows per rayon task: large enough to amortise scheduling, small enough to balance.
pub const ROWS_PER_TASK: usize = 2048;

/// Anything that computes y = A x.
pub trait LinearOperator: Sync {
    fn apply(&self, x: &[f64], y: &mut [f64]);
}

impl LinearOperator for Matrix {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        spmv(self, x, y);
    }
}

/// A CSR matrix's arrays, borrowed, with values of any type that widens to f64.
#[derive(Clone, Copy)]
pub struct CsrRef<'a, V> {
    pub ptr: &'a [u32],
    pub idx: &'a [u32],
    pub val: &'a [V],
}

impl<'a> CsrRef<'a, f64> {
    /// The arrays of `m`.
    pub fn of(m: &'a Matrix) -> Self {
        CsrRef {
            ptr: m.indptr().into_raw_storage(),
            idx: m.indices(),
            val: m.data(),
        }
    }
}

impl<V> CsrRef<'_, V>
where
    V: Copy + Into<f64> + Sync,
{
    pub fn rows(&self) -> usize {
        self.ptr.len() - 1
    }

    /// (A x)ᵢ, summed in column order.
    #[inline(always)]
    pub fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        let (s, e) = (self.ptr[i] as usize, self.ptr[i + 1] as usize);
        self.idx[s..e]
            .iter()
            .zip(&self.val[s..e])
            .map(|(&j, &v)| v.into() * x[j as usize])
            .sum()
    }

    /// y = A x, rows in parallel.
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        // The closure owns a copy of the three slices: borrowed through `self`, their
        // pointers were loaded again for every row.
        let a = *self;
        y.par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .for_each(move |(c, ys)| {
                let first = c * ROWS_PER_TASK;
                for (r, yi) in ys.iter_mut().enumerate() {
                    *yi = a.row_dot(first + r, x);
                }
            });
    }

    /// y += A x, rows in parallel.
    pub fn apply_add(&self, x: &[f64], y: &mut [f64]) {
        // The closure owns a copy of the three slices: borrowed through `self`, their
        // pointers were loaded again for every row.
        let a = *self;
        y.par_chunks_mut(ROWS_PER_TASK)
            .enumerate()
            .for_each(move |(c, ys)| {
                let first = c * ROWS_PER_TASK;
                for (r, yi) in ys.iter_mut().enumerate() {
                    *yi += a.row_dot(first + r, x);
                }
            });
    }
}

/// y = A x, rows in parallel.
pub fn spmv(a: &Matrix, x: &[f64], y: &mut [f64]) {
    CsrRef::of(a).apply(x, y);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_dot_sums_every_entry_of_its_row() {
        // Rows of 0 to 9 entries; the entries are powers of two, so the sums are exact and a
        // dropped, doubled or borrowed entry shows.
        let (mut ptr, mut idx, mut val) = (vec![0u32], Vec::new(), Vec::new());
        for len in 0..10u32 {
            for k in 0..len {
                idx.push(k);
                val.push(2f32.powi(k as i32));
            }
            ptr.push(idx.len() as u32);
        }
        let a = CsrRef {
            ptr: &ptr,
            idx: &idx,
            val: &val,
        };
        let x = vec![1.0; 10];
        let mut y = vec![f64::NAN; 10];
        a.apply(&x, &mut y);
        for (len, &yi) in y.iter().enumerate() {
            assert_eq!(yi, 2f64.powi(len as i32) - 1.0, "row of {len} entries");
        }
        a.apply_add(&x, &mut y);
        assert_eq!(y[9], 2.0 * 511.0);
    }
}
