//! Sparse rows computed in parallel and gathered into CSR arrays, one round of rows at a time.
//!
//! The AMG set-up builds its matrices row by row (the strength graph, the filtered matrix, the
//! products): each row is computed alone into its task's block, so the result does not depend
//! on how the rows are split or on the thread count. The blocks are gathered in rounds of
//! `TASKS_PER_ROUND` tasks: a round's blocks are appended to the result and freed before the
//! next round starts. Gathering all blocks at the end instead keeps the whole matrix's blocks
//! alive beside the result, about twice the result (and freed into the allocator's heaps,
//! where they stay resident); at 2M nodes that made the finest level's Galerkin product and
//! strength graph the set-up's peaks (docs/benchmarks.md).

use std::sync::Mutex;

use rayon::prelude::*;

/// The most rows per parallel task.
const MAX_ROWS_PER_TASK: usize = 1024;

/// Tasks per round: enough to keep the threads busy, few enough that a round's blocks are a
/// small part of the result (64 × 1024 rows of a 2M-row matrix: 1/31 of it).
const TASKS_PER_ROUND: usize = 64;

/// CSR arrays: row i is `cols[ptr[i]..ptr[i + 1]]` with values `vals[..]` alike.
pub struct CsrRows<T> {
    pub ptr: Vec<u32>,
    pub cols: Vec<u32>,
    pub vals: Vec<T>,
}

/// One task's rows.
struct Block<T> {
    len: Vec<u32>,
    cols: Vec<u32>,
    vals: Vec<T>,
}

/// The `n` rows produced by `row(i, scratch, cols, vals)`, which appends row i's entries to
/// `cols` and `vals`. Each thread gets one `scratch` from `new_scratch`, reused across its rows
/// and dropped at the end; `row` must not itself run parallel work (a thread that stole a task
/// while holding its scratch would wait for it forever).
///
/// Panics if the result has more than `u32::MAX` entries (the callers' matrices are bounded by
/// the mesh's 32-bit limits, `crate::mesh::MAX_ELEMENTS`).
pub fn gather<T, S>(
    n: usize,
    new_scratch: impl Fn() -> S + Sync,
    row: impl Fn(usize, &mut S, &mut Vec<u32>, &mut Vec<T>) + Sync,
) -> CsrRows<T>
where
    T: Copy + Send + Sync,
    S: Send,
{
    let threads = rayon::current_num_threads();
    let per_task = (n / (8 * threads)).clamp(16, MAX_ROWS_PER_TASK);
    let tasks = n.div_ceil(per_task);
    // One scratch per thread of the pool, made when a thread first needs it.
    let scratch: Vec<Mutex<Option<S>>> = (0..threads).map(|_| Mutex::new(None)).collect();
    let mut out = CsrRows {
        ptr: Vec::with_capacity(n + 1),
        cols: Vec::new(),
        vals: Vec::new(),
    };
    out.ptr.push(0);
    let mut total = 0u64;
    for round in (0..tasks).step_by(TASKS_PER_ROUND) {
        let blocks: Vec<Block<T>> = (round..(round + TASKS_PER_ROUND).min(tasks))
            .into_par_iter()
            .map(|t| {
                let slot = &scratch[rayon::current_thread_index().unwrap_or(0) % threads];
                let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
                let s = guard.get_or_insert_with(&new_scratch);
                let rows = t * per_task..((t + 1) * per_task).min(n);
                let mut block = Block {
                    len: Vec::with_capacity(rows.len()),
                    cols: Vec::new(),
                    vals: Vec::new(),
                };
                for i in rows {
                    let before = block.cols.len();
                    row(i, s, &mut block.cols, &mut block.vals);
                    block.len.push((block.cols.len() - before) as u32);
                }
                block
            })
            .collect();
        for b in blocks {
            for l in b.len {
                total += u64::from(l);
                out.ptr
                    .push(u32::try_from(total).expect("more than u32::MAX entries in a row set"));
            }
            out.cols.extend_from_slice(&b.cols);
            out.vals.extend_from_slice(&b.vals);
        }
    }
    out
}

/// Splits `out` into consecutive pieces of the given lengths.
pub fn split_lengths<T>(mut out: &mut [T], lengths: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut pieces = Vec::new();
    for len in lengths {
        let (head, tail) = out.split_at_mut(len);
        pieces.push(head);
        out = tail;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row i has entries (i + k) mod n for k < i mod 5, valued i·n + column: every row's
    /// entries land where they belong, across rounds, whatever the thread count.
    #[test]
    fn rows_land_in_order_across_rounds_and_thread_counts() {
        let n = 3 * TASKS_PER_ROUND * MAX_ROWS_PER_TASK + 17;
        let build = || {
            gather(
                n,
                || (),
                |i, _, cols, vals: &mut Vec<u64>| {
                    for k in 0..i % 5 {
                        let j = (i + k) % n;
                        cols.push(j as u32);
                        vals.push((i * n + j) as u64);
                    }
                },
            )
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(build);
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(build);
        for m in [&one, &three] {
            assert_eq!(m.ptr.len(), n + 1);
            for i in 0..n {
                let (s, e) = (m.ptr[i] as usize, m.ptr[i + 1] as usize);
                assert_eq!(e - s, i % 5, "row {i}");
                for (k, (&j, &v)) in m.cols[s..e].iter().zip(&m.vals[s..e]).enumerate() {
                    assert_eq!(j as usize, (i + k) % n);
                    assert_eq!(v, (i * n + j as usize) as u64);
                }
            }
        }
        assert_eq!(one.cols, three.cols);
        assert_eq!(one.vals, three.vals);
    }
}
