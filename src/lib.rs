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
//! The data flow follows the module layout (docs/architecture.md has each room and what it may
//! import):
//!
//! ```text
//! mesh (HDF5 / Gmsh readers, generator, prepare: validate, orient, RCM; pieces)
//!   ─► bc: the conditions, built once from the options, found on the mesh
//!   ─► assembly (element kernel on the CPU or the GPU, chunk by chunk ─► slots ─► CSR)
//!   ─► bc: inflow on the velocity edges, Dirichlet elimination
//!   ─► solver (AMG set-up, CG; on the matrices of sparse/)
//!   ─► post (velocity kernel on the CPU or the GPU) ─► recovery (nodal velocity, ψ)
//!   ─► outcome ─► output (one writer per format: JSON report, HDF5, VTU, PNG, surface CSV)
//! ```
//!
//! [`solve::run`] runs the whole pipeline, with the kernels where [`settings`] put them;
//! [`gpu`] holds the WGSL kernels' context and [`check`] compares GPU and CPU.

pub mod assembly;
pub mod bc;
pub mod check;
pub mod element;
pub mod error;
pub mod gpu;
pub mod lift;
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
