//! Runs off the interpreter: every call builds potflow's own inputs, runs the library on a
//! worker thread with the GIL released, and comes back with plain Rust values that become
//! numpy arrays. While it waits, the calling thread wakes every 50 ms to let Python handle
//! signals: Ctrl-C raises the run's cancel flag, which stops it at the next stage or CG
//! iteration (the demo's flag), and the call raises `KeyboardInterrupt`. A panic in the
//! worker becomes a `RuntimeError`, never a crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use numpy::ndarray::Array2;
use numpy::IntoPyArray;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use potflow::mesh::Mesh;
use potflow::output::report::Report;
use potflow::settings::Backend;
use potflow::solve as pipeline;

use crate::errors::to_py;
use crate::mesh::{from_arrays, MeshArrays};
use crate::options::{request, Request};

/// Runs `work` on a worker thread with the GIL released; see the module docs.
fn detached<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> potflow::Result<T> + Send + 'static,
) -> PyResult<T> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let (tx, rx) = channel();
    // Waited on from inside `detach`, which wants what it borrows to be `Sync`.
    let rx = std::sync::Mutex::new(rx);
    let worker = std::thread::Builder::new()
        .name("potflow".into())
        .spawn(move || {
            let result = work(&flag);
            let _ = tx.send(());
            result
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    loop {
        let waited = py.detach(|| match rx.lock() {
            Ok(rx) => rx.recv_timeout(Duration::from_millis(50)),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        });
        match waited {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    let _ = py.detach(|| worker.join());
                    return Err(interrupt);
                }
            }
        }
    }
    match py.detach(|| worker.join()) {
        Ok(result) => result.map_err(to_py),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown cause".into());
            Err(PyRuntimeError::new_err(format!("potflow panicked: {why}")))
        }
    }
}

/// The rayon pool a request asks for.
fn pool(req: &Request) -> potflow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = req.settings.threads {
        builder = builder.num_threads(t);
    }
    builder
        .build()
        .map_err(|e| potflow::Error::Run(format!("thread pool: {e}")))
}

/// What a solve hands back, in input order.
struct Solved {
    u: Vec<f64>,
    velocity_elem: Vec<[f64; 2]>,
    abs_vel: Vec<f64>,
    pressure: Vec<f64>,
    velocity: Option<Vec<[f64; 2]>>,
    psi: Option<Vec<f64>>,
    jumps: Vec<(u32, u32, f64)>,
    report: String,
}

fn solve_mesh(mesh: Mesh, req: Request, cancel: &AtomicBool) -> potflow::Result<Solved> {
    let pool = pool(&req)?;
    let asked = req.opts.circulation.iter().map(|c| (c.option(), &c.group));
    for (option, group) in asked.chain(req.surfaces.iter().map(|g| ("surfaces", g))) {
        if !mesh.groups.iter().any(|g| &g.name == group) {
            let names: Vec<&str> = mesh.groups.iter().map(|g| g.name.as_str()).collect();
            return Err(potflow::Error::Mesh {
                source_name: mesh.source.clone(),
                reason: format!(
                    "{} {group}: no such boundary group (the groups: {})",
                    option.trim_start_matches("--"),
                    names.join(", ")
                ),
            });
        }
    }
    let (gpu, reason) = req.settings.gpu()?;
    let kernels = req.settings.kernels(gpu.as_ref());
    let opts = &req.opts;
    let mut outcome =
        pool.install(|| pipeline::run_cancellable(&mesh, opts, kernels, 0.0, &mut |_| {}, cancel))?;
    outcome.timings.gpu_setup = gpu.as_ref().map_or(0.0, |g| g.setup_seconds);
    outcome.ensure_converged(opts.cg.rtol)?;
    let surfaces = req
        .surfaces
        .iter()
        .map(|g| pipeline::surface_of(&mesh, &outcome, opts, g, req.u_ref))
        .collect::<potflow::Result<Vec<_>>>()?;
    let mut report = Report::new(&mesh.source, gpu.as_ref(), opts, &outcome);
    report.backend_reason = reason;
    report.surfaces = surfaces;
    let report = serde_json::to_string(&report)
        .map_err(|e| potflow::Error::Run(format!("the report: {e}")))?;
    let nodal = outcome.nodal.take();
    let jumps = outcome
        .circulation
        .as_ref()
        .map(|c| {
            c.jumps
                .elements
                .iter()
                .flat_map(|(e, j)| j.iter().map(move |&(k, a)| (*e, k, a)))
                .filter(|j| j.2 != 0.0)
                .collect()
        })
        .unwrap_or_default();
    Ok(Solved {
        u: outcome.u,
        velocity_elem: outcome.fields.vel,
        abs_vel: outcome.fields.abs_vel,
        pressure: outcome.fields.pressure,
        velocity: nodal.as_ref().map(|n| n.velocity.clone()),
        psi: nodal.and_then(|n| n.stream_function),
        jumps,
        report,
    })
}

fn pairs(v: Vec<[f64; 2]>) -> Array2<f64> {
    let n = v.len();
    Array2::from_shape_vec((n, 2), v.into_iter().flatten().collect()).expect("n × 2 values")
}

/// Solves the mesh given as arrays with the options dict; see `potflow.solve`.
#[pyfunction]
pub fn solve<'py>(
    py: Python<'py>,
    mesh: MeshArrays<'py>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    let mesh = from_arrays(mesh)?;
    let req = request(options)?;
    let s = detached(py, move |cancel| solve_mesh(mesh, req, cancel))?;
    let d = PyDict::new(py);
    d.set_item("u", s.u.into_pyarray(py))?;
    d.set_item("velocity_elem", pairs(s.velocity_elem).into_pyarray(py))?;
    d.set_item("abs_vel", s.abs_vel.into_pyarray(py))?;
    d.set_item("pressure", s.pressure.into_pyarray(py))?;
    d.set_item("velocity", s.velocity.map(|v| pairs(v).into_pyarray(py)))?;
    d.set_item("psi", s.psi.map(|p| p.into_pyarray(py)))?;
    let elements: Vec<i64> = s.jumps.iter().map(|j| i64::from(j.0)).collect();
    let nodes: Vec<i64> = s.jumps.iter().map(|j| i64::from(j.1)).collect();
    let amounts: Vec<f64> = s.jumps.iter().map(|j| j.2).collect();
    let jumps = (
        elements.into_pyarray(py),
        nodes.into_pyarray(py),
        amounts.into_pyarray(py),
    );
    d.set_item("jumps", jumps)?;
    d.set_item("report", s.report)?;
    Ok(d)
}

/// K and f after the boundary conditions, rows and columns in the mesh's node order: CSR
/// arrays (indptr, indices, data) and f (rhs). A node no element uses gets the row of
/// u = 0, so that K stays regular and its solution is the solve's u.
#[pyfunction]
pub fn assemble<'py>(
    py: Python<'py>,
    mesh: MeshArrays<'py>,
    options: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyDict>> {
    let mesh = from_arrays(mesh)?;
    let req = request(options)?;
    if req.opts.circulation.is_some() {
        return Err(crate::errors::invalid(
            "assemble: the system without circulation only (kutta and circulation add a \
             second solve)",
        ));
    }
    let (indptr, indices, data, rhs) = detached(py, move |_| {
        let pool = pool(&req)?;
        let (prepared, sys) = pool.install(|| pipeline::linear_system(&mesh, &req.opts))?;
        let n = prepared.input_nodes;
        let mut rows: Vec<Vec<(i64, f64)>> = vec![Vec::new(); n];
        let mut rhs = vec![0.0; n];
        let m = &sys.matrix;
        for (s, row) in m.outer_iterator().enumerate() {
            let i = prepared.input_node[s] as usize;
            rhs[i] = sys.rhs[s];
            rows[i] = row
                .iter()
                .map(|(c, &v)| (i64::from(prepared.input_node[c]), v))
                .collect();
            rows[i].sort_by_key(|e| e.0);
        }
        let mut indptr = Vec::with_capacity(n + 1);
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        indptr.push(0i64);
        for (i, row) in rows.into_iter().enumerate() {
            let row = if row.is_empty() {
                vec![(i as i64, 1.0)]
            } else {
                row
            };
            for (c, v) in row {
                indices.push(c);
                data.push(v);
            }
            indptr.push(indices.len() as i64);
        }
        Ok((indptr, indices, data, rhs))
    })?;
    let d = PyDict::new(py);
    d.set_item("indptr", indptr.into_pyarray(py))?;
    d.set_item("indices", indices.into_pyarray(py))?;
    d.set_item("data", data.into_pyarray(py))?;
    d.set_item("rhs", rhs.into_pyarray(py))?;
    Ok(d)
}

/// `potflow check`: both kernels and the whole solve on the GPU and on the CPU, compared;
/// JSON with the adapter and one row per quantity.
#[pyfunction]
pub fn check<'py>(
    py: Python<'py>,
    mesh: MeshArrays<'py>,
    options: &Bound<'py, PyDict>,
) -> PyResult<String> {
    let mesh = from_arrays(mesh)?;
    let req = request(options)?;
    detached(py, move |_| {
        let pool = pool(&req)?;
        let mut settings = req.settings.clone();
        settings.backend = Backend::Gpu;
        let ctx = potflow::gpu::GpuContext::new(&settings.adapter_choice(false))?;
        let rows = pool.install(|| potflow::check::compare(&mesh, &ctx, &req.opts))?;
        Ok(potflow::check::report(&mesh, &ctx, &rows).to_string())
    })
}

/// The GPU adapters wgpu finds, as JSON: name, backend, type, software or not, f64, limits.
#[pyfunction]
pub fn devices(py: Python<'_>) -> PyResult<String> {
    detached(py, |_| {
        serde_json::to_string(&potflow::gpu::list_adapters())
            .map_err(|e| potflow::Error::Run(format!("the adapters: {e}")))
    })
}
