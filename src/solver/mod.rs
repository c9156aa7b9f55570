//! The linear solver: preconditioned conjugate gradients on the host, in f64.
//!
//! ```text
//! r₀ = b − A x₀,  z₀ = M⁻¹ r₀,  p₀ = z₀
//! αₖ = (rₖ·zₖ)/(pₖ·A pₖ),  xₖ₊₁ = xₖ + αₖ pₖ,  rₖ₊₁ = rₖ − αₖ A pₖ
//! zₖ₊₁ = M⁻¹ rₖ₊₁,  βₖ = (rₖ₊₁·zₖ₊₁)/(rₖ·zₖ),  pₖ₊₁ = zₖ₊₁ + βₖ pₖ
//! stop when ‖b − A x‖ ≤ rtol ‖b‖ (checked on the true residual before stopping)
//! ```

pub mod amg;
pub mod cg;
pub mod jacobi;
pub mod reduce;
pub mod spgemm;
pub mod spmv;

pub use amg::{Amg, AmgOptions};
pub use cg::{cg, CgOptions, CgOutcome};
pub use jacobi::Jacobi;
pub use spmv::spmv;

/// `1 / diag(A)`, with a zero diagonal entry taken as 1 (the row is left unscaled; an SPD
/// matrix has none). Shared by [`Jacobi`] and the AMG smoother.
pub fn inverse_diagonal(a: &crate::assembly::Matrix) -> Vec<f64> {
    a.diag()
        .to_dense()
        .iter()
        .map(|&d| if d != 0.0 { 1.0 / d } else { 1.0 })
        .collect()
}

/// A symmetric positive definite approximation M⁻¹ of A⁻¹, applied as `z = M⁻¹ r`.
pub trait Preconditioner: Sync {
    /// z = M⁻¹ r.
    fn apply(&self, r: &[f64], z: &mut [f64]);
    /// A short name for reports ("jacobi", "amg").
    fn name(&self) -> &'static str;
}
