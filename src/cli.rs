//! Command-line definitions (clap) and the commands they run.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use potflow::check;
use potflow::element::PressureModel;
use potflow::gpu::{list_adapters, AdapterChoice, GpuContext, Precision};
use potflow::mesh::{generate, Mesh};
use potflow::output::{hdf5::write_results, report::Report, write_atomically};
use potflow::solve::{self, Kernels, Outcome, SolveOptions, SolverKind};
use potflow::solver::CgOptions;

/// 2D potential flow on Quad-8 meshes, element kernels on the GPU (wgpu) or the CPU (rayon).
#[derive(Debug, Parser)]
#[command(name = "potflow", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a mesh (or, with no MESH, the built-in venturi case) and report.
    Solve(SolveArgs),
    /// List the GPU adapters wgpu sees, with f64 support and limits.
    Devices,
    /// Run both kernels and the full solve on CPU and GPU and compare them.
    Check(CheckArgs),
    /// The stage table for CPU serial, CPU parallel and GPU, and thread scaling.
    Bench(BenchArgs),
    /// Generate a mesh of one of the benchmark geometries (.msh with groups, or .h5).
    Generate(GenerateArgs),
    /// Describe a mesh: sizes, bounding box, boundary groups, inlet/outlet, element quality.
    Info(InfoArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// The geometry (see --list).
    #[arg(required_unless_present = "list")]
    geometry: Option<String>,
    /// About this many nodes (within 10%).
    #[arg(long, default_value_t = 50_000)]
    nodes: usize,
    /// Output file: .msh (Gmsh 4.1 with groups inlet, outlet, wall...) or .h5.
    #[arg(short, long, required_unless_present = "list")]
    output: Option<PathBuf>,
    /// List the geometries.
    #[arg(long)]
    list: bool,
}

#[derive(Debug, Args)]
struct InfoArgs {
    /// Mesh file or GEOMETRY:NODES.
    mesh: String,
    /// Inlet rule or group, as for solve.
    #[arg(long, default_value = "xmin")]
    inlet: String,
    /// Outlet rule or group, as for solve.
    #[arg(long, default_value = "xmax")]
    outlet: String,
    /// Tolerance of the coordinate rules.
    #[arg(long, default_value_t = 1e-9)]
    bc_tol: f64,
}

/// Where the element kernels run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Backend {
    /// The best GPU adapter if there is one, else the CPU.
    #[default]
    Auto,
    /// The CPU (rayon).
    Cpu,
    /// A GPU adapter through wgpu; an error when there is none.
    Gpu,
}

/// Precision of the GPU kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PrecisionArg {
    /// f64 where the adapter has SHADER_F64, else f32.
    #[default]
    Auto,
    F32,
    F64,
}

/// Options that pick and shape the GPU.
#[derive(Debug, Args, Default, Clone)]
struct GpuArgs {
    /// GPU adapter: a case-insensitive part of its name (see `potflow devices`).
    #[arg(long)]
    adapter: Option<String>,
    /// Precision of the GPU kernels.
    #[arg(long, value_enum, default_value_t = PrecisionArg::Auto)]
    precision: PrecisionArg,
    /// Elements per GPU dispatch (default: as many as the device's limits allow).
    #[arg(long, value_name = "N")]
    chunk_elements: Option<usize>,
}

impl GpuArgs {
    fn choice(&self) -> Result<AdapterChoice> {
        if self.chunk_elements == Some(0) {
            bail!("--chunk-elements must be at least 1");
        }
        Ok(AdapterChoice {
            name: self.adapter.clone(),
            precision: match self.precision {
                PrecisionArg::Auto => None,
                PrecisionArg::F32 => Some(Precision::F32),
                PrecisionArg::F64 => Some(Precision::F64),
            },
            chunk_elements: self.chunk_elements,
        })
    }
}

/// The CG preconditioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SolverArg {
    /// Smoothed-aggregation algebraic multigrid.
    #[default]
    Amg,
    /// Diagonal (Jacobi) scaling, as the reference.
    Jacobi,
}

/// The physical and numerical options shared by `solve` and `check`.
#[derive(Debug, Args, Default, Clone)]
struct ProblemArgs {
    /// CG preconditioner.
    #[arg(long, value_enum, default_value_t = SolverArg::Amg)]
    solver: SolverArg,
    /// Inflow flux through the inlet edges.
    #[arg(long, default_value_t = 2.5)]
    inlet_flux: f64,
    /// Robin coefficient p on the inlet edges (0: pure inflow flux, as the reference).
    #[arg(long, default_value_t = 0.0)]
    robin_p: f64,
    /// Reference pressure p0 in p = p0 − ρ|v|².
    #[arg(long, default_value_t = 101_328.828_1)]
    p0: f64,
    /// Density ρ in p = p0 − ρ|v|².
    #[arg(long, default_value_t = 0.6125)]
    rho: f64,
    /// CG relative residual target.
    #[arg(long, default_value_t = 1e-8)]
    rtol: f64,
    /// CG iteration limit.
    #[arg(long, default_value_t = 100_000)]
    max_iter: usize,
    /// Inlet: xmin, xmax, ymin, ymax (nodes within --bc-tol of that side of the bounding box)
    /// or the name of a boundary group in the mesh (a Gmsh physical curve).
    #[arg(long, default_value = "xmin", value_name = "SPEC")]
    inlet: String,
    /// Outlet (u = 0): xmin, xmax, ymin, ymax or a boundary group name.
    #[arg(long, default_value = "xmax", value_name = "SPEC")]
    outlet: String,
    /// Tolerance of the coordinate rules.
    #[arg(long, default_value_t = 1e-9)]
    bc_tol: f64,
    /// Worker threads (rayon pool size); 1 gives the serial baseline. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Args, Default)]
struct SolveArgs {
    /// Mesh file in the reference HDF5 layout (x, y, quad8), or GEOMETRY:NODES for a generated
    /// mesh (channel, venturi; e.g. venturi:800000). Default: venturi of about 50k nodes.
    mesh: Option<String>,
    /// Where the element kernels run.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    #[command(flatten)]
    gpu: GpuArgs,
    #[command(flatten)]
    problem: ProblemArgs,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the results (reference HDF5 layout plus u, vel, abs_vel, pressure) here.
    #[arg(long, value_name = "FILE.h5")]
    output: Option<PathBuf>,
    /// Write the results for ParaView (VTK XML, quadratic quads) here.
    #[arg(long, value_name = "FILE.vtu")]
    vtu: Option<PathBuf>,
    /// Write velocity.png, potential.png and pressure.png into this directory.
    #[arg(long, value_name = "DIR")]
    png: Option<PathBuf>,
    /// Width of the PNG plots in pixels.
    #[arg(long, default_value_t = 1600, value_name = "PIXELS")]
    png_width: usize,
    /// Write everything into DIR: report.json, results.h5, result.vtu and the plots. With no
    /// output option at all, potflow writes everything into ./potflow-out.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Where each output of a solve goes.
#[derive(Debug, Default)]
struct OutputPlan {
    json: Vec<PathBuf>,
    results: Vec<PathBuf>,
    vtu: Vec<PathBuf>,
    png: Vec<PathBuf>,
    /// The directory written as a whole, to tell the user.
    dir: Option<PathBuf>,
}

impl SolveArgs {
    fn output_plan(&self) -> Result<OutputPlan> {
        let mut plan = OutputPlan {
            json: self.json.iter().cloned().collect(),
            results: self.output.iter().cloned().collect(),
            vtu: self.vtu.iter().cloned().collect(),
            png: self.png.iter().cloned().collect(),
            dir: None,
        };
        let nothing_asked = plan.json.is_empty()
            && plan.results.is_empty()
            && plan.vtu.is_empty()
            && plan.png.is_empty();
        let dir = match &self.out {
            Some(d) => Some(d.clone()),
            None if nothing_asked => Some(PathBuf::from("potflow-out")),
            None => None,
        };
        if let Some(d) = dir {
            plan.json.push(d.join("report.json"));
            plan.results.push(d.join("results.h5"));
            plan.vtu.push(d.join("result.vtu"));
            plan.png.push(d.clone());
            plan.dir = Some(d);
        }
        if self.png_width < 400 || self.png_width > 20_000 {
            bail!(
                "--png-width must be between 400 and 20000 pixels, got {}",
                self.png_width
            );
        }
        Ok(plan)
    }
}

fn create_dir(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the output directory", dir.display()))
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Mesh file or GEOMETRY:NODES (default: the built-in venturi case).
    mesh: Option<String>,
    #[command(flatten)]
    gpu: GpuArgs,
    #[command(flatten)]
    problem: ProblemArgs,
    /// Write the comparison as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Mesh files or GEOMETRY:NODES specs (default: the built-in venturi case).
    meshes: Vec<String>,
    /// Configurations, comma-separated: serial (1 thread), cpu (all threads), gpu.
    #[arg(long, value_delimiter = ',', default_value = "serial,cpu,gpu")]
    configs: Vec<String>,
    /// Runs per configuration (alternating A B C A B C ...).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Thread counts for the scaling table, comma-separated (e.g. 1,2,4).
    #[arg(long, value_delimiter = ',')]
    threads: Vec<usize>,
    /// CG preconditioner for every run.
    #[arg(long, value_enum)]
    solver: Option<SolverArg>,
    /// GPU precision for the gpu configuration.
    #[arg(long, value_enum)]
    precision: Option<PrecisionArg>,
    /// Write the tables as Markdown here.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write every sample and statistic as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the statistics as CSV here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

/// Parses the command line and runs the command.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Solve(args)) => solve_command(args),
        Some(Command::Devices) => devices_command(),
        Some(Command::Check(args)) => check_command(args),
        Some(Command::Bench(args)) => bench_command(args),
        Some(Command::Generate(args)) => generate_command(args),
        Some(Command::Info(args)) => info_command(args),
        None => solve_command(SolveArgs::default_run()),
    }
}

impl SolveArgs {
    /// The options of `potflow solve` with nothing given.
    fn default_run() -> Self {
        let Cli { command } = Cli::parse_from(["potflow", "solve"]);
        match command {
            Some(Command::Solve(args)) => args,
            _ => SolveArgs::default(),
        }
    }
}

impl ProblemArgs {
    fn options(&self) -> Result<SolveOptions> {
        for (name, v) in [("--rtol", self.rtol), ("--bc-tol", self.bc_tol)] {
            if !(v > 0.0 && v.is_finite()) {
                bail!("{name} must be a positive number, got {v}");
            }
        }
        for (name, v) in [
            ("--inlet-flux", self.inlet_flux),
            ("--robin-p", self.robin_p),
            ("--p0", self.p0),
            ("--rho", self.rho),
        ] {
            if !v.is_finite() {
                bail!("{name} must be finite, got {v}");
            }
        }
        if self.robin_p < 0.0 {
            bail!(
                "--robin-p must be >= 0 (a negative p makes the system indefinite), got {}",
                self.robin_p
            );
        }
        let spec = boundary_spec;
        if self.inlet == self.outlet {
            bail!("--inlet and --outlet are both {}", self.inlet);
        }
        Ok(SolveOptions {
            inlet: spec(&self.inlet),
            outlet: spec(&self.outlet),
            solver: match self.solver {
                SolverArg::Amg => SolverKind::Amg,
                SolverArg::Jacobi => SolverKind::Jacobi,
            },
            inlet_flux: self.inlet_flux,
            robin_p: self.robin_p,
            pressure: PressureModel {
                p0: self.p0,
                rho: self.rho,
            },
            cg: CgOptions {
                rtol: self.rtol,
                max_iter: self.max_iter,
            },
            bc_tol: self.bc_tol,
        })
    }

    fn pool(&self) -> Result<(rayon::ThreadPool, usize)> {
        let threads = self.threads.unwrap_or_else(rayon::current_num_threads);
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start the worker threads")?;
        Ok((pool, threads))
    }
}

/// `--inlet` / `--outlet` text as a spec (any text that is not a coordinate rule names a group).
fn boundary_spec(text: &str) -> potflow::bc::BoundarySpec {
    match text.parse() {
        Ok(spec) => spec,
        Err(never) => match never {},
    }
}

fn load_mesh(spec: &Option<String>) -> Result<Mesh> {
    Ok(match spec {
        Some(spec) => potflow::mesh::load(spec)?,
        None => generate::default_case(),
    })
}

/// The GPU context for `backend`, or `None` for the CPU. `auto` without a usable adapter says
/// why on stderr and returns `None`.
fn gpu_for(backend: Backend, gpu: &GpuArgs, quiet: bool) -> Result<Option<GpuContext>> {
    match backend {
        Backend::Cpu => Ok(None),
        Backend::Gpu => Ok(Some(
            GpuContext::new(&gpu.choice()?).context("--backend gpu")?,
        )),
        Backend::Auto => match GpuContext::new(&gpu.choice()?) {
            Ok(ctx) => Ok(Some(ctx)),
            Err(e) => {
                if !quiet {
                    eprintln!("note: no usable GPU ({e}); running the kernels on the CPU");
                }
                Ok(None)
            }
        },
    }
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} CG {pos} iterations, relative residual {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

fn solve_command(args: SolveArgs) -> Result<()> {
    let opts = args.problem.options()?;
    let outputs = args.output_plan()?;
    let (pool, threads) = args.problem.pool()?;
    let gpu = gpu_for(args.backend, &args.gpu, args.quiet)?;
    let kernels = match &gpu {
        Some(ctx) => Kernels::Gpu {
            ctx,
            fallback: args.backend == Backend::Auto,
        },
        None => Kernels::Cpu,
    };

    let read_start = Instant::now();
    let mesh = load_mesh(&args.mesh)?;
    let read_seconds = read_start.elapsed().as_secs_f64();

    let bar = progress_bar(args.quiet);
    let mut progress = |it: usize, res: f64| {
        if it % 16 == 0 {
            bar.set_position(it as u64);
            bar.set_message(format!("{res:.2e}"));
        }
    };
    let mut outcome =
        pool.install(|| solve::run(&mesh, &opts, kernels, read_seconds, &mut progress))?;
    bar.finish_and_clear();
    outcome.timings.gpu_setup = gpu.as_ref().map_or(0.0, |g| g.setup_seconds);

    let report = Report::new(&mesh.source, gpu.as_ref(), threads, &opts, &outcome);
    if let Some(dir) = &outputs.dir {
        create_dir(dir)?;
    }
    // The report is written even when CG did not converge (it says so); the results are not.
    for path in &outputs.json {
        write_atomically(path, report.to_json().as_bytes())?;
    }
    if !args.quiet {
        print_summary(&report, &outcome);
    }
    outcome.ensure_converged(opts.cg.rtol)?;
    for path in &outputs.results {
        write_results(path, &mesh, &outcome, &opts)?;
    }
    for path in &outputs.vtu {
        potflow::output::vtu::write_vtu(path, &mesh, &outcome)?;
    }
    let case = args
        .mesh
        .as_deref()
        .map(|m| {
            std::path::Path::new(m)
                .file_name()
                .map_or(m.to_string(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| mesh.source.clone());
    for dir in &outputs.png {
        create_dir(dir)?;
        let start = Instant::now();
        potflow::output::png::write_all(dir, &case, &mesh, &outcome, args.png_width)?;
        log::info!("plots written in {:.3} s", start.elapsed().as_secs_f64());
    }
    if let (Some(dir), false) = (&outputs.dir, args.quiet) {
        println!("\n  outputs   {}/ (report.json, results.h5, result.vtu, velocity.png, potential.png, pressure.png)", dir.display());
    }
    Ok(())
}

fn print_summary(r: &Report, o: &Outcome) {
    let m = &r.mesh;
    println!("potflow {}: {}", r.potflow_version, m.path);
    println!(
        "  mesh      {} nodes ({} unused), {} elements ({} reoriented), {} nonzeros",
        m.nodes, m.unused_nodes, m.elements, m.reoriented_elements, m.nnz
    );
    match &r.gpu {
        Some(g) => println!(
            "  backend   gpu: {} ({}{}, {}), {} host threads{}",
            g.adapter,
            g.backend,
            if g.software_device {
                ", software device"
            } else {
                ""
            },
            g.precision,
            r.threads,
            g.fallback
                .as_ref()
                .map(|f| format!("; fell back to the CPU in {f}"))
                .unwrap_or_default()
        ),
        None => println!("  backend   cpu ({} threads)", r.threads),
    }
    println!(
        "  solver    {}-CG{}: {} iterations, relative residual {:.2e} (rtol {:.0e}){}",
        r.solver.name,
        match r.solver.operator_complexity {
            Some(oc) => format!(
                " ({} levels, operator complexity {oc:.2})",
                r.solver.levels.len()
            ),
            None => String::new(),
        },
        r.solver.iterations,
        r.solver.relative_residual,
        r.solver.rtol,
        if r.solver.converged {
            ""
        } else {
            "  NOT CONVERGED"
        }
    );
    let b = &o.boundary;
    println!(
        "  boundary  inlet {} nodes / {} edges, outlet {} nodes; inflow {:.6}, outflow {:.6}",
        b.inlet_nodes, b.inlet_edges, b.outlet_nodes, b.inflow, b.outflow
    );
    let s = &r.solution;
    println!("  u         {:.6} .. {:.6}", s.u_min, s.u_max);
    println!("  |v|       {:.6} .. {:.6}", s.abs_vel_min, s.abs_vel_max);
    println!("  pressure  {:.4} .. {:.4}", s.pressure_min, s.pressure_max);
    let t = &r.timings;
    println!();
    println!("  stage      seconds");
    for (name, v) in [
        ("load", t.load),
        ("assemble", t.assemble),
        ("bc", t.bc),
        ("solve", t.solve),
        ("post", t.post),
        ("total", t.total),
    ] {
        println!("  {name:<9} {v:>8.3}");
        if name == "solve" {
            println!(
                "    setup   {:>8.3}\n    iterate {:>8.3}",
                r.solver.setup_seconds, r.solver.iterate_seconds
            );
        }
    }
    if r.gpu.is_some() {
        println!(
            "  gpu_setup {:>8.3}  (device, shaders, pipelines: once per process, not in total)",
            t.gpu_setup
        );
    }
}

fn devices_command() -> Result<()> {
    let adapters = list_adapters();
    if adapters.is_empty() {
        println!("no GPU adapters found (wgpu sees no Vulkan, Metal or DX12 device)");
        println!("on Linux, a Vulkan driver is needed: e.g. mesa-vulkan-drivers (lavapipe, a software device)");
        return Ok(());
    }
    for (i, a) in adapters.iter().enumerate() {
        println!("[{i}] {}", a.name);
        println!("    backend          {}", a.backend);
        println!("    type             {}", a.device_type);
        if !a.driver.is_empty() {
            println!("    driver           {}", a.driver);
        }
        println!("    f64 (SHADER_F64) {}", if a.f64 { "yes" } else { "no" });
        println!(
            "    max storage binding  {} MiB",
            a.max_storage_binding_bytes >> 20
        );
        println!("    max buffer           {} MiB", a.max_buffer_bytes >> 20);
        println!(
            "    workgroups per dim   {}",
            a.max_workgroups_per_dimension
        );
    }
    println!("\n`solve --backend auto` uses [0]; pick another with --adapter NAME.");
    Ok(())
}

fn check_command(args: CheckArgs) -> Result<()> {
    let opts = args.problem.options()?;
    let (pool, _) = args.problem.pool()?;
    let ctx = GpuContext::new(&args.gpu.choice()?).context("potflow check needs a GPU")?;
    let mesh = load_mesh(&args.mesh)?;
    println!("potflow check: {}", mesh.source);
    println!(
        "  GPU  {}, chunks of {} elements",
        ctx.describe(),
        ctx.chunk_elements()
    );
    println!("  CPU  f64, {} threads", pool.current_num_threads());
    println!("  differences relative to each quantity's scale (see `potflow check --help`)\n");
    let rows = pool.install(|| check::compare(&mesh, &ctx, &opts))?;
    println!(
        "  {:<40} {:>12} {:>12}  result",
        "quantity", "max diff", "tolerance"
    );
    for r in &rows {
        println!(
            "  {:<40} {:>12.3e} {:>12.1e}  {}",
            r.quantity,
            r.max_rel_diff,
            r.tolerance,
            if r.pass { "ok" } else { "EXCEEDED" }
        );
    }
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "mesh": mesh.source,
            "adapter": ctx.adapter_name(),
            "backend": ctx.backend_name(),
            "precision": ctx.precision().to_string(),
            "rows": rows,
        });
        write_atomically(path, serde_json::to_string_pretty(&json)?.as_bytes())?;
    }
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.pass)
        .map(|r| r.quantity.as_str())
        .collect();
    if !failed.is_empty() {
        bail!(
            "GPU and CPU disagree beyond tolerance: {}",
            failed.join(", ")
        );
    }
    println!("\n  GPU and CPU agree within tolerance.");
    Ok(())
}

fn bench_command(args: BenchArgs) -> Result<()> {
    let configs = args
        .configs
        .iter()
        .map(|c| potflow::bench::Config::named(c.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if args.threads.contains(&0) {
        bail!("--threads: thread counts must be at least 1");
    }
    let mut extra_args = Vec::new();
    if let Some(solver) = args.solver {
        extra_args.extend([
            "--solver".to_string(),
            solver
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default(),
        ]);
    }
    if let Some(precision) = args.precision {
        extra_args.extend([
            "--precision".to_string(),
            precision
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default(),
        ]);
    }
    let scratch = std::env::temp_dir().join(format!("potflow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let plan = potflow::bench::BenchPlan {
        exe: std::env::current_exe().context("cannot find the potflow executable")?,
        meshes: if args.meshes.is_empty() {
            vec!["venturi:50000".into()]
        } else {
            args.meshes.clone()
        },
        configs,
        repeat: args.repeat,
        threads: args.threads.clone(),
        extra_args,
        scratch: scratch.clone(),
    };
    let bar = progress_bar(false);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let result = potflow::bench::run(&plan, &mut |line| bar.set_message(line.to_string()));
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    let result = result?;
    let table = potflow::bench::markdown(&result);
    print!("{table}");
    if let Some(path) = &args.markdown {
        write_atomically(path, table.as_bytes())?;
    }
    if let Some(path) = &args.json {
        write_atomically(path, serde_json::to_string_pretty(&result)?.as_bytes())?;
    }
    if let Some(path) = &args.csv {
        write_atomically(path, potflow::bench::csv(&result).as_bytes())?;
    }
    Ok(())
}

fn generate_command(args: GenerateArgs) -> Result<()> {
    if args.list {
        for (name, what) in generate::GEOMETRIES {
            println!("{name:<22} {what}");
        }
        return Ok(());
    }
    let (Some(geometry), Some(output)) = (&args.geometry, &args.output) else {
        bail!("give a GEOMETRY and -o FILE (or --list)");
    };
    if args.nodes < 100 || args.nodes > 50_000_000 {
        bail!(
            "--nodes must be between 100 and 50000000, got {}",
            args.nodes
        );
    }
    let names: Vec<&str> = generate::GEOMETRIES.iter().map(|g| g.0).collect();
    let mesh = generate::by_name(geometry, args.nodes).with_context(|| {
        format!(
            "unknown geometry `{geometry}` (one of {})",
            names.join(", ")
        )
    })?;
    let prepared = potflow::mesh::PreparedMesh::prepare(&mesh)?;
    let worst = prepared
        .jacobian_ratios()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    potflow::output::mesh_files::write_mesh(output, &mesh)?;
    println!(
        "{}: {geometry}, {} nodes, {} elements, groups {}; worst Jacobian ratio {worst:.3}",
        output.display(),
        mesh.nodes(),
        mesh.elements(),
        mesh.groups
            .iter()
            .map(|g| format!("{} ({} edges)", g.name, g.edges.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn info_command(args: InfoArgs) -> Result<()> {
    let mesh = potflow::mesh::load(&args.mesh)?;
    let prepared = potflow::mesh::PreparedMesh::prepare(&mesh)?;
    let [x0, x1, y0, y1] = prepared.bounding_box();
    println!("{}", mesh.source);
    println!(
        "  nodes        {} ({} unused)",
        mesh.nodes(),
        prepared.unused_nodes()
    );
    println!(
        "  elements     {} ({} clockwise, reoriented when solving)",
        mesh.elements(),
        prepared.reoriented
    );
    println!("  bounding box x {x0} .. {x1}, y {y0} .. {y1}");
    if mesh.groups.is_empty() {
        println!("  groups       none (coordinate rules only)");
    }
    for g in &mesh.groups {
        println!("  group        {:<12} {} edges", g.name, g.edges.len());
    }
    let spec = boundary_spec;
    match potflow::bc::Boundary::from_specs(
        &prepared,
        &mesh.groups,
        &spec(&args.inlet),
        &spec(&args.outlet),
        &mesh.source,
        args.bc_tol,
    ) {
        Ok(b) => println!(
            "  inlet        {}: {} nodes, {} edges\n  outlet       {}: {} nodes",
            args.inlet,
            b.inlet_nodes.len(),
            b.inlet_edges.len(),
            args.outlet,
            b.outlet_nodes.len()
        ),
        Err(e) => println!("  boundary     {e}"),
    }
    let mut ratios = prepared.jacobian_ratios();
    ratios.sort_by(f64::total_cmp);
    let pick = |q: f64| ratios[((ratios.len() - 1) as f64 * q) as usize];
    println!(
        "  quality      Jacobian ratio (min/max det J per element): worst {:.3}, 1% {:.3}, median {:.3}; {} below 0.2",
        ratios[0],
        pick(0.01),
        pick(0.5),
        ratios.iter().filter(|&&r| r < 0.2).count()
    );
    Ok(())
}
