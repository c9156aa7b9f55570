//! What both benches measure alike: the memory floor they compare against.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Throughput};
use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The bytes an SpMV with f64 values (or f32 values and an i32 remainder) and u32 column
/// indices must move at least: values and indices once, row pointers, x and y.
pub fn spmv_bytes(rows: usize, nnz: usize) -> usize {
    nnz * 12 + (rows + 1) * 4 + 2 * rows * 8
}

/// The rayon pool the benches run their work in, as `potflow solve` runs its stages inside
/// one (`pool.install`). A parallel pass started on one of the pool's threads hands its
/// halves to the others directly; one started from outside (criterion's thread) is queued
/// for the pool while the caller sleeps until it is done. A V-cycle makes about a hundred
/// such passes: on a generated y_tube of 195k nodes, started from outside, it took 10-15%
/// longer (2026-12-03, docs/benchmarks.md).
pub fn pool() -> ThreadPool {
    ThreadPoolBuilder::new()
        .build()
        .expect("a rayon thread pool")
}

/// A STREAM triad `a = b + 3 c` over about `bytes` bytes (24 per entry), run in `pool` and
/// benchmarked as `name` in `g` with its bytes as throughput.
pub fn triad(g: &mut BenchmarkGroup<'_, WallTime>, pool: &ThreadPool, name: &str, bytes: usize) {
    let len = bytes / 24;
    let (b, c) = (vec![1.0f64; len], vec![2.0f64; len]);
    let mut a = vec![0.0f64; len];
    g.throughput(Throughput::Bytes((len * 24) as u64));
    g.bench_function(name, |bench| {
        bench.iter(|| {
            pool.install(|| {
                a.par_iter_mut()
                    .zip(b.par_iter().zip(&c))
                    .with_min_len(1 << 14)
                    .for_each(|(a, (b, c))| *a = b + 3.0 * c)
            })
        })
    });
}
