//! ParaView output: a VTK XML unstructured grid (`.vtu`), zlib-compressed.
//!
//! Cells are VTK_QUADRATIC_QUAD (23), whose node order is the Quad-8 order of
//! [`crate::element`], in the input's element order; points are the input's nodes (unused
//! nodes included: no cell references them, so they draw nothing). Point data `u`; cell data
//! `velocity` (3 components, z = 0, so ParaView can draw glyphs), `abs_vel`, `pressure`.

use std::path::Path;

use vtkio::model::{
    Attribute, Attributes, ByteOrder, CellType, Cells, DataArray, DataSet, UnstructuredGridPiece,
    Version, VertexNumbers, Vtk,
};
use vtkio::xml::Compressor;

use super::write_atomically;
use crate::error::{Error, Result};
use crate::mesh::Mesh;
use crate::outcome::Outcome;

/// Point data: u, and the recovered velocity and stream function ψ where the run has them.
fn point_data(outcome: &Outcome) -> Vec<Attribute> {
    let mut point = vec![Attribute::DataArray(
        DataArray::scalars("u", 1).with_data(outcome.u.clone()),
    )];
    if let Some(nodal) = &outcome.nodal {
        let velocity: Vec<f64> = nodal
            .velocity
            .iter()
            .flat_map(|v| [v[0], v[1], 0.0])
            .collect();
        point.push(Attribute::DataArray(
            DataArray::vectors("velocity").with_data(velocity),
        ));
        if let Some(psi) = &nodal.stream_function {
            point.push(Attribute::DataArray(
                DataArray::scalars("psi", 1).with_data(psi.clone()),
            ));
        }
    }
    point
}

/// The VTU document of a solved mesh, as bytes: u and (where recovered) the nodal velocity
/// as point data; the element velocity, |v| and p as cell data.
pub fn vtu_bytes(mesh: &Mesh, outcome: &Outcome, title: &str) -> Result<Vec<u8>> {
    let points: Vec<f64> = mesh
        .x
        .iter()
        .zip(&mesh.y)
        .flat_map(|(&x, &y)| [x, y, 0.0])
        .collect();
    let connectivity: Vec<u64> = mesh.quad8.iter().flatten().map(|&k| k as u64).collect();
    let offsets: Vec<u64> = (1..=mesh.elements() as u64).map(|e| 8 * e).collect();
    let velocity: Vec<f64> = outcome
        .fields
        .vel
        .iter()
        .flat_map(|v| [v[0], v[1], 0.0])
        .collect();
    let piece = UnstructuredGridPiece {
        points: points.into(),
        cells: Cells {
            cell_verts: VertexNumbers::XML {
                connectivity,
                offsets,
            },
            types: vec![CellType::QuadraticQuad; mesh.elements()],
        },
        data: Attributes {
            point: point_data(outcome),
            cell: vec![
                Attribute::DataArray(DataArray::vectors("velocity").with_data(velocity)),
                Attribute::DataArray(
                    DataArray::scalars("abs_vel", 1).with_data(outcome.fields.abs_vel.clone()),
                ),
                Attribute::DataArray(
                    DataArray::scalars("pressure", 1).with_data(outcome.fields.pressure.clone()),
                ),
            ],
        },
    };
    let vtk = Vtk {
        version: Version::new_xml(1, 0),
        title: title.to_string(),
        byte_order: ByteOrder::LittleEndian,
        data: DataSet::inline(piece),
        file_path: None,
    };
    let xml = vtk
        .try_into_xml_format(Compressor::None, 0)
        .map_err(|e| Error::Output {
            path: "results.vtu".into(),
            reason: format!("cannot encode VTU: {e}"),
        })?;
    let mut bytes = Vec::new();
    xml.write(&mut bytes).map_err(|e| Error::Output {
        path: "results.vtu".into(),
        reason: format!("cannot encode VTU: {e}"),
    })?;
    Ok(bytes)
}

/// Writes the VTU file (through a temporary name).
pub fn write_vtu(path: &Path, mesh: &Mesh, outcome: &Outcome) -> Result<()> {
    let bytes = vtu_bytes(mesh, outcome, &mesh.source).map_err(|e| match e {
        Error::Output { reason, .. } => Error::Output {
            path: path.into(),
            reason,
        },
        other => other,
    })?;
    write_atomically(path, &bytes)
}
