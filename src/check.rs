//! `potflow check`: the GPU against the CPU on one mesh, kernel by kernel and after the full
//! solve, each difference against a tolerance stated for the precision.
//!
//! Differences are relative to the scale of the quantity, so that entries near zero do not
//! blow up the ratio:
//!
//! - element matrices: `max |K_gpu − K_cpu|` over an element's 64 slots divided by that
//!   element's largest `|K_cpu|`, worst element;
//! - fields: `max |gpu − cpu| / max |cpu|`;
//! - pressure: the same on its dynamic part p0 − p = ½ρ|v|², i.e. relative to the pressure's
//!   dynamic range, not to |p| ≈ p0 (against which any error looks small).

use crate::assembly::stiffness_slots;
use crate::element::SLOTS;
use crate::error::Result;
use crate::gpu::{GpuContext, Precision};
use crate::mesh::{Mesh, PreparedMesh};
use crate::post::{velocity_cpu, ElementFields};
use crate::settings::Kernels;
use crate::solve::{self, SolveOptions};

/// One compared quantity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckRow {
    pub quantity: String,
    pub max_rel_diff: f64,
    pub tolerance: f64,
    pub pass: bool,
}

/// Tolerances for one precision, with the reasoning in the docs of [`tolerances`].
#[derive(Debug, Clone, Copy)]
pub struct Tolerances {
    pub element: f64,
    pub kernel_fields: f64,
    pub u: f64,
    pub fields: f64,
    pub pressure: f64,
}

/// f64: the kernels do the CPU's arithmetic, perhaps in another order or with fused
/// multiply-adds: round-off, 1e-12 on element values and on the velocity from the same u.
/// After full solves the matrices differ by round-off at most and CG runs to 1e-10 on both,
/// so the solutions agree to ~1e-12 (1e-11 allowed) and the velocities to 1e-10.
///
/// f32: unit round-off 6e-8, amplified by the Jacobian inverse and a sum of 9 Gauss points:
/// 1e-5 on element values and on the velocity kernel. The host restores exact zero row sums
/// in f64 (see `element::zero_row_sums`), so the matrix error perturbs gradients only and the
/// solution moves by about the element error: 1e-5 on u; 1e-4 on the velocity after the solve.
///
/// Pressure is formed on the host in f64 from |v| on both paths, and compared on its dynamic
/// part p0 − p: ½ρ|v|² doubles the relative error of |v|, and p itself is stored near
/// p0 ≈ 10⁵ Pa, whose f64 spacing (1.5e-11 Pa) is already 1e-12 of a dynamic range of 10 Pa:
/// 1e-10 in f64, 2e-5 in f32 (ten times that after the solve).
pub fn tolerances(precision: Precision) -> Tolerances {
    match precision {
        Precision::F64 => Tolerances {
            element: 1e-12,
            kernel_fields: 1e-12,
            u: 1e-11,
            fields: 1e-10,
            pressure: 1e-10,
        },
        Precision::F32 => Tolerances {
            element: 1e-5,
            kernel_fields: 1e-5,
            u: 1e-5,
            fields: 1e-4,
            pressure: 2e-5,
        },
    }
}

/// Worst per-element relative slot difference.
pub fn element_rel_diff(gpu: &[f64], cpu: &[f64]) -> f64 {
    gpu.chunks_exact(SLOTS)
        .zip(cpu.chunks_exact(SLOTS))
        .map(|(g, c)| {
            let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let diff = g
                .iter()
                .zip(c)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            diff / scale
        })
        .fold(0.0, f64::max)
}

/// max |a − b| / max |b|.
pub fn field_rel_diff(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    let (mut diff, mut scale) = (0.0f64, 0.0f64);
    for (x, y) in a.into_iter().zip(b) {
        diff = diff.max((x - y).abs());
        scale = scale.max(y.abs());
    }
    if scale == 0.0 {
        diff
    } else {
        diff / scale
    }
}

fn row(quantity: &str, d: f64, tol: f64) -> CheckRow {
    CheckRow {
        quantity: quantity.into(),
        max_rel_diff: d,
        tolerance: tol,
        pass: d <= tol,
    }
}

fn field_rows(
    prefix: &str,
    gpu: &ElementFields,
    cpu: &ElementFields,
    p0: f64,
    tol: f64,
    tol_p: f64,
) -> Vec<CheckRow> {
    let dynamic = |f: &ElementFields| f.pressure.iter().map(|p| p0 - p).collect::<Vec<f64>>();
    let flat = |f: &ElementFields| f.vel.iter().flatten().copied().collect::<Vec<f64>>();
    vec![
        row(
            &format!("{prefix}vel"),
            field_rel_diff(flat(gpu), flat(cpu)),
            tol,
        ),
        row(
            &format!("{prefix}abs_vel"),
            field_rel_diff(gpu.abs_vel.iter().copied(), cpu.abs_vel.iter().copied()),
            tol,
        ),
        row(
            &format!("{prefix}pressure (p0 − p)"),
            field_rel_diff(dynamic(gpu), dynamic(cpu)),
            tol_p,
        ),
    ]
}

/// Compares the GPU with the CPU on `mesh`. CG runs to rtol 1e-10 so the solutions compared
/// are the discrete solutions, not two stopping points.
pub fn compare(mesh: &Mesh, ctx: &GpuContext, opts: &SolveOptions) -> Result<Vec<CheckRow>> {
    let tol = tolerances(ctx.precision());
    let prepared = PreparedMesh::prepare(mesh)?;
    let mut rows = Vec::new();

    let cpu_slots = stiffness_slots(&prepared);
    let coo = ctx.stiffness_coo(&prepared)?;
    rows.push(row(
        "element matrices (stiffness kernel)",
        element_rel_diff(&coo.values, &cpu_slots),
        tol.element,
    ));
    let wrong_indices = prepared
        .elements
        .iter()
        .enumerate()
        .flat_map(|(e, el)| (0..SLOTS).map(move |s| (e, el[s / 8], el[s % 8], s)))
        .filter(|&(e, r, c, s)| coo.rows[64 * e + s] != r || coo.cols[64 * e + s] != c)
        .count();
    rows.push(row(
        "COO rows/cols (mismatched slots)",
        wrong_indices as f64,
        0.0,
    ));

    let mut opts = opts.clone();
    opts.cg.rtol = opts.cg.rtol.min(1e-10);
    let cpu = solve::run(mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {})?;
    let gpu = solve::run(
        mesh,
        &opts,
        Kernels::Gpu {
            ctx,
            fallback: false,
            solve: false,
        },
        0.0,
        &mut |_| {},
    )?;
    cpu.ensure_converged(opts.cg.rtol)?;
    gpu.ensure_converged(opts.cg.rtol)?;

    // The velocity kernel alone, on the same (CPU) potential.
    let u_solver: Vec<f64> = prepared
        .input_node
        .iter()
        .map(|&i| cpu.u[i as usize])
        .collect();
    let kernel_gpu = ctx.velocity(&prepared, &u_solver, opts.pressure)?;
    let kernel_cpu = velocity_cpu(&prepared, &u_solver, opts.pressure);
    rows.extend(field_rows(
        "velocity kernel: ",
        &kernel_gpu,
        &kernel_cpu,
        opts.pressure.p0,
        tol.kernel_fields,
        tol.pressure,
    ));

    rows.push(row(
        "solve: u",
        field_rel_diff(gpu.u.iter().copied(), cpu.u.iter().copied()),
        tol.u,
    ));
    rows.extend(field_rows(
        "solve: ",
        &gpu.fields,
        &cpu.fields,
        opts.pressure.p0,
        tol.fields,
        10.0 * tol.pressure,
    ));

    // The whole solve on the GPU (f32 inside an f64 defect correction) against the host's
    // solve of the same GPU-assembled system, to the same rtol: the solutions agree to the
    // solver's tolerance, whatever the kernels' precision, within 1.25× the host's
    // iterations.
    let gpu_solve = solve::run(
        mesh,
        &opts,
        Kernels::Gpu {
            ctx,
            fallback: false,
            solve: true,
        },
        0.0,
        &mut |_| {},
    )?;
    gpu_solve.ensure_converged(opts.cg.rtol)?;
    rows.push(row(
        "GPU solve: u",
        field_rel_diff(gpu_solve.u.iter().copied(), gpu.u.iter().copied()),
        1e-8,
    ));
    rows.extend(field_rows(
        "GPU solve: ",
        &gpu_solve.fields,
        &gpu.fields,
        opts.pressure.p0,
        1e-7,
        1e-6,
    ));
    rows.push(row(
        "GPU solve: iterations ÷ host's",
        gpu_solve.cg.iterations as f64 / gpu.cg.iterations.max(1) as f64,
        1.25,
    ));
    Ok(rows)
}

/// The comparison as `potflow check --json` writes it (and `potflow.check` returns it): the
/// mesh, the adapter, its backend and precision, and the rows.
pub fn report(mesh: &Mesh, ctx: &GpuContext, rows: &[CheckRow]) -> serde_json::Value {
    serde_json::json!({
        "mesh": mesh.source,
        "adapter": ctx.adapter_name(),
        "backend": ctx.backend_name(),
        "precision": ctx.precision().to_string(),
        "rows": rows,
    })
}
