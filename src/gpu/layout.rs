//! Host-side twins of the structs and buffer layouts the kernels read and write.

use bytemuck::{Pod, Zeroable};

use super::Precision;
use crate::mesh::PreparedMesh;

/// Per-dispatch parameters. Twin of `ChunkParams` in `shaders/quad8.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ChunkParams {
    /// Elements in this chunk.
    pub count: u32,
    /// Non-zero: the stiffness kernel also writes each slot's global row and column.
    pub write_indices: u32,
    pub pad0: u32,
    pub pad1: u32,
}

const _: () = assert!(std::mem::size_of::<ChunkParams>() == 16);

/// Encodes values as a `real` array in `precision`.
pub fn encode(values: impl IntoIterator<Item = f64>, precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F64 => values.into_iter().flat_map(f64::to_le_bytes).collect(),
        Precision::F32 => values
            .into_iter()
            .flat_map(|v| (v as f32).to_le_bytes())
            .collect(),
    }
}

/// Decodes a `real` array in `precision`.
pub fn decode(bytes: &[u8], precision: Precision) -> Vec<f64> {
    match precision {
        Precision::F64 => bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
        Precision::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
    }
}

/// Node coordinates of elements `first..first + count`, each node's minus the element's
/// first node's, computed in f64 and stored as `real`: 16 per element (x, y of nodes 0-7).
/// The kernels then work in element-relative values without a global node array (every
/// buffer is bounded by the chunk) and without compensated arithmetic (which fast-math
/// compilers may undo): an f32 kernel keeps the precision far from the origin.
pub fn element_coordinates(
    mesh: &PreparedMesh,
    first: usize,
    count: usize,
    precision: Precision,
) -> Vec<u8> {
    encode(
        mesh.elements[first..first + count].iter().flat_map(|el| {
            let [x0, y0] = mesh.xy[el[0] as usize];
            el.map(|k| {
                let [x, y] = mesh.xy[k as usize];
                [x - x0, y - y0]
            })
            .into_iter()
            .flatten()
        }),
        precision,
    )
}

/// Nodal potentials of elements `first..first + count`, each node's minus the element's first
/// node's (the gradient ignores constants), computed in f64: 8 per element.
pub fn element_potentials(
    mesh: &PreparedMesh,
    u: &[f64],
    first: usize,
    count: usize,
    precision: Precision,
) -> Vec<u8> {
    encode(
        mesh.elements[first..first + count].iter().flat_map(|el| {
            let u0 = u[el[0] as usize];
            el.map(|k| u[k as usize] - u0)
        }),
        precision,
    )
}
