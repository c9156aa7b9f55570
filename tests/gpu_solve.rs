//! The whole solve on the GPU (CG and the V-cycle in f32 on the device, defect correction in
//! f64 on the host) against the host solve; each of its kernels against its CPU twin.

mod common;

use std::ops::ControlFlow;
use std::sync::OnceLock;

use potflow::gpu::solve::{self as gpu_solve, single, twins, GpuSolveOptions};
use potflow::gpu::{gpu_required, AdapterChoice, GpuContext, Precision};
use potflow::mesh::generate;
use potflow::solve::{linear_system, SolveOptions};
use potflow::solver::amg::export::CsrF32;
use potflow::solver::{CgOptions, SolverKind};

fn context() -> Option<&'static GpuContext> {
    static CTX: OnceLock<Option<GpuContext>> = OnceLock::new();
    CTX.get_or_init(|| {
        let choice = AdapterChoice {
            precision: Some(Precision::F32),
            ..Default::default()
        };
        match GpuContext::new(&choice) {
            Ok(ctx) => Some(ctx),
            Err(e) if gpu_required() => panic!("POTFLOW_REQUIRE_GPU=1 but no GPU context: {e}"),
            Err(e) => {
                common::skip("the GPU solve", &e.to_string());
                None
            }
        }
    })
    .as_ref()
}

/// (host u, host iterations, GPU u, GPU outcome, info) for `geometry` at `nodes`.
fn both(
    ctx: &GpuContext,
    geometry: &str,
    nodes: usize,
    bc: &[&str],
    opts: GpuSolveOptions,
) -> (
    Vec<f64>,
    usize,
    Vec<f64>,
    potflow::solver::CgOutcome,
    gpu_solve::GpuSolveInfo,
) {
    let mesh = generate::by_name(geometry, nodes).unwrap();
    let mut options = SolveOptions::default();
    options.bc.conditions = bc.iter().map(|c| c.parse().unwrap()).collect();
    let (_, sys) = linear_system(&mesh, &options).unwrap();
    let built = SolverKind::Amg.build(sys.matrix).unwrap();
    let cg = CgOptions::default();
    let mut host = vec![0.0; sys.rhs.len()];
    let host_outcome = built.cg(&sys.rhs, &mut host, cg, &mut |_, _| {
        ControlFlow::Continue(())
    });
    assert!(host_outcome.converged);
    let mut gpu = vec![0.0; sys.rhs.len()];
    let (outcome, info) = gpu_solve::solve(ctx, &built, &sys.rhs, &mut gpu, cg, opts).unwrap();
    (host, host_outcome.iterations, gpu, outcome, info)
}

#[test]
fn the_gpu_solve_agrees_with_the_host_on_every_generated_geometry() {
    let Some(ctx) = context() else { return };
    for (geometry, _) in generate::all_geometries() {
        let bc: &[&str] = if generate::STREAM_GEOMETRIES.iter().any(|g| g.0 == *geometry) {
            &["farfield=stream:1@10"]
        } else {
            &[]
        };
        let (host, host_its, gpu, outcome, info) =
            both(ctx, geometry, 20_000, bc, GpuSolveOptions::default());
        let scale = host.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = host
            .iter()
            .zip(&gpu)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        eprintln!(
            "{geometry}: host {host_its} iterations; GPU {} outer, {} inner; residual {:.2e}; \
             max diff {:.2e} of max|u|",
            info.outer_iterations,
            info.inner_iterations,
            outcome.relative_residual,
            diff / scale
        );
        assert!(outcome.converged, "{geometry}");
        assert!(outcome.relative_residual <= 1e-8, "{geometry}");
        assert!(diff <= 1e-8 * scale, "{geometry}: {diff:e} of {scale:e}");
        // f32 inside costs a correction or two: all inner iterations together within 1.25×
        // the host's (one more where the host needs few).
        assert!(
            info.inner_iterations as f64 <= 1.25 * host_its as f64 + 1.0,
            "{geometry}: {} inner against {host_its}",
            info.inner_iterations
        );
    }
}

#[test]
fn the_gpu_solve_gives_the_same_bits_on_every_run_and_any_block_size() {
    // Every sum runs in a fixed order, and a row's sum does not depend on which block holds
    // the row: two runs, and a run with the matrices cut into blocks of at most 4 KiB (as a
    // device with small bindings would; hundreds of blocks per matrix), agree to the bit.
    let Some(ctx) = context() else { return };
    let bits = |u: &[f64]| u.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let default = GpuSolveOptions::default();
    let small = GpuSolveOptions {
        max_block_bytes: Some(4096),
    };
    let (_, _, first, _, info) = both(ctx, "y_tube", 20_000, &[], default);
    let (_, _, second, _, _) = both(ctx, "y_tube", 20_000, &[], default);
    let (_, _, split, _, split_info) = both(ctx, "y_tube", 20_000, &[], small);
    assert_eq!(bits(&first), bits(&second));
    assert_eq!(bits(&first), bits(&split));
    assert_eq!(info.inner_iterations, split_info.inner_iterations);
}

/// The pipeline on `mesh` with the default options and the kernels (and solve) on `kernels`.
fn run(
    mesh: &potflow::mesh::Mesh,
    kernels: potflow::settings::Kernels,
) -> potflow::Result<potflow::outcome::Outcome> {
    potflow::solve::run(mesh, &SolveOptions::default(), kernels, 0.0, &mut |_| {})
}

/// Largest difference relative to the largest magnitude of `want`.
fn rel(got: &[f32], want: &[f32]) -> f32 {
    let scale = want
        .iter()
        .fold(0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    got.iter()
        .zip(want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

#[test]
fn the_gpu_kernels_agree_with_their_cpu_twins() {
    // Random input; the twins run the kernels' operations in the kernels' order, so they
    // agree to rounding (a GPU may fuse or not fuse fma: a few units in the last place of the
    // largest term, 1e-5 here for sums of up to a few thousand terms).
    let Some(ctx) = context() else { return };
    let mut rng = common::Rng::new(11);
    let mut random = |n: usize| (0..n).map(|_| rng.symmetric() as f32).collect::<Vec<f32>>();
    // Dot products of lengths around the fixed grid's 65,536 lanes and a short one.
    for n in [7, 65_535, 65_537, 300_001] {
        let (a, b) = (random(n), random(n));
        let got = single::dot(ctx, &a, &b).unwrap();
        let want = twins::dot_f32(&a, &b, 256);
        let scale: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
        assert!(
            (got - want).abs() <= 1e-6 * scale,
            "dot of {n}: {got} vs {want}"
        );
    }
    let (x, y) = (random(100_003), random(100_003));
    for (a, b) in [(0.5, 0.0), (-1.25, 2.0), (1.0, 1.0)] {
        let got = single::axpby(ctx, a, &x, b, &y).unwrap();
        let mut want = y.clone();
        twins::axpby(a, &x, b, &mut want);
        assert!(rel(&got, &want) <= 1e-6, "axpby {a} {b}");
    }
    let n = 97;
    let (m, b) = (random(n * n), random(n));
    let got = single::dense_matvec(ctx, &m, &b).unwrap();
    let mut want = vec![0f32; n];
    twins::dense_matvec(&m, &b, &mut want);
    assert!(rel(&got, &want) <= 1e-5);
    // Chebyshev's two kernels, from zero and not, on random vectors.
    let n = 50_001;
    let v: Vec<Vec<f32>> = (0..6).map(|_| random(n)).collect();
    for (begin, zero_start, c) in [
        (true, true, [0.7f32, 0.0]),
        (true, false, [0.7, 0.0]),
        (false, false, [0.4, -1.3]),
    ] {
        let got = single::chebyshev(
            ctx,
            begin,
            zero_start,
            c,
            [&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]],
        )
        .unwrap();
        let (mut r, mut d, mut x) = (v[3].clone(), v[4].clone(), v[5].clone());
        let out = twins::ChebyshevVectors {
            r: &mut r,
            d: &mut d,
            x: &mut x,
        };
        if begin {
            twins::chebyshev_begin(zero_start, c[0], &v[0], &v[1], &v[2], out);
        } else {
            twins::chebyshev_step(c[0], c[1], &v[1], &v[2], out);
        }
        for (g, w) in got.iter().zip([&r, &d, &x]) {
            assert!(
                rel(g, w) <= 1e-6,
                "chebyshev begin {begin} zero {zero_start}"
            );
        }
    }
    // CG's scalars, a breakdown (p·q = 0) included.
    for (mode, s) in [
        (0, [2.0f32, 8.0, 0.0, 0.0, 0.0]),
        (0, [2.0, 0.0, 9.0, 0.0, 0.0]),
        (1, [2.0, 8.0, 0.25, 0.5, 0.0]),
    ] {
        let got = single::cg_scalars(ctx, mode, &s).unwrap();
        let mut want = s.to_vec();
        twins::cg_scalars(mode, &mut want);
        assert_eq!(got, want, "mode {mode}");
    }
    // The operator of a real system, plain and in difference form, on a random vector.
    let mesh = generate::by_name("channel_with_cylinder", 3_000).unwrap();
    let (_, sys) = linear_system(&mesh, &SolveOptions::default()).unwrap();
    let plain = CsrF32::from_matrix(&sys.matrix);
    let difference = plain.clone().with_row_sums(None);
    let plain = CsrF32 {
        row_sums: Vec::new(),
        ..plain
    };
    let x = random(plain.rows);
    for a in [&plain, &difference] {
        let got = single::spmv(ctx, a, &x).unwrap();
        let mut want = vec![0f32; a.rows];
        a.spmv(&x, &mut want);
        assert!(rel(&got, &want) <= 1e-5);
    }
}

#[test]
fn a_device_lost_during_the_solve_is_an_error_and_the_pipeline_falls_back() {
    // The hierarchy uploaded, then the device destroyed as a driver reset would: the solve
    // returns an error (no panic, no wrong answer); in the pipeline under auto the solve is
    // finished on the host and the outcome says why, and without the fallback the run fails.
    if context().is_none() {
        return;
    }
    let ctx = GpuContext::new(&AdapterChoice {
        precision: Some(Precision::F32),
        ..Default::default()
    })
    .unwrap();
    let mesh = generate::by_name("venturi", 5_000).unwrap();
    let (_, sys) = linear_system(&mesh, &SolveOptions::default()).unwrap();
    let built = SolverKind::Amg.build(sys.matrix).unwrap();
    let amg = built.amg().unwrap();
    let mut solver =
        gpu_solve::GpuSolver::new(&ctx, &amg.to_f32(), GpuSolveOptions::default()).unwrap();
    ctx.simulate_device_loss();
    let a = amg.fine_matrix().unwrap();
    let mut u = vec![0.0; sys.rhs.len()];
    let err = solver
        .solve(&ctx, &a, &sys.rhs, &mut u, 1e-8, 1000)
        .expect_err("a lost device is an error");
    assert!(err.to_string().contains("GPU"), "{err}");

    let kernels = |fallback| potflow::settings::Kernels::Gpu {
        ctx: &ctx,
        fallback,
        solve: true,
    };
    let host = run(&mesh, potflow::settings::Kernels::Cpu).unwrap();
    let auto = run(&mesh, kernels(true)).unwrap();
    assert_eq!(auto.stages.solve, "cpu");
    assert!(auto.gpu_fallbacks.iter().any(|f| f.starts_with("solve: ")));
    assert_eq!(auto.u, host.u);
    assert!(run(&mesh, kernels(false)).is_err());
}

#[test]
fn the_pipeline_solves_on_the_gpu_when_asked_and_reports_it() {
    // Through solve::run with the solve on the GPU: the report's stages say where the solve
    // ran, the account gives the corrections and the inner iterations, and the potential
    // agrees with the host's to the solver's tolerance.
    let Some(ctx) = context() else { return };
    let mesh = generate::by_name("channel_with_cylinder", 10_000).unwrap();
    let kernels = potflow::settings::Kernels::Gpu {
        ctx,
        fallback: false,
        solve: true,
    };
    let gpu = run(&mesh, kernels).unwrap();
    let host = run(&mesh, potflow::settings::Kernels::Cpu).unwrap();
    assert_eq!(gpu.stages.solve, "gpu");
    let info = gpu.gpu_solve.as_ref().unwrap();
    assert!(info.outer_iterations >= 2 && info.inner_iterations == gpu.cg.iterations);
    assert!(gpu.cg.converged && gpu.cg.relative_residual <= 1e-8);
    let scale = host.u.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = host
        .u
        .iter()
        .zip(&gpu.u)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(diff <= 1e-7 * scale, "{diff:e} of {scale:e}");
}
