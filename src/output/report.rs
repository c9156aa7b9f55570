//! The JSON report of one solve. Stage names match the CLI table and the benchmark table.

use serde::Serialize;

use crate::bc::BoundaryReport;
use crate::outcome::{Outcome, StageBackends, Timings};
use crate::solve::SolveOptions;

/// The mesh as the solver saw it.
#[derive(Debug, Clone, Serialize)]
pub struct MeshReport {
    pub path: String,
    pub nodes: usize,
    pub elements: usize,
    pub unused_nodes: usize,
    pub reoriented_elements: usize,
    pub nnz: usize,
}

/// The linear solver's account.
#[derive(Debug, Clone, Serialize)]
pub struct SolverReport {
    pub name: String,
    /// Preconditioner setup and CG iterations, the two parts of the `solve` stage.
    pub setup_seconds: f64,
    pub iterate_seconds: f64,
    /// AMG: rows per level, fine first (empty for Jacobi).
    pub levels: Vec<usize>,
    pub operator_complexity: Option<f64>,
    pub iterations: usize,
    pub converged: bool,
    pub relative_residual: f64,
    pub rtol: f64,
    /// The solve on the GPU: host defect corrections (true-residual checks), device CG
    /// iterations (`iterations` repeats them), device memory, seconds and bytes per iteration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<crate::gpu::solve::GpuSolveInfo>,
}

/// Ranges of the results.
#[derive(Debug, Clone, Serialize)]
pub struct SolutionReport {
    pub u_min: f64,
    pub u_max: f64,
    pub vel_max: f64,
    pub abs_vel_min: f64,
    pub abs_vel_max: f64,
    pub pressure_min: f64,
    pub pressure_max: f64,
    /// The ranges above are of the element values (means over each element's Gauss
    /// points); where the nodal velocity was recovered (the VTU's point data, the plots),
    /// its ranges too, which reach further at corners and bodies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodal_abs_vel_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodal_abs_vel_max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodal_pressure_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodal_pressure_max: Option<f64>,
}

/// The problem's constants.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemReport {
    /// Inflow velocity through the inlet, m/s (left out under `--bc`, where the conditions
    /// in `boundary.groups` say what enters where).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inlet_velocity: Option<f64>,
    pub robin_p: f64,
    /// Stagnation pressure, Pa.
    pub p0: f64,
    /// Density, kg/m³.
    pub rho: f64,
    pub bc_tol: f64,
}

/// The GPU the kernels ran on.
#[derive(Debug, Clone, Serialize)]
pub struct GpuReport {
    pub adapter: String,
    pub backend: String,
    pub software_device: bool,
    pub precision: String,
    pub chunk_elements: usize,
    /// The most bytes of GPU buffers the context held at once during the run.
    pub buffer_bytes: u64,
    /// Every GPU stage that failed and was finished on the CPU: "stage: why".
    pub fallbacks: Vec<String>,
}

impl GpuReport {
    /// The report of `ctx` after `outcome`.
    pub fn new(ctx: &crate::gpu::GpuContext, outcome: &Outcome) -> Self {
        GpuReport {
            adapter: ctx.adapter_name().to_string(),
            backend: ctx.backend_name(),
            software_device: ctx.is_software(),
            precision: ctx.precision().to_string(),
            chunk_elements: outcome.ran.chunk_elements.unwrap_or_default(),
            buffer_bytes: gpu_bytes(ctx, outcome),
            fallbacks: outcome.gpu_fallbacks.clone(),
        }
    }
}

/// The most bytes of GPU buffers the run held: the kernels' context and the GPU solve's.
fn gpu_bytes(ctx: &crate::gpu::GpuContext, outcome: &Outcome) -> u64 {
    ctx.buffer_bytes() + outcome.gpu_solve.as_ref().map_or(0, |g| g.buffer_bytes)
}

/// Memory the run used.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    /// Peak resident set size of the process in MiB (2^20 bytes; the key's "mb" is kept for
    /// the reports already written), from the OS (Linux: VmHWM); `None` where it does not say.
    pub peak_rss_mb: Option<f64>,
    /// GPU buffers held by the context in MiB (0 on the CPU backend).
    pub gpu_buffer_mb: f64,
}

/// Peak resident set size of this process in MiB (2^20 bytes), if the OS reports it.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// What made the report: the command line, when, and which potflow.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RunReport {
    pub command_line: Vec<String>,
    /// UTC, ISO 8601 to the second (`2026-11-25T17:35:41Z`).
    pub created_utc: String,
    /// The crate version, and `git describe` of the source where it was built from a git
    /// checkout (`0.1.0 (abc1234)`).
    pub potflow: String,
}

impl RunReport {
    /// This process, now.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        RunReport {
            command_line: std::env::args().collect(),
            created_utc: utc_timestamp(secs),
            potflow: version(),
        }
    }
}

/// potflow's version, with `git describe` where the build had it.
pub fn version() -> String {
    match option_env!("POTFLOW_GIT_DESCRIBE") {
        Some(git) if !git.is_empty() => format!("{} ({git})", env!("CARGO_PKG_VERSION")),
        _ => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (days to civil date: H. Hinnant's
/// algorithm).
pub fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub potflow_version: &'static str,
    pub run: RunReport,
    pub mesh: MeshReport,
    /// "gpu", "cpu", or "gpu+cpu" when a stage fell back (see `stages`).
    pub backend: String,
    /// Where each kernel stage ran.
    pub stages: StageBackends,
    /// Why this backend: what `--backend` asked for and, for `auto`, what it found.
    pub backend_reason: String,
    pub gpu: Option<GpuReport>,
    pub threads: usize,
    pub timings: Timings,
    pub solver: SolverReport,
    pub solution: SolutionReport,
    pub boundary: BoundaryReport,
    pub problem: ProblemReport,
    pub memory: MemoryReport,
    /// `--surface` groups: length, pressure force and its coefficients (their rows are in
    /// the CSV files).
    pub surfaces: Vec<crate::surface::Surface>,
    /// `--kutta` / `--circulation`: the circulation, where the cut lies, the unit solve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circulation: Option<crate::lift::Circulation>,
    /// `--alpha`: the body's coefficients at each angle of attack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polar: Option<crate::lift::polar::Polar>,
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    })
}

impl Report {
    /// Builds the report of `outcome`.
    pub fn new(
        path: &str,
        gpu: Option<&crate::gpu::GpuContext>,
        opts: &SolveOptions,
        outcome: &Outcome,
    ) -> Self {
        let (u_min, u_max) = range(outcome.u.iter().copied());
        let f = &outcome.fields;
        let (_, vel_max) = range(f.vel.iter().map(|v| v[0].hypot(v[1])));
        let (abs_vel_min, abs_vel_max) = range(f.abs_vel.iter().copied());
        let (pressure_min, pressure_max) = range(f.pressure.iter().copied());
        Report {
            potflow_version: env!("CARGO_PKG_VERSION"),
            run: RunReport::now(),
            mesh: MeshReport {
                path: path.to_string(),
                nodes: outcome.nodes,
                elements: outcome.elements,
                unused_nodes: outcome.unused_nodes,
                reoriented_elements: outcome.reoriented_elements,
                nnz: outcome.nnz,
            },
            backend: match (outcome.stages.assemble, outcome.stages.post) {
                ("gpu", "gpu") => "gpu",
                ("cpu", "cpu") => "cpu",
                _ => "gpu+cpu",
            }
            .to_string(),
            stages: outcome.stages,
            backend_reason: String::new(),
            gpu: gpu.map(|ctx| GpuReport::new(ctx, outcome)),
            threads: outcome.ran.threads,
            timings: outcome.timings,
            solver: SolverReport {
                name: outcome.solver.name.to_string(),
                setup_seconds: outcome.solver.setup_seconds,
                iterate_seconds: outcome.solver.iterate_seconds,
                levels: outcome.solver.levels.clone(),
                operator_complexity: outcome.solver.operator_complexity,
                iterations: outcome.cg.iterations,
                converged: outcome.cg.converged,
                relative_residual: outcome.cg.relative_residual,
                rtol: opts.cg.rtol,
                gpu: outcome.gpu_solve.clone(),
            },
            solution: SolutionReport {
                u_min,
                u_max,
                vel_max,
                abs_vel_min,
                abs_vel_max,
                pressure_min,
                pressure_max,
                nodal_abs_vel_min: outcome.nodal.as_ref().map(|n| n.abs_vel_range.0),
                nodal_abs_vel_max: outcome.nodal.as_ref().map(|n| n.abs_vel_range.1),
                nodal_pressure_min: outcome.nodal.as_ref().map(|n| n.pressure_range.0),
                nodal_pressure_max: outcome.nodal.as_ref().map(|n| n.pressure_range.1),
            },
            boundary: outcome.boundary.clone(),
            memory: MemoryReport {
                peak_rss_mb: peak_rss_mb(),
                gpu_buffer_mb: gpu.map_or(0.0, |g| gpu_bytes(g, outcome) as f64 / 1048576.0),
            },
            surfaces: Vec::new(),
            circulation: outcome.circulation.clone(),
            polar: outcome.polar.clone(),
            problem: ProblemReport {
                inlet_velocity: outcome.conditions.inlet_velocity(),
                robin_p: outcome.conditions.robin_p,
                p0: opts.pressure.p0,
                rho: opts.pressure.rho,
                bc_tol: opts.bc.bc_tol,
            },
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::utc_timestamp;

    #[test]
    fn utc_timestamps_of_known_instants() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day in a century leap year) and the end of 2026-11-25.
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_795_651_199), "2026-11-25T23:59:59Z");
    }
}
