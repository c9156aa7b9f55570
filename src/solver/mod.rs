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
pub mod spgemm;
pub mod spmv;

pub use amg::{Amg, AmgOptions};
pub use cg::{cg, CgOptions, CgOutcome};
pub use jacobi::Jacobi;
pub use spmv::spmv;

/// A symmetric positive definite approximation M⁻¹ of A⁻¹, applied as `z = M⁻¹ r`.
pub trait Preconditioner: Sync {
    /// z = M⁻¹ r.
    fn apply(&self, r: &[f64], z: &mut [f64]);
    /// A short name for reports ("jacobi", "amg").
    fn name(&self) -> &'static str;
}
