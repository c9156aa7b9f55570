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

mod reader;
mod sections;

use super::{BoundaryGroup, IndexWidth, Mesh};
use crate::element::NODES;
use crate::error::{Error, Result};
use reader::Reader;
use sections::{elements, entities, mesh_format, nodes, physical_names};

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
             `-order 2`, Mesh.RecombineAll=1 and Mesh.SecondOrderIncomplete=1, and where \
             recombination leaves triangles add Mesh.SubdivisionAlgorithm=1 (every element \
             split into quadrangles) or Mesh.RecombinationAlgorithm=3 (Blossom full-quad); \
             assets/gmsh/*.geo in potflow's repository are complete examples",
            found.join(", ")
        )));
    }
    if elements.quad8.is_empty() {
        return Err(error(
            "no 8-node quadrangles (Gmsh type 16) in the file: Gmsh writes the elements of \
             physical surfaces only, so give the surface a Physical Surface (and each boundary \
             curve a Physical Curve), or save with Mesh.SaveAll=1; assets/gmsh/*.geo in \
             potflow's repository are complete examples"
                .into(),
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
