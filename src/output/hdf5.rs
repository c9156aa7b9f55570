//! Results in the reference layout: the mesh as given (`x`, `y`, `quad8`, 0-based) plus `u`
//! (N), `vel` (E × 2), `abs_vel` (E), `pressure` (E) in the input's order, and the attributes
//! `cg_iterations`, `true_relative_residual`, `inlet_velocity` (m/s; left out under `--bc`, where no single
//! inlet velocity applies), `p0` (Pa), `rho` (kg/m³).

use std::path::Path;

use hdf5_pure::{AttrValue, FileBuilder};

use super::write_atomically;
use crate::error::{Error, Result};
use crate::mesh::{IndexWidth, Mesh};
use crate::outcome::Outcome;
use crate::solve::SolveOptions;

/// Writes the results file (through a temporary name).
pub fn write_results(
    path: &Path,
    mesh: &Mesh,
    outcome: &Outcome,
    opts: &SolveOptions,
) -> Result<()> {
    let e = mesh.elements() as u64;
    let mut fb = FileBuilder::new();
    fb.create_dataset("x").with_f64_data(&mesh.x);
    fb.create_dataset("y").with_f64_data(&mesh.y);
    let flat: Vec<u32> = mesh.quad8.iter().flatten().copied().collect();
    match mesh.index_width {
        IndexWidth::I32 => {
            let v: Vec<i32> = flat.iter().map(|&k| k as i32).collect();
            fb.create_dataset("quad8")
                .with_i32_data(&v)
                .with_shape(&[e, 8]);
        }
        IndexWidth::I64 => {
            let v: Vec<i64> = flat.iter().map(|&k| k as i64).collect();
            fb.create_dataset("quad8")
                .with_i64_data(&v)
                .with_shape(&[e, 8]);
        }
    }
    fb.create_dataset("u").with_f64_data(&outcome.u);
    let vel: Vec<f64> = outcome.fields.vel.iter().flatten().copied().collect();
    fb.create_dataset("vel")
        .with_f64_data(&vel)
        .with_shape(&[e, 2]);
    fb.create_dataset("abs_vel")
        .with_f64_data(&outcome.fields.abs_vel);
    fb.create_dataset("pressure")
        .with_f64_data(&outcome.fields.pressure);
    fb.set_attr(
        "cg_iterations",
        AttrValue::I64(outcome.cg.iterations as i64),
    );
    fb.set_attr(
        "true_relative_residual",
        AttrValue::F64(outcome.cg.relative_residual),
    );
    if let Some(v) = outcome.conditions.inlet_velocity() {
        fb.set_attr("inlet_velocity", AttrValue::F64(v));
    }
    fb.set_attr("p0", AttrValue::F64(opts.pressure.p0));
    fb.set_attr("rho", AttrValue::F64(opts.pressure.rho));
    let bytes = fb.finish().map_err(|err| Error::Output {
        path: path.into(),
        reason: err.to_string(),
    })?;
    write_atomically(path, &bytes)
}
