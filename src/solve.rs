//! The pipeline, stage by stage, each timed:
//!
//! ```text
//! load      read + validate + orient + drop unused nodes        (PreparedMesh)
//! assemble  CSR pattern, element stiffness kernel chunk by chunk, slots added (Matrix)
//! bc        inflow on the inlet edges, exact Dirichlet elimination on the outlet
//! solve     preconditioned CG
//! post      velocity kernel, |v|, pressure, mass balance
//! ```

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::assembly::{stiffness_values, CsrPattern, Matrix};
use crate::bc::{self, AppliedCondition, Boundary, BoundaryPart, Condition};
use crate::element::PressureModel;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::mesh::{Mesh, PreparedMesh};
use crate::post::{velocity_cpu, ElementFields};
use crate::solver::{cg, Amg, AmgOptions, CgOptions, CgOutcome, Jacobi, Preconditioner};

/// The preconditioner of CG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SolverKind {
    /// Smoothed-aggregation AMG (iterations nearly independent of the mesh size).
    #[default]
    Amg,
    /// Diagonal scaling (the reference's choice; iterations grow like 1/h).
    Jacobi,
}

/// A system's matrix with the preconditioner built for it, each stored the way CG reads it,
/// and what the report says about them.
pub struct BuiltSolver {
    method: Method,
    pub info: SolverInfo,
}

enum Method {
    Jacobi(Matrix, Jacobi),
    /// The hierarchy owns the matrix: its finest level splits the values into the V-cycle's
    /// f32 and an exact remainder for CG (src/solver/amg/split.rs).
    Amg(Box<Amg<'static>>),
}

impl BuiltSolver {
    /// CG on A u = b from the u given.
    pub fn cg(
        &self,
        b: &[f64],
        u: &mut [f64],
        opts: CgOptions,
        progress: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
    ) -> CgOutcome {
        match &self.method {
            Method::Jacobi(a, jacobi) => cg(a, b, u, jacobi, opts, progress),
            Method::Amg(amg) => {
                let a = amg
                    .fine_matrix()
                    .expect("a hierarchy that owns its matrix keeps its values exactly");
                cg(&a, b, u, amg.as_ref(), opts, progress)
            }
        }
    }
}

/// What the report says about the preconditioner.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SolverInfo {
    pub name: &'static str,
    /// Seconds spent building the preconditioner (part of the `solve` stage).
    pub setup_seconds: f64,
    /// Seconds spent in CG iterations (the rest of the `solve` stage).
    pub iterate_seconds: f64,
    /// AMG: rows per level, fine first.
    pub levels: Vec<usize>,
    /// AMG: Σ nnz(A_l) / nnz(A₀).
    pub operator_complexity: Option<f64>,
}

impl SolverKind {
    /// Builds the preconditioner for `a`, taking `a` over.
    pub fn build(self, a: Matrix) -> Result<BuiltSolver> {
        let start = Instant::now();
        let (method, levels, operator_complexity) = match self {
            SolverKind::Jacobi => {
                let jacobi = Jacobi::new(&a);
                (Method::Jacobi(a, jacobi), vec![], None)
            }
            SolverKind::Amg => {
                let amg = Amg::owning(a, AmgOptions::default())?;
                if !amg.fine_is_split() {
                    log::debug!(
                        "a matrix value is outside f32's normal range: the V-cycle reads an f32 \
                         copy beside the f64 values"
                    );
                }
                let (levels, oc) = (amg.sizes.clone(), amg.operator_complexity);
                (Method::Amg(Box::new(amg)), levels, Some(oc))
            }
        };
        let name = match &method {
            Method::Jacobi(_, p) => p.name(),
            Method::Amg(p) => p.name(),
        };
        let info = SolverInfo {
            name,
            setup_seconds: seconds(start),
            iterate_seconds: 0.0,
            levels,
            operator_complexity,
        };
        Ok(BuiltSolver { method, info })
    }
}

/// Everything that defines a solve apart from the mesh.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Where the inflow enters; `None`: the mesh's group `inlet` if it has one, else the
    /// reference's rule x = xmin ([`bc::BoundarySpec::default_inlet`]).
    pub inlet: Option<bc::BoundarySpec>,
    /// Where u = 0; `None`: the mesh's group `outlet` if it has one, else x = xmax.
    pub outlet: Option<bc::BoundarySpec>,
    /// The CG preconditioner.
    pub solver: SolverKind,
    /// Inflow velocity γ through the inlet edges in m/s (the reference's 2.5): ∂u/∂n = γ with
    /// n the outward normal, so v·(−n) = γ since v = −∇u. The volume inflow per unit depth is
    /// γ times the inlet's length (m²/s).
    pub inlet_velocity: f64,
    /// Robin coefficient p on the inlet edges (0: pure flux, the reference's use).
    pub robin_p: f64,
    /// Pressure constants.
    pub pressure: PressureModel,
    /// CG stopping rule.
    pub cg: CgOptions,
    /// Tolerance of the inlet/outlet coordinate rules, relative to the mesh's larger side
    /// ([`bc::absolute_tolerance`]).
    pub bc_tol: f64,
    /// Boundary conditions by group (`--bc`); empty: the inlet and the outlet above.
    pub conditions: Vec<bc::GroupCondition>,
    /// Also recover a continuous nodal velocity (L2 projection, [`crate::recovery`]); the
    /// VTU's point data and the plots use it. On the CPU in f64 whatever the backend; timed
    /// in `post`.
    pub nodal_velocity: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            inlet: None,
            outlet: None,
            solver: SolverKind::default(),
            inlet_velocity: 2.5,
            robin_p: 0.0,
            pressure: PressureModel::default(),
            cg: CgOptions::default(),
            bc_tol: 1e-9,
            conditions: Vec::new(),
            nodal_velocity: false,
        }
    }
}

impl SolveOptions {
    /// The inlet and outlet specs for a mesh with `groups`: the options' own, or the
    /// defaults (groups `inlet`/`outlet` where the mesh has them, else xmin/xmax).
    pub fn boundary_specs(
        &self,
        groups: &[crate::mesh::BoundaryGroup],
    ) -> (bc::BoundarySpec, bc::BoundarySpec) {
        (
            self.inlet
                .clone()
                .unwrap_or_else(|| bc::BoundarySpec::default_inlet(groups)),
            self.outlet
                .clone()
                .unwrap_or_else(|| bc::BoundarySpec::default_outlet(groups)),
        )
    }
}

/// Where the element kernels run.
#[derive(Clone, Copy)]
pub enum Kernels<'a> {
    /// rayon on the host.
    Cpu,
    /// A GPU context; with `fallback`, a GPU failure (lost device, allocation failure) warns
    /// and finishes the stage on the CPU instead of failing the run.
    Gpu { ctx: &'a GpuContext, fallback: bool },
}

impl Kernels<'_> {
    /// Runs `gpu` on the GPU, or `cpu` on the CPU; returns the value and where it ran, and
    /// records a fallback with its reason in `fallbacks`.
    fn run<T>(
        &self,
        stage: &str,
        fallbacks: &mut Vec<String>,
        gpu: impl FnOnce(&GpuContext) -> Result<T>,
        cpu: impl FnOnce() -> T,
    ) -> Result<(T, &'static str)> {
        match self {
            Kernels::Cpu => Ok((cpu(), "cpu")),
            Kernels::Gpu { ctx, fallback } => match gpu(ctx) {
                Ok(v) => Ok((v, "gpu")),
                Err(e) if *fallback => {
                    log::warn!("{stage} on the GPU failed ({e}); finishing on the CPU");
                    fallbacks.push(format!("{stage}: {e}"));
                    Ok((cpu(), "cpu"))
                }
                Err(e) => Err(e),
            },
        }
    }
}

/// Where the two kernel stages ran: "gpu" or "cpu".
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageBackends {
    pub assemble: &'static str,
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
    pub total: f64,
    pub write: f64,
    pub wall: f64,
}

/// The boundary as found and the flux through it (volume rates per unit depth, m²/s).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BoundaryReport {
    /// The inlet as selected: `xmin`, `group "inlet"`, ...
    pub inlet: String,
    /// The outlet as selected.
    pub outlet: String,
    pub inlet_nodes: usize,
    pub inlet_edges: usize,
    pub outlet_nodes: usize,
    /// Flux entering through the inlet: Σ Pₑ, less Σ Hₑ u with a Robin term.
    pub inflow: f64,
    /// Flux leaving through the outlet: the Dirichlet reaction.
    pub outflow: f64,
    /// Whether the conditions came from `--bc` ([`SolveOptions::conditions`]).
    pub by_group: bool,
    /// Every condition with the flux through its part of the boundary; with `--bc` the
    /// fields above sum the velocity conditions (inlet) and the essential ones (outlet).
    pub groups: Vec<GroupFlux>,
}

/// One boundary condition and the volume flux through it (m²/s per unit depth).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GroupFlux {
    /// Where: `group "farfield"`, `xmin`, ...
    pub on: String,
    /// What: `velocity:2.5`, `potential:0`, `stream:1@0`.
    pub condition: String,
    pub nodes: usize,
    pub edges: usize,
    /// Flux into the domain through it (negative: out of it). The inflows of all conditions
    /// sum to zero up to the CG tolerance: walls carry none.
    pub inflow: f64,
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
    pub boundary: BoundaryReport,
    pub timings: Timings,
    /// Where the kernel stages ran.
    pub stages: StageBackends,
    /// Every GPU stage that failed and was finished on the CPU: "stage: why".
    pub gpu_fallbacks: Vec<String>,
    /// The recovered nodal velocity, |v|, pressure and stream function (input order), where
    /// asked for ([`SolveOptions::nodal_velocity`]).
    pub nodal: Option<crate::recovery::NodalFields>,
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

/// A linear system, after assembly and boundary conditions.
pub struct System {
    pub matrix: Matrix,
    pub rhs: Vec<f64>,
}

/// Assembles the stiffness matrix of `mesh` on the CPU with a zero right-hand side.
pub fn assemble(mesh: &PreparedMesh) -> System {
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    let values = stiffness_values(mesh, &pattern);
    System::new(pattern, values)
}

impl System {
    /// The system with the matrix of `pattern` and `values`, zero right-hand side. The
    /// pattern's node → element adjacency is dropped: the solve needs only the matrix.
    pub fn new(pattern: CsrPattern, values: Vec<f64>) -> Self {
        let matrix = pattern.into_matrix(values);
        let rhs = vec![0.0; matrix.rows()];
        System { matrix, rhs }
    }
}

/// Solves Laplace's equation with `u = values` on `nodes` and no flux elsewhere (a general
/// Dirichlet problem, used by the convergence tests). Returns u in solver order.
pub fn solve_dirichlet(
    mesh: &PreparedMesh,
    nodes: &[u32],
    values: &[f64],
    solver: SolverKind,
    opts: CgOptions,
) -> Result<(Vec<f64>, CgOutcome)> {
    let mut sys = assemble(mesh);
    bc::check_pieces_anchored(mesh, nodes)?;
    bc::apply_dirichlet(&mut sys.matrix, &mut sys.rhs, nodes, values);
    let mut u = vec![0.0; mesh.nodes()];
    for (&i, &v) in nodes.iter().zip(values) {
        u[i as usize] = v;
    }
    let solver = solver.build(sys.matrix)?;
    let outcome = solver.cg(
        &sys.rhs,
        &mut u,
        opts,
        &mut |_, _| ControlFlow::Continue(()),
    );
    Ok((u, outcome))
}

/// What the `bc` stage keeps to compute the boundary fluxes once u is known.
struct Imposed {
    /// The natural load on the eliminated rows: the right-hand side there before elimination.
    load: Vec<f64>,
    /// The eliminated rows.
    dirichlet: bc::DirichletRows,
    /// Each essential node with the index of the condition that fixed it.
    owners: Vec<(u32, usize)>,
}

/// The `bc` stage: the inflow of every velocity condition on its edges, then the essential
/// conditions by elimination.
fn apply_conditions(
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    sys: &mut System,
    opts: &SolveOptions,
    source: &str,
) -> Result<Imposed> {
    for a in applied {
        if let Condition::Velocity(v) = a.condition {
            bc::apply_robin(
                mesh,
                &mut sys.matrix,
                &mut sys.rhs,
                &a.part.edges,
                opts.robin_p,
                v,
            );
        }
    }
    let essential = bc::essential_nodes(mesh, applied, source)?;
    let nodes: Vec<u32> = essential.iter().map(|e| e.0).collect();
    let values: Vec<f64> = essential.iter().map(|e| e.1).collect();
    let load = nodes.iter().map(|&i| sys.rhs[i as usize]).collect();
    let dirichlet = bc::apply_dirichlet(&mut sys.matrix, &mut sys.rhs, &nodes, &values);
    Ok(Imposed {
        load,
        dirichlet,
        owners: essential.iter().map(|e| (e.0, e.2)).collect(),
    })
}

/// The inlet and outlet of `mesh` as `opts` select them; every mesh piece must reach the
/// outlet.
fn find_boundary(mesh: &Mesh, prepared: &PreparedMesh, opts: &SolveOptions) -> Result<Boundary> {
    let (inlet, outlet) = opts.boundary_specs(&mesh.groups);
    let boundary = Boundary::from_specs(
        prepared,
        &mesh.groups,
        &inlet,
        &outlet,
        &mesh.source,
        opts.bc_tol,
    )?;
    bc::check_pieces_anchored(prepared, &boundary.outlet_nodes)
        .map_err(|e| e.in_mesh(&mesh.source))?;
    Ok(boundary)
}

/// The boundary conditions of a run with the parts of the boundary they hold on: the
/// `--bc` conditions where there are any, else the inlet (velocity) and the outlet (u = 0).
/// Every mesh piece must hold a node where u is fixed.
fn find_conditions(
    mesh: &Mesh,
    prepared: &PreparedMesh,
    opts: &SolveOptions,
) -> Result<Vec<AppliedCondition>> {
    if opts.conditions.is_empty() {
        let b = find_boundary(mesh, prepared, opts)?;
        return Ok(vec![
            AppliedCondition {
                on: b.inlet_spec,
                condition: Condition::Velocity(opts.inlet_velocity),
                part: BoundaryPart {
                    nodes: b.inlet_nodes,
                    edges: b.inlet_edges,
                },
            },
            AppliedCondition {
                on: b.outlet_spec,
                condition: Condition::Potential(0.0),
                part: BoundaryPart {
                    nodes: b.outlet_nodes,
                    edges: Vec::new(),
                },
            },
        ]);
    }
    let mut applied = Vec::with_capacity(opts.conditions.len());
    for gc in &opts.conditions {
        let part = gc
            .on
            .select(prepared, &mesh.groups, &mesh.source, opts.bc_tol)?;
        let velocity = matches!(gc.condition, Condition::Velocity(_));
        if part.nodes.is_empty() || (velocity && part.edges.is_empty()) {
            return Err(Error::NoBoundary {
                source_name: mesh.source.clone(),
                which: "boundary",
                rule: format!(
                    "--bc {}: {} node(s) and no element edge found there",
                    gc.on,
                    part.nodes.len()
                ),
            });
        }
        applied.push(AppliedCondition {
            on: gc.on.clone(),
            condition: gc.condition,
            part,
        });
    }
    let essential = bc::essential_nodes(prepared, &applied, &mesh.source)?;
    if essential.is_empty() {
        return Err(Error::Mesh {
            source_name: mesh.source.clone(),
            reason: "no --bc fixes u (potential:U or stream:U): with velocities alone the \
                     potential is determined only up to a constant"
                .into(),
        });
    }
    let nodes: Vec<u32> = essential.iter().map(|e| e.0).collect();
    bc::check_pieces_anchored(prepared, &nodes).map_err(|e| e.in_mesh(&mesh.source))?;
    Ok(applied)
}

/// The flux through every condition's part of the boundary, and the totals.
fn boundary_report(
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    opts: &SolveOptions,
    u: &[f64],
    imposed: &Imposed,
) -> BoundaryReport {
    let mut inflow = vec![0.0; applied.len()];
    let owner: std::collections::HashMap<u32, usize> = imposed.owners.iter().copied().collect();
    for (node, r) in imposed.dirichlet.reactions(u, &imposed.load) {
        if let Some(&c) = owner.get(&node) {
            inflow[c] += r;
        }
    }
    for (c, a) in applied.iter().enumerate() {
        if let Condition::Velocity(v) = a.condition {
            inflow[c] = bc::robin_inflow(mesh, &a.part.edges, opts.robin_p, v, u);
        }
    }
    let groups: Vec<GroupFlux> = applied
        .iter()
        .zip(&inflow)
        .map(|(a, &q)| GroupFlux {
            on: a.on.to_string(),
            condition: a.condition.to_string(),
            nodes: a.part.nodes.len(),
            edges: a.part.edges.len(),
            inflow: q,
        })
        .collect();
    let is_velocity = |g: &&GroupFlux| g.condition.starts_with("velocity");
    let names = |velocity: bool| {
        groups
            .iter()
            .filter(|g| is_velocity(g) == velocity)
            .map(|g| g.on.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sum = |velocity: bool, f: &dyn Fn(&GroupFlux) -> f64| {
        groups
            .iter()
            .filter(|g| is_velocity(g) == velocity)
            .map(f)
            .sum()
    };
    BoundaryReport {
        inlet: names(true),
        outlet: names(false),
        inlet_nodes: sum(true, &|g| g.nodes as f64) as usize,
        inlet_edges: sum(true, &|g| g.edges as f64) as usize,
        outlet_nodes: imposed.owners.len(),
        inflow: sum(true, &|g| g.inflow),
        outflow: -sum(false, &|g| g.inflow),
        by_group: !opts.conditions.is_empty(),
        groups,
    }
}

/// The linear system that [`run`] solves for `mesh` (CPU assembly, boundary conditions
/// applied), for benchmarks and tests of the solver on the matrices potflow really solves.
pub fn linear_system(mesh: &Mesh, opts: &SolveOptions) -> Result<(PreparedMesh, System)> {
    let prepared = PreparedMesh::prepare(mesh)?;
    let applied = find_conditions(mesh, &prepared, opts)?;
    let mut sys = assemble(&prepared);
    apply_conditions(&prepared, &applied, &mut sys, opts, &mesh.source)?;
    Ok((prepared, sys))
}

fn seconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}

/// What the pipeline says while it runs, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// A stage begins: "load", "assemble", "bc", "setup" (the preconditioner), "iterate"
    /// (CG), "post".
    Stage(&'static str),
    /// A CG iteration ended: its number and the relative residual.
    Iteration(usize, f64),
}

/// Runs the whole pipeline with the element kernels on `kernels`. `read_seconds` is the time
/// already spent reading the file; it is counted in `load`. `progress` hears each stage begin
/// and each CG iteration end.
pub fn run(
    mesh: &Mesh,
    opts: &SolveOptions,
    kernels: Kernels,
    read_seconds: f64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome> {
    run_cancellable(
        mesh,
        opts,
        kernels,
        read_seconds,
        progress,
        &AtomicBool::new(false),
    )
}

/// [`run`], stopped with [`Error::Cancelled`] soon after `cancel` is raised: before the next
/// stage, or after the current CG iteration.
pub fn run_cancellable(
    mesh: &Mesh,
    opts: &SolveOptions,
    kernels: Kernels,
    read_seconds: f64,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Outcome> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let mut progress = |p: Progress| {
        progress(p);
        if cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    let start = Instant::now();
    progress(Progress::Stage("load"))?;
    let mut t = Timings::default();
    let mut gpu_fallbacks = Vec::new();
    let mut stages = StageBackends::default();

    let mut prepared = PreparedMesh::prepare(mesh)?;
    let applied = find_conditions(mesh, &prepared, opts)?;
    t.load = read_seconds + seconds(start);

    let stage = Instant::now();
    progress(Progress::Stage("assemble"))?;
    let pattern = CsrPattern::new(prepared.nodes(), &prepared.elements);
    log::debug!(
        "CSR pattern: {} nonzeros in {:.3} s",
        pattern.nnz(),
        seconds(stage)
    );
    let (values, ran) = kernels.run(
        "assemble",
        &mut gpu_fallbacks,
        |gpu| gpu.stiffness_values(&prepared, &pattern),
        || stiffness_values(&prepared, &pattern),
    )?;
    stages.assemble = ran;
    let mut sys = System::new(pattern, values);
    t.assemble = seconds(stage);

    let stage = Instant::now();
    progress(Progress::Stage("bc"))?;
    let imposed = apply_conditions(&prepared, &applied, &mut sys, opts, &mesh.source)?;
    t.bc = seconds(stage);

    let stage = Instant::now();
    if sys.rhs.iter().all(|&v| v == 0.0) {
        return Err(Error::Run(format!(
            "{}: the right-hand side is zero: no inflow reaches the system",
            mesh.source
        )));
    }
    // The solver's set-up and iterations are the run's memory peak: the mesh's coordinates and
    // elements are set aside until the post stage, the solver takes the matrix over, and it
    // hands it back with the hierarchy before the post stage allocates its fields.
    prepared.set_geometry_aside();
    let System { matrix, rhs } = sys;
    let nnz = matrix.nnz();
    let (u, solver, cg_outcome) = {
        progress(Progress::Stage("setup"))?;
        let mut built = opts
            .solver
            .build(matrix)
            .map_err(|e| e.in_mesh(&mesh.source))?;
        crate::solver::release_freed_memory();
        progress(Progress::Stage("iterate"))?;
        let iterate = Instant::now();
        let mut u = vec![0.0; prepared.nodes()];
        let cg_outcome = built.cg(&rhs, &mut u, opts.cg, &mut |it, res| match progress(
            Progress::Iteration(it, res),
        ) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        });
        if cancelled() {
            return Err(Error::Cancelled);
        }
        built.info.iterate_seconds = seconds(iterate);
        (u, built.info, cg_outcome)
    };
    drop(rhs);
    t.solve = seconds(stage);

    let stage = Instant::now();
    progress(Progress::Stage("post"))?;
    prepared.restore_geometry(mesh);
    let (fields, ran) = kernels.run(
        "post",
        &mut gpu_fallbacks,
        |gpu| gpu.velocity(&prepared, &u, opts.pressure),
        || velocity_cpu(&prepared, &u, opts.pressure),
    )?;
    stages.post = ran;
    let boundary = boundary_report(&prepared, &applied, opts, &u, &imposed);
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    if cg_outcome.converged && !(finite(&u) && finite(&fields.abs_vel) && finite(&fields.pressure))
    {
        return Err(Error::Run(format!(
            "{}: the solution is not finite (overflow): check the magnitudes of the options",
            mesh.source
        )));
    }
    let nodal = if opts.nodal_velocity {
        Some(crate::recovery::nodal_fields(&prepared, &u, opts.pressure)?)
    } else {
        None
    };
    let u_input = prepared.to_input_order(&u);
    t.post = seconds(stage);
    t.total = read_seconds + seconds(start);

    Ok(Outcome {
        nodes: prepared.input_nodes,
        elements: prepared.elements(),
        unused_nodes: prepared.unused_nodes(),
        reoriented_elements: prepared.reoriented,
        nnz,
        u: u_input,
        fields,
        solver,
        cg: cg_outcome,
        boundary,
        timings: t,
        stages,
        gpu_fallbacks,
        nodal,
    })
}
