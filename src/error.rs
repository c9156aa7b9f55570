//! The library's typed errors. Every variant names what the user can act on: the file, the
//! dataset or the element, and what is wrong with it.

use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between a mesh file and a written result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: not a readable HDF5 file ({reason})")]
    NotHdf5 { path: PathBuf, reason: String },

    #[error("{path}: dataset `{dataset}`: {reason}")]
    Dataset {
        path: PathBuf,
        dataset: String,
        reason: String,
    },

    #[error("{source_name}: {reason}")]
    Mesh { source_name: String, reason: String },

    #[error("{source_name}: element {element}: {reason}")]
    Element {
        source_name: String,
        element: usize,
        reason: String,
    },

    #[error("{source_name}: no {which} nodes found ({rule})")]
    NoBoundary {
        source_name: String,
        which: &'static str,
        rule: String,
    },

    #[error(
        "CG did not converge: {iterations} iterations, relative residual {residual:.3e} > rtol {rtol:.1e}"
    )]
    NotConverged {
        iterations: usize,
        residual: f64,
        rtol: f64,
    },

    /// `source_name` is empty where the mesh is not known (inside the solver); the pipeline
    /// fills it in ([`Error::in_mesh`]).
    #[error("{source_name}: the system is singular: {reason}")]
    Singular { source_name: String, reason: String },

    #[error("{path}: cannot write output: {reason}")]
    Output { path: PathBuf, reason: String },

    #[error("invalid option: {0}")]
    Option(String),

    #[error("GPU: {0}")]
    Gpu(String),

    #[error("{0}")]
    Run(String),

    /// The caller's cancel flag was raised (the desktop demo's Cancel button).
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// The error with the mesh named where it was not (a singular system found by the solver).
    pub fn in_mesh(self, source: &str) -> Self {
        match self {
            Error::Singular {
                source_name,
                reason,
            } if source_name.is_empty() => Error::Singular {
                source_name: source.to_string(),
                reason,
            },
            other => other,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
