//! Gmsh MSH 4.1 input, ASCII and binary, read by potflow itself.
//!
//! - 8-node quadrangles (Gmsh type 16, the node order of [`crate::element`]) are the elements;
//!   any other 2-D element type is an error that names the types found, and so is any 3-D one.
//! - 3-node lines (type 8) on curves that belong to a physical group are boundary edges of
//!   that group, named by `$PhysicalNames` (an unnamed group is called by its number). Two
//!   groups of one name are an error.
//! - Nodes are read by tag, block by block, so blocks in any order are read right.
//!
//! Why not a library: mshio 0.4 panics on some malformed headers (an `unwrap`, an
//! `unimplemented!`), allocates whatever a header declares, returns errors that carry a hex
//! dump of the rest of the file, ignores `$PhysicalNames`, and assigns node coordinates by
//! position when a file's tags are dense. This reader:
//!
//! - finds sections by the file's structure: it reads each known section to its last byte and
//!   expects `$EndName` there, and skips an unknown one (`$Comments`, `$NodeData`, ...) to
//!   its `$EndName` line, so text quoted in a comment is never taken for a section;
//! - checks every declared count against the bytes left in the file before it allocates
//!   anything, so a small file cannot make it reserve more than a small multiple of its size;
//! - reads binary files of either endianness (the `1` written after the header says which)
//!   with `size_t` of 4 or 8 bytes, and ASCII with any whitespace between tokens;
//! - accepts a UTF-8 byte-order mark and blank lines before `$MeshFormat`;
//! - requires the nodes to lie in one plane z = const (a tilted surface is an error, not a
//!   projection);
//! - names the section and the item (node tag, element tag, group) in every error.

use std::collections::HashMap;
use std::path::Path;

use super::{BoundaryGroup, IndexWidth, Mesh};
use crate::element::NODES;
use crate::error::{Error, Result};

/// Gmsh element type numbers potflow uses.
const LINE3: i32 = 8;
const QUAD8: i32 = 16;

/// Nodes per element of the Gmsh element types (`None`: a type potflow does not know).
fn nodes_per_element(element_type: i32) -> Option<usize> {
    Some(match element_type {
        1 => 2,   // 2-node line
        2 => 3,   // 3-node triangle
        3 => 4,   // 4-node quadrangle
        4 => 4,   // 4-node tetrahedron
        5 => 8,   // 8-node hexahedron
        6 => 6,   // 6-node prism
        7 => 5,   // 5-node pyramid
        8 => 3,   // 3-node line
        9 => 6,   // 6-node triangle
        10 => 9,  // 9-node quadrangle
        11 => 10, // 10-node tetrahedron
        12 => 27, // 27-node hexahedron
        13 => 18, // 18-node prism
        14 => 14, // 14-node pyramid
        15 => 1,  // point
        16 => 8,  // 8-node quadrangle
        17 => 20, // 20-node hexahedron
        18 => 15, // 15-node prism
        19 => 13, // 13-node pyramid
        20 => 9,  // 9-node triangle (incomplete cubic)
        21 => 10, // 10-node triangle
        26 => 4,  // 4-node line
        36 => 16, // 16-node quadrangle
        _ => return None,
    })
}

/// A readable name of a 2-D element type for messages.
fn type_name(element_type: i32) -> String {
    match element_type {
        2 => "3-node triangles (type 2)".into(),
        3 => "4-node quadrangles (type 3)".into(),
        9 => "6-node triangles (type 9)".into(),
        10 => "9-node quadrangles (type 10)".into(),
        16 => "8-node quadrangles (type 16)".into(),
        t => format!("elements of Gmsh type {t}"),
    }
}

/// Whether `bytes` look like a Gmsh file: `$MeshFormat` first, after an optional UTF-8
/// byte-order mark and whitespace.
pub fn is_gmsh(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    rest[start..].starts_with(b"$MeshFormat")
}

/// Reads a Gmsh MSH 4.1 file (ASCII or binary).
pub fn read_gmsh(path: &Path) -> Result<Mesh> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_gmsh_bytes(path, &bytes)
}

/// A position in the file and how to read numbers there.
struct Reader<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
    binary: bool,
    big_endian: bool,
    size_t: usize,
    /// The section being read, for messages.
    section: String,
}

impl<'a> Reader<'a> {
    fn err(&self, what: impl std::fmt::Display) -> Error {
        Error::Mesh {
            source_name: self.path.display().to_string(),
            reason: if self.section.is_empty() {
                what.to_string()
            } else {
                format!("${}: {what}", self.section)
            },
        }
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// The rest of the current line (without its end), and past it.
    fn line(&mut self) -> &'a [u8] {
        let start = self.pos;
        let end = self.bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |p| start + p);
        self.pos = (end + 1).min(self.bytes.len());
        let line = &self.bytes[start..end];
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// The next whitespace-separated ASCII token.
    fn token(&mut self, what: &str) -> Result<&'a str> {
        self.skip_whitespace();
        let start = self.pos;
        while self.pos < self.bytes.len() && !self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err(format!("the file ends where {what} should be (truncated)")));
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .map_err(|_| self.err(format!("{what} is not text")))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.left() < n {
            return Err(self.err(format!("the file ends where {what} should be (truncated)")));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn bytes_n<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut b: [u8; N] = std::array::from_fn(|k| s[k]);
        if self.big_endian {
            b.reverse();
        }
        Ok(b)
    }

    fn parse<T: std::str::FromStr>(&mut self, what: &str) -> Result<T> {
        let t = self.token(what)?;
        t.parse()
            .map_err(|_| self.err(format!("{what} `{t}` is not a valid number")))
    }

    /// An `int` field (4 bytes in binary).
    fn int(&mut self, what: &str) -> Result<i32> {
        if self.binary {
            Ok(i32::from_le_bytes(self.bytes_n::<4>(what)?))
        } else {
            self.parse(what)
        }
    }

    /// A `size_t` field (4 or 8 bytes in binary).
    fn size(&mut self, what: &str) -> Result<u64> {
        if !self.binary {
            return self.parse(what);
        }
        Ok(if self.size_t == 4 {
            u32::from_le_bytes(self.bytes_n::<4>(what)?) as u64
        } else {
            u64::from_le_bytes(self.bytes_n::<8>(what)?)
        })
    }

    fn float(&mut self, what: &str) -> Result<f64> {
        if self.binary {
            Ok(f64::from_le_bytes(self.bytes_n::<8>(what)?))
        } else {
            self.parse(what)
        }
    }

    /// A declared count, checked against what the rest of the file can hold when each item
    /// takes at least `min_bytes` bytes, and against potflow's `limit`.
    fn count(&mut self, what: &str, min_bytes: usize, limit: u64) -> Result<usize> {
        let n = self.size(what)?;
        if n > limit {
            return Err(self.err(format!("{what} is {n}, above potflow's limit of {limit}")));
        }
        self.fits(what, n, min_bytes)
    }

    /// A block's count, checked against what its section announced is left (`left_of_total`)
    /// and against the bytes left in the file.
    fn block_count(
        &mut self,
        what: &str,
        min_bytes: usize,
        left_of_total: usize,
        total_what: &str,
    ) -> Result<usize> {
        let n = self.size(what)?;
        if n > left_of_total as u64 {
            return Err(self.err(format!(
                "{what} is {n}, more than the {left_of_total} left of {total_what}"
            )));
        }
        self.fits(what, n, min_bytes)
    }

    /// `n` items of at least `min_bytes` bytes each must fit in the rest of the file.
    fn fits(&self, what: &str, n: u64, min_bytes: usize) -> Result<usize> {
        let room = (self.left() / min_bytes.max(1)) as u64;
        if n > room {
            return Err(self.err(format!(
                "{what} is {n}, but the {} bytes left in the file hold at most {room} (truncated or corrupt)",
                self.left()
            )));
        }
        Ok(n as usize)
    }

    /// Bytes one `size_t` takes at least: in binary its width, in ASCII a digit and a space.
    fn min_size(&self) -> usize {
        if self.binary {
            self.size_t
        } else {
            2
        }
    }

    /// Bytes one `int` or `double` takes at least.
    fn min_int(&self) -> usize {
        if self.binary {
            4
        } else {
            2
        }
    }

    fn min_float(&self) -> usize {
        if self.binary {
            8
        } else {
            2
        }
    }

    /// Expects `$End<section>` next.
    fn end_section(&mut self) -> Result<()> {
        self.skip_whitespace();
        let tag = format!("$End{}", self.section);
        let line = self.line();
        if line.trim_ascii_end() != tag.as_bytes() {
            return Err(self.err(format!(
                "expected {tag} after the section's data, found `{}` (truncated or corrupt)",
                String::from_utf8_lossy(&line[..line.len().min(40)])
            )));
        }
        self.section.clear();
        Ok(())
    }

    /// Skips an unknown section to the line `$End<section>`.
    fn skip_section(&mut self) -> Result<()> {
        let tag = format!("$End{}", self.section);
        while self.pos < self.bytes.len() {
            let line = self.line();
            if line.trim_ascii() == tag.as_bytes() {
                self.section.clear();
                return Ok(());
            }
        }
        Err(self.err(format!("no {tag}: the file is truncated")))
    }
}

/// What the sections hold, as read.
#[derive(Default)]
struct Sections {
    names: HashMap<(i32, i32), String>,
    /// Curve tag → physical group tags.
    curve_groups: HashMap<i32, Vec<i32>>,
    entities: bool,
    nodes: Option<NodeTable>,
    elements: Option<ElementTable>,
}

/// The nodes of a file: tag → index, and coordinates by index.
struct NodeTable {
    index: HashMap<u64, u32>,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// Elements as node tags: the quadrangles, the boundary lines with their curve, and what else
/// was found in 2-D.
#[derive(Default)]
struct ElementTable {
    quad8: Vec<(u64, [u64; NODES])>,
    lines: Vec<(i32, u64, [u64; 3])>,
    other_2d: HashMap<i32, usize>,
}

/// Reads a Gmsh MSH 4.1 file already in memory; `path` names it in messages.
pub fn read_gmsh_bytes(path: &Path, bytes: &[u8]) -> Result<Mesh> {
    let mut r = Reader {
        path,
        bytes,
        pos: 0,
        binary: false,
        big_endian: false,
        size_t: 8,
        section: String::new(),
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        r.pos = 3;
    }
    let mut s = Sections::default();
    let mut first = true;
    loop {
        r.skip_whitespace();
        if r.left() == 0 {
            break;
        }
        let line = r.line();
        let name = String::from_utf8_lossy(line.trim_ascii()).into_owned();
        let Some(name) = name.strip_prefix('$') else {
            return Err(r.err(format!(
                "expected a section header ($Name), found `{}`",
                &name[..name.len().min(40)]
            )));
        };
        r.section = name.to_string();
        if first && name != "MeshFormat" {
            return Err(r.err("not a Gmsh file: it does not start with $MeshFormat"));
        }
        first = false;
        match name {
            "MeshFormat" => mesh_format(&mut r)?,
            "PhysicalNames" => s.names = physical_names(&mut r)?,
            "Entities" => {
                s.curve_groups = entities(&mut r)?;
                s.entities = true;
            }
            "Nodes" => s.nodes = Some(nodes(&mut r)?),
            "Elements" => s.elements = Some(elements(&mut r)?),
            n if n.starts_with("End") => {
                return Err(r.err(format!("${n} without its section")));
            }
            _ => {
                r.skip_section()?;
                continue;
            }
        }
        r.end_section()?;
    }
    build(path, s)
}

/// `$MeshFormat`: version 4.1, ASCII or binary, size_t 4 or 8, and in binary the endianness.
fn mesh_format(r: &mut Reader) -> Result<()> {
    let header = String::from_utf8_lossy(r.line()).into_owned();
    let fields: Vec<&str> = header.split_ascii_whitespace().collect();
    let [version, file_type, data_size] = fields[..] else {
        return Err(r.err(format!(
            "the header `{header}` is not `version file-type data-size`"
        )));
    };
    if version != "4.1" {
        return Err(r.err(format!(
            "MSH format version {version}; potflow reads 4.1 (save with `gmsh -format msh41`)"
        )));
    }
    r.binary = match file_type {
        "0" => false,
        "1" => true,
        other => {
            return Err(r.err(format!(
                "file-type {other} is neither 0 (ASCII) nor 1 (binary)"
            )))
        }
    };
    r.size_t = match data_size {
        "4" => 4,
        "8" => 8,
        other => {
            return Err(r.err(format!(
                "data-size {other}: potflow reads files written with a size_t of 4 or 8 bytes"
            )))
        }
    };
    if r.binary {
        let one = r.take(4, "the binary endianness marker")?;
        r.big_endian = match one {
            [1, 0, 0, 0] => false,
            [0, 0, 0, 1] => true,
            _ => return Err(r.err("the binary endianness marker is not the integer 1")),
        };
    }
    Ok(())
}

/// `$PhysicalNames` (always ASCII): (dimension, tag) → name.
fn physical_names(r: &mut Reader) -> Result<HashMap<(i32, i32), String>> {
    let binary = std::mem::replace(&mut r.binary, false);
    let n = r.count("the number of physical names", 6, u32::MAX as u64)?;
    let mut names = HashMap::with_capacity(n);
    for _ in 0..n {
        let dim: i32 = r.parse("a physical dimension")?;
        let tag: i32 = r.parse("a physical tag")?;
        r.skip_whitespace();
        let text = String::from_utf8_lossy(r.line()).trim().to_string();
        let name = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .ok_or_else(|| {
                r.err(format!(
                    "physical name {text} of group {tag} is not in double quotes"
                ))
            })?
            .to_string();
        if names.insert((dim, tag), name).is_some() {
            return Err(r.err(format!(
                "physical group {tag} of dimension {dim} is named twice"
            )));
        }
    }
    r.binary = binary;
    Ok(names)
}

/// `$Entities`: curve tag → its physical groups (points, surfaces and volumes are read past).
fn entities(r: &mut Reader) -> Result<HashMap<i32, Vec<i32>>> {
    let counts: Vec<usize> = ["points", "curves", "surfaces", "volumes"]
        .iter()
        .map(|w| r.count(&format!("the number of {w}"), 4, u32::MAX as u64))
        .collect::<Result<_>>()?;
    let mut curves = HashMap::with_capacity(counts[1]);
    for (dim, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let tag = r.int("an entity tag")?;
            let box_values = if dim == 0 { 3 } else { 6 };
            for _ in 0..box_values {
                r.float("an entity's coordinates")?;
            }
            let m = r.count(
                "an entity's number of physical tags",
                r.min_int(),
                u32::MAX as u64,
            )?;
            let physical: Vec<i32> = (0..m)
                .map(|_| r.int("a physical tag"))
                .collect::<Result<_>>()?;
            if dim > 0 {
                let b = r.count(
                    "an entity's number of bounding entities",
                    r.min_int(),
                    u32::MAX as u64,
                )?;
                for _ in 0..b {
                    r.int("a bounding entity tag")?;
                }
            }
            if dim == 1 {
                curves.insert(tag, physical);
            }
        }
    }
    Ok(curves)
}

/// `$Nodes`: tags and coordinates, block by block.
fn nodes(r: &mut Reader) -> Result<NodeTable> {
    let min_node = r.min_size() + 3 * r.min_float();
    let blocks = r.count(
        "the number of node blocks",
        3 * r.min_int() + r.min_size(),
        u32::MAX as u64,
    )?;
    let total = r.count("the number of nodes", min_node, super::MAX_NODES)?;
    r.size("the smallest node tag")?;
    r.size("the largest node tag")?;
    let mut index = HashMap::with_capacity(total);
    let (mut x, mut y) = (Vec::with_capacity(total), Vec::with_capacity(total));
    let (mut z_lo, mut z_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut tags = Vec::new();
    for _ in 0..blocks {
        let dim = r.int("a node block's dimension")?;
        r.int("a node block's entity tag")?;
        let parametric = r.int("a node block's parametric flag")? != 0;
        let n = r.block_count(
            "a node block's number of nodes",
            min_node,
            total - x.len(),
            "the nodes the section announced",
        )?;
        tags.clear();
        for _ in 0..n {
            tags.push(r.size("a node tag")?);
        }
        let extra = if parametric {
            dim.clamp(0, 3) as usize
        } else {
            0
        };
        for &tag in &tags {
            let what = "a node coordinate";
            let (px, py, pz) = (r.float(what)?, r.float(what)?, r.float(what)?);
            for _ in 0..extra {
                r.float("a node's parametric coordinate")?;
            }
            if index.insert(tag, x.len() as u32).is_some() {
                return Err(r.err(format!("node tag {tag} appears twice")));
            }
            if !(px.is_finite() && py.is_finite() && pz.is_finite()) {
                return Err(r.err(format!("node tag {tag} has a non-finite coordinate")));
            }
            x.push(px);
            y.push(py);
            z_lo = z_lo.min(pz);
            z_hi = z_hi.max(pz);
        }
    }
    if x.len() != total {
        return Err(r.err(format!(
            "announces {total} nodes but its blocks hold {}",
            x.len()
        )));
    }
    let [x0, x1, y0, y1] = super::bounding_box(x.iter().zip(&y).map(|(&a, &b)| [a, b]));
    let extent = (x1 - x0).max(y1 - y0);
    if z_hi - z_lo > 1e-9 * extent.max(z_hi.abs()).max(z_lo.abs()) {
        return Err(r.err(format!(
            "the nodes do not lie in one plane z = const (z from {z_lo} to {z_hi}); potflow \
             solves 2-D meshes in the x-y plane"
        )));
    }
    Ok(NodeTable { index, x, y })
}

/// `$Elements`: the quadrangles and the 3-node lines, as node tags.
fn elements(r: &mut Reader) -> Result<ElementTable> {
    let blocks = r.count(
        "the number of element blocks",
        3 * r.min_int() + r.min_size(),
        u32::MAX as u64,
    )?;
    let total = r.count("the number of elements", 2 * r.min_size(), u32::MAX as u64)?;
    // (Quadrangles beyond MAX_ELEMENTS are refused when the mesh is prepared.)
    r.size("the smallest element tag")?;
    r.size("the largest element tag")?;
    let mut t = ElementTable::default();
    let mut seen = 0usize;
    for _ in 0..blocks {
        let dim = r.int("an element block's dimension")?;
        let entity = r.int("an element block's entity tag")?;
        let element_type = r.int("an element block's element type")?;
        let per = nodes_per_element(element_type).ok_or_else(|| {
            r.err(format!(
                "element type {element_type} (block of entity {entity}) is not a Gmsh type potflow knows"
            ))
        })?;
        if dim == 3 {
            return Err(r.err(format!(
                "3-D elements (Gmsh type {element_type}): potflow solves 2-D meshes"
            )));
        }
        let n = r.block_count(
            "an element block's number of elements",
            (per + 1) * r.min_size(),
            total - seen,
            "the elements the section announced",
        )?;
        seen += n;
        let mut tags = [0u64; 27];
        for _ in 0..n {
            let element = r.size("an element tag")?;
            for tag in tags.iter_mut().take(per) {
                *tag = r.size("an element's node tag")?;
            }
            match (dim, element_type) {
                (2, QUAD8) => t.quad8.push((element, std::array::from_fn(|k| tags[k]))),
                // Gmsh's 3-node line is (end, end, mid); potflow's edges are (end, mid, end).
                (1, LINE3) => t.lines.push((entity, element, [tags[0], tags[2], tags[1]])),
                (2, other) => *t.other_2d.entry(other).or_default() += 1,
                _ => {}
            }
        }
    }
    if seen != total {
        return Err(r.err(format!(
            "announces {total} elements but its blocks hold {seen}"
        )));
    }
    Ok(t)
}

/// The mesh from what the sections hold.
fn build(path: &Path, s: Sections) -> Result<Mesh> {
    let error = |reason: String| Error::Mesh {
        source_name: path.display().to_string(),
        reason,
    };
    let nodes = s.nodes.ok_or_else(|| error("no $Nodes section".into()))?;
    let elements = s
        .elements
        .ok_or_else(|| error("no $Elements section".into()))?;
    if !s.entities && !elements.lines.is_empty() {
        return Err(error(
            "no $Entities section: the boundary lines cannot be put in their groups".into(),
        ));
    }
    if !elements.other_2d.is_empty() {
        let mut found: Vec<String> = elements
            .other_2d
            .iter()
            .map(|(&t, n)| format!("{n} {}", type_name(t)))
            .collect();
        found.sort();
        if !elements.quad8.is_empty() {
            found.push(format!("{} {}", elements.quad8.len(), type_name(QUAD8)));
        }
        return Err(error(format!(
            "potflow needs 8-node quadrangles only (Gmsh type 16) and found {}; mesh with \
             `-order 2`, Mesh.RecombineAll=1 and Mesh.SecondOrderIncomplete=1",
            found.join(", ")
        )));
    }
    if elements.quad8.is_empty() {
        return Err(error(
            "no 8-node quadrangles (Gmsh type 16) in the file".into(),
        ));
    }
    let node = |element: u64, tag: u64| -> Result<u32> {
        nodes.index.get(&tag).copied().ok_or_else(|| {
            error(format!(
                "$Elements: element {element} refers to node tag {tag}, which $Nodes does not define"
            ))
        })
    };
    let quad8 = elements
        .quad8
        .iter()
        .map(|(e, tags)| {
            let mut q = [0u32; NODES];
            for (k, &tag) in tags.iter().enumerate() {
                q[k] = node(*e, tag)?;
            }
            Ok(q)
        })
        .collect::<Result<Vec<_>>>()?;

    // Groups: each physical tag of a curve collects that curve's lines.
    let mut by_tag: HashMap<i32, Vec<[u32; 3]>> = HashMap::new();
    for (entity, element, tags) in &elements.lines {
        for group in s.curve_groups.get(entity).into_iter().flatten() {
            let edge = [
                node(*element, tags[0])?,
                node(*element, tags[1])?,
                node(*element, tags[2])?,
            ];
            by_tag.entry(*group).or_default().push(edge);
        }
    }
    let mut groups: Vec<BoundaryGroup> = by_tag
        .into_iter()
        .map(|(tag, edges)| BoundaryGroup {
            name: s
                .names
                .get(&(1, tag))
                .cloned()
                .unwrap_or_else(|| tag.to_string()),
            edges,
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(w) = groups.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(error(format!(
            "$PhysicalNames: two boundary groups are named \"{}\"; rename one",
            w[0].name
        )));
    }
    Ok(Mesh {
        source: path.display().to_string(),
        x: nodes.x,
        y: nodes.y,
        quad8,
        index_width: IndexWidth::I64,
        groups,
    })
}
