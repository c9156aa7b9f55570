//! A continuous velocity at the nodes, recovered from uₕ by L2 projection; and the stream
//! function ([`stream`]).
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
//! blocks have one spectrum, so the pair converges as each would alone). M is never
//! assembled: each element keeps its own Mₑ and CG multiplies element by element ([`mass`]).
//!
//! CG starts from the plain average of −∇uₕ over the elements at each node, itself an O(h²)
//! approximation of v, so it starts at a distance from vₕ of the order of the discretisation
//! error; it stops when it has cut its residual by [`REDUCTION`] (see its docs), which leaves
//! an algebraic error far below that error, whatever the mesh size. A linear potential's
//! average is exact: CG then has nothing to do. On u = eˣ sin y the recovered velocity
//! converges at h² in L2, the element values at h (tests/verification.rs measures both, and
//! that stopping early costs under 1% of the error).
//! The nodal pressure follows from Bernoulli, p = p0 − ½ρ|vₕ|².
//!
//! The stream function ψ is [`stream`]'s.

use std::ops::ControlFlow;

pub mod mass;
pub mod path;
pub mod stream;
pub use stream::{
    stream_function, stream_function_of, stream_function_on_boundary, stream_function_with_jumps,
    StreamRoute, PSI_RTOL,
};

use rayon::prelude::*;

use crate::element::{
    gauss3x3, gradient_from, shape, shape_derivatives, PressureModel, NODES, NODE_XI,
};
use crate::error::{Error, Result};
use crate::mesh::PreparedMesh;
use crate::post::{element_potential, Jumps};
use crate::solver::{cg, CgOptions, Preconditioner};
use crate::sparse::spmv::LinearOperator;
use mass::{by_first_node, MassPair, NodeSlots};

/// The recovered nodal fields, in the order of the nodes they are given for.
#[derive(Debug, Clone, Default)]
pub struct NodalFields {
    pub velocity: Vec<[f64; 2]>,
    pub abs_vel: Vec<f64>,
    pub pressure: Vec<f64>,
    /// ψ, zero at the first used node, where an output needed it.
    pub stream_function: Option<Vec<f64>>,
    /// How ψ was solved, where it was.
    pub stream_route: Option<StreamRoute>,
    /// The smallest and largest nodal |v| and pressure over the nodes elements use.
    pub abs_vel_range: (f64, f64),
    pub pressure_range: (f64, f64),
}

/// How far the recovery's CG cuts its initial residual. The average it starts from is
/// within a few times the discretisation error of vₕ (0.001-0.06 of that error on the unit
/// square, 0.6-2.7 on a randomly distorted mesh, in tests/verification.rs), and a residual
/// cut by 1e-3 leaves the field 0.001-0.003 of the discretisation error away from the exact
/// projection there (measured by that test, which allows 0.01): the error of the recovered
/// field is the discretisation's, whatever the mesh size, in 14 iterations on y_tube_195k
/// where a tolerance set from round-off (1e-10 of the right-hand side) took 37.
pub const REDUCTION: f64 = 1e-3;

/// The recovery never iterates past this relative residual (the stopping point before
/// [`REDUCTION`]): where the start is exact to round-off, CG does nothing.
const RTOL_FLOOR: f64 = 1e-10;

/// Logs a recovery solve and turns a failure to converge into an error naming it.
pub(crate) fn converged(
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

/// What an element gives the projection: its mass matrix, packed ([`mass::PACKED`]), and
/// for each of its nodes a in turn the loads −∫ Nₐ ∂uₕ/∂x, −∫ Nₐ ∂uₕ/∂y and −∇uₕ at the node
/// (`LOAD` values per node).
type ElementProjection = ([f64; mass::PACKED], [f64; LOAD * NODES]);

/// Values per node in [`ElementProjection`]'s second part.
const LOAD: usize = 4;

/// The shape functions and their derivatives where the projection evaluates them: at the
/// 3×3 Gauss points (with the weights) and at the eight nodes. Computed once per run.
pub(crate) struct Tables {
    pub(crate) gauss: [(f64, [f64; NODES], [[f64; NODES]; 2]); 9],
    nodes: [[[f64; NODES]; 2]; NODES],
}

impl Tables {
    pub(crate) fn new() -> Self {
        Tables {
            gauss: gauss3x3().map(|(xi, eta, w)| (w, shape(xi, eta), shape_derivatives(xi, eta))),
            nodes: NODE_XI.map(|[xi, eta]| shape_derivatives(xi, eta)),
        }
    }
}

/// Element e's [`ElementProjection`].
fn element_projection(
    tables: &Tables,
    xy: &[[f64; 2]; NODES],
    ue: &[f64; NODES],
) -> ElementProjection {
    let mut m = [0.0; mass::PACKED];
    let mut loads = [0.0; LOAD * NODES];
    for (w, n, dn) in &tables.gauss {
        let ([gx, gy], det) = gradient_from(dn, xy, ue);
        let wd = w * det.abs();
        let mut p = 0;
        for i in 0..NODES {
            let wn = wd * n[i];
            for nj in &n[i..] {
                m[p] += wn * nj;
                p += 1;
            }
            loads[LOAD * i] -= wn * gx;
            loads[LOAD * i + 1] -= wn * gy;
        }
    }
    for (a, dn) in tables.nodes.iter().enumerate() {
        let (g, _) = gradient_from(dn, xy, ue);
        loads[LOAD * a + 2] = -g[0];
        loads[LOAD * a + 3] = -g[1];
    }
    (m, loads)
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
    nodal_velocity_with_jumps(mesh, u, &Jumps::default())
}

/// [`nodal_velocity`] of a potential that jumps across a cut: uₕ on each element is u plus
/// its `jumps`.
pub fn nodal_velocity_with_jumps(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
) -> Result<Vec<[f64; 2]>> {
    nodal_velocity_to(mesh, u, jumps, REDUCTION)
}

/// ‖b − A x‖ / ‖b‖.
fn relative_residual(a: &dyn LinearOperator, b: &[f64], x: &[f64]) -> f64 {
    let mut ax = vec![0.0; b.len()];
    a.apply(x, &mut ax);
    let norm = |it: &mut dyn Iterator<Item = f64>| it.map(|v| v * v).sum::<f64>().sqrt();
    norm(&mut b.iter().zip(&ax).map(|(b, ax)| b - ax)) / norm(&mut b.iter().copied())
}

/// [`nodal_velocity_with_jumps`] with CG cutting its initial residual by `reduction` (at
/// most down to a relative residual of 1e-10); [`REDUCTION`] in a run.
pub fn nodal_velocity_to(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
    reduction: f64,
) -> Result<Vec<[f64; 2]>> {
    let jumps = jumps.by_element();
    let tables = Tables::new();
    let order = by_first_node(&mesh.elements);
    let elements: Vec<[u32; NODES]> = order.iter().map(|&e| mesh.elements[e as usize]).collect();
    let (element_mass, per_slot): (Vec<[f64; mass::PACKED]>, Vec<[f64; LOAD * NODES]>) = order
        .par_iter()
        .map(|&e| {
            let e = e as usize;
            let ue = element_potential(u, &mesh.elements[e], jumps.get(&(e as u32)));
            element_projection(&tables, &mesh.element_xy(e), &ue)
        })
        .unzip();
    let slots = NodeSlots::new(mesh.nodes(), &elements);
    // The loads and the start summed node by node over the node's elements in the order
    // above: the same bits on any thread count.
    let mut gathered = vec![[0.0; LOAD]; mesh.nodes()];
    slots.gather(per_slot.as_flattened().as_chunks::<LOAD>().0, &mut gathered);
    drop(per_slot);
    let mut load = vec![0.0; 2 * mesh.nodes()];
    let mut v = vec![0.0; 2 * mesh.nodes()];
    load.par_chunks_mut(2)
        .zip(v.par_chunks_mut(2))
        .zip(gathered.par_iter())
        .enumerate()
        .for_each(|(i, ((load, v), g))| {
            let count = slots.of(i).len().max(1) as f64;
            load.copy_from_slice(&g[..2]);
            v[0] = g[2] / count;
            v[1] = g[3] / count;
        });
    drop(gathered);
    if load.iter().any(|&x| x != 0.0) {
        let started = std::time::Instant::now();
        let operator = MassPair::new(&element_mass, &elements, &slots);
        let rtol = (reduction * relative_residual(&operator, &load, &v)).max(RTOL_FLOOR);
        let outcome = cg(
            &operator,
            &load,
            &mut v,
            &BothJacobi(operator.inverse_diagonal()),
            CgOptions {
                rtol,
                max_iter: 10_000,
            },
            &mut |_, _| ControlFlow::Continue(()),
        );
        converged(
            "velocity recovery (Jacobi-CG on both components)",
            &outcome,
            started,
        )?;
    } else {
        v.fill(0.0); // ∇uₕ vanishes: so does its projection
    }
    Ok(v.chunks(2).map(|c| [c[0], c[1]]).collect())
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
            stream_route: None,
            abs_vel_range: range(&mut speeds()),
            pressure_range: range(&mut speeds().map(|s| model.pressure(s))),
        }
    }
}
