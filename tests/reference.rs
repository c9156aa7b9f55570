//! Agreement with the reference project's results on its own meshes, read from
//! POTFLOW_REFERENCE_DIR (see docs/verification.md); without it these tests are reported as ignored.
//!
//! The reference results agree with an independent direct solve to 1e-9 (u) and 3e-9 (|v|).
//! We solve to rtol 1e-10, so our algebraic error is far below 1e-6; the remaining differences
//! are the reference's CG error (rtol 1e-8). Hence the 1e-6 tolerance, relative to the field's
//! largest magnitude.

mod common;

use common::{max_rel_diff, reference_dir, REFERENCE_MESHES};
use potflow::mesh::hdf5::{open, read_mesh};
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};
use potflow::solver::CgOptions;

struct Reference {
    u: Vec<f64>,
    vel: Vec<f64>,
    abs_vel: Vec<f64>,
    pressure: Vec<f64>,
}

fn reference(name: &str) -> Reference {
    let file = open(&reference_dir().join(format!("reference/{name}.h5"))).unwrap();
    let read = |d: &str| file.dataset(d).unwrap().read_f64().unwrap();
    Reference {
        u: read("u"),
        vel: read("vel"),
        abs_vel: read("abs_vel"),
        pressure: read("pressure"),
    }
}

fn check(name: &str) {
    let mesh = read_mesh(&reference_dir().join(format!("meshes/{name}.h5"))).unwrap();
    let opts = SolveOptions {
        cg: CgOptions {
            rtol: 1e-10,
            max_iter: 200_000,
        },
        ..SolveOptions::default()
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    assert!(out.cg.converged);
    let r = reference(name);
    let vel: Vec<f64> = out.fields.vel.iter().flatten().copied().collect();
    // p0 − p = ρ|v|²: compare the part that carries information.
    let p0 = opts.pressure.p0;
    let dp: Vec<f64> = out.fields.pressure.iter().map(|p| p0 - p).collect();
    let dp_ref: Vec<f64> = r.pressure.iter().map(|p| p0 - p).collect();
    let diffs = [
        ("u", max_rel_diff(&out.u, &r.u)),
        ("vel", max_rel_diff(&vel, &r.vel)),
        ("abs_vel", max_rel_diff(&out.fields.abs_vel, &r.abs_vel)),
        ("p0 - pressure", max_rel_diff(&dp, &dp_ref)),
    ];
    eprintln!("{name}: {diffs:?}, {} CG iterations", out.cg.iterations);
    for (field, d) in diffs {
        assert!(
            d < 1e-6,
            "{name}: {field} differs from the reference by {d:.2e} (relative)"
        );
    }
    // Mass balance against the geometry: the inlet (x = xmin) is one straight segment, so
    // the volume inflow is γ times its length, and the outflow must match it. (elbow_90_411
    // has unused nodes on x = xmin outside its inlet: only element nodes count.)
    let ys: Vec<f64> = common::nodes_at_xmin(&mesh)
        .iter()
        .map(|&k| mesh.y[k])
        .collect();
    let length = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - ys.iter().copied().fold(f64::INFINITY, f64::min);
    let expected = opts.bc.inlet_velocity * length;
    let b = &out.boundary;
    assert!(
        (b.inflow - expected).abs() < 1e-12 * expected
            && (b.outflow - expected).abs() < 1e-8 * expected,
        "{name}: inflow {}, outflow {}, γL = {expected}",
        b.inflow,
        b.outflow
    );
}

#[test]
#[cfg_attr(
    not(potflow_reference),
    ignore = "needs the reference project's data: set POTFLOW_REFERENCE_DIR (see docs/verification.md)"
)]
fn small_reference_meshes_match_the_reference() {
    for name in &REFERENCE_MESHES[..6] {
        check(name);
    }
}

#[test]
#[cfg_attr(
    not(potflow_reference),
    ignore = "needs the reference project's data: set POTFLOW_REFERENCE_DIR (see docs/verification.md)"
)]
fn s_duct_16k_clockwise_mesh_matches_the_reoriented_reference() {
    check("s_duct_16k");
}

#[test]
#[cfg_attr(
    not(potflow_reference),
    ignore = "needs the reference project's data: set POTFLOW_REFERENCE_DIR (see docs/verification.md)"
)]
fn y_tube_195k_benchmark_mesh_matches_the_reference() {
    check("y_tube_195k");
}
