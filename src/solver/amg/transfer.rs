//! The transfer between a level and the next coarser one, stored once, as P.
//!
//! Prolongation, `y = P x`, is a row-by-row SpMV over P's rows. Restriction, `y = Pᵀ x`,
//! reads the same rows instead of a stored transpose:
//!
//! ```text
//! order      the coarse unknowns in the order P's rows first touch them (slot(c));
//!            aggregation numbers its pass-3 aggregates after all others, this order
//!            follows the fine rows
//! blocks     the fine rows cut into fixed blocks of BLOCK_ROWS rows; block b's stretch is
//!            the slots from the smallest to the largest its rows touch
//! partial    block b adds P_ic x_i at slot(c) of its stretch, row by row in ascending i
//!            (blocks in parallel, each into its own part of one scratch array)
//! sum        y_c = the partial sums of the blocks whose stretch holds slot(c), in block order
//! ```
//!
//! A coarse unknown that one block alone touches is summed in the order of a stored Pᵀ's
//! row; one that two blocks touch adds the two partial sums. The blocks are fixed, not one per thread,
//! so the bits do not depend on the thread count. In exact arithmetic the restriction is
//! exactly the transpose of the prolongation (the same stored values), so the V-cycle stays
//! symmetric.
//!
//! The stretches are short because the fine rows are banded: a block of BLOCK_ROWS rows
//! touches about (BLOCK_ROWS + twice the bandwidth) / (aggregate size) coarse unknowns.
//! Against a stored Pᵀ (an f32 value and a u32 index per entry of P: about ten per coarse
//! unknown on the finest level) the restriction keeps a slot and a pointer per coarse unknown
//! and a position and an f64 partial sum per stretch entry (a little over one per coarse
//! unknown). Should the stretches add up to more than [`MAX_STRETCH_RATIO`] partial sums per
//! coarse unknown (no such locality), Pᵀ is stored instead.

use rayon::prelude::*;

use super::operator::{Operator, Storage};
use crate::sparse::spmv::LinearOperator;
use crate::sparse::Matrix;

/// Fine rows per block of the restriction.
const BLOCK_ROWS: usize = 8192;

/// At most this many partial sums per coarse unknown: beyond, P's columns have lost the
/// locality the blocks rely on, and Pᵀ is stored instead.
const MAX_STRETCH_RATIO: usize = 3;

/// How the restriction is done.
enum Restriction {
    /// By blocks of P's rows, with the partial sums' layout.
    Blocks(Blocks),
    /// By a stored transpose, where P's columns have no locality.
    Stored(Operator<'static>),
}

/// The block layout of the restriction.
struct Blocks {
    /// Each coarse unknown's slot: its rank in the order P's rows first touch it.
    slot: Vec<u32>,
    /// First slot of each block's stretch.
    first: Vec<u32>,
    /// Where each block's stretch starts in the partial sums (one more entry than blocks).
    offset: Vec<usize>,
    /// Slot s's partial sums are at `position[pointer[s]..pointer[s + 1]]`, in block order.
    pointer: Vec<u32>,
    position: Vec<u32>,
}

/// P and its transpose's action.
pub struct Transfer {
    p: Operator<'static>,
    coarse: usize,
    restriction: Restriction,
}

/// The smallest and largest slot that rows `rows` of the CSR arrays touch, or `None` for
/// empty rows.
fn slot_span(
    indptr: &[u32],
    indices: &[u32],
    slot: &[u32],
    rows: std::ops::Range<usize>,
) -> Option<(u32, u32)> {
    let cols = &indices[indptr[rows.start] as usize..indptr[rows.end] as usize];
    let min = cols.iter().map(|&c| slot[c as usize]).min()?;
    let max = cols.iter().map(|&c| slot[c as usize]).max()?;
    Some((min, max))
}

/// Each column's rank in the order the rows first touch it (columns no row touches last).
fn first_touch_order(indices: &[u32], columns: usize) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let mut slot = vec![NONE; columns];
    let mut next = 0u32;
    for &c in indices {
        let s = &mut slot[c as usize];
        if *s == NONE {
            *s = next;
            next += 1;
        }
    }
    for s in slot.iter_mut().filter(|s| **s == NONE) {
        *s = next;
        next += 1;
    }
    slot
}

impl Blocks {
    /// The layout for P (`fine × coarse`), or `None` where the stretches add up to more than
    /// [`MAX_STRETCH_RATIO`] partial sums per coarse unknown.
    fn new(p: &Matrix) -> Option<Blocks> {
        let (fine, coarse) = p.shape();
        let indptr = p.indptr();
        let indptr = indptr.raw_storage();
        let indices = p.indices();
        let slot = first_touch_order(indices, coarse);
        let blocks = fine.div_ceil(BLOCK_ROWS);
        let spans: Vec<Option<(u32, u32)>> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let rows = b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(fine);
                slot_span(indptr, indices, &slot, rows)
            })
            .collect();
        let mut first = Vec::with_capacity(blocks);
        let mut offset = Vec::with_capacity(blocks + 1);
        offset.push(0usize);
        // Partial sums per slot, then (prefix sums) where each slot's list starts.
        let mut pointer = vec![0u32; coarse + 1];
        for span in &spans {
            let (lo, len) = match *span {
                Some((lo, hi)) => (lo, (hi - lo) as usize + 1),
                None => (0, 0),
            };
            let total = offset[offset.len() - 1] + len;
            if total > MAX_STRETCH_RATIO * coarse.max(1) || total > u32::MAX as usize {
                return None;
            }
            first.push(lo);
            offset.push(total);
            for s in lo as usize..lo as usize + len {
                pointer[s + 1] += 1;
            }
        }
        for s in 0..coarse {
            pointer[s + 1] += pointer[s];
        }
        let mut fill: Vec<u32> = pointer[..coarse].to_vec();
        let mut position = vec![0u32; pointer[coarse] as usize];
        for b in 0..blocks {
            for k in 0..offset[b + 1] - offset[b] {
                let s = first[b] as usize + k;
                position[fill[s] as usize] = (offset[b] + k) as u32;
                fill[s] += 1;
            }
        }
        Some(Blocks {
            slot,
            first,
            offset,
            pointer,
            position,
        })
    }

    /// Number of partial sums: the scratch the restriction needs.
    fn partials(&self) -> usize {
        self.offset[self.offset.len() - 1]
    }
}

impl Transfer {
    /// P, stored as `storage`, with the restriction by blocks where P's columns allow it.
    pub fn new(p: Matrix, storage: Storage) -> Transfer {
        let restriction = match Blocks::new(&p) {
            Some(blocks) => {
                log::debug!(
                    "AMG restriction: P's rows in {} blocks, {} partial sums for {} coarse \
                     unknowns",
                    blocks.first.len(),
                    blocks.partials(),
                    p.cols()
                );
                Restriction::Blocks(blocks)
            }
            None => {
                log::debug!(
                    "AMG: P's columns are not local ({} × {}); Pᵀ is stored",
                    p.rows(),
                    p.cols()
                );
                Restriction::Stored(Operator::owned(p.transpose_view().to_csr(), storage))
            }
        };
        Transfer {
            coarse: p.cols(),
            p: Operator::owned(p, storage),
            restriction,
        }
    }

    /// P with f32 values, as the V-cycle reads it.
    pub fn p_f32(&self) -> super::export::CsrF32 {
        self.p.to_f32(self.coarse)
    }

    /// Fine unknowns (P's rows).
    pub fn fine(&self) -> usize {
        self.p.rows()
    }

    /// Coarse unknowns (P's columns).
    pub fn coarse(&self) -> usize {
        self.coarse
    }

    /// The bytes one prolongation or one restriction reads from P (see [`Operator::bytes`]).
    pub fn bytes(&self) -> usize {
        self.p.bytes()
    }

    /// Length of the scratch [`Transfer::restrict`] needs.
    pub fn scratch_len(&self) -> usize {
        match &self.restriction {
            Restriction::Blocks(blocks) => blocks.partials(),
            Restriction::Stored(_) => 0,
        }
    }

    /// y = P x (x coarse, y fine).
    pub fn prolong(&self, x: &[f64], y: &mut [f64]) {
        self.p.apply(x, y);
    }

    /// y = Pᵀ x (x fine, y coarse); `scratch` has [`Transfer::scratch_len`] entries.
    pub fn restrict(&self, x: &[f64], y: &mut [f64], scratch: &mut [f64]) {
        let blocks = match &self.restriction {
            Restriction::Stored(pt) => return pt.apply(x, y),
            Restriction::Blocks(blocks) => blocks,
        };
        let fine = self.fine();
        let mut parts = Vec::with_capacity(blocks.first.len());
        let mut rest: &mut [f64] = &mut *scratch;
        for b in 0..blocks.first.len() {
            let len = blocks.offset[b + 1] - blocks.offset[b];
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
            parts.push(part);
            rest = tail;
        }
        parts.into_par_iter().enumerate().for_each(|(b, part)| {
            part.fill(0.0);
            let first = blocks.first[b] as usize;
            let rows = b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(fine);
            self.p
                .add_transposed_rows(rows, x, |c| blocks.slot[c as usize] as usize - first, part);
        });
        let partial: &[f64] = scratch;
        y.par_iter_mut().enumerate().for_each(|(c, y)| {
            let s = blocks.slot[c] as usize;
            let (s, e) = (blocks.pointer[s] as usize, blocks.pointer[s + 1] as usize);
            *y = blocks.position[s..e]
                .iter()
                .map(|&q| partial[q as usize])
                .sum();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prolongator shaped like an aggregation one: fine row i touches the aggregates of
    /// rows i − 3 ..= i + 3, aggregates of four rows each. With `pass3_last`, every fifth
    /// aggregate is numbered after all the others, as aggregation's pass 3 numbers its own.
    fn banded_p(fine: usize, pass3_last: bool) -> Matrix {
        let aggregates = fine.div_ceil(4);
        let late: Vec<usize> = (0..aggregates).filter(|g| g % 5 == 4).collect();
        let early = aggregates - late.len();
        let number = |g: usize| {
            if !pass3_last {
                g
            } else if g % 5 == 4 {
                early + g / 5
            } else {
                g - g / 5
            }
        };
        let mut tri = sprs::TriMatI::<f64, u32>::new((fine, aggregates));
        for i in 0..fine {
            let mut seen = Vec::new();
            for j in i.saturating_sub(3)..(i + 4).min(fine) {
                let g = j / 4;
                if !seen.contains(&g) {
                    seen.push(g);
                    let v = 0.1 + ((i * 31 + g * 17) % 13) as f64 / 7.0;
                    tri.add_triplet(i, number(g), v);
                }
            }
        }
        tri.to_csr()
    }

    fn fine_vector(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0)
            .collect()
    }

    /// Pᵀ x by a stored transpose, and Σ |P_ic x_i| per column for the rounding bound.
    fn transposed(p: &Matrix, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let pt: Matrix = p.transpose_view().to_csr();
        let mut y = vec![0.0; p.cols()];
        crate::sparse::spmv(&pt, x, &mut y);
        let mut scale = vec![0.0; p.cols()];
        for (v, (i, c)) in p.iter() {
            scale[c as usize] += (v * x[i as usize]).abs();
        }
        (y, scale)
    }

    fn restricted(t: &Transfer, x: &[f64]) -> Vec<f64> {
        let mut y = vec![f64::NAN; t.coarse()];
        let mut scratch = vec![f64::NAN; t.scratch_len()];
        t.restrict(x, &mut y, &mut scratch);
        y
    }

    #[test]
    fn restriction_by_blocks_is_the_transpose_of_the_prolongation() {
        // Five blocks of rows; aggregates numbered as aggregation numbers them.
        let fine = 5 * BLOCK_ROWS - 100;
        for pass3_last in [false, true] {
            let p = banded_p(fine, pass3_last);
            let x = fine_vector(fine);
            let (want, scale) = transposed(&p, &x);
            let t = Transfer::new(p, Storage::F64);
            // The stretches stay short however the aggregates are numbered: a few partial
            // sums per coarse unknown beyond one, at the blocks' seams.
            assert!(
                t.scratch_len() > 0 && t.scratch_len() < t.coarse() + 5 * 8,
                "pass3_last {pass3_last}: {} partial sums for {} coarse unknowns",
                t.scratch_len(),
                t.coarse()
            );
            let got = restricted(&t, &x);
            for c in 0..t.coarse() {
                // A sum split at a seam rounds differently: one rounding of the sum's size.
                assert!(
                    (got[c] - want[c]).abs() <= 4.0 * f64::EPSILON * scale[c],
                    "pass3_last {pass3_last}, column {c}: {} vs {}",
                    got[c],
                    want[c]
                );
            }
        }
    }

    #[test]
    fn restriction_gives_the_same_bits_on_any_thread_count() {
        let fine = 3 * BLOCK_ROWS + 17;
        let t = Transfer::new(banded_p(fine, true), Storage::F32);
        let x = fine_vector(fine);
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map(|pool| pool.install(|| restricted(&t, &x)))
                .unwrap_or_else(|e| panic!("thread pool: {e}"))
        };
        let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(on(1)), bits(on(3)));
    }

    #[test]
    fn prolongator_without_locality_falls_back_to_a_stored_transpose() {
        // Each row touches two columns scattered over the whole coarse range: every block's
        // stretch covers nearly all of it.
        let (fine, coarse) = (4 * BLOCK_ROWS, 1000);
        let mut tri = sprs::TriMatI::<f64, u32>::new((fine, coarse));
        for i in 0..fine {
            tri.add_triplet(i, (i * 7919) % coarse, 1.0 + (i % 3) as f64);
            tri.add_triplet(i, (i * 104_729 + 1) % coarse, 0.5);
        }
        let p: Matrix = tri.to_csr();
        let x = fine_vector(fine);
        let (want, scale) = transposed(&p, &x);
        let t = Transfer::new(p, Storage::F64);
        assert_eq!(t.scratch_len(), 0, "Pᵀ is stored");
        let got = restricted(&t, &x);
        for c in 0..coarse {
            assert!((got[c] - want[c]).abs() <= 4.0 * f64::EPSILON * scale[c]);
        }
    }
}
