//! A continuous velocity at the nodes, recovered from uₕ by L2 projection.
//!
//! The velocity v = −∇uₕ is discontinuous across elements, and one value per element (the
//! mean of the four 2×2 Gauss points, as the reference reports it) approximates a smooth field
//! only to O(h). The L2 projection finds the field vₕ in the same Quad-8 space as uₕ that is
//! closest to −∇uₕ in the mean square:
//!
//! ```text
//! ∫ Nᵢ vₕ dΩ = −∫ Nᵢ ∇uₕ dΩ   for every node i     ⇔    M V = B,   Mᵢⱼ = ∫ Nᵢ Nⱼ dΩ
//! ```
//!
//! both components in one Jacobi-CG on the pair (3×3 Gauss on each element, |det J| so
//! orientation does not matter): the system diag(M, M) with the components interleaved node
//! by node, so that each iteration reads M once for both, and CG's scalars are shared (the two
//! blocks have one spectrum, so the pair converges as each would alone). The stopping point,
//! a relative residual of [`RTOL`], is set from the discretisation error, not from round-off:
//! see its docs. On u = eˣ sin y the recovered velocity
//! converges at h² in L2, the element values at h (tests/verification.rs measures both).
//! The nodal pressure follows from Bernoulli, p = p0 − ½ρ|vₕ|².
//!
//! **Stream function.** ψ with ∂ψ/∂y = v_x, ∂ψ/∂x = −v_y, i.e. ∇ψ = (u_y, −u_x) for v = −∇u,
//! is found in the same space by the Neumann problem
//!
//! ```text
//! ∫ ∇Nᵢ · ∇ψₕ dΩ = ∫ ∇Nᵢ · (∂uₕ/∂y, −∂uₕ/∂x) dΩ   for every node i,   ψₕ = 0 at one node
//! ```
//!
//! (the stiffness matrix of u itself, before u's conditions were imposed). Its natural
//! boundary condition ∂ψ/∂n = v · n carries the
//! boundary fluxes, so no boundary integration is needed and bodies inside the domain are
//! handled alike: ψ comes out constant along every wall, and the difference between two walls
//! is the flow between them (for the circulation-free flow potflow computes, ψ is single-valued).
//! Within a run, K comes from the solve's own matrix with u's conditions taken back out
//! ([`crate::bc::Imposed::unimposed`], [`stream_function_of`]): no second assembly. ψ gets
//! its own multigrid set-up: the solve's hierarchy carries u's Dirichlet condition on every
//! level, and reused for ψ it took 51-62 CG iterations instead of 14 (docs/benchmarks.md).

use std::ops::ControlFlow;

use rayon::prelude::*;

use crate::assembly::CsrPattern;
use crate::element::{gauss3x3, gradients, shape, PressureModel, NODES, SLOTS};
use crate::error::{Error, Result};
use crate::mesh::PreparedMesh;
use crate::solver::{cg, Amg, AmgOptions, CgOptions, Preconditioner};
use crate::sparse::spmv::LinearOperator;
use crate::sparse::Matrix;

/// The recovered nodal fields, in the order of the nodes they are given for.
#[derive(Debug, Clone, Default)]
pub struct NodalFields {
    pub velocity: Vec<[f64; 2]>,
    pub abs_vel: Vec<f64>,
    pub pressure: Vec<f64>,
    /// ψ, zero at the first used node, where an output needed it.
    pub stream_function: Option<Vec<f64>>,
    /// The smallest and largest nodal |v| and pressure over the nodes elements use.
    pub abs_vel_range: (f64, f64),
    pub pressure_range: (f64, f64),
}

/// CG tolerance of the recovery solve, relative to the right-hand side. The error it leaves
/// in vₕ is at most κ·RTOL relative, with κ the condition number of the Jacobi-scaled mass
/// matrix (bounded independently of h for a shape-regular mesh; below 50 on the meshes of
/// tests/verification.rs). The discretisation error the tests measure is 6.5e-5 relative at
/// their finest mesh, and a constant gradient is recovered to 1e-7: 1e-9 leaves the solve's
/// error two orders below both (a tolerance of round-off, 1e-10 before, took 20 % more
/// iterations for nothing a user can see).
pub const RTOL: f64 = 1e-9;

/// CG tolerance of the stream function's solve, relative. ψ's discretisation error, the
/// spread of ψ along a wall, is 1e-4 to 1e-3 of the flow on the meshes of
/// tests/verification.rs; the algebraic error is at most the preconditioned condition number
/// (about 10 with AMG) times this: 1e-7, three orders below. 1e-10 took 14 iterations on
/// y_tube_195k, this 10.
pub const PSI_RTOL: f64 = 1e-8;

/// Logs a recovery solve and turns a failure to converge into an error naming it.
fn converged(
    what: &str,
    outcome: &crate::solver::CgOutcome,
    started: std::time::Instant,
) -> Result<()> {
    log::debug!(
        "{what}: {} iterations, {:?}",
        outcome.iterations,
        started.elapsed()
    );
    if outcome.converged {
        Ok(())
    } else {
        Err(Error::Run(format!(
            "the {what} did not converge: {} iterations, relative residual {:.1e}",
            outcome.iterations, outcome.relative_residual
        )))
    }
}

/// Element e's consistent mass matrix into `m` (64 slots, row-major), and its two load
/// vectors −∫ Nᵢ ∂uₕ/∂x, −∫ Nᵢ ∂uₕ/∂y.
fn element_projection(
    xy: &[[f64; 2]; NODES],
    ue: &[f64; NODES],
    m: &mut [f64],
) -> [[f64; NODES]; 2] {
    m.fill(0.0);
    let mut b = [[0.0; NODES]; 2];
    for (xi, eta, w) in gauss3x3() {
        let n = shape(xi, eta);
        let (d, det) = gradients(xi, eta, xy);
        let wd = w * det.abs();
        let gx: f64 = (0..NODES).map(|k| d[0][k] * ue[k]).sum();
        let gy: f64 = (0..NODES).map(|k| d[1][k] * ue[k]).sum();
        for i in 0..NODES {
            let wn = wd * n[i];
            for j in 0..NODES {
                m[NODES * i + j] += wn * n[j];
            }
            b[0][i] -= wn * gx;
            b[1][i] -= wn * gy;
        }
    }
    b
}

/// M applied to both velocity components at once, interleaved node by node
/// (x₀, y₀, x₁, y₁, …): one pass over M's values and indices for the two.
struct Both<'a>(&'a Matrix);

impl LinearOperator for Both<'_> {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let (indptr, indices, values) = (
            self.0.indptr().into_raw_storage(),
            self.0.indices(),
            self.0.data(),
        );
        y.par_chunks_mut(2)
            .with_min_len(1024)
            .enumerate()
            .for_each(|(i, yi)| {
                let (s, e) = (indptr[i] as usize, indptr[i + 1] as usize);
                let (mut a, mut b) = (0.0, 0.0);
                for (&j, &v) in indices[s..e].iter().zip(&values[s..e]) {
                    a += v * x[2 * j as usize];
                    b += v * x[2 * j as usize + 1];
                }
                yi[0] = a;
                yi[1] = b;
            });
    }
}

/// Jacobi on the interleaved pair: both components of node i scaled by 1 / Mᵢᵢ.
struct BothJacobi(Vec<f64>);

impl Preconditioner for BothJacobi {
    fn apply(&self, r: &[f64], z: &mut [f64]) {
        z.par_chunks_mut(2)
            .zip(r.par_chunks(2))
            .zip(&self.0)
            .for_each(|((z, r), d)| {
                z[0] = r[0] * d;
                z[1] = r[1] * d;
            });
    }

    fn name(&self) -> &'static str {
        "jacobi (velocity pair)"
    }
}

/// The L2 projection of −∇uₕ onto the nodes of `mesh` (solver order in, solver order out).
pub fn nodal_velocity(mesh: &PreparedMesh, u: &[f64]) -> Result<Vec<[f64; 2]>> {
    // The element matrices straight into the slots the scatter reads, the loads beside.
    let mut slots = vec![0.0; SLOTS * mesh.elements()];
    let loads: Vec<[[f64; NODES]; 2]> = slots
        .par_chunks_mut(SLOTS)
        .enumerate()
        .map(|(e, m)| {
            let ue = mesh.elements[e].map(|k| u[k as usize]);
            element_projection(&mesh.element_xy(e), &ue, m)
        })
        .collect();
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let mass = {
        let values = pattern.scatter(&mesh.elements, &slots);
        pattern.into_matrix(values)
    };
    drop(slots);
    // Loads summed in element order, interleaved: the same bits on any thread count.
    let mut load = vec![0.0; 2 * mesh.nodes()];
    for (el, b) in mesh.elements.iter().zip(&loads) {
        for (a, &k) in el.iter().enumerate() {
            load[2 * k as usize] += b[0][a];
            load[2 * k as usize + 1] += b[1][a];
        }
    }
    let mut v = vec![0.0; 2 * mesh.nodes()];
    if load.iter().any(|&x| x != 0.0) {
        let started = std::time::Instant::now();
        let outcome = cg(
            &Both(&mass),
            &load,
            &mut v,
            &BothJacobi(crate::sparse::inverse_diagonal(&mass)),
            CgOptions {
                rtol: RTOL,
                max_iter: 10_000,
            },
            &mut |_, _| ControlFlow::Continue(()),
        );
        converged(
            "velocity recovery (Jacobi-CG on both components)",
            &outcome,
            started,
        )?;
    } // else ∇uₕ vanishes: so does its projection
    Ok(v.chunks(2).map(|c| [c[0], c[1]]).collect())
}

/// The right-hand side of ψ's problem, ∫ ∇Nᵢ · (∂uₕ/∂y, −∂uₕ/∂x) dΩ, summed in element
/// order.
fn stream_load(mesh: &PreparedMesh, u: &[f64]) -> Vec<f64> {
    let per_element: Vec<[f64; NODES]> = (0..mesh.elements())
        .into_par_iter()
        .map(|e| {
            let xy = mesh.element_xy(e);
            let ue = mesh.elements[e].map(|k| u[k as usize]);
            let mut b = [0.0; NODES];
            for (xi, eta, w) in gauss3x3() {
                let (d, det) = gradients(xi, eta, &xy);
                let wd = w * det.abs();
                let ux: f64 = (0..NODES).map(|k| d[0][k] * ue[k]).sum();
                let uy: f64 = (0..NODES).map(|k| d[1][k] * ue[k]).sum();
                for i in 0..NODES {
                    b[i] += wd * (d[0][i] * uy - d[1][i] * ux);
                }
            }
            b
        })
        .collect();
    let mut rhs = vec![0.0; mesh.nodes()];
    for (el, b) in mesh.elements.iter().zip(&per_element) {
        for (a, &k) in el.iter().enumerate() {
            rhs[k as usize] += b[a];
        }
    }
    rhs
}

/// The stream function of `u` (solver order in and out), ψ = 0 at the first node of each
/// mesh piece: K assembled here. Within a run, [`stream_function_of`] takes K from the
/// solve instead.
pub fn stream_function(mesh: &PreparedMesh, u: &[f64]) -> Result<Vec<f64>> {
    let sys = crate::assembly::assemble(mesh);
    stream_function_of(mesh, u, sys.matrix)
}

/// The stream function of `u` with K (`stiffness`, as assembled, no conditions) given;
/// preconditioned by a hierarchy of its own.
pub fn stream_function_of(
    mesh: &PreparedMesh,
    u: &[f64],
    mut stiffness: Matrix,
) -> Result<Vec<f64>> {
    let n = mesh.nodes();
    let mut rhs = stream_load(mesh, u);
    let started = std::time::Instant::now();
    // One node fixed: the rest of ψ follows (the mesh is connected through the Laplace
    // problem's own check; a disconnected piece would be singular, and its ψ is set to 0).
    let anchors = crate::mesh::pieces::piece_representatives(mesh);
    crate::bc::apply_dirichlet(
        &mut stiffness,
        &mut rhs,
        &anchors,
        &vec![0.0; anchors.len()],
    );
    let mut psi = vec![0.0; n];
    if rhs.iter().all(|&v| v == 0.0) {
        return Ok(psi); // no flow
    }
    let amg = Amg::new(&stiffness, AmgOptions::default())?;
    let outcome = cg(
        &stiffness,
        &rhs,
        &mut psi,
        &amg,
        CgOptions {
            rtol: PSI_RTOL,
            max_iter: 10_000,
        },
        &mut |_, _| ControlFlow::Continue(()),
    );
    converged("stream function (AMG set-up, CG)", &outcome, started)?;
    Ok(psi)
}

impl NodalFields {
    /// The nodal fields from the recovered velocity `v` and ψ (solver order), in the input's
    /// node order (on unused nodes the velocity and ψ are zero and the pressure p0).
    pub fn new(
        mesh: &PreparedMesh,
        v: &[[f64; 2]],
        psi: Option<&[f64]>,
        model: PressureModel,
    ) -> Self {
        let vx = mesh.to_input_order(&v.iter().map(|v| v[0]).collect::<Vec<f64>>());
        let vy = mesh.to_input_order(&v.iter().map(|v| v[1]).collect::<Vec<f64>>());
        let velocity: Vec<[f64; 2]> = vx.iter().zip(&vy).map(|(&x, &y)| [x, y]).collect();
        let abs_vel: Vec<f64> = velocity.iter().map(|v| v[0].hypot(v[1])).collect();
        let pressure = abs_vel.iter().map(|&s| model.pressure(s)).collect();
        // Over the used nodes alone (the solver's numbering holds no other).
        let range = |it: &mut dyn Iterator<Item = f64>| {
            it.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            })
        };
        let speeds = || v.iter().map(|v| v[0].hypot(v[1]));
        NodalFields {
            velocity,
            abs_vel,
            pressure,
            stream_function: psi.map(|p| mesh.to_input_order(p)),
            abs_vel_range: range(&mut speeds()),
            pressure_range: range(&mut speeds().map(|s| model.pressure(s))),
        }
    }
}
