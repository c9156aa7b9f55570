//! Assembly of the global stiffness matrix.
//!
//! The contract between an element kernel (CPU or GPU) and the global matrix is the **COO
//! slot layout**: element `e` owns slots `[64e, 64e + 64)`, and slot `64e + 8i + j` holds
//! `Kₑ[i][j]`, coupling the element's local nodes i (row) and j (column).
//!
//! ```text
//! kernel ──► slots (64 per element) ──► CsrPattern::scatter ──► CSR values (sprs)
//! ```
//!
//! The CSR pattern and, for every CSR entry, the list of slots that add into it are built once
//! per mesh ([`CsrPattern`]). Every assembly after that is a parallel gather: each entry sums its
//! slots in ascending slot order, so the result is bit-identical whatever the thread count.

pub mod pattern;

pub use pattern::CsrPattern;

use rayon::prelude::*;

use crate::element::{stiffness_element, SLOTS};
use crate::mesh::PreparedMesh;

/// The sparse matrix type of the whole crate: CSR, f64 values, u32 indices.
pub type Matrix = sprs::CsMatI<f64, u32>;

/// The element stiffness kernel on the CPU: every element's 64 slots, in parallel.
///
/// CPU twin of `shaders/stiffness.wgsl`.
pub fn stiffness_slots(mesh: &PreparedMesh) -> Vec<f64> {
    let mut slots = vec![0.0; mesh.elements() * SLOTS];
    slots
        .par_chunks_mut(SLOTS)
        .enumerate()
        .for_each(|(e, out)| out.copy_from_slice(&stiffness_element(&mesh.element_xy(e))));
    slots
}
