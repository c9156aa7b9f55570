//! The pipeline, stage by stage, each timed and each one call into its own room:
//!
//! ```text
//! load      read + validate + orient + drop unused nodes; the conditions found   mesh, bc
//! assemble  CSR pattern, element stiffness kernel chunk by chunk, slots added    assembly
//! bc        inflow on the velocity edges, exact Dirichlet elimination            bc
//! solve     preconditioner set-up, then CG (on the host, or on the GPU)             solver, gpu
//! post      velocity kernel, |v|, pressure, boundary fluxes; the nodal velocity   post, recovery
//!           and ψ where an output needs them (ψ from the solve's matrix)
//! ```

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::assembly::{assemble, stiffness_values, CsrPattern, System};
use crate::bc::{self, BoundaryOptions, BoundarySpec, Condition};
use crate::element::PressureModel;
use crate::error::{Error, Result};
use crate::gpu::solve::{self as gpu_solve, GpuSolveOptions};
use crate::lift::polar::PolarRun;
use crate::lift::{Circulation, CirculationOptions};
use crate::mesh::pieces::check_pieces_anchored;
use crate::mesh::{Mesh, PreparedMesh};
use crate::outcome::{Outcome, Progress, StageBackends, Timings};
use crate::post::velocity_cpu;
use crate::recovery::{NodalFields, StreamRoute};
use crate::settings::{Kernels, Ran};
use crate::solver::{CgOptions, CgOutcome, SolverKind};
use crate::surface::{surface_with, LiftInput, NormalVelocity, Surface, SurfaceSpec};

/// Everything that defines a solve apart from the mesh.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Where the conditions hold and what they impose.
    pub bc: BoundaryOptions,
    /// The CG preconditioner.
    pub solver: SolverKind,
    /// Pressure constants.
    pub pressure: PressureModel,
    /// CG stopping rule.
    pub cg: CgOptions,
    /// Also recover a continuous nodal velocity (L2 projection, [`crate::recovery`]); the
    /// VTU's point data, the plots and the surfaces use it. On the CPU in f64 whatever the
    /// backend; timed in `post` (`recovery`).
    pub nodal_velocity: bool,
    /// Also compute the stream function ψ (the VTU and the velocity plot's streamlines),
    /// from the solve's matrix; implies the nodal velocity. Timed in `post`
    /// (`stream_function`).
    pub stream_function: bool,
    /// Circulation round a body: by the Kutta condition or given ([`crate::lift`]). Solved
    /// with the solve's matrix and hierarchy; timed in `solve`.
    pub circulation: Option<CirculationOptions>,
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
    check_pieces_anchored(mesh, nodes)?;
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

/// The linear system that [`run`] solves for `mesh` (CPU assembly, boundary conditions
/// applied), for benchmarks and tests of the solver on the matrices potflow really solves.
pub fn linear_system(mesh: &Mesh, opts: &SolveOptions) -> Result<(PreparedMesh, System)> {
    let prepared = PreparedMesh::prepare(mesh)?;
    let conditions = opts.bc.conditions(&mesh.groups);
    let applied = bc::find(
        &conditions,
        &prepared,
        &mesh.groups,
        &mesh.source,
        opts.bc.bc_tol,
    )?;
    let mut sys = assemble(&prepared);
    bc::impose(
        &prepared,
        &applied,
        conditions.robin_p,
        &mut sys.matrix,
        &mut sys.rhs,
        &mesh.source,
    )?;
    Ok((prepared, sys))
}

/// `f`'s result and the seconds it took.
fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let start = Instant::now();
    f().map(|r| (r, seconds(start)))
}

fn seconds(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
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
    let source = mesh.source.as_str();

    let mut prepared = PreparedMesh::prepare(mesh)?;
    let conditions = opts.bc.conditions(&mesh.groups);
    let applied = bc::find(&conditions, &prepared, &mesh.groups, source, opts.bc.bc_tol)?;
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
    let mut imposed = bc::impose(
        &prepared,
        &applied,
        conditions.robin_p,
        &mut sys.matrix,
        &mut sys.rhs,
        source,
    )?;
    t.bc = seconds(stage);

    let stage = Instant::now();
    if sys.rhs.iter().all(|&v| v == 0.0) {
        return Err(Error::Run(format!(
            "{source}: the right-hand side is zero: no inflow reaches the system"
        )));
    }
    // The solver's set-up and iterations are the run's memory peak: the mesh's coordinates and
    // elements are set aside until the post stage, the solver takes the matrix over, and it
    // hands it back with the hierarchy before the post stage allocates its fields.
    prepared.set_geometry_aside();
    let System { matrix, rhs } = sys;
    let nnz = matrix.nnz();
    progress(Progress::Stage("setup"))?;
    let mut built = opts.solver.build(matrix).map_err(|e| e.in_mesh(source))?;
    crate::solver::release_freed_memory();
    progress(Progress::Stage("iterate"))?;
    let iterate = Instant::now();
    let host = |progress: &mut dyn FnMut(Progress) -> Result<()>| {
        let mut u = vec![0.0; prepared.nodes()];
        let outcome = built.cg(&rhs, &mut u, opts.cg, &mut |it, res| match progress(
            Progress::Iteration(it, res),
        ) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        });
        (u, outcome, None)
    };
    let ((u, cg_outcome, gpu_solve), ran) = match kernels.solve_gpu() {
        None => (host(&mut progress), "cpu"),
        Some(_) => kernels.run(
            "solve",
            &mut gpu_fallbacks,
            |gpu| {
                let mut u = vec![0.0; prepared.nodes()];
                let (outcome, info) = gpu_solve::solve(
                    gpu,
                    &built,
                    &rhs,
                    &mut u,
                    opts.cg,
                    GpuSolveOptions::default(),
                )?;
                Ok((u, outcome, Some(info)))
            },
            || host(&mut progress),
        )?,
    };
    stages.solve = ran;
    if cancelled() {
        return Err(Error::Cancelled);
    }
    built.info.iterate_seconds = seconds(iterate);
    drop(rhs);
    prepared.restore_geometry(mesh);
    let mut u = u;
    let (circulation, polar) = match (&opts.circulation, cg_outcome.converged) {
        (Some(c), true) => {
            progress(Progress::Stage("circulation"))?;
            let u0 = (!c.polar.is_empty()).then(|| u.clone());
            let (circulation, unit) = crate::lift::add_circulation(
                mesh,
                &prepared,
                &applied,
                &mut imposed,
                &built,
                c,
                opts.cg,
                &mut u,
            )?;
            let polar = match u0 {
                Some(u0) => {
                    progress(Progress::Stage("polar"))?;
                    let run = PolarRun {
                        input: mesh,
                        mesh: &prepared,
                        applied: &applied,
                        rows: imposed.dirichlet(),
                        solver: &built,
                        cg: opts.cg,
                        pressure: opts.pressure,
                    };
                    Some(crate::lift::polar::sweep(&run, c, &unit, &u0)?)
                }
                None => None,
            };
            (Some(circulation), polar)
        }
        _ => (None, None),
    };
    let jumps = circulation
        .as_ref()
        .map(|c| c.jumps.clone())
        .unwrap_or_default();
    let solver = std::mem::take(&mut built.info);
    t.solve = seconds(stage);

    let stage = Instant::now();
    progress(Progress::Stage("post"))?;
    let (mut fields, ran) = kernels.run(
        "post",
        &mut gpu_fallbacks,
        |gpu| gpu.velocity(&prepared, &u, opts.pressure),
        || velocity_cpu(&prepared, &u, opts.pressure),
    )?;
    crate::post::patch_cut_elements(&mut fields, &prepared, &u, &jumps, opts.pressure);
    stages.post = ran;
    let boundary = imposed.report(&prepared, &applied, conditions.by_group, &u);
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    if cg_outcome.converged && !(finite(&u) && finite(&fields.abs_vel) && finite(&fields.pressure))
    {
        return Err(Error::Run(format!(
            "{source}: the solution is not finite (overflow): check the magnitudes of the options"
        )));
    }
    t.velocity = seconds(stage);
    let nodal = if opts.nodal_velocity || opts.stream_function {
        // The two are independent (ψ's boundary fluxes come from the elements, not from the
        // recovered velocity), so they run at once and fill each other's serial stretches.
        progress(Progress::Stage(if opts.stream_function {
            "recovery and stream function"
        } else {
            "recovery"
        }))?;
        let (recovered, psi) = rayon::join(
            || timed(|| crate::recovery::nodal_velocity_with_jumps(&prepared, &u, &jumps)),
            || {
                opts.stream_function.then(|| {
                    timed(|| run_stream_function(&prepared, &u, &jumps, &applied, &imposed, &built))
                })
            },
        );
        let (velocity, seconds) = recovered?;
        t.recovery = seconds;
        let psi = match psi.transpose()? {
            Some((psi, seconds)) => {
                t.stream_function = seconds;
                Some(psi)
            }
            None => None,
        };
        let mut nodal = NodalFields::new(
            &prepared,
            &velocity,
            psi.as_ref().map(|p| p.0.as_slice()),
            opts.pressure,
        );
        nodal.stream_route = psi.map(|p| p.1);
        Some(nodal)
    } else {
        None
    };
    drop(built);
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
        conditions,
        boundary,
        timings: t,
        stages,
        ran: Ran {
            threads: rayon::current_num_threads(),
            chunk_elements: kernels.chunk_elements(prepared.elements()),
        },
        gpu_fallbacks,
        gpu_solve,
        nodal,
        circulation: circulation.map(|c| Circulation {
            jumps: c.jumps.renumbered(&prepared.input_node),
            ..c
        }),
        polar,
    })
}

/// A run's ψ: with the solve's matrix and hierarchy, ψ's values on u's Dirichlet nodes from
/// the boundary; where the boundary does not fix them, K from the solve's matrix (no second
/// assembly) and a hierarchy of its own.
fn run_stream_function(
    prepared: &PreparedMesh,
    u: &[f64],
    jumps: &crate::post::Jumps,
    applied: &[bc::AppliedCondition],
    imposed: &bc::Imposed,
    built: &crate::solver::BuiltSolver,
) -> Result<(Vec<f64>, StreamRoute)> {
    if let Some(psi) =
        crate::recovery::stream_function_on_boundary(prepared, u, jumps, applied, imposed, built)?
    {
        return Ok((psi, StreamRoute::SolvesHierarchy));
    }
    // Copied only here: the matrix is the size of the solve's.
    let psi = match built.matrix_copy() {
        Some(k) => crate::recovery::stream_function_of(
            prepared,
            u,
            jumps,
            imposed.unimposed(prepared, applied, k),
        )?,
        None => crate::recovery::stream_function_with_jumps(prepared, u, jumps)?,
    };
    Ok((psi, StreamRoute::OwnSetUp))
}

/// The surface quantities of boundary group `group` after a run: its normal velocity from its
/// condition (a wall where it has none), Cp referred to `u_ref` or else to the first stream's
/// or inflow's speed, and the body's lift coefficients where the run gave it circulation.
pub fn surface_of(
    mesh: &Mesh,
    outcome: &Outcome,
    opts: &SolveOptions,
    group: &str,
    u_ref: Option<f64>,
) -> Result<Surface> {
    let conditions = &outcome.conditions;
    let normal = match conditions.on(&BoundarySpec::Group(group.to_string())) {
        Some(Condition::Velocity(v)) => NormalVelocity::Inflow(v),
        Some(_) => NormalVelocity::Recovered,
        None => NormalVelocity::Wall,
    };
    let stream = conditions.list.iter().find_map(|c| match c.condition {
        Condition::Stream { speed, angle_deg } => Some((speed, angle_deg)),
        _ => None,
    });
    let first_velocity = conditions.list.iter().find_map(|c| match c.condition {
        Condition::Velocity(v) => Some(v.abs()),
        _ => None,
    });
    let reference = u_ref
        .or(stream.map(|s| s.0.abs()))
        .or(first_velocity)
        .filter(|&u| u > 0.0)
        .ok_or_else(|| {
            Error::Option(format!(
                "--surface {group}: no stream or inflow speed to refer Cp to: give --u-ref"
            ))
        })?;
    let nodal = outcome.nodal.as_ref().map(|n| n.velocity.as_slice());
    let circulation = outcome.circulation.as_ref();
    let lift = circulation.filter(|c| c.group == group).map(|c| LiftInput {
        circulation: c.circulation,
        leading_edge: c.leading_edge,
        trailing_edge: c.trailing_edge,
        far_end: c.chord_end,
        mach: c.mach,
    });
    surface_with(
        mesh,
        &outcome.u,
        nodal,
        &SurfaceSpec {
            group,
            normal,
            model: opts.pressure,
            u_ref: reference,
            stream_angle_deg: stream.map_or(0.0, |s| s.1),
            jumps: circulation.map(|c| &c.jumps),
            lift,
        },
    )
}
