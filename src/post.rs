//! Post-processing: element velocity, |v| and pressure from the nodal potential.
//!
//! ```text
//! v     = −¼ Σ_{2×2 Gauss} ∇u            (element mean of −grad u)
//! |v|   = ¼ Σ_{2×2 Gauss} |∇u|           (mean of the magnitudes, the reference's choice)
//! p     = p0 − ½ ρ |v|²                  (Bernoulli; p0 the stagnation pressure)
//! ```

use rayon::prelude::*;

use crate::element::{velocity_element, PressureModel, NODES};
use crate::mesh::PreparedMesh;

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
