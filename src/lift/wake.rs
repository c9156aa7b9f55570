//! The wake cut: where the potential of a unit circulation jumps, and what that puts on the
//! right-hand side.
//!
//! Round a point c inside the body, the angle a ∈ [0, 2π) is measured counter-clockwise from
//! the ray that leaves c through the trailing edge. The potential of a unit (clockwise)
//! circulation is a/2π plus a single-valued part; a/2π jumps by 1 across the ray. An element
//! whose nodes span more than π of angle lies across the ray: it takes the nodes with a > π
//! down by 1 (its jumps, [`Jumps`]), so that within it the potential is smooth. The cut is
//! then the chain of element edges along which those elements meet their neighbours, from
//! the trailing edge downstream to the far field; it needs no change to the mesh.

use rayon::prelude::*;

use crate::element::{stiffness_element, NODES};
use crate::mesh::PreparedMesh;
use crate::post::Jumps;

/// The ray of the cut: from `centre` through `through`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ray {
    pub centre: [f64; 2],
    pub through: [f64; 2],
}

/// Angles closer to the ray than this (radians) count as on it: nodes that lie on the ray
/// up to round-off go to the side above it.
const ON_RAY: f64 = 1e-9;

impl Ray {
    /// a(p) ∈ [0, 2π): the angle of p round the centre, counter-clockwise from the ray.
    pub fn angle(&self, p: [f64; 2]) -> f64 {
        let d = [
            self.through[0] - self.centre[0],
            self.through[1] - self.centre[1],
        ];
        let q = [p[0] - self.centre[0], p[1] - self.centre[1]];
        let phi = (d[0] * q[1] - d[1] * q[0]).atan2(d[0] * q[0] + d[1] * q[1]);
        if phi.abs() < ON_RAY {
            0.0
        } else if phi < 0.0 {
            phi + 2.0 * std::f64::consts::PI
        } else {
            phi
        }
    }
}

/// The jumps of a unit circulation's potential: −1 on the nodes with a > π of every element
/// whose nodes span more than π of angle.
pub fn unit_jumps(mesh: &PreparedMesh, ray: &Ray) -> Jumps {
    let angles: Vec<f64> = mesh.xy.par_iter().map(|&p| ray.angle(p)).collect();
    Jumps::across_ray(&mesh.elements, &angles, -1.0)
}

/// The load the jumps put on the single-valued part w of the potential: the Galerkin
/// equations of w + jumps are K w = −Σₑ Kₑ jₑ (over the cut elements alone).
pub fn jump_load(mesh: &PreparedMesh, jumps: &Jumps) -> Vec<f64> {
    let mut load = vec![0.0; mesh.nodes()];
    for (e, j) in &jumps.elements {
        let k = stiffness_element(&mesh.element_xy(*e as usize));
        for (a, &(node, _)) in j.iter().enumerate() {
            let kj: f64 = (0..NODES).map(|b| k[NODES * a + b] * j[b].1).sum();
            load[node as usize] -= kj;
        }
    }
    load
}
