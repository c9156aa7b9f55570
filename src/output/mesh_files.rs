//! Writing meshes: Gmsh MSH 4.1 (ASCII, with physical groups) and the reference HDF5 layout.

use std::fmt::Write as _;
use std::path::Path;

use hdf5_pure::FileBuilder;

use super::write_atomically;
use crate::error::{Error, Result};
use crate::mesh::Mesh;

/// The mesh as MSH 4.1 ASCII: one curve entity per boundary group (physical curve with the
/// group's name, 3-node line elements), one surface (physical surface "fluid", 8-node
/// quadrangles). Node and element tags are 1-based indices. Deterministic: the same mesh gives
/// the same bytes.
pub fn msh_text(mesh: &Mesh) -> String {
    let mut s = String::new();
    let ng = mesh.groups.len();
    let _ = writeln!(s, "$MeshFormat\n4.1 0 8\n$EndMeshFormat");
    let _ = writeln!(s, "$PhysicalNames\n{}", ng + 1);
    for (g, group) in mesh.groups.iter().enumerate() {
        let _ = writeln!(s, "1 {} \"{}\"", g + 1, group.name);
    }
    let _ = writeln!(s, "2 {} \"fluid\"\n$EndPhysicalNames", ng + 1);
    let [x0, x1, y0, y1] =
        crate::mesh::bounding_box(mesh.x.iter().zip(&mesh.y).map(|(&x, &y)| [x, y]));
    let _ = writeln!(s, "$Entities\n0 {ng} 1 0");
    for g in 0..ng {
        let _ = writeln!(s, "{} {x0} {y0} 0 {x1} {y1} 0 1 {} 0", g + 1, g + 1);
    }
    let curves: Vec<String> = (1..=ng).map(|c| c.to_string()).collect();
    let _ = writeln!(
        s,
        "1 {x0} {y0} 0 {x1} {y1} 0 1 {} {} {}\n$EndEntities",
        ng + 1,
        ng,
        curves.join(" ")
    );
    let n = mesh.nodes();
    let _ = writeln!(s, "$Nodes\n1 {n} 1 {n}\n2 1 0 {n}");
    for k in 1..=n {
        let _ = writeln!(s, "{k}");
    }
    for (x, y) in mesh.x.iter().zip(&mesh.y) {
        let _ = writeln!(s, "{x} {y} 0");
    }
    let _ = writeln!(s, "$EndNodes");
    let edges: usize = mesh.groups.iter().map(|g| g.edges.len()).sum();
    let total = edges + mesh.elements();
    let _ = writeln!(s, "$Elements\n{} {total} 1 {total}", ng + 1);
    let mut tag = 1;
    for (g, group) in mesh.groups.iter().enumerate() {
        let _ = writeln!(s, "1 {} 8 {}", g + 1, group.edges.len());
        for e in &group.edges {
            // Gmsh line 3: end, end, mid.
            let _ = writeln!(s, "{tag} {} {} {}", e[0] + 1, e[2] + 1, e[1] + 1);
            tag += 1;
        }
    }
    let _ = writeln!(s, "2 1 16 {}", mesh.elements());
    for el in &mesh.quad8 {
        let nodes: Vec<String> = el.iter().map(|k| (k + 1).to_string()).collect();
        let _ = writeln!(s, "{tag} {}", nodes.join(" "));
        tag += 1;
    }
    let _ = writeln!(s, "$EndElements");
    s
}

/// The same file as [`msh_text`] in Gmsh's binary encoding, as Gmsh writes it on a machine of
/// the given byte order with a `size_t` of `size_t` bytes (4 or 8; Gmsh's own is 8): a third
/// of the text's size and much faster to read and write.
pub fn msh_binary(mesh: &Mesh, big_endian: bool, size_t: usize) -> Vec<u8> {
    struct Out {
        b: Vec<u8>,
        big: bool,
        size_t: usize,
    }
    impl Out {
        fn int(&mut self, v: i32) {
            let bytes = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.b.extend(bytes);
        }
        fn size(&mut self, v: u64) {
            match (self.size_t, self.big) {
                (4, false) => self.b.extend((v as u32).to_le_bytes()),
                (4, true) => self.b.extend((v as u32).to_be_bytes()),
                (_, false) => self.b.extend(v.to_le_bytes()),
                (_, true) => self.b.extend(v.to_be_bytes()),
            }
        }
        fn float(&mut self, v: f64) {
            let bytes = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.b.extend(bytes);
        }
        fn text(&mut self, t: &str) {
            self.b.extend(t.as_bytes());
        }
    }
    let size_t = if size_t == 4 { 4 } else { 8 };
    let mut o = Out {
        b: Vec::new(),
        big: big_endian,
        size_t,
    };
    let ng = mesh.groups.len();
    o.text(&format!("$MeshFormat\n4.1 1 {size_t}\n"));
    o.int(1);
    o.text("\n$EndMeshFormat\n");
    o.text(&format!("$PhysicalNames\n{}\n", ng + 1));
    for (g, group) in mesh.groups.iter().enumerate() {
        o.text(&format!("1 {} \"{}\"\n", g + 1, group.name));
    }
    o.text(&format!(
        "2 {} \"fluid\"\n$EndPhysicalNames\n$Entities\n",
        ng + 1
    ));
    let [x0, x1, y0, y1] =
        crate::mesh::bounding_box(mesh.x.iter().zip(&mesh.y).map(|(&x, &y)| [x, y]));
    for count in [0, ng as u64, 1, 0] {
        o.size(count);
    }
    let bbox = |o: &mut Out| {
        for v in [x0, y0, 0.0, x1, y1, 0.0] {
            o.float(v);
        }
    };
    for g in 0..ng {
        o.int(g as i32 + 1);
        bbox(&mut o);
        o.size(1);
        o.int(g as i32 + 1);
        o.size(0);
    }
    o.int(1);
    bbox(&mut o);
    o.size(1);
    o.int(ng as i32 + 1);
    o.size(ng as u64);
    for c in 1..=ng {
        o.int(c as i32);
    }
    o.text("\n$EndEntities\n$Nodes\n");
    let n = mesh.nodes() as u64;
    for v in [1, n, 1, n] {
        o.size(v);
    }
    for v in [2, 1, 0] {
        o.int(v);
    }
    o.size(n);
    for k in 1..=n {
        o.size(k);
    }
    for (&x, &y) in mesh.x.iter().zip(&mesh.y) {
        o.float(x);
        o.float(y);
        o.float(0.0);
    }
    o.text("\n$EndNodes\n$Elements\n");
    let edges: u64 = mesh.groups.iter().map(|g| g.edges.len() as u64).sum();
    let total = edges + mesh.elements() as u64;
    for v in [ng as u64 + 1, total, 1, total] {
        o.size(v);
    }
    let mut tag = 0u64;
    for (g, group) in mesh.groups.iter().enumerate() {
        for v in [1, g as i32 + 1, 8] {
            o.int(v);
        }
        o.size(group.edges.len() as u64);
        for &[a, m, b] in &group.edges {
            tag += 1;
            o.size(tag);
            // Gmsh line 3: end, end, mid.
            for k in [a, b, m] {
                o.size(k as u64 + 1);
            }
        }
    }
    for v in [2, 1, 16] {
        o.int(v);
    }
    o.size(mesh.elements() as u64);
    for el in &mesh.quad8 {
        tag += 1;
        o.size(tag);
        for &k in el {
            o.size(k as u64 + 1);
        }
    }
    o.text("\n$EndElements\n");
    o.b
}

/// The mesh in the reference HDF5 layout (`x`, `y`, `quad8` int32, 0-based).
pub fn h5_bytes(path: &Path, mesh: &Mesh) -> Result<Vec<u8>> {
    let mut fb = FileBuilder::new();
    fb.create_dataset("x").with_f64_data(&mesh.x);
    fb.create_dataset("y").with_f64_data(&mesh.y);
    let q: Vec<i32> = mesh.quad8.iter().flatten().map(|&k| k as i32).collect();
    fb.create_dataset("quad8")
        .with_i32_data(&q)
        .with_shape(&[mesh.elements() as u64, 8]);
    fb.finish().map_err(|e| Error::Output {
        path: path.into(),
        reason: e.to_string(),
    })
}

/// Writes `mesh` to `path`: `.msh` as Gmsh 4.1 text, `.h5` in the reference layout.
pub fn write_mesh(path: &Path, mesh: &Mesh) -> Result<()> {
    write_mesh_as(path, mesh, false)
}

/// Writes `mesh` to `path`: `.msh` as Gmsh 4.1 (binary, little-endian, or text), `.h5` in the
/// reference layout.
pub fn write_mesh_as(path: &Path, mesh: &Mesh, binary: bool) -> Result<()> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("msh") if binary => write_atomically(path, &msh_binary(mesh, false, 8)),
        Some("msh") => write_atomically(path, msh_text(mesh).as_bytes()),
        Some("h5") | Some("hdf5") => write_atomically(path, &h5_bytes(path, mesh)?),
        _ => Err(Error::Output {
            path: path.into(),
            reason: "the mesh format is chosen by the extension: .msh (Gmsh 4.1) or .h5".into(),
        }),
    }
}
