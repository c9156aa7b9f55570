//! Sparse matrices, beneath both the assembly and the solver: the [`Matrix`] type, the
//! operator trait CG and the smoother read through ([`LinearOperator`]), the parallel SpMV,
//! the sparse products of the AMG set-up (SpGEMM, Galerkin) and the row-parallel CSR builder
//! they share ([`rows`]). Nothing here knows about elements or meshes.

pub mod rows;
pub mod spgemm;
pub mod spmv;

pub use spmv::{spmv, LinearOperator};

/// The sparse matrix type of the whole crate: CSR, f64 values, u32 indices.
pub type Matrix = sprs::CsMatI<f64, u32>;

/// `1 / diag(A)`, with a zero diagonal entry taken as 1 (the row is left unscaled; an SPD
/// matrix has none). Shared by Jacobi and the AMG smoother.
pub fn inverse_diagonal(a: &Matrix) -> Vec<f64> {
    a.diag()
        .to_dense()
        .iter()
        .map(|&d| if d != 0.0 { 1.0 / d } else { 1.0 })
        .collect()
}
