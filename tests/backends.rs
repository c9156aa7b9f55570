//! One test body, every backend: the CPU kernels and the WGSL kernels on a GPU adapter (in CI,
//! lavapipe, a software Vulkan device running the real shaders), in f64 and f32.
//!
//! Without an adapter these tests print why and pass, unless POTFLOW_REQUIRE_GPU=1 (CI), where
//! a missing adapter fails them.

mod common;

use std::sync::OnceLock;

use common::{distorted_channel, max_rel_diff, reference_dir};
use potflow::assembly::{stiffness_slots, stiffness_values, CsrPattern};
use potflow::check::{element_rel_diff, tolerances};
use potflow::gpu::{gpu_required, AdapterChoice, GpuContext, Precision};
use potflow::mesh::{generate, hdf5::read_mesh, PreparedMesh};
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};
use potflow::solver::CgOptions;

fn context(precision: Precision) -> Option<&'static GpuContext> {
    static F32: OnceLock<Option<GpuContext>> = OnceLock::new();
    static F64: OnceLock<Option<GpuContext>> = OnceLock::new();
    let cell = match precision {
        Precision::F32 => &F32,
        Precision::F64 => &F64,
    };
    cell.get_or_init(|| new_context(precision, None)).as_ref()
}

fn new_context(precision: Precision, chunk_elements: Option<usize>) -> Option<GpuContext> {
    let choice = AdapterChoice {
        precision: Some(precision),
        chunk_elements,
        ..Default::default()
    };
    match GpuContext::new(&choice) {
        Ok(ctx) => Some(ctx),
        Err(e) if gpu_required() => {
            panic!("POTFLOW_REQUIRE_GPU=1 but no {precision} GPU context: {e}")
        }
        Err(e) => {
            common::skip(&format!("the {precision} GPU backend"), &e.to_string());
            None
        }
    }
}

/// (name, kernels, tolerance on element values relative to the element's scale).
fn backends() -> Vec<(String, Kernels<'static>, f64)> {
    let mut out = vec![("cpu".to_string(), Kernels::Cpu, 0.0)];
    for precision in [Precision::F64, Precision::F32] {
        if let Some(ctx) = context(precision) {
            out.push((
                format!("gpu {precision}"),
                Kernels::Gpu {
                    ctx,
                    fallback: false,
                    solve: false,
                },
                tolerances(precision).element,
            ));
        }
    }
    out
}

fn slots(kernels: Kernels, mesh: &PreparedMesh) -> Vec<f64> {
    match kernels {
        Kernels::Cpu => stiffness_slots(mesh),
        Kernels::Gpu { ctx, .. } => ctx.stiffness_slots(mesh).unwrap(),
    }
}

#[test]
fn element_matrices_agree_with_the_cpu_kernel() {
    // A distorted mesh far from the origin: f32 must keep its precision through the hi/lo
    // coordinates and element-relative arithmetic.
    let mut mesh = distorted_channel(30, 12, 3.0, 1.0, 0.3, 5);
    for x in mesh.x.iter_mut() {
        *x += 1.0e4;
    }
    let mesh = PreparedMesh::prepare(&mesh).unwrap();
    let cpu = stiffness_slots(&mesh);
    for (name, kernels, tol) in backends() {
        let d = element_rel_diff(&slots(kernels, &mesh), &cpu);
        eprintln!("{name}: element matrices differ by {d:.2e}");
        assert!(d <= tol.max(1e-15), "{name}: {d:e} > {tol:e}");
    }
}

#[test]
fn coo_indices_follow_the_slot_contract() {
    let mesh = PreparedMesh::prepare(&distorted_channel(7, 3, 2.0, 1.0, 0.2, 9)).unwrap();
    for precision in [Precision::F64, Precision::F32] {
        let Some(ctx) = context(precision) else {
            continue;
        };
        let coo = ctx.stiffness_coo(&mesh).unwrap();
        for (e, el) in mesh.elements.iter().enumerate() {
            for s in 0..64 {
                assert_eq!(
                    coo.rows[64 * e + s],
                    el[s / 8],
                    "{precision} element {e} slot {s}"
                );
                assert_eq!(
                    coo.cols[64 * e + s],
                    el[s % 8],
                    "{precision} element {e} slot {s}"
                );
            }
        }
    }
}

#[test]
fn patch_test_on_every_backend() {
    let (length, g) = (3.0, 2.5);
    let mesh = distorted_channel(12, 5, length, 1.0, 0.3, 7);
    let opts = SolveOptions {
        cg: CgOptions {
            rtol: 1e-13,
            max_iter: 100_000,
        },
        ..SolveOptions::default()
    };
    for (name, kernels, tol) in backends() {
        let out = solve::run(&mesh, &opts, kernels, 0.0, &mut |_| {}).unwrap();
        // f64: exact up to round-off; f32: the element tolerance carries over to u and v.
        let bound = if tol == 0.0 || tol < 1e-10 {
            1e-10
        } else {
            10.0 * tol
        };
        let u_exact: Vec<f64> = mesh.x.iter().map(|x| g * (length - x)).collect();
        let du = max_rel_diff(&out.u, &u_exact);
        let dv = out
            .fields
            .vel
            .iter()
            .map(|v| (v[0] - g).abs().max(v[1].abs()))
            .fold(0.0, f64::max)
            / g;
        eprintln!("{name}: patch test u {du:.2e}, v {dv:.2e}");
        assert!(
            du < bound && dv < bound,
            "{name}: u {du:e}, v {dv:e} > {bound:e}"
        );
    }
}

#[test]
#[cfg_attr(
    not(potflow_reference),
    ignore = "needs the reference project's data: set POTFLOW_REFERENCE_DIR (see docs/verification.md)"
)]
fn reference_meshes_match_the_reference_on_every_backend() {
    // Tolerances: f64 as on the CPU (1e-6, the reference's CG tolerance). f32: the element
    // error (< 1e-6 measured) adds to that: u 1e-5, |v| 1e-4, as the check command states.
    for name in ["y_tube_201", "elbow_90_411", "s_duct_16k"] {
        let dir = reference_dir();
        let mesh = read_mesh(&dir.join(format!("meshes/{name}.h5"))).unwrap();
        let reference =
            potflow::mesh::hdf5::open(&dir.join(format!("reference/{name}.h5"))).unwrap();
        let u_ref = reference.dataset("u").unwrap().read_f64().unwrap();
        let v_ref = reference.dataset("abs_vel").unwrap().read_f64().unwrap();
        let opts = SolveOptions {
            cg: CgOptions {
                rtol: 1e-10,
                max_iter: 100_000,
            },
            ..SolveOptions::default()
        };
        for (backend, kernels, tol) in backends() {
            let out = solve::run(&mesh, &opts, kernels, 0.0, &mut |_| {}).unwrap();
            let (du, dv) = (
                max_rel_diff(&out.u, &u_ref),
                max_rel_diff(&out.fields.abs_vel, &v_ref),
            );
            let (tu, tv) = if tol > 1e-10 {
                (1e-5, 1e-4)
            } else {
                (1e-6, 1e-6)
            };
            eprintln!("{name} on {backend}: u {du:.2e}, abs_vel {dv:.2e}");
            assert!(
                du < tu && dv < tv,
                "{name} on {backend}: u {du:e}, abs_vel {dv:e}"
            );
        }
    }
}

/// Whether two arrays hold the same numbers, bit for bit.
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[test]
fn odd_sized_chunks_give_bit_identical_slots() {
    let mesh = PreparedMesh::prepare(&distorted_channel(23, 7, 2.0, 1.0, 0.25, 13)).unwrap();
    let u: Vec<f64> = mesh.xy.iter().map(|p| p[0].sin() + p[1]).collect();
    let model = Default::default();
    for precision in [Precision::F64, Precision::F32] {
        if context(precision).is_none() {
            continue;
        }
        let Some(mut ctx) = new_context(precision, None) else {
            continue;
        };
        let whole = ctx.stiffness_slots(&mesh).unwrap();
        let whole_v = ctx.velocity(&mesh, &u, model).unwrap();
        let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
        let assembled = pattern.scatter(&mesh.elements, &whole);
        for chunk in [1, 7, 13, 64, 65, 100] {
            ctx.set_chunk_elements(chunk);
            assert_eq!(ctx.chunk_elements(), chunk);
            let parts = ctx.stiffness_slots(&mesh).unwrap();
            assert!(
                same_bits(&whole, &parts),
                "{precision}: chunks of {chunk} changed the slots"
            );
            // The assembly adds each chunk as it comes back: the same values.
            let streamed = ctx.stiffness_values(&mesh, &pattern).unwrap();
            assert!(
                same_bits(&assembled, &streamed),
                "{precision}: chunks of {chunk} changed the assembled values"
            );
            assert_eq!(
                ctx.velocity(&mesh, &u, model).unwrap(),
                whole_v,
                "{precision}: chunks of {chunk}"
            );
        }
    }
}

#[test]
fn a_large_mesh_goes_up_in_the_cpu_assemblys_chunks_not_the_devices_limit() {
    // About 200k elements: four CPU-sized chunks of at most 65,536. A device whose limit
    // covers more (lavapipe: 262,144 f64 elements; a 4 GiB binding: 8.4M) would otherwise take
    // them all in one dispatch and the host would hold all their slots at once.
    const CPU_CHUNK: u64 = 65_536;
    let Some(ctx) = new_context(Precision::F64, None) else {
        return;
    };
    let mesh = PreparedMesh::prepare(&generate::by_name("channel", 600_000).unwrap()).unwrap();
    let e = mesh.elements() as u64;
    assert!(e > 3 * CPU_CHUNK, "{e} elements");
    if ctx.chunk_elements() as u64 <= CPU_CHUNK {
        common::skip(
            "a_large_mesh_goes_up_in_the_cpu_assemblys_chunks_not_the_devices_limit",
            &format!(
                "the device's own limit, {} elements, is smaller",
                ctx.chunk_elements()
            ),
        );
        return;
    }
    assert_eq!(ctx.chunk_for(mesh.elements()) as u64, CPU_CHUNK);
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let gpu = ctx.stiffness_values(&mesh, &pattern).unwrap();
    assert!(
        same_bits(&gpu, &stiffness_values(&mesh, &pattern)),
        "f64 chunks on the GPU assemble the CPU's values"
    );
    // The slot values and their staging copy for one chunk, plus the chunk's inputs (16
    // coordinates and 8 node numbers per element): a dispatch of the whole mesh would need
    // three times as much.
    let slots = 2 * CPU_CHUNK * 64 * 8;
    let inputs = CPU_CHUNK * (16 * 8 + 8 * 4) + 4096;
    assert!(
        ctx.buffer_bytes() <= slots + inputs,
        "{} bytes of GPU buffers, one chunk needs {}",
        ctx.buffer_bytes(),
        slots + inputs
    );
}

#[test]
fn velocity_kernel_agrees_with_the_cpu_twin() {
    let mesh = PreparedMesh::prepare(&distorted_channel(20, 8, 2.0, 1.0, 0.3, 21)).unwrap();
    let u: Vec<f64> = mesh
        .xy
        .iter()
        .map(|p| 50.0 + p[0].exp() * p[1].sin())
        .collect();
    let model = Default::default();
    let cpu = potflow::post::velocity_cpu(&mesh, &u, model);
    for precision in [Precision::F64, Precision::F32] {
        let Some(ctx) = context(precision) else {
            continue;
        };
        let gpu = ctx.velocity(&mesh, &u, model).unwrap();
        let flat =
            |f: &potflow::post::ElementFields| f.vel.iter().flatten().copied().collect::<Vec<_>>();
        let tol = tolerances(precision);
        let dv = max_rel_diff(&flat(&gpu), &flat(&cpu));
        let da = max_rel_diff(&gpu.abs_vel, &cpu.abs_vel);
        // Pressure on its dynamic part p0 − p: relative to its range, not to |p| ≈ p0.
        let p0 = model.p0;
        let dynamic = |f: &potflow::post::ElementFields| {
            f.pressure.iter().map(|p| p0 - p).collect::<Vec<_>>()
        };
        let dp = max_rel_diff(&dynamic(&gpu), &dynamic(&cpu));
        eprintln!("{precision}: vel {dv:.2e}, abs_vel {da:.2e}, pressure {dp:.2e}");
        assert!(dv < tol.kernel_fields && da < tol.kernel_fields && dp < tol.pressure);
    }
}

#[test]
fn low_speed_pressure_keeps_its_dynamic_range_in_f32() {
    // At 0.05 m/s the dynamic pressure is about 1.5e-3 Pa, below f32's spacing near
    // p0 ≈ 101329 Pa (0.0078 Pa): a pressure formed in f32 would come out at or above p0.
    // Formed on the host in f64 from |v|, it keeps 1e-4 of its dynamic range.
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let mesh = potflow::mesh::generate::venturi(3000);
    let opts = SolveOptions {
        bc: potflow::bc::BoundaryOptions {
            inlet_velocity: 0.05,
            ..Default::default()
        },
        ..SolveOptions::default()
    };
    let cpu = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    let gpu = solve::run(
        &mesh,
        &opts,
        Kernels::Gpu {
            ctx,
            fallback: false,
            solve: false,
        },
        0.0,
        &mut |_| {},
    )
    .unwrap();
    let p0 = opts.pressure.p0;
    assert!(
        gpu.fields.pressure.iter().all(|&p| p < p0),
        "a pressure at or above p0"
    );
    let dynamic =
        |f: &potflow::post::ElementFields| f.pressure.iter().map(|p| p0 - p).collect::<Vec<_>>();
    let d = max_rel_diff(&dynamic(&gpu.fields), &dynamic(&cpu.fields));
    assert!(d < 1e-4, "dynamic pressure differs by {d:e} of its range");
}

#[test]
fn a_lost_device_falls_back_under_auto_and_fails_cleanly_otherwise() {
    // A fresh context (the shared ones stay whole), its device destroyed as a driver reset
    // would: with fallback (auto) both kernel stages finish on the CPU with the CPU's answer
    // and the outcome says so stage by stage; without (--backend gpu) the solve is an error.
    for precision in [Precision::F64, Precision::F32] {
        if context(precision).is_none() {
            continue;
        }
        let Some(ctx) = new_context(precision, None) else {
            continue;
        };
        ctx.simulate_device_loss();
        let mesh = distorted_channel(8, 3, 2.0, 1.0, 0.2, 4);
        let opts = SolveOptions::default();
        let cpu = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
        let auto = solve::run(
            &mesh,
            &opts,
            Kernels::Gpu {
                ctx: &ctx,
                fallback: true,
                solve: false,
            },
            0.0,
            &mut |_| {},
        )
        .expect("auto finishes on the CPU");
        assert_eq!((auto.stages.assemble, auto.stages.post), ("cpu", "cpu"));
        assert_eq!(auto.gpu_fallbacks.len(), 2, "{:?}", auto.gpu_fallbacks);
        assert!(
            auto.gpu_fallbacks[0].starts_with("assemble: ")
                && auto.gpu_fallbacks[1].starts_with("post: ")
        );
        assert_eq!(auto.u, cpu.u);
        let err = solve::run(
            &mesh,
            &opts,
            Kernels::Gpu {
                ctx: &ctx,
                fallback: false,
                solve: false,
            },
            0.0,
            &mut |_| {},
        )
        .expect_err("no fallback: an error");
        assert!(err.to_string().contains("GPU"), "{err}");
        // The solve on the GPU falls back the same way, and says so.
        let kernels = |fallback| Kernels::Gpu {
            ctx: &ctx,
            fallback,
            solve: true,
        };
        let auto = solve::run(&mesh, &opts, kernels(true), 0.0, &mut |_| {}).unwrap();
        assert_eq!(auto.stages.solve, "cpu");
        assert!(auto.gpu_fallbacks.iter().any(|f| f.starts_with("solve: ")));
        assert!(auto.gpu_solve.is_none());
        assert_eq!(auto.u, cpu.u);
        assert!(solve::run(&mesh, &opts, kernels(false), 0.0, &mut |_| {}).is_err());
    }
}

#[test]
fn gpu_buffers_are_bounded_by_the_chunk_not_the_mesh() {
    // Elements go up chunk by chunk as element-relative coordinates and potentials: with
    // chunks of 64 elements, the GPU holds a few hundred kB at most for a mesh of 10k nodes
    // (a global node array alone would be 320 kB in f64), so any mesh the CPU path can solve
    // fits an adapter's storage-binding limit.
    let mesh = PreparedMesh::prepare(&potflow::mesh::generate::venturi(10_000)).unwrap();
    let u: Vec<f64> = mesh.xy.iter().map(|p| p[0]).collect();
    for precision in [Precision::F64, Precision::F32] {
        if context(precision).is_none() {
            continue;
        }
        let Some(ctx) = new_context(precision, Some(64)) else {
            continue;
        };
        ctx.stiffness_slots(&mesh).unwrap();
        ctx.velocity(&mesh, &u, Default::default()).unwrap();
        let per_element = 2 * 64 * 8 + 16 * 8 + 8 * 4 + 8 * 8 + 2 * 8 * 8;
        let bound = 64 * per_element as u64 + 4096;
        assert!(
            ctx.buffer_bytes() <= bound,
            "{precision}: {} bytes held, bound {bound}",
            ctx.buffer_bytes()
        );
    }
}

#[test]
fn the_copy_kernel_copies_and_measures_a_bandwidth() {
    // The bandwidth yardstick's kernel against its CPU twin (a plain copy) on random values,
    // every bit (NaN payloads and signed zeros included: a copy must not touch them); then
    // a measurement that is a finite, positive rate over the bytes asked for.
    let Some(ctx) = context(Precision::F32) else {
        return;
    };
    let mut rng = common::Rng::new(7);
    let mut data: Vec<f32> = (0..4 * 70_001)
        .map(|_| f32::from_bits(rng.next_u64() as u32))
        .collect();
    data[0] = -0.0;
    let copied = ctx.copy_f32(&data).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&copied), bits(&data));
    assert!(ctx.copy_f32(&data[..3]).is_err());
    let b = ctx.copy_bandwidth(1 << 20, 2, 3).unwrap();
    assert_eq!(b.bytes, 1 << 20);
    assert!(b.gb_per_s.is_finite() && b.gb_per_s > 0.0, "{b:?}");
}
