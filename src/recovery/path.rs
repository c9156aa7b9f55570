//! A first guess at ψ by integrating dψ = ∂uₕ/∂y dx − ∂uₕ/∂x dy along element edges.
//!
//! Each element gives the increments of ψ along its eight half-edges, walking its outline
//! (corner, mid-edge node, corner, …) with its own gradient (3-point Gauss per half-edge), in
//! parallel. A breadth-first walk over the elements then gives every node a value: an element
//! reached from a node that has one carries it round its outline to the nodes that have none.
//! Within an element the increments do not add up to zero exactly (∇ψ = (u_y, −u_x) is a
//! gradient only where Δuₕ = 0), and neighbours differ in the normal derivative they carry
//! along a shared edge, so the guess depends on the walk by the discretisation error: a
//! start for ψ's CG, not ψ.

use std::collections::{HashMap, VecDeque};

use rayon::prelude::*;

use crate::element::{edge_shape, gradient_from, shape_derivatives, EDGES, NODES, NODE_XI};
use crate::mesh::prepare::node_elements;
use crate::mesh::PreparedMesh;
use crate::post::element_potential;

/// The outline of an element as local nodes, each step one half-edge.
const CYCLE: [usize; NODES] = [0, 4, 1, 5, 2, 6, 3, 7];

/// Where [`increments`] evaluates: for each half-edge in [`CYCLE`] order, the shape
/// derivatives at its midpoint and the edge's shape derivatives there (parameter s = ∓½ on its
/// edge). Computed once per run.
struct Midpoints([([[f64; NODES]; 2], [f64; 3]); NODES]);

impl Midpoints {
    fn new() -> Self {
        Midpoints(std::array::from_fn(|k| {
            let (side, half) = (k / 2, k % 2);
            let edge = EDGES[side];
            let (pa, pb) = (NODE_XI[edge[0]], NODE_XI[edge[2]]);
            let s = if half == 0 { -0.5 } else { 0.5 };
            let t = 0.5 * (s + 1.0);
            let dn = shape_derivatives(pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1]));
            (dn, edge_shape(s).1)
        }))
    }
}

/// ψ's increments along an element's eight half-edges, in [`CYCLE`] order: entry k is
/// ψ(CYCLE[k + 1]) − ψ(CYCLE[k]), by the midpoint rule on each half-edge (a guess needs no
/// more; on a straight-sided element the integrand is linear along the edge and the rule
/// exact).
fn increments(points: &Midpoints, xy: &[[f64; 2]; NODES], ue: &[f64; NODES]) -> [f64; NODES] {
    let mut out = [0.0; NODES];
    for (k, (dn, edge_dn)) in points.0.iter().enumerate() {
        let exy = EDGES[k / 2].map(|c| xy[c]);
        let ([ux, uy], _) = gradient_from(dn, xy, ue);
        let dx: f64 = (0..3).map(|j| edge_dn[j] * exy[j][0]).sum();
        let dy: f64 = (0..3).map(|j| edge_dn[j] * exy[j][1]).sum();
        // The half-edge spans 1 in s.
        out[k] = uy * dx - ux * dy;
    }
    out
}

/// The guess at ψ of `u` (plus its jumps) on every used node, 0 at the first node of each
/// piece the walk starts from.
pub fn path_integrated(
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &HashMap<u32, HashMap<u32, f64>>,
) -> Vec<f64> {
    let points = Midpoints::new();
    let steps: Vec<[f64; NODES]> = (0..mesh.elements())
        .into_par_iter()
        .map(|e| {
            let ue = element_potential(u, &mesh.elements[e], jumps.get(&(e as u32)));
            increments(&points, &mesh.element_xy(e), &ue)
        })
        .collect();
    let n = mesh.nodes();
    let (ptr, elems) = node_elements(n, &mesh.elements);
    let mut psi = vec![f64::NAN; n];
    let mut seen = vec![false; mesh.elements()];
    let mut queue = VecDeque::new();
    for first in 0..mesh.elements() {
        if seen[first] {
            continue;
        }
        seen[first] = true;
        let k0 = mesh.elements[first][0] as usize;
        if psi[k0].is_nan() {
            psi[k0] = 0.0;
        }
        queue.push_back(first);
        while let Some(e) = queue.pop_front() {
            let el = &mesh.elements[e];
            let Some(start) = (0..NODES).find(|&c| !psi[el[CYCLE[c]] as usize].is_nan()) else {
                continue;
            };
            let mut value = psi[el[CYCLE[start]] as usize];
            for j in 1..NODES {
                let c = (start + j) % NODES;
                value += steps[e][(c + NODES - 1) % NODES];
                let k = el[CYCLE[c]] as usize;
                if psi[k].is_nan() {
                    psi[k] = value;
                } else {
                    value = psi[k];
                }
            }
            for &k in el {
                for &f in &elems[ptr[k as usize] as usize..ptr[k as usize + 1] as usize] {
                    if !seen[f as usize] {
                        seen[f as usize] = true;
                        queue.push_back(f as usize);
                    }
                }
            }
        }
    }
    psi.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
    psi
}
