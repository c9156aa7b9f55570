//! # potflow
//!
//! Two-dimensional potential flow with 8-node serendipity quadrilaterals (Quad-8).
//!
//! The velocity potential `u` satisfies Laplace's equation in the domain Ω,
//!
//! ```text
//! −∇²u = 0        in Ω
//! ∂u/∂n = γ       on the inlet   (the inflow velocity in m/s, γ = 2.5 by default)
//! u = 0           on the outlet
//! ∂u/∂n = 0       on the walls
//! ```
//!
//! and the velocity is `v = −∇u`; the pressure follows Bernoulli, `p = p0 − ½ρ|v|²` with the
//! stagnation pressure p0 and the density ρ. The weak form, with test functions `w` vanishing on the
//! outlet, is `∫_Ω ∇w·∇u dΩ = ∫_inlet w γ ds`; with `u = Σ Nⱼ uⱼ` over Quad-8 shape functions
//! this is `K u = f`, `K = Σₑ Kₑ`, `Kₑ = ∫ Bᵀ B dΩ` (see [`element`]).
//!
//! The data flow follows the module layout:
//!
//! ```text
//! mesh (HDF5 / Gmsh readers, generator, prepare: validate, orient, RCM)
//!   ─► assembly (element kernel on the CPU or the GPU, chunk by chunk ─► slots ─► CSR)
//!   ─► bc (inflow velocity, Dirichlet elimination) ─► solver (CG, AMG or Jacobi)
//!   ─► post (velocity kernel on the CPU or the GPU)
//!   ─► output (JSON report, HDF5 results, VTU, PNG plots)
//! ```
//!
//! [`solve::run`] runs the whole pipeline; [`gpu`] holds the WGSL kernels' context,
//! [`check`] compares GPU and CPU, [`bench`](mod@bench) runs the benchmark tables.

pub mod assembly;
pub mod bc;
pub mod check;
pub mod element;
pub mod error;
pub mod gpu;
pub mod mesh;
pub mod outcome;
pub mod output;
pub mod post;
pub mod recovery;
pub mod settings;
pub mod solve;
pub mod solver;
pub mod sparse;
pub mod surface;

pub use error::{Error, Result};
