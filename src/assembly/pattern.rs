//! The CSR sparsity pattern of a Quad-8 mesh and the map from COO slots to CSR entries.
//!
//! Row `i` of the matrix has a column for every node that shares an element with node `i`.
//! For CSR entry `k`, `entry_slots[entry_ptr[k]..entry_ptr[k+1]]` lists, in ascending order,
//! the slots `64e + 8a + b` with `elements[e][a] = row` and `elements[e][b] = column`.

use rayon::prelude::*;

use super::Matrix;
use crate::element::{NODES, SLOTS};
use crate::mesh::prepare::node_elements;

/// Sparsity pattern plus the slot gather lists, built once per mesh.
#[derive(Debug, Clone)]
pub struct CsrPattern {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    entry_ptr: Vec<u32>,
    entry_slots: Vec<u32>,
}

/// Splits `out` into consecutive pieces of the given lengths.
fn split_lengths<T>(mut out: &mut [T], lengths: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut pieces = Vec::new();
    for len in lengths {
        let (head, tail) = out.split_at_mut(len);
        pieces.push(head);
        out = tail;
    }
    pieces
}

/// The concatenation of `parts`, copied in parallel.
fn concat<'a>(parts: impl Iterator<Item = &'a [u32]>) -> Vec<u32> {
    let parts: Vec<&[u32]> = parts.collect();
    let mut out = vec![0u32; parts.iter().map(|p| p.len()).sum()];
    split_lengths(&mut out, parts.iter().map(|p| p.len()))
        .into_par_iter()
        .zip(parts)
        .for_each(|(dst, src)| dst.copy_from_slice(src));
    out
}

/// CSR pointer array (prefix sums) of lengths given block by block, computed in parallel.
fn offsets<'a>(blocks: impl Iterator<Item = &'a [u32]>) -> Vec<u32> {
    let blocks: Vec<&[u32]> = blocks.collect();
    let totals: Vec<u64> = blocks
        .iter()
        .map(|b| b.iter().map(|&l| l as u64).sum())
        .collect();
    let grand: u64 = totals.iter().sum();
    assert!(
        grand <= u32::MAX as u64,
        "matrix too large for 32-bit CSR offsets"
    );
    let mut ptr = vec![0u32; blocks.iter().map(|b| b.len()).sum::<usize>() + 1];
    let mut base = 0u64;
    let bases: Vec<u64> = totals
        .iter()
        .map(|t| {
            let b = base;
            base += t;
            b
        })
        .collect();
    split_lengths(&mut ptr[1..], blocks.iter().map(|b| b.len()))
        .into_par_iter()
        .zip(blocks.par_iter().zip(bases))
        .for_each(|(dst, (lens, base))| {
            let mut acc = base;
            for (d, &l) in dst.iter_mut().zip(lens.iter()) {
                acc += l as u64;
                *d = acc as u32;
            }
        });
    ptr
}

/// Rows per parallel task when building the pattern.
const ROWS_PER_TASK: usize = 4096;

/// The pattern of a block of consecutive rows, built by one task.
#[derive(Default)]
struct RowBlock {
    /// Columns, row after row.
    cols: Vec<u32>,
    /// Columns per row.
    row_len: Vec<u32>,
    /// Slots per entry, entry after entry.
    entry_len: Vec<u32>,
    /// Slots, entry after entry, ascending within an entry.
    slots: Vec<u32>,
}

impl RowBlock {
    /// Appends row `i`: its sorted columns and the slots of each (row, column) entry.
    fn push_row(
        &mut self,
        i: usize,
        adj: &[u32],
        elements: &[[u32; NODES]],
        scratch: &mut Vec<(u32, u32)>,
    ) {
        // (column, slot) for every slot in row i, sorted: columns group, slots ascend.
        scratch.clear();
        for &e in adj {
            let el = &elements[e as usize];
            let a = el.iter().position(|&k| k as usize == i).unwrap_or(0);
            for (b, &col) in el.iter().enumerate() {
                scratch.push((col, (SLOTS * e as usize + NODES * a + b) as u32));
            }
        }
        scratch.sort_unstable();
        let mut len = 0;
        for (k, &(col, slot)) in scratch.iter().enumerate() {
            if k == 0 || scratch[k - 1].0 != col {
                self.cols.push(col);
                self.entry_len.push(0);
                len += 1;
            }
            if let Some(last) = self.entry_len.last_mut() {
                *last += 1;
            }
            self.slots.push(slot);
        }
        self.row_len.push(len);
    }
}

impl CsrPattern {
    /// Builds the pattern of an `n`-node mesh, rows in parallel blocks.
    pub fn new(n: usize, elements: &[[u32; NODES]]) -> Self {
        let (eptr, elems) = node_elements(n, elements);
        let blocks: Vec<RowBlock> = (0..n.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .map_init(Vec::new, |scratch, b| {
                let mut block = RowBlock::default();
                for i in b * ROWS_PER_TASK..((b + 1) * ROWS_PER_TASK).min(n) {
                    let adj = &elems[eptr[i] as usize..eptr[i + 1] as usize];
                    block.push_row(i, adj, elements, scratch);
                }
                block
            })
            .collect();
        let indptr = offsets(blocks.iter().map(|b| b.row_len.as_slice()));
        let entry_ptr = offsets(blocks.iter().map(|b| b.entry_len.as_slice()));
        let indices = concat(blocks.iter().map(|b| b.cols.as_slice()));
        let entry_slots = concat(blocks.iter().map(|b| b.slots.as_slice()));
        CsrPattern {
            n,
            indptr,
            indices,
            entry_ptr,
            entry_slots,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Position of entry (row, col) in the value array, if the pattern has it.
    pub fn position(&self, row: usize, col: u32) -> Option<usize> {
        let (a, b) = (self.indptr[row] as usize, self.indptr[row + 1] as usize);
        self.indices[a..b].binary_search(&col).ok().map(|p| a + p)
    }

    /// Sums element slots into CSR values, in parallel; deterministic (ascending slot order).
    pub fn scatter(&self, slots: &[f64]) -> Vec<f64> {
        assert_eq!(
            slots.len(),
            self.entry_slots.len(),
            "slot array does not match the pattern"
        );
        let mut values = vec![0.0; self.nnz()];
        values
            .par_chunks_mut(4096)
            .enumerate()
            .for_each(|(c, chunk)| {
                for (k, v) in chunk.iter_mut().enumerate() {
                    let k = c * 4096 + k;
                    let (a, b) = (self.entry_ptr[k] as usize, self.entry_ptr[k + 1] as usize);
                    *v = self.entry_slots[a..b]
                        .iter()
                        .map(|&s| slots[s as usize])
                        .sum();
                }
            });
        values
    }

    /// A sprs matrix with this pattern and the given values.
    pub fn matrix(&self, values: Vec<f64>) -> Matrix {
        // The pattern is sorted and in range by construction.
        Matrix::try_new(
            (self.n, self.n),
            self.indptr.clone(),
            self.indices.clone(),
            values,
        )
        .expect("CsrPattern builds valid CSR structure")
    }
}
