//! What a run produced: the fields, the solver's account, the boundary fluxes, where each
//! stage ran and how long it took. The outputs and the report read it; nothing here computes.

use crate::bc::{BoundaryReport, Conditions};
use crate::error::{Error, Result};
use crate::gpu::solve::GpuSolveInfo;
use crate::lift::Circulation;
use crate::post::ElementFields;
use crate::recovery::NodalFields;
use crate::settings::Ran;
use crate::solver::{CgOutcome, SolverInfo};

/// What the pipeline says while it runs, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// A stage begins: "load", "assemble", "bc", "setup" (the preconditioner), "iterate"
    /// (CG), "post", and within post "recovery" and "stream function" where they run.
    Stage(&'static str),
    /// A CG iteration ended: its number and the relative residual.
    Iteration(usize, f64),
}

/// Where the two kernel stages and the solve ran: "gpu" or "cpu".
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageBackends {
    pub assemble: &'static str,
    pub solve: &'static str,
    pub post: &'static str,
}

/// Seconds spent in each stage. `total` is the wall time from the start of `load` to the end
/// of `post` (outputs excluded). `gpu_setup` (device, shader compilation, pipelines) is the
/// first-run overhead, paid once per process and reported apart: it is not in `total`.
/// `write` (the outputs) and `wall` (the command from start to the last output in place,
/// everything included: what the user waits for) are set by whoever writes the outputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    pub gpu_setup: f64,
    pub load: f64,
    pub assemble: f64,
    pub bc: f64,
    pub solve: f64,
    pub post: f64,
    /// The parts of `post`: the element velocity, |v| and pressure; the recovered nodal
    /// velocity; the stream function ψ (each 0 where it did not run).
    pub velocity: f64,
    pub recovery: f64,
    pub stream_function: f64,
    /// The `--surface` quantities, computed after `post` by whoever asked for them.
    pub surfaces: f64,
    pub total: f64,
    pub write: f64,
    pub wall: f64,
}

/// A finished solve, with results in the input's node and element order.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Nodes in the input (used or not).
    pub nodes: usize,
    pub elements: usize,
    pub unused_nodes: usize,
    pub reoriented_elements: usize,
    /// Stored entries of the stiffness matrix.
    pub nnz: usize,
    /// Nodal potential, input order, 0 on unused nodes.
    pub u: Vec<f64>,
    /// Element velocity, |v|, pressure, input order.
    pub fields: ElementFields,
    pub solver: SolverInfo,
    pub cg: CgOutcome,
    /// The conditions the run imposed, defaults included.
    pub conditions: Conditions,
    pub boundary: BoundaryReport,
    pub timings: Timings,
    /// Where the kernel stages ran.
    pub stages: StageBackends,
    /// The threads and GPU chunks the run ran with.
    pub ran: Ran,
    /// Every GPU stage that failed and was finished on the CPU: "stage: why".
    pub gpu_fallbacks: Vec<String>,
    /// The GPU solve's account (defect corrections, inner iterations, device memory), where
    /// the solve ran on the GPU.
    pub gpu_solve: Option<GpuSolveInfo>,
    /// The recovered nodal velocity, |v|, pressure and stream function (input order), where
    /// asked for ([`crate::solve::SolveOptions::nodal_velocity`]).
    pub nodal: Option<NodalFields>,
    /// The circulation round a body, where one was asked for; its jumps in input numbering.
    pub circulation: Option<Circulation>,
    /// `--alpha`: the body's coefficients over the angles of attack.
    pub polar: Option<crate::lift::polar::Polar>,
}

impl Outcome {
    /// `Err(NotConverged)` when CG stopped short of rtol.
    pub fn ensure_converged(&self, rtol: f64) -> Result<()> {
        if self.cg.converged {
            Ok(())
        } else {
            Err(Error::NotConverged {
                iterations: self.cg.iterations,
                residual: self.cg.relative_residual,
                rtol,
            })
        }
    }
}
