//! potflow from Python: the native half of the `potflow` package, `potflow._potflow`.
//!
//! The Python half (python/potflow/__init__.py) holds the API users call: it checks and
//! normalises their arrays (float64 coordinates, int64 indices, C order; copied only where
//! the dtype or the layout differ) and shapes what comes back into `Mesh` and `Solution`.
//! This half turns the arrays into potflow's own `Mesh`, runs the library with the GIL
//! released, and hands back numpy arrays that own their memory:
//!
//! ```text
//! read_mesh, generate     a file, or GEOMETRY and NODES   → mesh arrays          mesh.rs
//! solve                   mesh arrays + options           → fields, report JSON  run.rs
//! assemble                mesh arrays + options           → CSR arrays, f        run.rs
//! check, devices          the GPU against the CPU; the GPU adapters (JSON)        run.rs
//! ```
//!
//! Options arrive as one dict with the CLI's names (options.rs); errors leave as Python
//! exceptions with the CLI's one-line messages (errors.rs).

mod errors;
mod mesh;
mod options;
mod run;

use pyo3::prelude::*;

#[pymodule]
fn _potflow(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mesh::read_mesh, m)?)?;
    m.add_function(wrap_pyfunction!(mesh::generate, m)?)?;
    m.add_function(wrap_pyfunction!(run::solve, m)?)?;
    m.add_function(wrap_pyfunction!(run::assemble, m)?)?;
    m.add_function(wrap_pyfunction!(run::check, m)?)?;
    m.add_function(wrap_pyfunction!(run::devices, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
