//! The matrices of the V-cycle as it reads them: CSR arrays whose values are stored in f64 or
//! in f32.
//!
//! The V-cycle's cost is memory traffic: about eight bytes of value and four of column index
//! per nonzero and SpMV. Storing the values in f32 moves a third fewer bytes. It changes the
//! preconditioner, not the solution: CG still runs in f64 on the f64 matrix, and a rounded
//! symmetric matrix is still symmetric (aᵢⱼ and aⱼᵢ round alike; the restriction reads the
//! rounded P itself), so the V-cycle stays symmetric positive definite.

use std::borrow::Cow;
use std::ops::Range;

use crate::assembly::Matrix;
use crate::solver::spmv::{spmv_csr, LinearOperator};

/// How the V-cycle's matrices are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    F64,
    F32,
}

enum Values<'a> {
    F64(Cow<'a, [f64]>),
    F32(Vec<f32>),
}

/// One matrix of the V-cycle. On the finest level it borrows the caller's pattern (and, in
/// f64, its values) instead of copying them.
pub struct Operator<'a> {
    rows: usize,
    indptr: Cow<'a, [u32]>,
    indices: Cow<'a, [u32]>,
    values: Values<'a>,
}

fn narrowed(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}

impl<'a> Operator<'a> {
    /// `a` stored as `storage`, sharing its arrays.
    pub fn borrowed(a: &'a Matrix, storage: Storage) -> Self {
        Operator {
            rows: a.rows(),
            indptr: Cow::Borrowed(a.indptr().into_raw_storage()),
            indices: Cow::Borrowed(a.indices()),
            values: match storage {
                Storage::F64 => Values::F64(Cow::Borrowed(a.data())),
                Storage::F32 => Values::F32(narrowed(a.data())),
            },
        }
    }

    /// `a` stored as `storage`, taking its arrays over.
    pub fn owned(a: Matrix, storage: Storage) -> Operator<'static> {
        let rows = a.rows();
        let (indptr, indices, data) = a.into_raw_storage();
        Operator {
            rows,
            indptr: Cow::Owned(indptr),
            indices: Cow::Owned(indices),
            values: match storage {
                Storage::F64 => Values::F64(Cow::Owned(data)),
                Storage::F32 => Values::F32(narrowed(&data)),
            },
        }
    }

    /// `a` as `storage`: borrowed where `a` is, owned where it is owned.
    pub fn from_cow(a: Cow<'a, Matrix>, storage: Storage) -> Self {
        match a {
            Cow::Borrowed(a) => Operator::borrowed(a, storage),
            Cow::Owned(a) => Operator::owned(a, storage),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// `out[slot(c)] += a_ic x_i` for every entry (i, c) of `rows`, row by row in stored
    /// order: the rows' share of `Aᵀ x`, with the columns mapped by `slot`.
    pub fn add_transposed_rows(
        &self,
        rows: Range<usize>,
        x: &[f64],
        slot: impl Fn(u32) -> usize,
        out: &mut [f64],
    ) {
        match &self.values {
            Values::F64(v) => add_transposed(&self.indptr, &self.indices, v, rows, x, slot, out),
            Values::F32(v) => add_transposed(&self.indptr, &self.indices, v, rows, x, slot, out),
        }
    }
}

fn add_transposed<V: Copy + Into<f64>>(
    indptr: &[u32],
    indices: &[u32],
    data: &[V],
    rows: Range<usize>,
    x: &[f64],
    slot: impl Fn(u32) -> usize,
    out: &mut [f64],
) {
    for (i, &xi) in rows.clone().zip(&x[rows]) {
        let (s, e) = (indptr[i] as usize, indptr[i + 1] as usize);
        for (&c, &v) in indices[s..e].iter().zip(&data[s..e]) {
            out[slot(c)] += v.into() * xi;
        }
    }
}

impl LinearOperator for Operator<'_> {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        match &self.values {
            Values::F64(v) => spmv_csr(&self.indptr, &self.indices, v, x, y),
            Values::F32(v) => spmv_csr(&self.indptr, &self.indices, v, x, y),
        }
    }
}
