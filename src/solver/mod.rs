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
mod choice;
pub mod jacobi;
pub mod reduce;

pub use amg::{Amg, AmgOptions};
pub use cg::{cg, CgOptions, CgOutcome};
pub use choice::{BuiltSolver, SolverInfo, SolverKind};
pub use jacobi::Jacobi;

/// A symmetric positive definite approximation M⁻¹ of A⁻¹, applied as `z = M⁻¹ r`.
pub trait Preconditioner: Sync {
    /// z = M⁻¹ r.
    fn apply(&self, r: &[f64], z: &mut [f64]);
    /// A short name for reports ("jacobi", "amg").
    fn name(&self) -> &'static str;
}

/// Hands memory freed so far back to the system: glibc keeps freed blocks below its mmap
/// threshold (which grows up to 32 MB as large blocks are freed) in its heaps, where they
/// would count in the peak for nothing. Called where the run's memory peaks would be
/// (docs/benchmarks.md): before the finest level's Galerkin product, before the finest
/// operator's values are split, and before CG. Each call costs the page faults of whatever
/// is allocated next; calling it between all the AMG levels saved 15 MB more at 2M nodes and
/// cost 0.11 s of set-up.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heaps, under their locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
