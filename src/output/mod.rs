//! Outputs: the JSON report and the HDF5 results. Every file is written under a temporary
//! name beside its destination and renamed into place, so an interrupted run never leaves a
//! half-written file under the final name.

pub mod hdf5;
pub mod mesh_files;
pub mod png;
pub mod report;
pub mod vtu;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The temporary name a file is written under before it is renamed to `path`.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_path(path);
    let result = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Output {
            path: path.into(),
            reason: e.to_string(),
        }
    })
}
