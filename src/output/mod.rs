//! Outputs: the JSON report, the HDF5 results, the VTU file, the PNG plots, the surface
//! tables (each one [`writer::Writer`]), and mesh files. Every
//! file is written under a temporary name beside its destination and renamed into place, so
//! an interrupted run never leaves a half-written file under the final name; [`Staged`] does
//! the same for a set of files, so a run's outputs appear together or not at all.

pub mod colormap;
pub mod hdf5;
pub mod mesh_files;
pub mod png;
pub mod report;
pub mod vtu;
pub mod writer;

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

/// A set of outputs written under staging names and renamed into place together by
/// [`Staged::commit`]; dropped without a commit, it removes what it staged. Writers may
/// stage from several threads at once.
#[derive(Debug, Default)]
pub struct Staged {
    /// (staging path, final path)
    files: std::sync::Mutex<Vec<(PathBuf, PathBuf)>>,
}

impl Staged {
    /// The path to write `path`'s content to now; [`Staged::commit`] renames it to `path`.
    pub fn stage(&self, path: &Path) -> PathBuf {
        let mut name = std::ffi::OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(format!(".{}.staged", std::process::id()));
        let staging = path.with_file_name(name);
        self.files().push((staging.clone(), path.to_path_buf()));
        staging
    }

    /// The list, whatever a panicking writer left it in (it is only ever pushed to).
    fn files(&self) -> std::sync::MutexGuard<'_, Vec<(PathBuf, PathBuf)>> {
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `e` with a staging path in it replaced by the user's path, so that a message names the
    /// file the user asked for.
    pub fn in_user_terms(&self, e: Error) -> Error {
        let files = self.files();
        let user = |p: PathBuf| {
            files
                .iter()
                .find(|(staging, _)| *staging == p)
                .map_or(p, |(_, path)| path.clone())
        };
        match e {
            Error::Output { path, reason } => Error::Output {
                path: user(path),
                reason,
            },
            Error::Io { path, source } => Error::Io {
                path: user(path),
                source,
            },
            other => other,
        }
    }

    /// Renames every staged file to its final name.
    pub fn commit(self) -> Result<()> {
        let files = std::mem::take(&mut *self.files());
        for (i, (staging, path)) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(staging, path) {
                for (rest, _) in &files[i..] {
                    let _ = std::fs::remove_file(rest);
                }
                return Err(Error::Output {
                    path: path.clone(),
                    reason: e.to_string(),
                });
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (staging, _) in self.files().iter() {
            let _ = std::fs::remove_file(staging);
        }
    }
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
