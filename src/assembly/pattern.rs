//! The CSR sparsity pattern of a Quad-8 mesh and the map from COO slots to CSR entries.
//!
//! Row `i` of the matrix has a column for every node that shares an element with node `i`.
//! For CSR entry `k`, `entry_slots[entry_ptr[k]..entry_ptr[k+1]]` lists, in ascending order,
//! the slots `64e + 8a + b` with `elements[e][a] = row` and `elements[e][b] = column`.

use rayon::prelude::*;

use super::Matrix;
use crate::element::{NODES, SLOTS};
use crate::mesh::prepare::node_elements;

/// One row under construction: its sorted columns and its (entry in row, slot) pairs.
type RowBuild = (Vec<u32>, Vec<(u32, u32)>);

/// Sparsity pattern plus the slot gather lists, built once per mesh.
#[derive(Debug, Clone)]
pub struct CsrPattern {
    n: usize,
    indptr: Vec<u32>,
    indices: Vec<u32>,
    entry_ptr: Vec<u32>,
    entry_slots: Vec<u32>,
}

/// Prefix sums of per-row lengths, as a CSR pointer array.
fn offsets(lengths: impl Iterator<Item = usize>) -> Vec<u32> {
    let mut ptr = vec![0u32];
    let mut total = 0u64;
    for l in lengths {
        total += l as u64;
        assert!(
            total <= u32::MAX as u64,
            "matrix too large for 32-bit CSR offsets"
        );
        ptr.push(total as u32);
    }
    ptr
}

impl CsrPattern {
    /// Builds the pattern of an `n`-node mesh.
    pub fn new(n: usize, elements: &[[u32; NODES]]) -> Self {
        let (eptr, elems) = node_elements(n, elements);
        // For each row: its sorted columns, and (entry within row, slot) pairs.
        let rows: Vec<RowBuild> = (0..n)
            .into_par_iter()
            .map(|i| {
                let adj = &elems[eptr[i] as usize..eptr[i + 1] as usize];
                let mut cols: Vec<u32> = adj.iter().flat_map(|&e| elements[e as usize]).collect();
                cols.sort_unstable();
                cols.dedup();
                let mut contributions = Vec::with_capacity(adj.len() * NODES);
                for &e in adj {
                    let el = &elements[e as usize];
                    let a = el.iter().position(|&k| k as usize == i).unwrap_or(0);
                    for (b, &col) in el.iter().enumerate() {
                        let pos = cols.binary_search(&col).unwrap_or(0) as u32;
                        contributions.push((pos, (SLOTS * e as usize + NODES * a + b) as u32));
                    }
                }
                contributions.sort_unstable();
                (cols, contributions)
            })
            .collect();
        let indptr = offsets(rows.iter().map(|r| r.0.len()));
        let indices: Vec<u32> = rows.iter().flat_map(|r| r.0.iter().copied()).collect();
        let mut entry_counts = vec![0usize; indices.len()];
        for (i, (_, contributions)) in rows.iter().enumerate() {
            for &(pos, _) in contributions {
                entry_counts[indptr[i] as usize + pos as usize] += 1;
            }
        }
        let entry_ptr = offsets(entry_counts.into_iter());
        let entry_slots = rows
            .iter()
            .flat_map(|r| r.1.iter().map(|&(_, s)| s))
            .collect();
        CsrPattern {
            n,
            indptr,
            indices,
            entry_ptr,
            entry_slots,
        }
    }

    /// Number of rows (= columns).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row pointer array.
    pub fn indptr(&self) -> &[u32] {
        &self.indptr
    }

    /// Column indices.
    pub fn indices(&self) -> &[u32] {
        &self.indices
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
