//! Deterministic parallel reductions.
//!
//! A floating-point sum depends on the order of its terms. rayon's `sum()` adds in an order
//! set by how the work was split among threads, which depends on the thread count and on
//! work stealing: two runs of one solve could differ in the last bits. Here every sum is taken
//! over fixed blocks of [`BLOCK`] entries, in parallel, and the block sums are then added in
//! block order, so the result depends on the data alone: the same bits on any thread count
//! and in every run.

use rayon::prelude::*;

/// Entries per block: large enough that the partial sums cost nothing next to the work,
/// small enough to spread a few thousand unknowns over the threads.
pub const BLOCK: usize = 4096;

/// Σ aᵢ bᵢ, deterministic.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let partial: Vec<f64> = a
        .par_chunks(BLOCK)
        .zip(b.par_chunks(BLOCK))
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// ‖a‖₂, deterministic.
pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Adds block partial sums in block order: the result of a `par_chunks(BLOCK)` map that
/// returns one partial sum per block.
pub fn sum_blocks(partial: impl IndexedParallelIterator<Item = f64>) -> f64 {
    let partial: Vec<f64> = partial.collect();
    partial.iter().sum()
}
