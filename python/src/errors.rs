//! potflow's errors as Python exceptions, each with the CLI's one-line message: bad input is
//! a `ValueError` (a missing file a `FileNotFoundError`), a GPU failure, a solve that did not
//! converge or a panic a `RuntimeError`, a cancelled run `KeyboardInterrupt`.

use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::PyErr;

use potflow::Error;

/// The Python exception for `e`.
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::Cancelled => PyKeyboardInterrupt::new_err(message),
        Error::Gpu(_) | Error::NotConverged { .. } | Error::Run(_) => {
            PyRuntimeError::new_err(message)
        }
        Error::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        Error::Io { .. } | Error::Output { .. } => PyOSError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

/// A `ValueError` with `message`.
pub fn invalid(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
