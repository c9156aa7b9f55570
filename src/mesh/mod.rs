//! Meshes: what a file holds ([`Mesh`]), how it is read ([`hdf5`]) or generated
//! ([`generate`]), and how it becomes the solver's node and element numbering
//! ([`prepare`]: validated, oriented, unused nodes dropped).

pub mod airfoil;
pub mod blocks;
pub mod generate;
pub mod gmsh;
pub mod hdf5;
pub mod pieces;
pub mod prepare;

pub use prepare::PreparedMesh;

use std::path::Path;

use crate::element::NODES;
use crate::error::{Error, Result};

/// The most nodes a mesh may have: node indices are u32.
pub const MAX_NODES: u64 = u32::MAX as u64 - 1;

/// The most elements a mesh may have: the matrix has at most 64 entries per element, and its
/// CSR row offsets are u32 (⌊(2³² − 1) / 64⌋ = 67,108,863). The GPU kernels address a chunk's
/// 64 slots per element with u32 as well.
pub const MAX_ELEMENTS: u64 = u32::MAX as u64 / 64;

/// The most nodes a generated mesh may have (`GEOMETRY:NODES`, `potflow generate`).
pub const MAX_GENERATED_NODES: usize = 50_000_000;

/// Loads a mesh named on the command line: a file in the reference HDF5 layout, or
/// `GEOMETRY:NODES` (e.g. `venturi:800000`) for a generated one.
pub fn load(spec: &str) -> Result<Mesh> {
    let path = Path::new(spec);
    if !path.exists() {
        if let Some((geometry, nodes)) = spec.split_once(':') {
            let known = generate::is_known(geometry);
            if !known {
                return Err(Error::Mesh {
                    source_name: spec.into(),
                    reason: format!(
                        "no such file, and not GEOMETRY:NODES either: `{geometry}` is not a \
                         known geometry ({})",
                        generate::all_geometries()
                            .map(|g| g.0)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            let nodes: usize = nodes.parse().map_err(|_| Error::Mesh {
                source_name: spec.into(),
                reason: format!(
                    "no such file, and not GEOMETRY:NODES either (`{nodes}` is not a node count)"
                ),
            })?;
            if !(20..=MAX_GENERATED_NODES).contains(&nodes) {
                return Err(Error::Mesh {
                    source_name: spec.into(),
                    reason: format!(
                        "a generated mesh has between 20 and {MAX_GENERATED_NODES} nodes, not {nodes}"
                    ),
                });
            }
            return generate::by_name(geometry, nodes).ok_or_else(|| Error::Mesh {
                source_name: spec.into(),
                reason: format!("cannot generate `{geometry}` with {nodes} nodes"),
            });
        }
        if generate::is_known(spec) {
            return Err(Error::Mesh {
                source_name: spec.into(),
                reason: format!(
                    "no such file; a generated mesh is written GEOMETRY:NODES, e.g. \
                     {spec}:50000"
                ),
            });
        }
    }
    read(path)
}

/// Reads a mesh file: Gmsh MSH 4.1 (by content, whatever the extension) or the reference
/// HDF5 layout. The file is read once, so a pipe (`/dev/stdin`) works too.
pub fn read(path: &Path) -> Result<Mesh> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.is_empty() {
        return Err(Error::Mesh {
            source_name: path.display().to_string(),
            reason: "the file is empty".into(),
        });
    }
    if gmsh::is_gmsh(&bytes) {
        gmsh::read_gmsh_bytes(path, &bytes)
    } else {
        hdf5::read_mesh_bytes(path, bytes)
    }
}

/// Bounding box `[xmin, xmax, ymin, ymax]` of `points` (infinite bounds for none).
pub fn bounding_box(points: impl IntoIterator<Item = [f64; 2]>) -> [f64; 4] {
    points.into_iter().fold(
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, [x, y]| [b[0].min(x), b[1].max(x), b[2].min(y), b[3].max(y)],
    )
}

/// Integer width of the element table in the file, kept so results are written back alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexWidth {
    #[default]
    I32,
    I64,
}

/// A Quad-8 mesh as given: node coordinates and 0-based connectivity, in the input's order.
#[derive(Debug, Clone, Default)]
pub struct Mesh {
    /// A name for messages: the file path, or the generator call.
    pub source: String,
    /// Node x coordinates.
    pub x: Vec<f64>,
    /// Node y coordinates.
    pub y: Vec<f64>,
    /// Element connectivity, 0-based, node order of [`crate::element`].
    pub quad8: Vec<[u32; NODES]>,
    /// Integer width of `quad8` in the source file.
    pub index_width: IndexWidth,
    /// Named boundary groups (Gmsh physical curves), empty for the HDF5 layout.
    pub groups: Vec<BoundaryGroup>,
}

/// A named set of boundary edges, e.g. a Gmsh physical curve "inlet".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoundaryGroup {
    pub name: String,
    /// Quadratic edges as input node indices (end, mid, end).
    pub edges: Vec<[u32; 3]>,
}

impl Mesh {
    /// Number of nodes (used or not).
    pub fn nodes(&self) -> usize {
        self.x.len()
    }

    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.quad8.len()
    }

    /// Coordinates of the eight nodes of element `e` (indices must be valid).
    pub fn element_xy(&self, e: usize) -> [[f64; 2]; NODES] {
        self.quad8[e].map(|n| [self.x[n as usize], self.y[n as usize]])
    }
}
