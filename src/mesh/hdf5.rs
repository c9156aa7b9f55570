//! The reference project's HDF5 mesh layout (h5py, usually chunked and gzip-compressed):
//!
//! | dataset | type | shape | meaning |
//! |---|---|---|---|
//! | `x`, `y` | float64 | N | node coordinates |
//! | `quad8` | int32 or int64 | E × 8 | 0-based node indices, [`crate::element`] order |

use std::path::Path;

use hdf5_pure::{DType, File, Layout};

use super::{IndexWidth, Mesh};
use crate::element::NODES;
use crate::error::{Error, Result};

/// Reads a mesh in the reference layout. Index range and geometry are checked later by
/// [`super::prepare`]; this checks presence, types and shapes.
pub fn read_mesh(path: &Path) -> Result<Mesh> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_mesh_bytes(path, bytes)
}

/// Reads a mesh in the reference layout from the file's bytes; `path` names it in messages.
pub fn read_mesh_bytes(path: &Path, bytes: Vec<u8>) -> Result<Mesh> {
    let file = from_bytes(path, bytes)?;
    let x = read_coordinates(&file, path, "x")?;
    let y = read_coordinates(&file, path, "y")?;
    if x.len() != y.len() {
        return Err(dataset_error(
            path,
            "y",
            format!("has {} values but `x` has {}", y.len(), x.len()),
        ));
    }
    let (quad8, index_width) = read_connectivity(&file, path, x.len())?;
    Ok(Mesh {
        source: path.display().to_string(),
        x,
        y,
        quad8,
        index_width,
        groups: Vec::new(),
    })
}

/// Opens an HDF5 file with errors that say whether it is missing or not HDF5 at all.
pub fn open(path: &Path) -> Result<File> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(path, bytes)
}

/// An HDF5 file from its bytes, read once; `path` names it in messages.
fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<File> {
    if bytes.len() < 8 || !hdf5_pure::is_hdf5_bytes(&bytes[..8]) {
        return Err(Error::NotHdf5 {
            path: path.into(),
            reason: "no HDF5 signature at the start of the file".into(),
        });
    }
    File::from_bytes(bytes).map_err(|e| Error::NotHdf5 {
        path: path.into(),
        reason: e.to_string(),
    })
}

fn dataset_error(path: &Path, dataset: &str, reason: impl Into<String>) -> Error {
    Error::Dataset {
        path: path.into(),
        dataset: dataset.into(),
        reason: reason.into(),
    }
}

fn dataset(file: &File, path: &Path, name: &str) -> Result<(hdf5_pure::Dataset, Vec<u64>)> {
    let ds = file
        .dataset(name)
        .map_err(|e| dataset_error(path, name, format!("missing or unreadable ({e})")))?;
    let shape = ds
        .shape()
        .map_err(|e| dataset_error(path, name, format!("unreadable shape ({e})")))?;
    Ok((ds, shape))
}

/// Most a deflate-compressed chunk can expand (zlib's limit is about 1032:1).
const MAX_EXPANSION: u64 = 1100;

/// Checks a dataset's declared size against potflow's limit and against what the file
/// actually stores, before anything is read: a dataset declared large but never (or only
/// partly) written would otherwise be read as that many fill values.
fn check_storage(
    file: &File,
    ds: &hdf5_pure::Dataset,
    path: &Path,
    name: &str,
    shape: &[u64],
    max_rows: u64,
) -> Result<()> {
    let rows = shape.first().copied().unwrap_or(0);
    if rows > max_rows {
        return Err(dataset_error(
            path,
            name,
            format!("declares {rows} rows, above potflow's limit of {max_rows}"),
        ));
    }
    let element = ds.element_size().unwrap_or(8);
    let logical = shape
        .iter()
        .try_fold(element, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| dataset_error(path, name, format!("shape {shape:?} overflows")))?;
    if logical == 0 {
        return Ok(());
    }
    let file_size = file.file_size();
    let unwritten = || {
        dataset_error(
            path,
            name,
            format!("declared with shape {shape:?} but never written"),
        )
    };
    match ds.layout() {
        Ok(Layout::Compact { .. }) => Ok(()),
        Ok(Layout::Contiguous { address: None, .. }) => Err(unwritten()),
        Ok(Layout::Contiguous {
            address: Some(a),
            size,
        }) => {
            if a.checked_add(size).is_none_or(|end| end > file_size) || size < logical {
                Err(dataset_error(
                    path,
                    name,
                    format!(
                        "its {logical} bytes of data lie beyond the end of the file (truncated)"
                    ),
                ))
            } else {
                Ok(())
            }
        }
        Ok(Layout::Chunked { chunk_shape, .. }) => {
            let expected: u64 = shape
                .iter()
                .zip(&chunk_shape)
                .map(|(&d, &c)| d.div_ceil(c.max(1)))
                .product();
            if let Ok(chunks) = ds.chunks() {
                if chunks.is_empty() {
                    return Err(unwritten());
                }
                if (chunks.len() as u64) < expected {
                    return Err(dataset_error(
                        path,
                        name,
                        format!(
                            "only {} of its {expected} chunks were written",
                            chunks.len()
                        ),
                    ));
                }
            }
            if logical > MAX_EXPANSION.saturating_mul(file_size) {
                return Err(dataset_error(
                    path,
                    name,
                    format!(
                        "declares {logical} bytes of data in a file of {file_size} bytes: \
                         more than compression can explain"
                    ),
                ));
            }
            Ok(())
        }
        Ok(Layout::Virtual) => Err(dataset_error(
            path,
            name,
            "is a virtual dataset (data in other files): store the data in this file",
        )),
        Ok(other) => Err(dataset_error(
            path,
            name,
            format!("has a storage layout potflow does not read ({other:?})"),
        )),
        Err(e) => Err(dataset_error(
            path,
            name,
            format!("unreadable layout ({e})"),
        )),
    }
}

fn read_coordinates(file: &File, path: &Path, name: &str) -> Result<Vec<f64>> {
    let (ds, shape) = dataset(file, path, name)?;
    if shape.len() != 1 {
        return Err(dataset_error(
            path,
            name,
            format!("expected a 1-D array of node coordinates, found shape {shape:?}"),
        ));
    }
    match ds.dtype() {
        Ok(DType::F64 | DType::F32) => {}
        Ok(other) => {
            return Err(dataset_error(
                path,
                name,
                format!("expected float64 coordinates, found {other:?}"),
            ))
        }
        Err(e) => return Err(dataset_error(path, name, format!("unreadable type ({e})"))),
    }
    check_storage(file, &ds, path, name, &shape, super::MAX_NODES)?;
    ds.read_f64()
        .map_err(|e| dataset_error(path, name, format!("cannot read values ({e})")))
}

fn read_connectivity(
    file: &File,
    path: &Path,
    nodes: usize,
) -> Result<(Vec<[u32; NODES]>, IndexWidth)> {
    let name = "quad8";
    let (ds, shape) = dataset(file, path, name)?;
    if shape.len() != 2 || shape[1] != NODES as u64 {
        return Err(dataset_error(
            path,
            name,
            format!("expected shape (E, 8) of Quad-8 node indices, found {shape:?}"),
        ));
    }
    if shape[0] == 0 {
        return Err(dataset_error(
            path,
            name,
            "has no rows: the mesh has no elements".to_string(),
        ));
    }
    let width = match ds.dtype() {
        Ok(DType::I32 | DType::I16 | DType::I8 | DType::U8 | DType::U16) => IndexWidth::I32,
        Ok(DType::I64 | DType::U32 | DType::U64) => IndexWidth::I64,
        Ok(other) => {
            return Err(dataset_error(
                path,
                name,
                format!("expected integer node indices, found {other:?}"),
            ))
        }
        Err(e) => return Err(dataset_error(path, name, format!("unreadable type ({e})"))),
    };
    check_storage(file, &ds, path, name, &shape, super::MAX_ELEMENTS)?;
    let raw = ds
        .read_i64()
        .map_err(|e| dataset_error(path, name, format!("cannot read values ({e})")))?;
    let elements = shape[0] as usize;
    if raw.len() != elements * NODES {
        return Err(dataset_error(
            path,
            name,
            format!("holds {} values for shape {shape:?}", raw.len()),
        ));
    }
    let quad8 =
        connectivity_from_i64(&raw, nodes).map_err(|reason| dataset_error(path, name, reason))?;
    Ok((quad8, width))
}

/// Converts a flat E×8 table of signed indices, checking every index against `nodes` and
/// recognising a 1-based file (smallest index 1, largest index = `nodes`).
pub fn connectivity_from_i64(
    raw: &[i64],
    nodes: usize,
) -> std::result::Result<Vec<[u32; NODES]>, String> {
    let min = raw.iter().copied().min().unwrap_or(0);
    let max = raw.iter().copied().max().unwrap_or(0);
    if min < 0 || max >= nodes as i64 {
        let (pos, bad) = raw
            .iter()
            .enumerate()
            .find(|(_, &v)| v < 0 || v >= nodes as i64)
            .map(|(p, &v)| (p, v))
            .unwrap_or((0, max));
        let hint = if min == 1 && max == nodes as i64 {
            " (indices run from 1 to N: this looks like a 1-based file; potflow expects 0-based indices)"
        } else {
            ""
        };
        return Err(format!(
            "element {} node {} has index {bad}, outside 0..{nodes}{hint}",
            pos / NODES,
            pos % NODES
        ));
    }
    Ok(raw
        .chunks_exact(NODES)
        .map(|c| std::array::from_fn(|k| c[k] as u32))
        .collect())
}
