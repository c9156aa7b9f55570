//! Command-line definitions (clap) and the commands they run.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use potflow::element::PressureModel;
use potflow::mesh::{generate, hdf5::read_mesh, Mesh};
use potflow::output::{hdf5::write_results, report::Report, write_atomically};
use potflow::solve::{self, Outcome, SolveOptions};
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

#[derive(Debug, Args, Default)]
struct SolveArgs {
    /// Mesh file in the reference HDF5 layout (x, y, quad8). Default: the built-in venturi
    /// channel of about 50k nodes.
    mesh: Option<PathBuf>,
    /// Where the element kernels run.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Worker threads (rayon pool size); 1 gives the serial baseline. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
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
    /// Tolerance of the inlet (x = xmin) and outlet (x = xmax) coordinate rule.
    #[arg(long, default_value_t = 1e-9)]
    bc_tol: f64,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the results (reference HDF5 layout plus u, vel, abs_vel, pressure) here.
    #[arg(long, value_name = "FILE.h5")]
    output: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Parses the command line and runs the command.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Solve(args)) => solve_command(args),
        None => solve_command(SolveArgs::default_run()),
    }
}

impl SolveArgs {
    /// The options of `potflow solve` with nothing given.
    fn default_run() -> Self {
        let Cli { command } = Cli::parse_from(["potflow", "solve"]);
        match command {
            Some(Command::Solve(args)) => args,
            None => SolveArgs::default(),
        }
    }

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
        Ok(SolveOptions {
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
    let opts = args.options()?;
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    if args.backend == Backend::Gpu {
        bail!("--backend gpu: this build has no GPU backend yet; use --backend cpu");
    }
    let backend = "cpu";

    let read_start = Instant::now();
    let mesh: Mesh = match &args.mesh {
        Some(path) => read_mesh(path)?,
        None => generate::default_case(),
    };
    let read_seconds = read_start.elapsed().as_secs_f64();

    let bar = progress_bar(args.quiet);
    let mut progress = |it: usize, res: f64| {
        if it % 16 == 0 {
            bar.set_position(it as u64);
            bar.set_message(format!("{res:.2e}"));
        }
    };
    let outcome = pool.install(|| solve::run(&mesh, &opts, read_seconds, &mut progress))?;
    bar.finish_and_clear();

    let report = Report::new(&mesh.source, backend, threads, &opts, &outcome);
    if let Some(path) = &args.json {
        write_atomically(path, report.to_json().as_bytes())?;
    }
    if let Some(path) = &args.output {
        write_results(path, &mesh, &outcome, &opts)?;
    }
    if !args.quiet {
        print_summary(&report, &outcome);
    }
    outcome.ensure_converged(opts.cg.rtol)?;
    Ok(())
}

fn print_summary(r: &Report, o: &Outcome) {
    let m = &r.mesh;
    println!("potflow {}: {}", r.potflow_version, m.path);
    println!(
        "  mesh      {} nodes ({} unused), {} elements ({} reoriented), {} nonzeros",
        m.nodes, m.unused_nodes, m.elements, m.reoriented_elements, m.nnz
    );
    println!("  backend   {} ({} threads)", r.backend, r.threads);
    println!(
        "  solver    {}-CG: {} iterations, relative residual {:.2e} (rtol {:.0e}){}",
        r.solver.name,
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
    }
}
