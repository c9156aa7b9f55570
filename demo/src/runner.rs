//! Solving off the UI thread: the case is loaded once, each backend solves it in turn (never
//! both at once, so neither slows the other's timings), and everything the window shows
//! arrives as [`Message`]s. A raised cancel flag stops the run at the next stage or CG
//! iteration.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use potflow::check::{element_rel_diff, field_rel_diff, tolerances};
use potflow::gpu::GpuContext;
use potflow::mesh::{Mesh, PreparedMesh};
use potflow::outcome::{Outcome, Progress};
use potflow::settings::{self, Kernels, PrecisionChoice, RunSettings, SolveOn};
use potflow::solve::{self, SolveOptions};
use potflow::surface::LiftCoefficients;

use crate::field::FieldData;

/// Which backends a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    Cpu,
    Gpu,
    Both,
}

impl RunMode {
    pub fn backends(self) -> &'static [Backend] {
        match self {
            RunMode::Cpu => &[Backend::Cpu],
            RunMode::Gpu => &[Backend::Gpu],
            RunMode::Both => &[Backend::Cpu, Backend::Gpu],
        }
    }
}

/// One of the two ways potflow runs its element kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Cpu,
    Gpu,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Cpu => "CPU",
            Backend::Gpu => "GPU",
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// `GEOMETRY:NODES` or a mesh file path, as `potflow solve` takes it.
    pub case: String,
    pub mode: RunMode,
    pub precision: PrecisionChoice,
    /// Where the GPU backend solves the system.
    pub solve_on: SolveOn,
    /// Host threads; 0: all cores.
    pub threads: usize,
    /// The stream's angle of attack, degrees, on a mesh with a `farfield` group.
    pub alpha_deg: f64,
}

/// The solve the demo runs on `mesh`: round a body in a far field (a group `farfield`), a
/// stream of 1 m/s at `alpha_deg`, with the circulation of the Kutta condition round a group
/// `airfoil`; otherwise the reference's inflow and outflow.
pub fn options_for(mesh: &Mesh, alpha_deg: f64) -> SolveOptions {
    use potflow::bc::{BoundarySpec, Condition, GroupCondition};
    use potflow::lift::{CirculationOptions, CirculationRule};
    let has = |name: &str| mesh.groups.iter().any(|g| g.name == name);
    let mut opts = SolveOptions::default();
    if has(FARFIELD) {
        opts.bc.conditions = vec![GroupCondition {
            on: BoundarySpec::Group(FARFIELD.into()),
            condition: Condition::Stream {
                speed: 1.0,
                angle_deg: alpha_deg,
            },
        }];
        if has(AIRFOIL) {
            opts.circulation = Some(CirculationOptions {
                group: AIRFOIL.into(),
                rule: CirculationRule::Kutta {
                    trailing_edge: None,
                },
                mach: None,
                polar: Vec::new(),
            });
        }
    }
    opts
}

/// The groups [`options_for`] looks for.
pub const FARFIELD: &str = "farfield";
pub const AIRFOIL: &str = "airfoil";

fn lift_figures(
    mesh: &Mesh,
    outcome: &Outcome,
    opts: &SolveOptions,
) -> potflow::Result<Option<LiftCoefficients>> {
    match &opts.circulation {
        Some(c) => Ok(solve::surface_of(mesh, outcome, opts, &c.group, None)?.lift),
        None => Ok(None),
    }
}

impl RunRequest {
    /// The run settings of one backend of the request.
    pub fn settings(&self, backend: settings::Backend) -> RunSettings {
        RunSettings {
            backend,
            precision: self.precision,
            solve_on: self.solve_on,
            threads: (self.threads > 0).then_some(self.threads),
            ..RunSettings::default()
        }
    }
}

/// The GPU adapter a backend ran on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterInfo {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub software: bool,
    pub precision: String,
    pub chunk_elements: usize,
}

/// Seconds per stage of one solve (as `potflow solve` reports them; total is load to post).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct StageSeconds {
    pub load: f64,
    pub assemble: f64,
    pub bc: f64,
    pub setup: f64,
    pub iterate: f64,
    pub post: f64,
    pub total: f64,
}

impl StageSeconds {
    /// The stages in pipeline order, total last.
    pub fn list(&self) -> [(&'static str, f64); 7] {
        [
            ("load", self.load),
            ("assemble", self.assemble),
            ("bc", self.bc),
            ("setup", self.setup),
            ("iterate", self.iterate),
            ("post", self.post),
            ("total", self.total),
        ]
    }
}

/// One backend's finished solve, in the figures the window shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackendResult {
    pub backend: Backend,
    pub threads: usize,
    pub seconds: StageSeconds,
    /// GPU context creation (adapter, device, shaders), not in total.
    pub gpu_setup_seconds: f64,
    pub iterations: usize,
    pub relative_residual: f64,
    pub converged: bool,
    /// Where each kernel stage ran ("cpu", "gpu") and any fallback with its reason.
    pub assemble_ran_on: String,
    pub solve_ran_on: String,
    pub post_ran_on: String,
    pub gpu_fallbacks: Vec<String>,
    pub peak_gpu_buffer_mb: f64,
    pub adapter: Option<AdapterInfo>,
    /// Round a lifting section: its coefficients.
    pub lift: Option<LiftCoefficients>,
}

/// One compared quantity between the two backends (as `potflow check` reports it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Agreement {
    pub quantity: String,
    pub max_rel_diff: f64,
    pub tolerance: f64,
    pub pass: bool,
}

/// What the runner tells the window.
pub enum Message {
    /// The mesh is loaded: nodes, elements, and its boundary groups with their edge counts.
    Loaded {
        nodes: usize,
        elements: usize,
        groups: Vec<(String, usize)>,
    },
    /// A backend began a stage.
    Stage(Backend, &'static str),
    /// A backend finished a CG iteration: number, relative residual.
    Residual(Backend, usize, f64),
    /// A backend finished.
    Finished(Box<BackendResult>),
    /// The field to draw, from the last backend that ran (the GPU's in `both`).
    Field(Arc<FieldData>),
    /// CPU against GPU, after both ran.
    Agreement(Vec<Agreement>),
    /// The run stopped: cancelled, or an error (one line).
    Stopped(String),
    /// The run is complete.
    Done,
}

fn stage_seconds(o: &Outcome) -> StageSeconds {
    let t = &o.timings;
    StageSeconds {
        load: t.load,
        assemble: t.assemble,
        bc: t.bc,
        setup: o.solver.setup_seconds,
        iterate: o.solver.iterate_seconds,
        post: t.post,
        total: t.total,
    }
}

/// Where the runner's messages go (the window wraps a channel that wakes it).
pub type Sink<'a> = &'a (dyn Fn(Message) + Sync);

/// Runs `request` on this thread, handing every message to `send`; returns when done or
/// stopped.
pub fn run(request: &RunRequest, send: Sink<'_>, cancel: &AtomicBool) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.threads)
        .build();
    let pool = match pool {
        Ok(pool) => pool,
        Err(e) => {
            send(Message::Stopped(format!("thread pool: {e}")));
            return;
        }
    };
    let result = pool.install(|| run_in_pool(request, send, cancel));
    send(match result {
        Ok(()) => Message::Done,
        Err(potflow::Error::Cancelled) => Message::Stopped("cancelled".into()),
        Err(e) => Message::Stopped(e.to_string()),
    });
}

fn run_in_pool(request: &RunRequest, send: Sink<'_>, cancel: &AtomicBool) -> potflow::Result<()> {
    let read = Instant::now();
    let mesh = potflow::mesh::load(&request.case)?;
    let read_seconds = read.elapsed().as_secs_f64();
    send(Message::Loaded {
        nodes: mesh.x.len(),
        elements: mesh.quad8.len(),
        groups: mesh
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.edges.len()))
            .collect(),
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(potflow::Error::Cancelled);
    }
    let opts = options_for(&mesh, request.alpha_deg);
    let mut outcomes: Vec<(Backend, Outcome)> = Vec::new();
    let mut gpu: Option<GpuContext> = None;
    for &backend in request.mode.backends() {
        let mut progress = |p: Progress| {
            send(match p {
                Progress::Stage(s) => Message::Stage(backend, s),
                Progress::Iteration(it, r) => Message::Residual(backend, it, r),
            });
        };
        let (outcome, gpu_setup_seconds) = match backend {
            Backend::Cpu => (
                solve::run_cancellable(
                    &mesh,
                    &opts,
                    Kernels::Cpu,
                    read_seconds,
                    &mut progress,
                    cancel,
                )?,
                0.0,
            ),
            Backend::Gpu => {
                send(Message::Stage(backend, "gpu setup"));
                let started = Instant::now();
                let ctx = GpuContext::new(
                    &request
                        .settings(settings::Backend::Gpu)
                        .adapter_choice(false),
                )?;
                let setup = started.elapsed().as_secs_f64();
                let kernels = request.settings(settings::Backend::Gpu).kernels(Some(&ctx));
                let outcome = solve::run_cancellable(
                    &mesh,
                    &opts,
                    kernels,
                    read_seconds,
                    &mut progress,
                    cancel,
                )?;
                gpu = Some(ctx);
                (outcome, setup)
            }
        };
        let adapter = match (backend, &gpu) {
            (Backend::Gpu, Some(ctx)) => Some(AdapterInfo {
                name: ctx.adapter_name().to_string(),
                backend: ctx.backend_name(),
                device_type: ctx.device_type_name().to_string(),
                software: ctx.is_software(),
                precision: format!("{:?}", ctx.precision()).to_lowercase(),
                chunk_elements: outcome.ran.chunk_elements.unwrap_or_default(),
            }),
            _ => None,
        };
        let result = BackendResult {
            backend,
            threads: outcome.ran.threads,
            seconds: stage_seconds(&outcome),
            gpu_setup_seconds,
            iterations: outcome.cg.iterations,
            relative_residual: outcome.cg.relative_residual,
            converged: outcome.cg.converged,
            assemble_ran_on: outcome.stages.assemble.to_string(),
            solve_ran_on: outcome.stages.solve.to_string(),
            post_ran_on: outcome.stages.post.to_string(),
            gpu_fallbacks: outcome.gpu_fallbacks.clone(),
            peak_gpu_buffer_mb: match (backend, &gpu) {
                (Backend::Gpu, Some(ctx)) => ctx.buffer_bytes() as f64 / (1u64 << 20) as f64,
                _ => 0.0,
            },
            adapter,
            lift: lift_figures(&mesh, &outcome, &opts)?,
        };
        send(Message::Finished(Box::new(result)));
        outcomes.push((backend, outcome));
    }
    if let Some((_, last)) = outcomes.last() {
        let mut field = FieldData::new(&mesh, &last.u, &last.fields.abs_vel, &last.fields.pressure);
        if let Some(c) = &last.circulation {
            field.add_jumps(&mesh, &c.jumps);
            field.frame_window(potflow::output::png::body_window(&mesh, &c.group));
        }
        send(Message::Field(Arc::new(field)));
    }
    if let ([(_, cpu), (_, gpu_outcome)], Some(ctx)) = (&outcomes[..], &gpu) {
        let rows = agreement(&mesh, cpu, gpu_outcome, ctx, &opts)?;
        send(Message::Agreement(rows));
    }
    Ok(())
}

/// The CPU-vs-GPU comparison of `potflow check`, on the two runs just made: the element
/// matrices of both kernels, and u, |v| and p0 − p after the two solves. The solves stop at
/// rtol 1e-8, so u may differ by that much more than `potflow check` (rtol 1e-10) allows;
/// the tolerance here adds it.
fn agreement(
    mesh: &Mesh,
    cpu: &Outcome,
    gpu: &Outcome,
    ctx: &GpuContext,
    opts: &SolveOptions,
) -> potflow::Result<Vec<Agreement>> {
    let tol = tolerances(ctx.precision());
    let prepared = PreparedMesh::prepare(mesh)?;
    let cpu_slots = potflow::assembly::stiffness_slots(&prepared);
    let coo = ctx.stiffness_coo(&prepared)?;
    let solve_tol = 10.0 * opts.cg.rtol;
    let p0 = opts.pressure.p0;
    let dynamic = |o: &Outcome| {
        o.fields
            .pressure
            .iter()
            .map(move |p| p0 - p)
            .collect::<Vec<f64>>()
    };
    let row = |quantity: &str, d: f64, tolerance: f64| Agreement {
        quantity: quantity.into(),
        max_rel_diff: d,
        tolerance,
        pass: d <= tolerance,
    };
    Ok(vec![
        row(
            "element matrices",
            element_rel_diff(&coo.values, &cpu_slots),
            tol.element,
        ),
        row(
            "u",
            field_rel_diff(gpu.u.iter().copied(), cpu.u.iter().copied()),
            tol.u.max(solve_tol),
        ),
        row(
            "|v|",
            field_rel_diff(
                gpu.fields.abs_vel.iter().copied(),
                cpu.fields.abs_vel.iter().copied(),
            ),
            tol.fields.max(solve_tol),
        ),
        row(
            "p0 − p",
            field_rel_diff(dynamic(gpu), dynamic(cpu)),
            tol.pressure.max(2.0 * solve_tol),
        ),
    ])
}
