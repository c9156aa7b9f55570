//! Gmsh MSH 4.1 input, ASCII and binary.
//!
//! - 8-node quadrangles (Gmsh type 16, the node order of [`crate::element`]) are the elements;
//!   any other 2-D element type is an error that names the types found.
//! - 3-node lines (type 8) on curves that belong to a physical group are boundary edges of
//!   that group; the group's name comes from `$PhysicalNames` (mshio ignores that section, so
//!   it is read here), an unnamed group is called by its number.
//! - `$Nodes` is read here too, tags and coordinates block by block: mshio drops the per-block
//!   node tags when the tags are globally dense and then assumes the blocks come in tag order,
//!   which gives wrong coordinates for files whose blocks do not.
//!
//! Everything else (header, entities, elements) comes from mshio.

use std::collections::HashMap;
use std::path::Path;

use mshio::{ElementType, MshFile};

use super::{BoundaryGroup, IndexWidth, Mesh};
use crate::element::NODES;
use crate::error::{Error, Result};

fn mesh_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Mesh {
        source_name: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Whether `bytes` look like a Gmsh file.
pub fn is_gmsh(bytes: &[u8]) -> bool {
    bytes.starts_with(b"$MeshFormat")
}

/// The bytes of section `$name` (after its header line, up to `$Endname`).
fn section<'a>(bytes: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let start_tag = format!("${name}");
    let end_tag = format!("$End{name}");
    let start = find(bytes, start_tag.as_bytes(), 0)?;
    let body = start + start_tag.len();
    // Skip the end of the section's header line.
    let body = body + bytes[body..].iter().position(|&b| b == b'\n')? + 1;
    let end = find(bytes, end_tag.as_bytes(), body)?;
    Some(&bytes[body..end])
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// `$PhysicalNames`: (dimension, tag) → name.
fn physical_names(bytes: &[u8]) -> HashMap<(i32, i32), String> {
    let mut names = HashMap::new();
    let Some(text) = section(bytes, "PhysicalNames") else {
        return names;
    };
    for line in String::from_utf8_lossy(text).lines().skip(1) {
        let mut parts = line.splitn(3, char::is_whitespace);
        let (Some(dim), Some(tag), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(dim), Ok(tag)) = (dim.parse(), tag.parse()) {
            names.insert((dim, tag), name.trim().trim_matches('"').to_string());
        }
    }
    names
}

/// A reader over the `$Nodes` section, ASCII or binary.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    binary: bool,
    size_t: usize,
}

impl Cursor<'_> {
    fn token(&mut self) -> Option<&str> {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        while self.pos < self.bytes.len() && !self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()
            .filter(|t| !t.is_empty())
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.pos..self.pos + n)?;
        self.pos += n;
        Some(s)
    }

    fn int(&mut self) -> Option<i64> {
        if self.binary {
            let b = self.take(4)?;
            Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
        } else {
            self.token()?.parse().ok()
        }
    }

    fn size(&mut self) -> Option<u64> {
        if self.binary {
            let b = self.take(self.size_t)?;
            let mut buf = [0u8; 8];
            buf[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
            Some(u64::from_le_bytes(buf))
        } else {
            self.token()?.parse().ok()
        }
    }

    fn float(&mut self) -> Option<f64> {
        if self.binary {
            let b = self.take(8)?;
            Some(f64::from_le_bytes(std::array::from_fn(|k| b[k])))
        } else {
            self.token()?.parse().ok()
        }
    }
}

/// The nodes of a file: tag → index, and coordinates by index.
struct NodeTable {
    index: HashMap<u64, u32>,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// Node tags and coordinates from `$Nodes`, block by block, as (tag → index, x, y).
fn read_nodes(path: &Path, bytes: &[u8], binary: bool, size_t: usize) -> Result<NodeTable> {
    let body = section(bytes, "Nodes").ok_or_else(|| mesh_error(path, "no $Nodes section"))?;
    let bad = || mesh_error(path, "the $Nodes section is truncated or malformed");
    let mut c = Cursor {
        bytes: body,
        pos: 0,
        binary,
        size_t,
    };
    let blocks = c.size().ok_or_else(bad)?;
    let total = c.size().ok_or_else(bad)? as usize;
    let (_min, _max) = (c.size().ok_or_else(bad)?, c.size().ok_or_else(bad)?);
    let mut index = HashMap::with_capacity(total);
    let (mut x, mut y) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for _ in 0..blocks {
        let dim = c.int().ok_or_else(bad)?;
        let _entity = c.int().ok_or_else(bad)?;
        let parametric = c.int().ok_or_else(bad)? != 0;
        let n = c.size().ok_or_else(bad)? as usize;
        if n > total {
            return Err(bad());
        }
        let tags: Vec<u64> = (0..n)
            .map(|_| c.size())
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let extra = if parametric {
            dim.clamp(0, 3) as usize
        } else {
            0
        };
        for tag in tags {
            let (px, py, _pz) = (
                c.float().ok_or_else(bad)?,
                c.float().ok_or_else(bad)?,
                c.float().ok_or_else(bad)?,
            );
            for _ in 0..extra {
                c.float().ok_or_else(bad)?;
            }
            if index.insert(tag, x.len() as u32).is_some() {
                return Err(mesh_error(
                    path,
                    format!("node tag {tag} appears twice in $Nodes"),
                ));
            }
            x.push(px);
            y.push(py);
        }
    }
    if x.len() != total {
        return Err(mesh_error(
            path,
            format!("$Nodes announces {total} nodes but holds {}", x.len()),
        ));
    }
    Ok(NodeTable { index, x, y })
}

fn type_name(t: ElementType) -> String {
    match t {
        ElementType::Tri3 => "3-node triangles (type 2)".into(),
        ElementType::Qua4 => "4-node quadrangles (type 3)".into(),
        ElementType::Tri6 => "6-node triangles (type 9)".into(),
        ElementType::Qua9 => "9-node quadrangles (type 10)".into(),
        ElementType::Qua8 => "8-node quadrangles (type 16)".into(),
        other => format!("{other:?} (type {})", other as i32),
    }
}

/// Reads a Gmsh MSH 4.1 file (ASCII or binary).
pub fn read_gmsh(path: &Path) -> Result<Mesh> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_gmsh_bytes(path, &bytes)
}

/// Reads a Gmsh MSH 4.1 file already in memory; `path` names it in messages.
pub fn read_gmsh_bytes(path: &Path, bytes: &[u8]) -> Result<Mesh> {
    if !is_gmsh(bytes) {
        return Err(mesh_error(
            path,
            "not a Gmsh file (no $MeshFormat at the start)",
        ));
    }
    let format = section(bytes, "MeshFormat")
        .ok_or_else(|| mesh_error(path, "no $EndMeshFormat: the file is truncated"))?;
    let header = String::from_utf8_lossy(format.split(|&b| b == b'\n').next().unwrap_or_default())
        .to_string();
    let mut fields = header.split_whitespace();
    let version = fields.next().unwrap_or("?");
    if version != "4.1" {
        return Err(mesh_error(
            path,
            format!(
                "MSH format version {version}; potflow reads 4.1 (save with `gmsh -format msh41`)"
            ),
        ));
    }
    let binary = fields.next() == Some("1");
    let size_t: usize = fields.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    for required in ["Entities", "Nodes", "Elements"] {
        if section(bytes, required).is_none() {
            return Err(mesh_error(
                path,
                format!("no complete ${required} section (missing or truncated)"),
            ));
        }
    }
    let msh: MshFile<u64, i32, f64> = mshio::parse_msh_bytes(bytes).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or("unreadable").to_string();
        mesh_error(path, format!("cannot parse the file: {first}"))
    })?;
    let NodeTable { index, x, y } = read_nodes(path, bytes, binary, size_t)?;
    let node = |tag: u64| -> Result<u32> {
        index.get(&tag).copied().ok_or_else(|| {
            mesh_error(
                path,
                format!("an element refers to node tag {tag}, which $Nodes does not define"),
            )
        })
    };

    let names = physical_names(bytes);
    let curve_groups: HashMap<i32, Vec<i32>> = msh
        .data
        .entities
        .as_ref()
        .map(|e| {
            e.curves
                .iter()
                .map(|c| (c.tag, c.physical_tags.clone()))
                .collect()
        })
        .unwrap_or_default();

    let mut quad8 = Vec::new();
    let mut other_2d: HashMap<String, usize> = HashMap::new();
    let mut group_edges: HashMap<i32, Vec<[u32; 3]>> = HashMap::new();
    let elements = msh
        .data
        .elements
        .as_ref()
        .ok_or_else(|| mesh_error(path, "no elements"))?;
    for block in &elements.element_blocks {
        match (block.entity_dim, block.element_type) {
            (2, ElementType::Qua8) => {
                for el in &block.elements {
                    if el.nodes.len() != NODES {
                        return Err(mesh_error(
                            path,
                            format!(
                                "element {} has {} nodes, not 8",
                                el.element_tag,
                                el.nodes.len()
                            ),
                        ));
                    }
                    let mut q = [0u32; NODES];
                    for (k, &tag) in el.nodes.iter().enumerate() {
                        q[k] = node(tag)?;
                    }
                    quad8.push(q);
                }
            }
            (2, t) => *other_2d.entry(type_name(t)).or_default() += block.elements.len(),
            (1, ElementType::Lin3) => {
                for group in curve_groups.get(&block.entity_tag).into_iter().flatten() {
                    let edges = group_edges.entry(*group).or_default();
                    for el in &block.elements {
                        // Gmsh line 3: end, end, mid; ours: end, mid, end.
                        if let [a, b, m] = el.nodes[..] {
                            edges.push([node(a)?, node(m)?, node(b)?]);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !other_2d.is_empty() {
        let mut found: Vec<String> = other_2d.iter().map(|(t, n)| format!("{n} {t}")).collect();
        found.sort();
        if !quad8.is_empty() {
            found.push(format!("{} 8-node quadrangles (type 16)", quad8.len()));
        }
        return Err(mesh_error(
            path,
            format!(
                "potflow needs 8-node quadrangles only (Gmsh type 16) and found {}; mesh with \
                 `-order 2`, Mesh.RecombineAll=1 and Mesh.SecondOrderIncomplete=1",
                found.join(", ")
            ),
        ));
    }
    if quad8.is_empty() {
        return Err(mesh_error(
            path,
            "no 8-node quadrangles (Gmsh type 16) in the file",
        ));
    }
    let mut groups: Vec<BoundaryGroup> = group_edges
        .into_iter()
        .map(|(tag, edges)| BoundaryGroup {
            name: names
                .get(&(1, tag))
                .cloned()
                .unwrap_or_else(|| tag.to_string()),
            edges,
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Mesh {
        source: path.display().to_string(),
        x,
        y,
        quad8,
        index_width: IndexWidth::I64,
        groups,
    })
}
