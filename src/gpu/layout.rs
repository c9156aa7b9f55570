//! Host-side twins of the structs and buffer layouts the kernels read and write.

use bytemuck::{Pod, Zeroable};

use super::Precision;

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

/// The hi/lo split `v = hi + lo` of a value: in f32, hi is v rounded and lo the rounding
/// error (also rounded, so hi + lo carries about 48 bits); in f64, (v, 0).
pub fn split(v: f64, precision: Precision) -> [f64; 2] {
    match precision {
        Precision::F64 => [v, 0.0],
        Precision::F32 => {
            let hi = v as f32 as f64;
            [hi, v - hi]
        }
    }
}

/// The node buffer: `x_hi, y_hi, x_lo, y_lo` per node.
pub fn node_buffer(xy: &[[f64; 2]], precision: Precision) -> Vec<u8> {
    encode(
        xy.iter().flat_map(|&[x, y]| {
            let (sx, sy) = (split(x, precision), split(y, precision));
            [sx[0], sy[0], sx[1], sy[1]]
        }),
        precision,
    )
}

/// The potential buffer: `u_hi, u_lo` per node.
pub fn potential_buffer(u: &[f64], precision: Precision) -> Vec<u8> {
    encode(u.iter().flat_map(|&v| split(v, precision)), precision)
}
