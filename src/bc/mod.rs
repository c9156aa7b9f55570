//! Boundary conditions: the `bc` stage.
//!
//! Where the inlet and the outlet are is a [`BoundarySpec`]: a coordinate rule (`xmin`,
//! `xmax`, `ymin`, `ymax`: nodes within tol of that extreme of the bounding box, the
//! reference's rule being inlet = xmin, outlet = xmax) or the name of a boundary group of the
//! mesh (a Gmsh physical curve).
//!
//! - **Inlet** (natural, Robin): with a coordinate rule, an element edge (end, mid, end)
//!   is an inlet edge when its three nodes are inlet nodes; with a group, the group's edges.
//!   Each inlet edge receives
//!   `Hₑ = p ∫ N Nᵀ ds` into the matrix and `Pₑ = γ ∫ N ds` into the right-hand side
//!   ([`crate::element::robin_edge`]); the reference uses p = 0, γ = the inflow velocity.
//! - **Outlet** (essential): nodes with |x − xmax| < tol get u = 0, imposed exactly by
//!   elimination: a Dirichlet row keeps its diagonal `Kᵢᵢ` and gets `bᵢ = Kᵢᵢ gᵢ`; its column is
//!   moved to the right-hand side (`bⱼ −= Kⱼᵢ gᵢ`) and zeroed. The matrix stays symmetric
//!   positive definite and `u = g` holds exactly on those nodes.
//! - **Conditions by group** (`--bc`, [`GroupCondition`]): the same two mechanisms on any
//!   number of groups: `velocity:V` is an inlet with γ = V, `potential:U` and `stream:U@A`
//!   fix u by elimination (to U, or to the stream's potential at each node). The flux through
//!   each is its Robin load or the sum of its nodes' reactions ([`DirichletRows::reactions`]).
//! - Every connected piece of the mesh must hold a Dirichlet node, else the system is singular
//!   ([`crate::mesh::pieces`]).
//!
//! The options give one list of conditions, defaults included ([`BoundaryOptions::conditions`]);
//! the stage finds each on the mesh ([`find`]), imposes them ([`impose`]) and, once u is
//! known, reports the flux through each ([`Imposed::report`]).
//!
//! ```text
//! select.rs      BoundarySpec ─► BoundaryPart (nodes, edges)
//! conditions.rs  Condition, GroupCondition (--bc), essential nodes
//! apply.rs       Robin edges, Dirichlet elimination, reactions
//! ```

mod apply;
mod conditions;
mod select;
mod stage;

pub use apply::{apply_dirichlet, apply_robin, robin_inflow, DirichletRows};
pub use conditions::{essential_nodes, AppliedCondition, Condition, GroupCondition};
pub use select::{absolute_tolerance, edges_where, Boundary, BoundaryPart, BoundarySpec};
pub use stage::{find, impose, BoundaryOptions, BoundaryReport, Conditions, GroupFlux, Imposed};
