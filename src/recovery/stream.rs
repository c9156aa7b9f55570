//! The stream function ψ: ∂ψ/∂y = v_x, ∂ψ/∂x = −v_y, i.e. ∇ψ = (u_y, −u_x) for v = −∇u,
//! in the Quad-8 space of u, by the Neumann problem
//!
//! ```text
//! ∫ ∇Nᵢ · ∇ψₕ dΩ = ∫ ∇Nᵢ · (∂uₕ/∂y, −∂uₕ/∂x) dΩ   for every node i,   ψₕ = 0 at one node
//! ```
//!
//! with K, the stiffness matrix of u itself before u's conditions were imposed. Its natural
//! boundary condition ∂ψ/∂n = v · n carries the boundary fluxes, so bodies inside the domain
//! need no special treatment: ψ comes out constant along every wall, and the difference
//! between two walls is the flow between them (for the circulation-free flow potflow
//! computes, ψ is single-valued). [`stream_function`] assembles K and builds a hierarchy;
//! [`stream_function_of`] takes K from the solve (u's conditions taken back out,
//! [`crate::bc::Imposed::unimposed`]).
//!
//! **Within a run** ([`stream_function_on_boundary`]) ψ is solved with the solve's own matrix
//! and multigrid hierarchy: no assembly, no set-up. That matrix has u's Dirichlet rows
//! eliminated, so ψ is given values there: along the boundary dψ/ds = v · n (n outward, s
//! with the fluid on the left), so walking each boundary loop from a node,
//!
//! ```text
//! wall edge        v · n = 0
//! velocity:V edge  v · n = −V (inflow)
//! Dirichlet edge   v · n = −∇uₕ · n of the edge's element (3-point Gauss per half edge)
//! ```
//!
//! ψ's values on u's Dirichlet nodes follow by integration, and the rest is the Neumann
//! problem above with those values imposed. The flux through a Dirichlet edge is the one the
//! Neumann problem's natural condition carries, the element's own gradient, so ψ does not
//! wait for the recovered velocity (a run computes the two at once), and a linear potential
//! gives a ψ exact to round-off whatever the recovery's stopping point. CG starts from ψ
//! integrated along the element edges ([`super::path`]), within the discretisation error of
//! ψ: its relative residual is 1e-3 where a start from zero has 0.7, and CG needs 7
//! iterations instead of 10 on y_tube:195000 to the same tolerance. On a loop that is Dirichlet all round (a far
//! field), the loop's total (the net flux, zero up to the discretisation) is spread along it
//! by arc length. Where that does not apply (Dirichlet nodes on two boundary loops, whose
//! offset the boundary alone does not fix; a Robin inflow, which changes the matrix; a node
//! where two boundary loops touch), the run falls back to [`stream_function_of`]. The
//! potential's hierarchy does not precondition the Neumann problem itself: its coarse spaces
//! carry u = 0 on u's Dirichlet boundary (51-62 iterations instead of 14,
//! docs/benchmarks.md).

use std::collections::HashMap;
use std::ops::ControlFlow;

use super::converged;
use crate::bc::{AppliedCondition, Condition, Imposed};
use crate::element::{edge_shape, gradients, EDGES, GAUSS3_W, GAUSS3_X, NODES, NODE_XI};
use crate::error::Result;
use crate::mesh::PreparedMesh;
use crate::post::{element_potential, Jumps};
use crate::solver::{cg, Amg, AmgOptions, BuiltSolver, CgOptions};
use crate::sparse::Matrix;

/// CG tolerance of the stream function's solve, relative. ψ's discretisation error, the
/// spread of ψ along a wall, is 1e-4 to 1e-3 of the flow on the meshes of
/// tests/verification.rs; the algebraic error is at most the preconditioned condition number
/// (about 10 with AMG) times this: 1e-7, three orders below. 1e-10 took 14 iterations on
/// y_tube_195k, this 10.
pub const PSI_RTOL: f64 = 1e-8;

/// ∫ Nⱼ dNₖ/ds ds over an edge's parameter s ∈ [−1, 1], rows j and columns k its nodes
/// (end, mid, end; Nₖ the quadratic [`edge_shape`]s): an edge's share of ψ's right-hand side
/// is this times uₕ at its nodes (see [`stream_load`]). Each row sums to zero, as the
/// derivatives of the shape functions do.
const EDGE_LOAD: [[f64; 3]; 3] = [
    [-0.5, 2.0 / 3.0, -1.0 / 6.0],
    [-2.0 / 3.0, 0.0, 2.0 / 3.0],
    [1.0 / 6.0, -2.0 / 3.0, 0.5],
];

/// The right-hand side of ψ's problem, bᵢ = ∫ ∇Nᵢ · (∂uₕ/∂y, −∂uₕ/∂x) dΩ, as the boundary
/// integral it equals:
///
/// ```text
/// ∇Nᵢ · (u_y, −u_x) = ∂x(Nᵢ u_y) − ∂y(Nᵢ u_x)      so      bᵢ = ∮ Nᵢ ∂uₕ/∂s ds
/// ```
///
/// over the boundary with the fluid on the left. On each element this is Green's theorem
/// exactly: in natural coordinates the integrand is Nᵢ,ξ uₕ,η − Nᵢ,η uₕ,ξ (det J cancels),
/// a polynomial that the element's 3×3 Gauss rule integrates exactly. Summed over the
/// elements, an inner edge cancels: its two elements run along it in opposite directions, and
/// Nᵢ and the tangential derivative of uₕ are continuous along it (across a wake cut uₕ jumps
/// by a constant, which has none). What is left are the boundary edges, where Nᵢ ∂uₕ/∂s is a
/// cubic in the edge's parameter: [`EDGE_LOAD`] times uₕ at the edge's three nodes, with no
/// geometry at all. Inner nodes get exactly zero, where the element integrals gave round-off.
fn stream_load(mesh: &PreparedMesh, u: &[f64], jumps: &Jumps) -> Vec<f64> {
    let jumps = jumps.by_element();
    let mut rhs = vec![0.0; mesh.nodes()];
    for (e, side) in boundary_sides(mesh) {
        let el = &mesh.elements[e as usize];
        let ue = element_potential(u, el, jumps.get(&e));
        let ends = EDGES[side];
        for (row, &a) in EDGE_LOAD.iter().zip(&ends) {
            rhs[el[a] as usize] += (0..3).map(|k| row[k] * ue[ends[k]]).sum::<f64>();
        }
    }
    rhs
}

/// The mesh's boundary edges as (element, local edge), in element order. An edge lies on the
/// boundary when its mid-edge node is in one element only (a mid-edge node belongs to one
/// edge, and an inner edge to two elements): a count per node, no map over every edge.
fn boundary_sides(mesh: &PreparedMesh) -> Vec<(u32, usize)> {
    let mut mid_count = vec![0u8; mesh.nodes()];
    for el in &mesh.elements {
        for [_, m, _] in EDGES {
            let c = &mut mid_count[el[m] as usize];
            *c = c.saturating_add(1);
        }
    }
    let mut out = Vec::new();
    for (e, el) in mesh.elements.iter().enumerate() {
        for (side, [_, m, _]) in EDGES.into_iter().enumerate() {
            if mid_count[el[m] as usize] == 1 {
                out.push((e as u32, side));
            }
        }
    }
    out
}

/// The stream function of `u` (solver order in and out), ψ = 0 at the first node of each
/// mesh piece: K assembled here. Within a run, [`stream_function_of`] takes K from the
/// solve instead.
pub fn stream_function(mesh: &PreparedMesh, u: &[f64]) -> Result<Vec<f64>> {
    stream_function_with_jumps(mesh, u, &Jumps::default())
}

/// [`stream_function`] of a potential that jumps across a cut (u plus `jumps` on each
/// element): ψ is single-valued all the same.
pub fn stream_function_with_jumps(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
) -> Result<Vec<f64>> {
    let sys = crate::assembly::assemble(mesh);
    stream_function_of(mesh, u, jumps, sys.matrix)
}

/// The stream function of `u` with K (`stiffness`, as assembled, no conditions) given;
/// preconditioned by a hierarchy of its own.
pub fn stream_function_of(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
    mut stiffness: Matrix,
) -> Result<Vec<f64>> {
    let n = mesh.nodes();
    let mut rhs = stream_load(mesh, u, jumps);
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

/// How a run's ψ was solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRoute {
    /// With the solve's matrix and hierarchy, ψ's values on u's Dirichlet nodes from the
    /// boundary ([`stream_function_on_boundary`]).
    SolvesHierarchy,
    /// The Neumann problem with a hierarchy of its own ([`stream_function_of`]).
    OwnSetUp,
}

impl StreamRoute {
    /// For the summary.
    pub fn describe(self) -> &'static str {
        match self {
            StreamRoute::SolvesHierarchy => "with the solve's matrix and multigrid",
            StreamRoute::OwnSetUp => "with a multigrid set-up of its own",
        }
    }
}

/// A boundary edge (end, mid, end; the fluid on its left), the element it bounds and its
/// local edge there, and the outward flux density on it.
struct BoundaryEdge {
    nodes: [u32; 3],
    element: u32,
    side: usize,
    flux: Flux,
}

#[derive(Clone, Copy, PartialEq)]
enum Flux {
    /// No flow through it.
    Wall,
    /// v · n = −V: a velocity condition's inflow.
    Inflow(f64),
    /// u is fixed there: v · n from the element's gradient.
    Element,
}

/// The mesh's boundary edges ([`boundary_sides`]) oriented with the fluid on the left
/// (elements are counter-clockwise), each with its flux.
fn boundary_edges(
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    fixed: &[bool],
) -> Vec<BoundaryEdge> {
    let key = |a: u32, m: u32, b: u32| (a.min(b), a.max(b), m);
    let mut inflow: HashMap<(u32, u32, u32), f64> = HashMap::new();
    for c in applied {
        if let Condition::Velocity(v) = c.condition {
            for e in &c.part.edges {
                inflow.insert(key(e[0], e[1], e[2]), v);
            }
        }
    }
    boundary_sides(mesh)
        .into_iter()
        .map(|(element, side)| {
            let el = &mesh.elements[element as usize];
            let nodes = EDGES[side].map(|a| el[a]);
            let flux = match inflow.get(&key(nodes[0], nodes[1], nodes[2])) {
                Some(&v) => Flux::Inflow(v),
                None if nodes.iter().all(|&n| fixed[n as usize]) => Flux::Element,
                None => Flux::Wall,
            };
            BoundaryEdge {
                nodes,
                element,
                side,
                flux,
            }
        })
        .collect()
}

/// Where a run's ψ reads the flux through its Dirichlet edges: the potential and its jumps.
struct Potential<'a> {
    u: &'a [f64],
    jumps: HashMap<u32, HashMap<u32, f64>>,
}

/// ∫ v · n ds over the edge from parameter `a` to `b` (n outward: the edge runs with the fluid
/// on its left), 3-point Gauss, and the arc length.
fn edge_flux(mesh: &PreparedMesh, e: &BoundaryEdge, u: &Potential, a: f64, b: f64) -> (f64, f64) {
    let xy = e.nodes.map(|k| mesh.xy[k as usize]);
    let el = &mesh.elements[e.element as usize];
    let exy = mesh.element_xy(e.element as usize);
    let ue = element_potential(u.u, el, u.jumps.get(&e.element));
    let [ea, _, eb] = EDGES[e.side].map(|k| NODE_XI[k]);
    let (mut flux, mut length) = (0.0, 0.0);
    for (&g, &w) in GAUSS3_X.iter().zip(&GAUSS3_W) {
        let s = a + (b - a) * 0.5 * (g + 1.0);
        let (_, dn) = edge_shape(s);
        let d = [0, 1].map(|c| (0..3).map(|k| dn[k] * xy[k][c]).sum::<f64>());
        let ds = 0.5 * (b - a) * w * d[0].hypot(d[1]);
        // (dy, −dx)/|d| points to the right of the direction of travel: out of the fluid.
        let normal = [d[1] / d[0].hypot(d[1]), -d[0] / d[0].hypot(d[1])];
        let vn = match e.flux {
            Flux::Wall => 0.0,
            Flux::Inflow(speed) => -speed,
            Flux::Element => {
                // The edge's point in the element's natural coordinates: the edge is straight
                // there, from its first end (s = −1) to its last (s = 1).
                let t = 0.5 * (s + 1.0);
                let (grad, _) = gradients(
                    ea[0] + t * (eb[0] - ea[0]),
                    ea[1] + t * (eb[1] - ea[1]),
                    &exy,
                );
                let g = [0, 1].map(|c| (0..NODES).map(|k| grad[c][k] * ue[k]).sum::<f64>());
                -(g[0] * normal[0] + g[1] * normal[1])
            }
        };
        flux += vn * ds;
        length += ds;
    }
    (flux, length)
}

/// ψ on the nodes of u's Dirichlet rows, by integration along the boundary loop that holds
/// them (see the module docs); `None` where the boundary does not fix them.
fn boundary_values(
    mesh: &PreparedMesh,
    u: &Potential,
    applied: &[AppliedCondition],
    fixed: &[bool],
) -> Option<HashMap<u32, f64>> {
    let edges = boundary_edges(mesh, applied, fixed);
    let mut starting: HashMap<u32, usize> = HashMap::with_capacity(edges.len());
    for (i, e) in edges.iter().enumerate() {
        if starting.insert(e.nodes[0], i).is_some() {
            return None; // two loops touch at a node
        }
    }
    let mut used = vec![false; edges.len()];
    let mut values: Option<HashMap<u32, f64>> = None;
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        // The loop through `first`, in order.
        let mut order = vec![first];
        used[first] = true;
        let mut at = edges[first].nodes[2];
        while at != edges[first].nodes[0] {
            let &next = starting.get(&at)?;
            if used[next] {
                return None;
            }
            used[next] = true;
            order.push(next);
            at = edges[next].nodes[2];
        }
        if !order
            .iter()
            .any(|&i| edges[i].nodes.iter().any(|&n| fixed[n as usize]))
        {
            continue; // no Dirichlet node: the loop's ψ is the Neumann problem's
        }
        if values.is_some() {
            return None; // Dirichlet nodes on a second loop: its offset is not known
        }
        // Start after a wall or inflow edge where there is one, so that the loop's closing
        // mismatch falls on no Dirichlet node.
        let shift = order
            .iter()
            .position(|&i| edges[i].flux != Flux::Element)
            .map_or(0, |k| k + 1);
        let len = order.len();
        order.rotate_left(shift % len);
        let mut psi = HashMap::new();
        let (mut acc, mut arc) = (0.0, 0.0);
        let mut along = Vec::with_capacity(2 * order.len());
        for &i in &order {
            let e = &edges[i];
            along.push((e.nodes[0], acc, arc));
            let (f, l) = edge_flux(mesh, e, u, -1.0, 0.0);
            along.push((e.nodes[1], acc + f, arc + l));
            let (g, m) = edge_flux(mesh, e, u, 0.0, 1.0);
            (acc, arc) = (acc + f + g, arc + l + m);
        }
        // All round Dirichlet: the net flux (zero up to the discretisation) spread by arc.
        let all_round = order.iter().all(|&i| edges[i].flux == Flux::Element);
        let spread = if all_round && arc > 0.0 {
            acc / arc
        } else {
            0.0
        };
        for (node, value, s) in along {
            if fixed[node as usize] {
                psi.insert(node, value - spread * s);
            }
        }
        values = Some(psi);
    }
    values
}

/// ψ with the solve's matrix and hierarchy (`solver`, built for u with `imposed` on it), see
/// the module docs; `None` where the boundary does not fix ψ on u's Dirichlet nodes, for
/// [`stream_function_of`] instead.
pub fn stream_function_on_boundary(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
    applied: &[AppliedCondition],
    imposed: &Imposed,
    solver: &BuiltSolver,
) -> Result<Option<Vec<f64>>> {
    if imposed.robin_p() != 0.0 {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let rows = imposed.dirichlet();
    let mut fixed = vec![false; mesh.nodes()];
    for i in rows.nodes() {
        fixed[i as usize] = true;
    }
    let potential = Potential {
        u,
        jumps: jumps.by_element(),
    };
    let Some(on_boundary) = boundary_values(mesh, &potential, applied, &fixed) else {
        return Ok(None);
    };
    let Some(values) = rows
        .nodes()
        .map(|i| on_boundary.get(&i).copied())
        .collect::<Option<Vec<f64>>>()
    else {
        return Ok(None); // a Dirichlet node off the boundary loop
    };
    let mut rhs = stream_load(mesh, u, jumps);
    rows.eliminate(&values, &mut rhs);
    // CG starts from ψ integrated along element edges, moved to meet the boundary's values
    // on average (both integrate the same fluxes from their own starting nodes).
    let mut psi = super::path::path_integrated(mesh, u, &potential.jumps);
    let offset = rows
        .nodes()
        .zip(&values)
        .map(|(i, g)| g - psi[i as usize])
        .sum::<f64>()
        / values.len().max(1) as f64;
    psi.iter_mut().for_each(|v| *v += offset);
    for (i, &g) in rows.nodes().zip(&values) {
        psi[i as usize] = g;
    }
    let outcome = solver.cg(
        &rhs,
        &mut psi,
        CgOptions {
            rtol: PSI_RTOL,
            max_iter: 10_000,
        },
        &mut |_, _| ControlFlow::Continue(()),
    );
    converged(
        "stream function (the solve's matrix and hierarchy, CG)",
        &outcome,
        started,
    )?;
    Ok(Some(psi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::gradients_from;
    use crate::mesh::generate;

    /// ψ's right-hand side as the element integrals that define it (3×3 Gauss, |det J|).
    fn element_integrals(mesh: &PreparedMesh, u: &[f64], jumps: &Jumps) -> Vec<f64> {
        let jumps = jumps.by_element();
        let tables = crate::recovery::Tables::new();
        let mut rhs = vec![0.0; mesh.nodes()];
        for (e, el) in mesh.elements.iter().enumerate() {
            let xy = mesh.element_xy(e);
            let ue = element_potential(u, el, jumps.get(&(e as u32)));
            for (w, _, dn) in &tables.gauss {
                let (d, det) = gradients_from(dn, &xy);
                let ux: f64 = (0..NODES).map(|k| d[0][k] * ue[k]).sum();
                let uy: f64 = (0..NODES).map(|k| d[1][k] * ue[k]).sum();
                for (a, &k) in el.iter().enumerate() {
                    rhs[k as usize] += w * det.abs() * (d[0][a] * uy - d[1][a] * ux);
                }
            }
        }
        rhs
    }

    /// Any continuous uₕ, harmonic or not: a fixed pseudo-random value per node.
    fn scrambled(n: usize) -> Vec<f64> {
        (0..n as u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64)
            .map(|r| 2.0 * r - 1.0)
            .collect()
    }

    /// A wake cut's jumps (as the `lift` room makes them) along the ray from the origin
    /// through (1, 0): every element whose nodes span more than π of angle round the origin
    /// lies across the ray, and its nodes below it (angle over π) jump by −`gamma`.
    fn cut_along_positive_x(mesh: &PreparedMesh, gamma: f64) -> Jumps {
        use std::f64::consts::PI;
        let angle: Vec<f64> = (mesh.xy.iter())
            .map(|&[x, y]| y.atan2(x).rem_euclid(2.0 * PI))
            .collect();
        Jumps::across_ray(&mesh.elements, &angle, -gamma)
    }

    #[test]
    fn psi_s_load_is_the_boundary_integral_of_the_element_integrals() {
        // Green's theorem element by element, with curved edges (round the cylinder), a
        // potential that is not harmonic, and a wake cut's jumps (a ray from the cylinder's
        // centre to the far field): the two forms agree to round-off, and inner nodes get
        // nothing. Round-off: each entry sums about 9 Gauss terms per element of size
        // |∇N||∇u| h² ~ |u|, so 1e-12 of the largest entry is ample and 1e-6 would
        // already catch a single missing edge.
        for (geometry, cut) in [
            ("channel_with_cylinder", false),
            ("cylinder_in_stream", true),
        ] {
            let mesh = PreparedMesh::prepare(&generate::by_name(geometry, 3_000).unwrap()).unwrap();
            let u = scrambled(mesh.nodes());
            let jumps = if cut {
                cut_along_positive_x(&mesh, 0.7)
            } else {
                Jumps::default()
            };
            assert_eq!(jumps.is_empty(), !cut);
            let exact = element_integrals(&mesh, &u, &jumps);
            let load = stream_load(&mesh, &u, &jumps);
            let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = exact
                .iter()
                .zip(&load)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(worst < 1e-12 * scale, "{geometry}: {worst:e} of {scale:e}");
            let mut on_boundary = vec![false; mesh.nodes()];
            for (e, side) in boundary_sides(&mesh) {
                for a in EDGES[side] {
                    on_boundary[mesh.elements[e as usize][a] as usize] = true;
                }
            }
            let inner = (0..mesh.nodes()).filter(|&i| !on_boundary[i]);
            assert!(inner.clone().count() > mesh.nodes() / 2);
            assert!(inner.clone().all(|i| load[i] == 0.0));
            // The element integrals leave inner nodes at round-off, not more.
            assert!(inner.map(|i| exact[i].abs()).fold(0.0, f64::max) < 1e-12 * scale);
        }
    }
}
