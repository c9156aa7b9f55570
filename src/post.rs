//! Post-processing: element velocity, |v| and pressure from the nodal potential.
//!
//! ```text
//! v     = −¼ Σ_{2×2 Gauss} ∇u            (element mean of −grad u)
//! |v|   = ¼ Σ_{2×2 Gauss} |∇u|           (mean of the magnitudes, the reference's choice)
//! p     = p0 − ½ ρ |v|²                  (Bernoulli; p0 the stagnation pressure)
//! ```

use std::collections::HashMap;

use rayon::prelude::*;

use crate::element::{velocity_element, PressureModel, NODES};
use crate::mesh::PreparedMesh;

/// The potential's jumps across a wake cut: for every element the cut runs along, the amount
/// to add to u at each of its nodes, so that the element holds the potential of one side of
/// the cut (see the `lift` room). u itself is continuous; an element's own potential is u
/// plus its jumps. No cut, no jumps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Jumps {
    /// (element, [(node, amount); 8]) in the element's local node order; nodes and elements
    /// in the numbering of the mesh they were made for.
    pub elements: Vec<(u32, [(u32, f64); NODES])>,
}

impl Jumps {
    /// Whether there is no cut.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Each cut element with its jump at each of its nodes, for lookups.
    pub fn by_element(&self) -> HashMap<u32, HashMap<u32, f64>> {
        self.elements
            .iter()
            .map(|(e, jumps)| (*e, jumps.iter().copied().collect()))
            .collect()
    }

    /// The jumps across a ray from a point inside a body, given each node's `angle` ∈
    /// [0, 2π) round that point, counter-clockwise from the ray: an element whose nodes span
    /// more than π of angle lies across the ray, and its nodes with an angle above π jump by
    /// `amount` (−1 for the potential of a unit clockwise circulation, see `lift::wake`).
    pub fn across_ray(elements: &[[u32; NODES]], angle: &[f64], amount: f64) -> Jumps {
        use std::f64::consts::PI;
        let elements = elements
            .iter()
            .enumerate()
            .filter_map(|(e, el)| {
                let a = el.map(|k| angle[k as usize]);
                let (lo, hi) = a
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                        (l.min(x), h.max(x))
                    });
                (hi - lo > PI).then(|| {
                    let jumps =
                        std::array::from_fn(|i| (el[i], if a[i] > PI { amount } else { 0.0 }));
                    (e as u32, jumps)
                })
            })
            .collect();
        Jumps { elements }
    }

    /// The jumps scaled by `factor` (those of a unit circulation, scaled by Γ).
    pub fn scaled(&self, factor: f64) -> Jumps {
        Jumps {
            elements: self
                .elements
                .iter()
                .map(|(e, j)| (*e, j.map(|(k, a)| (k, a * factor))))
                .collect(),
        }
    }

    /// The same jumps with the nodes renumbered by `map` (e.g. solver to input numbering).
    pub fn renumbered(&self, map: &[u32]) -> Jumps {
        Jumps {
            elements: self
                .elements
                .iter()
                .map(|(e, j)| (*e, j.map(|(k, a)| (map[k as usize], a))))
                .collect(),
        }
    }
}

/// u on element `e` (nodes `el`), with its jumps where the cut runs along it.
pub fn element_potential(
    u: &[f64],
    el: &[u32; NODES],
    jumps: Option<&HashMap<u32, f64>>,
) -> [f64; NODES] {
    el.map(|k| u[k as usize] + jumps.and_then(|j| j.get(&k)).copied().unwrap_or(0.0))
}

/// Per-element results, in the input's element order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ElementFields {
    /// Velocity (vx, vy).
    pub vel: Vec<[f64; 2]>,
    /// Mean velocity magnitude.
    pub abs_vel: Vec<f64>,
    /// Pressure.
    pub pressure: Vec<f64>,
}

impl ElementFields {
    /// Gathers per-element kernel outputs into the three fields.
    pub fn from_elements(items: impl IntoIterator<Item = crate::element::ElementVelocity>) -> Self {
        let mut f = ElementFields::default();
        for v in items {
            f.vel.push(v.vel);
            f.abs_vel.push(v.abs_vel);
            f.pressure.push(v.pressure);
        }
        f
    }
}

/// The element fields of the elements a cut runs along, recomputed with their jumps (the
/// kernels saw u alone there).
pub fn patch_cut_elements(
    fields: &mut ElementFields,
    mesh: &PreparedMesh,
    u: &[f64],
    jumps: &Jumps,
    model: PressureModel,
) {
    for (e, j) in &jumps.elements {
        let e = *e as usize;
        let el = &mesh.elements[e];
        let ue = el.map(|k| u[k as usize] + j.iter().find(|x| x.0 == k).map_or(0.0, |x| x.1));
        let v = velocity_element(&mesh.element_xy(e), &ue, model);
        fields.vel[e] = v.vel;
        fields.abs_vel[e] = v.abs_vel;
        fields.pressure[e] = v.pressure;
    }
}

/// The velocity kernel on the CPU, all elements in parallel. `u` is in solver node order.
///
/// CPU twin of `shaders/velocity.wgsl`.
pub fn velocity_cpu(mesh: &PreparedMesh, u: &[f64], model: PressureModel) -> ElementFields {
    let per_element: Vec<_> = (0..mesh.elements())
        .into_par_iter()
        .map(|e| {
            let el = &mesh.elements[e];
            let ue: [f64; NODES] = el.map(|k| u[k as usize]);
            velocity_element(&mesh.element_xy(e), &ue, model)
        })
        .collect();
    ElementFields::from_elements(per_element)
}
