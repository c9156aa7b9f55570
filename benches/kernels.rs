//! Criterion benchmarks of the pieces: element stiffness (CPU, per element), the CSR value
//! scatter, parallel SpMV next to a STREAM-like triad (the memory-bandwidth floor), one AMG-CG
//! iteration, and the GPU stiffness dispatch with readback.
//!
//! `cargo bench` runs them on the reference's y_tube_195k mesh when POTFLOW_REFERENCE_DIR
//! names the reference data, else on a generated y_tube of about the same size.

use std::hint::black_box;
use std::path::Path;

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use potflow::assembly::{stiffness_slots, stiffness_values, CsrPattern};
use potflow::element::stiffness_element;
use potflow::gpu::{AdapterChoice, GpuContext, Precision};
use potflow::mesh::{generate, hdf5::read_mesh, Mesh, PreparedMesh};
use potflow::solve::{linear_system, SolveOptions};
use potflow::solver::{cg, Amg, AmgOptions, CgOptions, Preconditioner};
use potflow::sparse::spmv;
use potflow::sparse::spmv::LinearOperator;

fn mesh() -> Mesh {
    match std::env::var_os("POTFLOW_REFERENCE_DIR") {
        Some(dir) => read_mesh(&Path::new(&dir).join("meshes/y_tube_195k.h5"))
            .expect("POTFLOW_REFERENCE_DIR holds meshes/y_tube_195k.h5"),
        None => generate::by_name("y_tube", 195_000).expect("a known geometry"),
    }
}

fn benches(c: &mut Criterion) {
    // Everything parallel runs inside a pool, as in `potflow solve` (see common::pool).
    let pool = common::pool();
    let raw = mesh();
    let mesh = PreparedMesh::prepare(&raw).expect("benchmark mesh");
    let e = mesh.elements();
    let xy = mesh.element_xy(0);

    let mut g = c.benchmark_group("element");
    g.throughput(Throughput::Elements(1));
    g.bench_function("stiffness_element (one element, f64)", |b| {
        b.iter(|| stiffness_element(black_box(&xy)))
    });
    g.finish();

    let mut g = c.benchmark_group("assembly");
    g.sample_size(20);
    g.throughput(Throughput::Elements(e as u64));
    g.bench_function("stiffness_slots (all elements, rayon)", |b| {
        b.iter(|| pool.install(|| stiffness_slots(&mesh)))
    });
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let slots = stiffness_slots(&mesh);
    g.bench_function("csr scatter (slots -> values)", |b| {
        b.iter(|| pool.install(|| pattern.scatter(&mesh.elements, black_box(&slots))))
    });
    g.bench_function("chunked assembly (kernel + scatter, chunk by chunk)", |b| {
        b.iter(|| pool.install(|| stiffness_values(&mesh, &pattern)))
    });
    g.bench_function("csr pattern build", |b| {
        b.iter(|| pool.install(|| CsrPattern::new(mesh.nodes(), &mesh.elements)))
    });
    g.finish();

    // The system potflow solves: boundary conditions applied (the assembled matrix alone is
    // singular: constants are in its null space).
    let (_, system) = linear_system(&raw, &SolveOptions::default()).expect("benchmark system");
    let a = system.matrix;
    let n = a.rows();
    let x = vec![1.0; n];
    let mut y = vec![0.0; n];
    let mut g = c.benchmark_group("bandwidth");
    let spmv_bytes = common::spmv_bytes(n, a.nnz());
    g.throughput(Throughput::Bytes(spmv_bytes as u64));
    g.bench_function("spmv (parallel CSR)", |b| {
        b.iter(|| pool.install(|| spmv(&a, black_box(&x), &mut y)))
    });
    // CG's SpMV where the hierarchy owns the matrix: the same bytes, each value rebuilt from
    // its f32 and i32 remainder (src/solver/amg/split.rs).
    let owning = Amg::owning(a.clone(), AmgOptions::default()).expect("AMG hierarchy");
    let split = owning
        .fine_matrix()
        .expect("an owning hierarchy reads its matrix exactly");
    g.bench_function("spmv (split values, CG's matrix)", |b| {
        b.iter(|| pool.install(|| split.apply(black_box(&x), &mut y)))
    });
    // STREAM triad a = b + s c over as many bytes as the SpMV moves.
    common::triad(&mut g, &pool, "stream triad (same bytes)", spmv_bytes);
    g.finish();

    let mut g = c.benchmark_group("solver");
    g.sample_size(10);
    let amg = Amg::new(&a, AmgOptions::default()).expect("AMG hierarchy");
    let r = system.rhs;
    let mut z = vec![0.0; n];
    g.bench_function("amg v-cycle", |b| {
        b.iter(|| pool.install(|| amg.apply(black_box(&r), &mut z)))
    });
    g.bench_function("amg setup", |b| {
        b.iter(|| pool.install(|| Amg::new(&a, AmgOptions::default())))
    });
    // One CG iteration = SpMV + V-cycle + vector updates; measured as 5 iterations / 5.
    g.bench_function("cg, 5 iterations with amg", |b| {
        b.iter(|| {
            let mut u = vec![0.0; n];
            pool.install(|| {
                cg(
                    &a,
                    &r,
                    &mut u,
                    &amg,
                    CgOptions {
                        rtol: 1e-30,
                        max_iter: 5,
                    },
                    &mut |_, _| std::ops::ControlFlow::Continue(()),
                )
            })
        })
    });
    g.finish();

    for precision in [Precision::F64, Precision::F32] {
        let choice = AdapterChoice {
            precision: Some(precision),
            ..Default::default()
        };
        match GpuContext::new(&choice) {
            Ok(ctx) => {
                let mut g = c.benchmark_group("gpu");
                g.sample_size(10);
                g.throughput(Throughput::Elements(e as u64));
                g.bench_function(
                    format!(
                        "stiffness dispatch + readback ({}, {precision})",
                        ctx.adapter_name()
                    ),
                    |b| b.iter(|| ctx.stiffness_slots(&mesh).expect("GPU stiffness")),
                );
                g.finish();
            }
            Err(err) => eprintln!("skipping the {precision} GPU benchmark: {err}"),
        }
    }
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
