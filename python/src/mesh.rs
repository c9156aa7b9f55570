//! Meshes across the boundary: potflow's `Mesh` to numpy arrays (a dict of `points` (N, 2)
//! float64, `quad8` (E, 8) int64, `groups` {name: (M, 3) int64} and `source`), and arrays
//! back to a `Mesh`, every index checked against the node count.

use std::path::PathBuf;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use potflow::element::NODES;
use potflow::mesh::{BoundaryGroup, Mesh};

use crate::errors::{invalid, to_py};

fn table<const W: usize>(rows: &[[u32; W]]) -> Array2<i64> {
    let flat: Vec<i64> = rows.iter().flatten().map(|&k| i64::from(k)).collect();
    Array2::from_shape_vec((rows.len(), W), flat).expect("rows × W values")
}

/// `mesh` as a dict of numpy arrays that own their memory.
pub fn to_dict<'py>(py: Python<'py>, mesh: &Mesh) -> PyResult<Bound<'py, PyDict>> {
    let points: Vec<f64> = mesh
        .x
        .iter()
        .zip(&mesh.y)
        .flat_map(|(&x, &y)| [x, y])
        .collect();
    let points = Array2::from_shape_vec((mesh.x.len(), 2), points).expect("N × 2 values");
    let groups = PyDict::new(py);
    for g in &mesh.groups {
        groups.set_item(&g.name, table(&g.edges).into_pyarray(py))?;
    }
    let d = PyDict::new(py);
    d.set_item("points", points.into_pyarray(py))?;
    d.set_item("quad8", table(&mesh.quad8).into_pyarray(py))?;
    d.set_item("groups", groups)?;
    d.set_item("source", &mesh.source)?;
    Ok(d)
}

/// Reads a Gmsh MSH 4.1 or HDF5 mesh file.
#[pyfunction]
pub fn read_mesh<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let mesh = py.detach(|| potflow::mesh::read(&path)).map_err(to_py)?;
    to_dict(py, &mesh)
}

/// Generates GEOMETRY with about NODES nodes (`potflow generate --list`).
#[pyfunction]
pub fn generate<'py>(
    py: Python<'py>,
    geometry: &str,
    nodes: usize,
) -> PyResult<Bound<'py, PyDict>> {
    if !potflow::mesh::generate::is_known(geometry) {
        let names: Vec<&str> = potflow::mesh::generate::all_geometries()
            .map(|g| g.0)
            .collect();
        return Err(invalid(format!(
            "generate: `{geometry}` is not a known geometry ({}, or nacaXXXX)",
            names.join(", ")
        )));
    }
    let spec = format!("{geometry}:{nodes}");
    let mesh = py.detach(|| potflow::mesh::load(&spec)).map_err(to_py)?;
    to_dict(py, &mesh)
}

/// One index of `what` (1-based in messages where the arrays were), shifted by `base` and
/// checked against `nodes`.
fn index(source: &str, what: &str, value: i64, base: i64, nodes: usize) -> PyResult<u32> {
    let k = value - base;
    if k < 0 || k >= nodes as i64 {
        return Err(invalid(format!(
            "{source}: {what} has index {value}, outside {base}..{}",
            nodes as i64 + base
        )));
    }
    Ok(k as u32)
}

/// The arrays of a `potflow.Mesh` (already float64 / int64 and C-ordered by the Python half),
/// as one tuple: points, quad8, groups as (name, edges) pairs, the index base, the source.
#[derive(FromPyObject)]
pub struct MeshArrays<'py>(
    PyReadonlyArray2<'py, f64>,
    PyReadonlyArray2<'py, i64>,
    Vec<(String, PyReadonlyArray2<'py, i64>)>,
    i64,
    String,
);

/// `arrays` as potflow's `Mesh`, every index checked.
pub fn from_arrays(arrays: MeshArrays<'_>) -> PyResult<Mesh> {
    let MeshArrays(points, quad8, groups, index_base, source) = arrays;
    let p = points.as_array();
    if p.ncols() != 2 {
        return Err(invalid(format!(
            "{source}: points must have shape (N, 2), got {:?}",
            p.shape()
        )));
    }
    let q = quad8.as_array();
    if q.ncols() != NODES {
        return Err(invalid(format!(
            "{source}: quad8 must have shape (E, 8), got {:?}",
            q.shape()
        )));
    }
    let n = p.nrows();
    let mut elements = Vec::with_capacity(q.nrows());
    for (e, row) in q.rows().into_iter().enumerate() {
        let mut el = [0u32; NODES];
        for (k, &v) in row.iter().enumerate() {
            el[k] = index(
                &source,
                &format!("quad8 element {e} node {k}"),
                v,
                index_base,
                n,
            )?;
        }
        elements.push(el);
    }
    let mut boundary = Vec::with_capacity(groups.len());
    for (name, array) in &groups {
        let a = array.as_array();
        if a.ncols() != 3 {
            return Err(invalid(format!(
                "{source}: group {name:?} must have shape (M, 3) (end, mid, end of each \
                 quadratic edge), got {:?}",
                a.shape()
            )));
        }
        let mut edges = Vec::with_capacity(a.nrows());
        for (i, row) in a.rows().into_iter().enumerate() {
            let mut edge = [0u32; 3];
            for (k, &v) in row.iter().enumerate() {
                edge[k] = index(
                    &source,
                    &format!("group {name:?} edge {i} node {k}"),
                    v,
                    index_base,
                    n,
                )?;
            }
            edges.push(edge);
        }
        boundary.push(BoundaryGroup {
            name: name.clone(),
            edges,
        });
    }
    Ok(Mesh {
        source,
        x: p.column(0).to_vec(),
        y: p.column(1).to_vec(),
        quad8: elements,
        groups: boundary,
        ..Mesh::default()
    })
}
