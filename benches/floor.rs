//! The V-cycle against the memory floor, on a mesh whose arrays do not fit in the cache.
//!
//! One V-cycle of the hierarchy `potflow solve` builds ([`Amg::owning`]) is timed beside a
//! STREAM-like triad over the same number of bytes, [`Amg::cycle_bytes`]: what the cycle must
//! move at least, every array counted once per pass. The ratio of the two times is how close
//! the cycle runs to the memory's bandwidth. The mesh is the generated channel_with_cylinder
//! with POTFLOW_FLOOR_NODES nodes (default 2,000,000: about 3.8 GB per cycle, 120 times the
//! 32 MB last-level cache of the machine in docs/benchmarks.md), so the figure is DRAM's, unlike
//! the `bandwidth` group of the `kernels` bench, whose 28 MB fit in that cache.
//!
//! `cargo bench --bench floor` (building the mesh and its hierarchy takes about half a
//! minute at 2M nodes).

use std::hint::black_box;

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use potflow::mesh::generate;
use potflow::solve::{linear_system, SolveOptions};
use potflow::solver::{Amg, AmgOptions, Preconditioner};
use potflow::sparse::spmv::LinearOperator;

fn nodes() -> usize {
    std::env::var("POTFLOW_FLOOR_NODES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000)
}

fn benches(c: &mut Criterion) {
    // Everything parallel runs inside a pool, as in `potflow solve` (see common::pool).
    let pool = common::pool();
    let raw = generate::by_name("channel_with_cylinder", nodes()).expect("a known geometry");
    let (_, system) = linear_system(&raw, &SolveOptions::default()).expect("the system");
    drop(raw);
    let n = system.matrix.rows();
    let nnz = system.matrix.nnz();
    let amg = Amg::owning(system.matrix, AmgOptions::default()).expect("AMG hierarchy");
    let cycle = amg.cycle_bytes();
    eprintln!(
        "floor: {n} unknowns, {nnz} nonzeros, {} levels; a V-cycle moves at least {:.0} MB",
        amg.levels(),
        cycle as f64 / 1e6
    );
    let r = system.rhs;
    let mut z = vec![0.0; n];

    let mut g = c.benchmark_group("floor");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(cycle as u64));
    g.bench_function("amg v-cycle", |b| {
        b.iter(|| pool.install(|| amg.apply(black_box(&r), &mut z)))
    });
    common::triad(&mut g, &pool, "stream triad (the v-cycle's bytes)", cycle);
    // CG's SpMV on the split values: f32, i32 remainder and u32 column index per nonzero.
    let spmv_bytes = common::spmv_bytes(n, nnz);
    let a = amg
        .fine_matrix()
        .expect("an owning hierarchy reads its matrix exactly");
    let mut y = vec![0.0; n];
    g.throughput(Throughput::Bytes(spmv_bytes as u64));
    g.bench_function("spmv (split values, CG's matrix)", |b| {
        b.iter(|| pool.install(|| a.apply(black_box(&z), &mut y)))
    });
    common::triad(&mut g, &pool, "stream triad (the spmv's bytes)", spmv_bytes);
    g.finish();
}

criterion_group!(floor, benches);
criterion_main!(floor);
