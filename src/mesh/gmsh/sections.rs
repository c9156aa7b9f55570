//! The sections potflow reads: `$MeshFormat`, `$PhysicalNames`, `$Entities`, `$Nodes` and
//! `$Elements`, each from its header line to its last byte.

use std::collections::HashMap;

use super::reader::Reader;
use super::{nodes_per_element, ElementTable, NodeTable, LINE3, QUAD8};
use crate::error::Result;

/// `$MeshFormat`: version 4.1, ASCII or binary, size_t 4 or 8, and in binary the endianness.
pub(super) fn mesh_format(r: &mut Reader) -> Result<()> {
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
pub(super) fn physical_names(r: &mut Reader) -> Result<HashMap<(i32, i32), String>> {
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
pub(super) fn entities(r: &mut Reader) -> Result<HashMap<i32, Vec<i32>>> {
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
pub(super) fn nodes(r: &mut Reader) -> Result<NodeTable> {
    let min_node = r.min_size() + 3 * r.min_float();
    let blocks = r.count(
        "the number of node blocks",
        3 * r.min_int() + r.min_size(),
        u32::MAX as u64,
    )?;
    let total = r.count("the number of nodes", min_node, crate::mesh::MAX_NODES)?;
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
    let [x0, x1, y0, y1] = crate::mesh::bounding_box(x.iter().zip(&y).map(|(&a, &b)| [a, b]));
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
pub(super) fn elements(r: &mut Reader) -> Result<ElementTable> {
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
