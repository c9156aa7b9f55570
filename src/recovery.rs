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
//! one mass-matrix solve per component (3×3 Gauss on each element, |det J| so orientation does
//! not matter; Jacobi-CG to a relative residual of 1e-10: the consistent mass matrix is well
//! conditioned once its diagonal is scaled out). On u = eˣ sin y the recovered velocity
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
//! (the stiffness matrix of u itself). Its natural boundary condition ∂ψ/∂n = v · n carries the
//! boundary fluxes, so no boundary integration is needed and bodies inside the domain are
//! handled alike: ψ comes out constant along every wall, and the difference between two walls
//! is the flow between them (for the circulation-free flow potflow computes, ψ is single-valued).

use std::ops::ControlFlow;

use rayon::prelude::*;

use crate::assembly::CsrPattern;
use crate::element::{gauss3x3, gradients, shape, PressureModel, NODES, SLOTS};
use crate::error::{Error, Result};
use crate::mesh::PreparedMesh;
use crate::solver::{cg, CgOptions, Jacobi};

/// The recovered nodal fields, in the order of the nodes they are given for.
#[derive(Debug, Clone, Default)]
pub struct NodalFields {
    pub velocity: Vec<[f64; 2]>,
    pub abs_vel: Vec<f64>,
    pub pressure: Vec<f64>,
    /// ψ, zero at the first used node.
    pub stream_function: Vec<f64>,
    /// The smallest and largest nodal |v| and pressure over the nodes elements use.
    pub abs_vel_range: (f64, f64),
    pub pressure_range: (f64, f64),
}

/// CG tolerance of the recovery solves: far below the discretisation error of the fields
/// they recover (6.5e-5 relative at the finest mesh of tests/verification.rs), and a few
/// iterations short of round-off.
const RTOL: f64 = 1e-10;

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

/// Element e's consistent mass matrix (64 slots, row-major) and its two load vectors
/// −∫ Nᵢ ∂uₕ/∂x, −∫ Nᵢ ∂uₕ/∂y.
fn element_projection(
    xy: &[[f64; 2]; NODES],
    ue: &[f64; NODES],
) -> ([f64; SLOTS], [[f64; NODES]; 2]) {
    let mut m = [0.0; SLOTS];
    let mut b = [[0.0; NODES]; 2];
    for (xi, eta, w) in gauss3x3() {
        let n = shape(xi, eta);
        let (d, det) = gradients(xi, eta, xy);
        let wd = w * det.abs();
        let gx: f64 = (0..NODES).map(|k| d[0][k] * ue[k]).sum();
        let gy: f64 = (0..NODES).map(|k| d[1][k] * ue[k]).sum();
        for i in 0..NODES {
            for j in 0..NODES {
                m[NODES * i + j] += wd * n[i] * n[j];
            }
            b[0][i] -= wd * n[i] * gx;
            b[1][i] -= wd * n[i] * gy;
        }
    }
    (m, b)
}

/// The L2 projection of −∇uₕ onto the nodes of `mesh` (solver order in, solver order out).
pub fn nodal_velocity(mesh: &PreparedMesh, u: &[f64]) -> Result<Vec<[f64; 2]>> {
    let per_element: Vec<([f64; SLOTS], [[f64; NODES]; 2])> = (0..mesh.elements())
        .into_par_iter()
        .map(|e| {
            let ue = mesh.elements[e].map(|k| u[k as usize]);
            element_projection(&mesh.element_xy(e), &ue)
        })
        .collect();
    let slots: Vec<f64> = per_element
        .iter()
        .flat_map(|(m, _)| m.iter().copied())
        .collect();
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let mass = {
        let values = pattern.scatter(&mesh.elements, &slots);
        pattern.into_matrix(values)
    };
    drop(slots);
    // Loads summed in element order: the same bits on any thread count.
    let mut load = [vec![0.0; mesh.nodes()], vec![0.0; mesh.nodes()]];
    for (el, (_, b)) in mesh.elements.iter().zip(&per_element) {
        for (a, &k) in el.iter().enumerate() {
            load[0][k as usize] += b[0][a];
            load[1][k as usize] += b[1][a];
        }
    }
    let jacobi = Jacobi::new(&mass);
    let opts = CgOptions {
        rtol: RTOL,
        max_iter: 10_000,
    };
    let mut components = [vec![0.0; mesh.nodes()], vec![0.0; mesh.nodes()]];
    for (x, b) in components.iter_mut().zip(&load) {
        if b.iter().all(|&v| v == 0.0) {
            continue; // that component of ∇uₕ vanishes: the projection is zero
        }
        let started = std::time::Instant::now();
        let outcome = cg(&mass, b, x, &jacobi, opts, &mut |_, _| {
            ControlFlow::Continue(())
        });
        converged("velocity recovery (Jacobi-CG)", &outcome, started)?;
    }
    Ok(components[0]
        .iter()
        .zip(&components[1])
        .map(|(&x, &y)| [x, y])
        .collect())
}

/// The stream function of `u` (solver order in and out), ψ = 0 at the first node.
pub fn stream_function(mesh: &PreparedMesh, u: &[f64]) -> Result<Vec<f64>> {
    let n = mesh.nodes();
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
    let mut rhs = vec![0.0; n];
    for (el, b) in mesh.elements.iter().zip(&per_element) {
        for (a, &k) in el.iter().enumerate() {
            rhs[k as usize] += b[a];
        }
    }
    let started = std::time::Instant::now();
    let mut sys = crate::assembly::assemble(mesh);
    sys.rhs = rhs;
    // One node fixed: the rest of ψ follows (the mesh is connected through the Laplace
    // problem's own check; a disconnected piece would be singular, and its ψ is set to 0).
    let anchors = crate::mesh::pieces::piece_representatives(mesh);
    crate::bc::apply_dirichlet(
        &mut sys.matrix,
        &mut sys.rhs,
        &anchors,
        &vec![0.0; anchors.len()],
    );
    let mut psi = vec![0.0; n];
    if sys.rhs.iter().all(|&v| v == 0.0) {
        return Ok(psi); // no flow
    }
    let amg = crate::solver::Amg::new(&sys.matrix, crate::solver::AmgOptions::default())?;
    let outcome = cg(
        &sys.matrix,
        &sys.rhs,
        &mut psi,
        &amg,
        CgOptions {
            rtol: RTOL,
            max_iter: 10_000,
        },
        &mut |_, _| ControlFlow::Continue(()),
    );
    converged(
        "stream function (assembly, AMG set-up, CG)",
        &outcome,
        started,
    )?;
    Ok(psi)
}

/// The nodal velocity of `u` with |v|, Bernoulli's pressure and the stream function, in the
/// input's node order (on unused nodes the velocity and ψ are zero and the pressure p0).
pub fn nodal_fields(mesh: &PreparedMesh, u: &[f64], model: PressureModel) -> Result<NodalFields> {
    let v = nodal_velocity(mesh, u)?;
    let vx = mesh.to_input_order(&v.iter().map(|v| v[0]).collect::<Vec<f64>>());
    let vy = mesh.to_input_order(&v.iter().map(|v| v[1]).collect::<Vec<f64>>());
    let velocity: Vec<[f64; 2]> = vx.iter().zip(&vy).map(|(&x, &y)| [x, y]).collect();
    let abs_vel: Vec<f64> = velocity.iter().map(|v| v[0].hypot(v[1])).collect();
    let pressure = abs_vel.iter().map(|&s| model.pressure(s)).collect();
    let stream_function = mesh.to_input_order(&stream_function(mesh, u)?);
    // Over the used nodes alone (the solver's numbering holds no other).
    let range = |it: &mut dyn Iterator<Item = f64>| {
        it.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
    };
    let speeds = || v.iter().map(|v| v[0].hypot(v[1]));
    let abs_vel_range = range(&mut speeds());
    let pressure_range = range(&mut speeds().map(|s| model.pressure(s)));
    Ok(NodalFields {
        velocity,
        abs_vel,
        pressure,
        stream_function,
        abs_vel_range,
        pressure_range,
    })
}
