//! Assembly of the global stiffness matrix.
//!
//! The contract between an element kernel (CPU or GPU) and the global matrix is the **slot
//! layout**: element `e` of a chunk owns slots `[64e, 64e + 64)`, and slot `64e + 8i + j` holds
//! `Kₑ[i][j]`, coupling the element's local nodes i (row) and j (column).
//!
//! ```text
//! CsrPattern::new (once per mesh)
//! for each chunk of elements:  kernel ──► slots (64 per element) ──► CsrPattern::add_slots
//! CsrPattern::into_matrix ──► Matrix (sprs)
//! ```
//!
//! The kernel runs on chunks of consecutive elements ([`chunk_elements`] of them, on the GPU
//! within the device's limits), and each chunk's slots are added into the CSR values
//! and dropped: the slots of the whole mesh, eight times the matrix's values, are never in
//! memory at once. Each entry sums its slots in ascending element order, so the matrix is
//! bit-identical whatever the chunk size and the thread count ([`pattern`]).

pub mod pattern;

pub use pattern::CsrPattern;

use std::ops::Range;

use rayon::prelude::*;

use crate::element::{stiffness_element, SLOTS};
use crate::mesh::PreparedMesh;
use crate::sparse::Matrix;

/// Elements per chunk of the CPU assembly: at most 16 chunks, none below 65,536 elements
/// (32 MB of slots), so a chunk's parallel work outweighs its bookkeeping.
pub fn chunk_elements(elements: usize) -> usize {
    elements.div_ceil(16).max(65_536)
}

/// The element stiffness kernel on the CPU for the elements in `range`, in parallel: 64 slots
/// per element into `out` (resized to fit).
///
/// CPU twin of `shaders/stiffness.wgsl`.
pub fn stiffness_chunk(mesh: &PreparedMesh, range: Range<usize>, out: &mut Vec<f64>) {
    out.resize(range.len() * SLOTS, 0.0);
    out.par_chunks_mut(SLOTS)
        .zip(range)
        .for_each(|(slots, e)| slots.copy_from_slice(&stiffness_element(&mesh.element_xy(e))));
}

/// The element stiffness kernel on the CPU: every element's 64 slots at once (for comparing
/// kernels; the assembly itself goes chunk by chunk, [`stiffness_values`]).
pub fn stiffness_slots(mesh: &PreparedMesh) -> Vec<f64> {
    let mut slots = Vec::new();
    stiffness_chunk(mesh, 0..mesh.elements(), &mut slots);
    slots
}

/// The stiffness matrix's values on `pattern`, the kernel run on the CPU chunk by chunk.
pub fn stiffness_values(mesh: &PreparedMesh, pattern: &CsrPattern) -> Vec<f64> {
    let mut values = pattern.zero_values();
    let (e, chunk) = (mesh.elements(), chunk_elements(mesh.elements()));
    let mut slots = Vec::new();
    for first in (0..e).step_by(chunk) {
        stiffness_chunk(mesh, first..(first + chunk).min(e), &mut slots);
        pattern.add_slots(&mesh.elements, first, &slots, &mut values);
    }
    values
}
/// A linear system, after assembly and boundary conditions.
pub struct System {
    pub matrix: Matrix,
    pub rhs: Vec<f64>,
}

/// Assembles the stiffness matrix of `mesh` on the CPU with a zero right-hand side.
pub fn assemble(mesh: &PreparedMesh) -> System {
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let values = stiffness_values(mesh, &pattern);
    System::new(pattern, values)
}

impl System {
    /// The system with the matrix of `pattern` and `values`, zero right-hand side. The
    /// pattern's node → element adjacency is dropped: the solve needs only the matrix.
    pub fn new(pattern: CsrPattern, values: Vec<f64>) -> Self {
        let matrix = pattern.into_matrix(values);
        let rhs = vec![0.0; matrix.rows()];
        System { matrix, rhs }
    }
}
