//! The CSR sparsity pattern of a Quad-8 mesh, and the accumulation of element slots into its
//! values, chunk by chunk.
//!
//! Row `i` of the matrix has a column for every node that shares an element with node `i`.
//! The pattern keeps the node → element adjacency it was built from: the elements of node
//! `i`, ascending, are where row `i`'s contributions come from.
//!
//! **Accumulation.** The slots of a chunk of consecutive elements `first..first + count`
//! (64 per element, [`crate::assembly`]'s layout) are added into the values row by row, rows
//! in parallel: row `i` walks its elements inside the chunk in ascending order and, for each,
//! adds the eight slots of `i`'s local row to the entries of their columns. Every entry is
//! written by one task, and its contributions arrive in ascending element order whatever the
//! chunk size or the thread count: the assembled values are the same bits either way, the
//! left-to-right sum of an entry's slots in element order. Only one chunk's slots are ever
//! in memory.

use rayon::prelude::*;

use crate::element::{NODES, SLOTS};
use crate::mesh::prepare::node_elements;
use crate::sparse::rows::split_lengths;
use crate::sparse::Matrix;

/// Sparsity pattern plus the node → element adjacency, built once per mesh.
#[derive(Debug, Clone)]
pub struct CsrPattern {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    /// The elements of node `i` are `node_elems[node_ptr[i]..node_ptr[i + 1]]`, ascending.
    node_ptr: Vec<u32>,
    node_elems: Vec<u32>,
}

/// Rows per parallel task when building the pattern.
const ROWS_PER_TASK: usize = 4096;

/// The columns of a block of consecutive rows, built by one task.
#[derive(Default)]
struct RowBlock {
    /// Columns, row after row, ascending within a row.
    cols: Vec<u32>,
    /// Columns per row.
    row_len: Vec<u32>,
}

impl CsrPattern {
    /// Builds the pattern of an `n`-node mesh, rows in parallel blocks. The elements must keep
    /// to [`crate::mesh::MAX_ELEMENTS`] (as a [`crate::mesh::PreparedMesh`] does): then at
    /// most 64 entries per element fit the u32 row pointers.
    pub fn new(n: usize, elements: &[[u32; NODES]]) -> Self {
        let (node_ptr, node_elems) = node_elements(n, elements);
        let blocks: Vec<RowBlock> = (0..n.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .map(|b| {
                let mut block = RowBlock::default();
                for i in b * ROWS_PER_TASK..((b + 1) * ROWS_PER_TASK).min(n) {
                    let start = block.cols.len();
                    let adj = &node_elems[node_ptr[i] as usize..node_ptr[i + 1] as usize];
                    for &e in adj {
                        block.cols.extend_from_slice(&elements[e as usize]);
                    }
                    let row = &mut block.cols[start..];
                    row.sort_unstable();
                    let mut len = 0;
                    for k in 0..row.len() {
                        if k == 0 || row[k] != row[len - 1] {
                            row[len] = row[k];
                            len += 1;
                        }
                    }
                    block.cols.truncate(start + len);
                    block.row_len.push(len as u32);
                }
                block
            })
            .collect();
        let mut indptr = Vec::with_capacity(n + 1);
        indptr.push(0u32);
        let mut total = 0u64;
        for len in blocks.iter().flat_map(|b| &b.row_len) {
            total += *len as u64;
            indptr.push(u32::try_from(total).expect("at most 64 entries per element"));
        }
        let mut indices = vec![0u32; total as usize];
        split_lengths(&mut indices, blocks.iter().map(|b| b.cols.len()))
            .into_par_iter()
            .zip(&blocks)
            .for_each(|(dst, block)| dst.copy_from_slice(&block.cols));
        CsrPattern {
            n,
            indptr,
            indices,
            node_ptr,
            node_elems,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// A zero value array for this pattern, to accumulate into. The zeros are written, in
    /// parallel: `vec![0.0; n]` would map the kernel's shared zero page, and the first `+=`
    /// on each page would then fault twice (a read, then a copy on write with a TLB flush
    /// on every core), which took about a third of the assembly at 2M nodes.
    pub fn zero_values(&self) -> Vec<f64> {
        (0..self.nnz()).into_par_iter().map(|_| 0.0).collect()
    }

    /// Adds the slots of elements `first..first + slots.len() / 64` into `values`, rows in
    /// parallel (see the module docs for why the result does not depend on the chunking or the
    /// thread count). Chunks must come in element order for that, each element once.
    pub fn add_slots(
        &self,
        elements: &[[u32; NODES]],
        first: usize,
        slots: &[f64],
        values: &mut [f64],
    ) {
        assert_eq!(slots.len() % SLOTS, 0, "a chunk holds whole elements");
        assert_eq!(values.len(), self.nnz(), "values do not match the pattern");
        let end = first + slots.len() / SLOTS;
        // The rows this chunk touches, ascending, each with its own piece of `values`.
        let mut rows: Vec<u32> = elements[first..end].iter().flatten().copied().collect();
        rows.par_sort_unstable();
        rows.dedup();
        let mut pieces = Vec::with_capacity(rows.len());
        let (mut rest, mut offset) = (values, 0);
        for &i in &rows {
            let (s, t) = (
                self.indptr[i as usize] as usize,
                self.indptr[i as usize + 1] as usize,
            );
            let (row, tail) = rest[s - offset..].split_at_mut(t - s);
            pieces.push((i as usize, row));
            (rest, offset) = (tail, t);
        }
        pieces
            .into_par_iter()
            .with_min_len(256)
            .for_each(|(i, row_values)| {
                let cols = &self.indices[self.indptr[i] as usize..self.indptr[i + 1] as usize];
                let adj =
                    &self.node_elems[self.node_ptr[i] as usize..self.node_ptr[i + 1] as usize];
                let from = adj.partition_point(|&e| (e as usize) < first);
                let to = adj.partition_point(|&e| (e as usize) < end);
                for &e in &adj[from..to] {
                    let el = &elements[e as usize];
                    let a = el.iter().position(|&k| k as usize == i).unwrap_or(0);
                    let local = SLOTS * (e as usize - first) + NODES * a;
                    for (&col, &slot) in el.iter().zip(&slots[local..local + NODES]) {
                        if let Ok(p) = cols.binary_search(&col) {
                            row_values[p] += slot;
                        }
                    }
                }
            });
    }

    /// The values of the whole mesh from every element's slots at once.
    pub fn scatter(&self, elements: &[[u32; NODES]], slots: &[f64]) -> Vec<f64> {
        let mut values = self.zero_values();
        self.add_slots(elements, 0, slots, &mut values);
        values
    }

    /// A sprs matrix with this pattern and the given values; the pattern's arrays move into
    /// it and the adjacency is dropped.
    pub fn into_matrix(self, values: Vec<f64>) -> Matrix {
        // The pattern is sorted and in range by construction.
        Matrix::try_new((self.n, self.n), self.indptr, self.indices, values)
            .expect("CsrPattern builds valid CSR structure")
    }
}
