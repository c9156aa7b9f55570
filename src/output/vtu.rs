//! ParaView output: a VTK XML unstructured grid (`.vtu`), its arrays inline in base64.
//!
//! Cells are VTK_QUADRATIC_QUAD (23), whose node order is the Quad-8 order of
//! [`crate::element`], in the input's element order; points are the input's nodes (unused
//! nodes included: no cell references them, so they draw nothing). Point data `u` and, where
//! the run recovered them, `velocity` (3 components, z = 0, so ParaView can draw glyphs) and
//! `psi`; cell data the element `velocity`, `abs_vel` and `pressure`.
//!
//! Each array is inline binary (`format="binary"`): its byte count as a little-endian UInt64
//! (`header_type="UInt64"`) and its little-endian values, base64-encoded as one stream, the
//! layout VTK's own XML writers use. ParaView, VTK, meshio and vtkio read it. The file is
//! built here, not through an XML library: with nothing to escape, encoding 20 MB of fields
//! is a table lookup per byte, split across the threads (vtkio's writer took 0.15 s for it at
//! 200k nodes, as long as solving ψ; this takes about 0.04 s).

use std::path::Path;

use rayon::prelude::*;

use super::write_atomically;
use crate::error::Result;
use crate::mesh::Mesh;
use crate::outcome::Outcome;

/// VTK's cell type number of the 8-node quadrilateral.
const VTK_QUADRATIC_QUAD: u8 = 23;

/// A value type of an array: its VTK name and little-endian bytes.
trait Value: Copy {
    const VTK: &'static str;
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
}

impl Value for f64 {
    const VTK: &'static str = "Float64";
    const SIZE: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Value for i64 {
    const VTK: &'static str = "Int64";
    const SIZE: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Value for u8 {
    const VTK: &'static str = "UInt8";
    const SIZE: usize = 1;
    fn put(self, out: &mut Vec<u8>) {
        out.push(self);
    }
}

/// The XML document being built.
struct Document {
    xml: Vec<u8>,
}

impl Document {
    /// One `<DataArray>` of `len` values of `components` each, inline.
    fn array<T: Value>(
        &mut self,
        name: &str,
        components: usize,
        len: usize,
        values: impl Iterator<Item = T>,
    ) {
        let bytes = len * components * T::SIZE;
        let mut raw = Vec::with_capacity(8 + bytes);
        raw.extend_from_slice(&(bytes as u64).to_le_bytes());
        for v in values {
            v.put(&mut raw);
        }
        debug_assert_eq!(raw.len(), 8 + bytes);
        self.encoded::<T>(name, components, &raw);
    }

    /// One `<DataArray>` of one-component f64 values, their bytes copied as they lie in
    /// memory where that is little-endian.
    fn scalars(&mut self, name: &str, values: &[f64]) {
        if cfg!(target_endian = "big") {
            return self.array(name, 1, values.len(), values.iter().copied());
        }
        let bytes: &[u8] = bytemuck::cast_slice(values);
        let mut raw = Vec::with_capacity(8 + bytes.len());
        raw.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        raw.extend_from_slice(bytes);
        self.encoded::<f64>(name, 1, &raw);
    }

    /// The `<DataArray>` element round `raw` (the byte count and the values), base64-encoded.
    fn encoded<T: Value>(&mut self, name: &str, components: usize, raw: &[u8]) {
        // Names are ours (no character XML would need escaped).
        self.line(&format!(
            r#"<DataArray type="{}" Name="{name}" NumberOfComponents="{components}" format="binary">"#,
            T::VTK
        ));
        base64_into(raw, &mut self.xml);
        self.line("\n</DataArray>");
    }

    fn line(&mut self, s: &str) {
        self.xml.extend_from_slice(s.as_bytes());
        self.xml.push(b'\n');
    }
}

/// The standard base64 alphabet (RFC 4648), padded with `=`.
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the base64 encoding of `raw` to `out`, in parallel over blocks of 3·4096 bytes
/// (each block is a whole number of 3-byte groups, so blocks encode independently).
fn base64_into(raw: &[u8], out: &mut Vec<u8>) {
    const BLOCK: usize = 3 * 4096;
    let start = out.len();
    out.resize(start + raw.len().div_ceil(3) * 4, 0);
    out[start..]
        .par_chunks_mut(BLOCK / 3 * 4)
        .zip(raw.par_chunks(BLOCK))
        .for_each(|(text, bytes)| {
            let (whole, rest) = bytes.as_chunks::<3>();
            let (text, last) = text.split_at_mut(4 * whole.len());
            for (t, b) in text.as_chunks_mut::<4>().0.iter_mut().zip(whole) {
                *t = sextets(u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]));
            }
            if !rest.is_empty() {
                // The stream's last 1 or 2 bytes: padded with zero bits, then with '='.
                let n = u32::from(rest[0]) << 16 | u32::from(*rest.get(1).unwrap_or(&0)) << 8;
                last.copy_from_slice(&sextets(n));
                last[rest.len() + 1..].fill(b'=');
            }
        });
}

/// The four base64 characters of the 24 bits `n`.
fn sextets(n: u32) -> [u8; 4] {
    [18, 12, 6, 0].map(|shift| BASE64[(n >> shift & 63) as usize])
}

/// (x, y, 0) per entry: a 2D vector as VTK's 3-component one.
fn xyz(v: &[[f64; 2]]) -> impl Iterator<Item = f64> + '_ {
    v.iter().flat_map(|v| [v[0], v[1], 0.0])
}

/// The VTU document of a solved mesh, as bytes.
pub fn vtu_bytes(mesh: &Mesh, outcome: &Outcome) -> Vec<u8> {
    let (n, m) = (mesh.nodes(), mesh.elements());
    // Reserved at once, not grown by doubling: the base64 of every array's bytes, at most
    // (8 bytes per value: u, velocity, ψ and the points per node; the element fields, 8
    // connectivity entries and an offset per cell), plus the markup.
    let values = 8 * n + 14 * m;
    let mut doc = Document {
        xml: Vec::with_capacity((8 * values + m).div_ceil(3) * 4 + 4096),
    };
    doc.line(r#"<?xml version="1.0"?>"#);
    doc.line(r#"<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian" header_type="UInt64">"#);
    doc.line("<UnstructuredGrid>");
    doc.line(&format!(
        r#"<Piece NumberOfPoints="{n}" NumberOfCells="{m}">"#
    ));
    doc.line("<PointData>");
    doc.scalars("u", &outcome.u);
    if let Some(nodal) = &outcome.nodal {
        doc.array("velocity", 3, n, xyz(&nodal.velocity));
        if let Some(psi) = &nodal.stream_function {
            doc.scalars("psi", psi);
        }
    }
    doc.line("</PointData>");
    doc.line("<CellData>");
    let fields = &outcome.fields;
    doc.array("velocity", 3, m, xyz(&fields.vel));
    doc.scalars("abs_vel", &fields.abs_vel);
    doc.scalars("pressure", &fields.pressure);
    doc.line("</CellData>");
    doc.line("<Points>");
    let points = mesh.x.iter().zip(&mesh.y).flat_map(|(&x, &y)| [x, y, 0.0]);
    doc.array("Points", 3, n, points);
    doc.line("</Points>");
    doc.line("<Cells>");
    let connectivity = mesh.quad8.iter().flatten().map(|&k| i64::from(k));
    doc.array("connectivity", 1, 8 * m, connectivity);
    doc.array("offsets", 1, m, (1..=m as i64).map(|e| 8 * e));
    doc.array("types", 1, m, std::iter::repeat_n(VTK_QUADRATIC_QUAD, m));
    doc.line("</Cells>");
    doc.line("</Piece>");
    doc.line("</UnstructuredGrid>");
    doc.line("</VTKFile>");
    doc.xml
}

/// Writes the VTU file (through a temporary name).
pub fn write_vtu(path: &Path, mesh: &Mesh, outcome: &Outcome) -> Result<()> {
    let started = std::time::Instant::now();
    let bytes = vtu_bytes(mesh, outcome);
    log::debug!("{}: built in {:?}", path.display(), started.elapsed());
    write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::base64_into;

    fn encode(raw: &[u8]) -> String {
        let mut out = b"<".to_vec();
        base64_into(raw, &mut out);
        String::from_utf8(out[1..].to_vec()).unwrap()
    }

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (raw, text) in cases {
            assert_eq!(encode(raw.as_bytes()), text, "{raw:?}");
        }
        // Every 6-bit value, in order: the bytes 00 10 83 10 51 87 … spell the alphabet.
        let mut bits: Vec<u8> = Vec::new();
        for k in (0..64u32).collect::<Vec<_>>().chunks(4) {
            let n = k[0] << 18 | k[1] << 12 | k[2] << 6 | k[3];
            bits.extend_from_slice(&n.to_be_bytes()[1..]);
        }
        assert_eq!(encode(&bits).as_bytes(), super::BASE64);
    }

    #[test]
    fn blocks_encoded_in_parallel_join_into_one_stream() {
        // Longer than several blocks and not a whole number of them: the encoding of the whole
        // is the encodings of 3-byte-aligned pieces, one after another.
        let raw: Vec<u8> = (0..3 * 4096 * 5 + 7)
            .map(|i| (i * 7919 % 251) as u8)
            .collect();
        let cut = 3 * 1000;
        let whole = encode(&raw);
        assert_eq!(whole, encode(&raw[..cut]) + &encode(&raw[cut..]));
        assert_eq!(whole.len(), raw.len().div_ceil(3) * 4);
        assert!(whole.ends_with("=="));
    }
}
