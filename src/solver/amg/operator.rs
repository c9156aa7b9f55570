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

use super::split::{self, FineValues, Narrow};
use crate::sparse::spmv::{spmv_csr, spmv_rows, LinearOperator};
use crate::sparse::Matrix;

/// How the V-cycle's matrices are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    F64,
    F32,
}

enum Values<'a> {
    F64(Cow<'a, [f64]>),
    F32(Narrow<f32>),
    /// The finest level of a hierarchy that owns its matrix: f32 for the V-cycle, exact for CG.
    Fine(FineValues),
}

/// One matrix of the V-cycle. On the finest level it borrows the caller's pattern (and, in
/// f64, its values) instead of copying them.
pub struct Operator<'a> {
    rows: usize,
    indptr: Cow<'a, [u32]>,
    indices: Cow<'a, [u32]>,
    values: Values<'a>,
}

/// v rounded to f32.
fn narrow(v: f64) -> f32 {
    v as f32
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
                Storage::F32 => Values::F32(Narrow::from_slice(a.data(), narrow)),
            },
        }
    }

    /// `a` stored as `storage`, taking its arrays over.
    pub fn owned(a: Matrix, storage: Storage) -> Operator<'static> {
        Operator::taken_over(a, |data| match storage {
            Storage::F64 => Values::F64(Cow::Owned(data)),
            // In the f64 values' own buffer: no second array alive while converting.
            Storage::F32 => Values::F32(Narrow::in_place(data, |_, v| narrow(v))),
        })
    }

    /// `a` taken over as the finest level of a hierarchy that owns it: the V-cycle reads its
    /// values as f32, CG reads them exactly through [`Operator::exact`] (see `split.rs`).
    pub fn fine(a: Matrix) -> Operator<'static> {
        Operator::taken_over(a, |data| Values::Fine(FineValues::new(data)))
    }

    /// `a`'s pattern taken over, its values stored by `values`.
    fn taken_over(
        a: Matrix,
        values: impl FnOnce(Vec<f64>) -> Values<'static>,
    ) -> Operator<'static> {
        let rows = a.rows();
        let (indptr, indices, data) = a.into_raw_storage();
        Operator {
            rows,
            indptr: Cow::Owned(indptr),
            indices: Cow::Owned(indices),
            values: values(data),
        }
    }

    /// The matrix with its values exactly as given, where this operator keeps them: taken
    /// over by [`Operator::fine`], or borrowed in f64.
    pub fn exact(&self) -> Option<Exact<'_>> {
        match &self.values {
            Values::Fine(_) | Values::F64(_) => Some(Exact(self)),
            Values::F32(_) => None,
        }
    }

    /// A copy of the matrix with its values exact, where this operator keeps them.
    pub fn to_exact_matrix(&self) -> Option<Matrix> {
        let values: Vec<f64> = match &self.values {
            Values::F64(v) => v.to_vec(),
            Values::Fine(FineValues::Whole { values, .. }) => values.clone(),
            Values::Fine(FineValues::Split { hi, remainders }) => hi
                .iter()
                .zip(remainders.as_slice())
                .map(|(&h, &r)| split::join(h, r))
                .collect(),
            Values::F32(_) => return None,
        };
        Some(Matrix::new(
            (self.rows, self.rows),
            self.indptr.to_vec(),
            self.indices.to_vec(),
            values,
        ))
    }

    /// The matrix with f32 values as the V-cycle reads them (`cols` columns).
    pub fn to_f32(&self, cols: usize) -> super::export::CsrF32 {
        super::export::CsrF32 {
            rows: self.rows,
            cols,
            indptr: self.indptr.to_vec(),
            indices: self.indices.to_vec(),
            values: match &self.values {
                Values::F64(v) => v.iter().map(|&x| x as f32).collect(),
                Values::F32(v) => v.as_slice().to_vec(),
                Values::Fine(f) => f.hi().to_vec(),
            },
            row_sums: Vec::new(),
        }
    }

    /// Whether the values are split into f32 and a remainder (see `split.rs`).
    pub fn is_split(&self) -> bool {
        matches!(&self.values, Values::Fine(f) if f.is_split())
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The bytes one SpMV of the V-cycle reads from this matrix: its values at the width
    /// the V-cycle reads them (the f32 half of split values), its u32 column indices and its
    /// row pointers.
    pub fn bytes(&self) -> usize {
        let width = match &self.values {
            Values::F64(_) => 8,
            Values::F32(_) | Values::Fine(_) => 4,
        };
        self.indices.len() * (width + 4) + self.indptr.len() * 4
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
            Values::F32(v) => add_transposed(
                &self.indptr,
                &self.indices,
                v.as_slice(),
                rows,
                x,
                slot,
                out,
            ),
            Values::Fine(f) => {
                add_transposed(&self.indptr, &self.indices, f.hi(), rows, x, slot, out)
            }
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
            Values::F32(v) => spmv_csr(&self.indptr, &self.indices, v.as_slice(), x, y),
            Values::Fine(f) => spmv_csr(&self.indptr, &self.indices, f.hi(), x, y),
        }
    }
}

/// An operator read with its values exact: CG's matrix, where the hierarchy owns it.
pub struct Exact<'o>(&'o Operator<'o>);

impl LinearOperator for Exact<'_> {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let a = self.0;
        match &a.values {
            Values::F64(v) => spmv_csr(&a.indptr, &a.indices, v, x, y),
            Values::Fine(FineValues::Whole { values, .. }) => {
                spmv_csr(&a.indptr, &a.indices, values, x, y)
            }
            Values::Fine(FineValues::Split { hi, remainders }) => {
                let r = remainders.as_slice();
                let cols = &a.indices;
                // The same products, summed in the same order, as spmv_csr on the f64 values.
                spmv_rows(&a.indptr, y, |k| {
                    cols[k.clone()]
                        .iter()
                        .zip(&hi[k.clone()])
                        .zip(&r[k])
                        .map(|((&j, &h), &r)| split::join(h, r) * x[j as usize])
                        .sum()
                });
            }
            Values::F32(_) => unreachable!("Operator::exact refuses f32 values"),
        }
    }
}
