//! `potflow solve`: read a mesh, solve, print the summary, write the outputs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use potflow::output::png::{write_png, Field};
use potflow::output::{hdf5::write_results, report::Report, write_atomically, Staged};
use potflow::outcome::Outcome;
use potflow::settings::Backend;
use potflow::solve;

use super::options::{
    create_dir, gpu_for, load_mesh, GpuArgs, ProblemArgs, SolveProgress,
};

#[derive(Debug, Args, Default)]
pub struct SolveArgs {
    /// A Gmsh MSH 4.1 file (ASCII or binary), a file in the reference HDF5 layout (x, y,
    /// quad8), or GEOMETRY:NODES for a generated mesh (see `potflow generate --list`; e.g.
    /// venturi:800000). Default: the venturi of about 50k nodes.
    pub mesh: Option<String>,
    /// Where the element kernels run.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    #[command(flatten)]
    pub gpu: GpuArgs,
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the results (reference HDF5 layout plus u, vel, abs_vel, pressure) here.
    #[arg(long, value_name = "FILE.h5")]
    pub output: Option<PathBuf>,
    /// Write the results for ParaView (VTK XML, quadratic quads) here.
    #[arg(long, value_name = "FILE.vtu")]
    pub vtu: Option<PathBuf>,
    /// Write velocity.png, potential.png and pressure.png into this directory.
    #[arg(long, value_name = "DIR")]
    pub png: Option<PathBuf>,
    /// Width of the PNG plots in pixels.
    #[arg(long, default_value_t = 1600, value_name = "PIXELS")]
    pub png_width: usize,
    /// Write everything into DIR: report.json, results.h5, results.vtu and the plots. With no
    /// output option at all, potflow writes everything into ./potflow-out.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A boundary group to report on (repeatable): writes surface_GROUP.csv (arc length, x,
    /// y, |v|, Cp, p) into the --out directory and puts the group's length, pressure force
    /// and force coefficients into the report.
    #[arg(long = "surface", value_name = "GROUP")]
    pub surfaces: Vec<String>,
    /// Reference speed U_ref for Cp = 1 − (|v|/U_ref)² and the force coefficients, m/s.
    /// Default: the speed of the first stream condition, else the first inflow velocity.
    #[arg(long, value_name = "M_PER_S", allow_negative_numbers = true)]
    pub u_ref: Option<f64>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
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
            plan.vtu.push(d.join("results.vtu"));
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

impl OutputPlan {
    /// Every file the plan writes, with the option that asked for it.
    fn files(&self) -> Vec<(&'static str, PathBuf)> {
        let opt = |p: &Path, own: &'static str| {
            if self.dir.as_deref().is_some_and(|d| p.starts_with(d)) {
                "--out"
            } else {
                own
            }
        };
        let mut files = Vec::new();
        for p in &self.json {
            files.push((opt(p, "--json"), p.clone()));
        }
        for p in &self.results {
            files.push((opt(p, "--output"), p.clone()));
        }
        for p in &self.vtu {
            files.push((opt(p, "--vtu"), p.clone()));
        }
        for d in &self.png {
            for field in Field::ALL {
                files.push((opt(d, "--png"), d.join(field.file_name())));
            }
        }
        files
    }

    /// Checks the plan before any work: distinct files, none of them the input mesh, none
    /// an existing directory, and every directory they go into usable.
    fn check(&self, input: Option<&str>) -> Result<()> {
        let files = self.files();
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        for (i, (opt, path)) in files.iter().enumerate() {
            if let Some((other, _)) = files[..i]
                .iter()
                .find(|(_, q)| absolute(q) == absolute(path))
            {
                bail!("{other} and {opt} both write {}", path.display());
            }
            if path.is_dir() {
                bail!("{opt} {}: is a directory", path.display());
            }
            if let Some(input) = input.map(Path::new).filter(|p| p.exists()) {
                let same = match (input.canonicalize(), path.canonicalize()) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => absolute(input) == absolute(path),
                };
                if same {
                    bail!("{opt} {}: would overwrite the input mesh", path.display());
                }
            }
        }
        for (opt, dir) in self
            .png
            .iter()
            .map(|d| ("--png", d))
            .chain(self.dir.iter().map(|d| ("--out", d)))
        {
            if dir.exists() && !dir.is_dir() {
                bail!("{opt} {}: exists and is not a directory", dir.display());
            }
        }
        for (opt, path) in &files {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let created = self
                .dir
                .iter()
                .chain(&self.png)
                .any(|d| parent.starts_with(d));
            if !created && !parent.is_dir() {
                bail!(
                    "{opt} {}: the directory {} does not exist",
                    path.display(),
                    parent.display()
                );
            }
        }
        Ok(())
    }
}

pub fn run(args: SolveArgs) -> Result<()> {
    let started = Instant::now();
    let mut opts = args.problem.options()?;
    let outputs = args.output_plan()?;
    outputs.check(args.mesh.as_deref())?;
    // The VTU's point velocity and the plots are drawn from the recovered nodal velocity; the
    // surface speed on a boundary where u is fixed takes its normal part from it.
    opts.nodal_velocity =
        !outputs.vtu.is_empty() || !outputs.png.is_empty() || !args.surfaces.is_empty();
    if !args.surfaces.is_empty() && outputs.dir.is_none() {
        bail!("--surface writes surface_GROUP.csv into the output directory: give --out DIR");
    }
    if let Some(u) = args.u_ref {
        if !(u.is_finite() && u > 0.0 && u <= 1e6) {
            bail!("--u-ref must be a speed between 0 and 1e6 m/s, got {u}");
        }
    }
    let (pool, _) = args.problem.pool()?;
    let settings = args.gpu.settings(args.backend, args.problem.threads)?;

    let bar = SolveProgress::new(args.quiet);
    // The mesh first: a mistyped name fails before any GPU work.
    bar.stage("read");
    let read_start = Instant::now();
    let mesh = load_mesh(args.mesh.as_deref())?;
    for group in &args.surfaces {
        if !mesh.groups.iter().any(|g| &g.name == group) {
            bail!(
                "{}: --surface {group}: no such boundary group (the groups: {})",
                mesh.source,
                mesh.groups
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let read_seconds = read_start.elapsed().as_secs_f64();

    if args.backend != Backend::Cpu {
        bar.stage("gpu");
    }
    let (gpu, backend_reason) = gpu_for(&settings)?;
    let kernels = settings.kernels(gpu.as_ref());

    let mut progress = |event| bar.event(event);
    let mut outcome =
        pool.install(|| solve::run(&mesh, &opts, kernels, read_seconds, &mut progress))?;
    outcome.timings.gpu_setup = gpu.as_ref().map_or(0.0, |g| g.setup_seconds);

    for dir in outputs.dir.iter().chain(&outputs.png) {
        create_dir(dir)?;
    }
    // Every output is staged and renamed into place together; a run that did not converge
    // writes its report alone (it says so), and a run that fails writes nothing. The report
    // goes last, so that it holds the time the others took.
    let mut staged = Staged::default();
    bar.stage("write");
    let write_start = Instant::now();
    if outcome.cg.converged {
        for path in &outputs.results {
            write_results(&staged.stage(path), &mesh, &outcome, &opts)?;
        }
        for path in &outputs.vtu {
            potflow::output::vtu::write_vtu(&staged.stage(path), &mesh, &outcome)?;
        }
        let case = args
            .mesh
            .as_deref()
            .map(|m| {
                Path::new(m)
                    .file_name()
                    .map_or(m.to_string(), |f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| mesh.source.clone());
        for dir in &outputs.png {
            for field in Field::ALL {
                let path = staged.stage(&dir.join(field.file_name()));
                write_png(&path, field, &case, &mesh, &outcome, args.png_width)?;
            }
        }
    }
    let mut surfaces = Vec::new();
    if outcome.cg.converged {
        for group in &args.surfaces {
            let s = surface_of(&mesh, &outcome, &opts, group, args.u_ref)?;
            if let Some(dir) = &outputs.dir {
                let path = staged.stage(&dir.join(format!("surface_{group}.csv")));
                write_atomically(&path, potflow::surface::csv(&s).as_bytes())?;
            }
            surfaces.push(s);
        }
    }
    outcome.timings.write = write_start.elapsed().as_secs_f64();
    outcome.timings.wall = started.elapsed().as_secs_f64();
    let mut report = Report::new(&mesh.source, gpu.as_ref(), &opts, &outcome);
    report.backend_reason = backend_reason;
    report.surfaces = surfaces;
    for path in &outputs.json {
        write_atomically(&staged.stage(path), report.to_json().as_bytes())?;
    }
    staged.commit()?;
    bar.finish();
    if !args.quiet {
        print_summary(&report, &outcome);
    }
    outcome.ensure_converged(opts.cg.rtol)?;
    if let (Some(dir), false) = (&outputs.dir, args.quiet) {
        println!(
            "\n  outputs   {}/ (report.json, results.h5, results.vtu, velocity.png, potential.png, pressure.png)",
            dir.display()
        );
    }
    Ok(())
}

/// The surface quantities of `group`: its normal velocity from its condition (a wall where
/// it has none), U_ref from --u-ref or the conditions.
fn surface_of(
    mesh: &potflow::mesh::Mesh,
    outcome: &Outcome,
    opts: &potflow::solve::SolveOptions,
    group: &str,
    u_ref: Option<f64>,
) -> Result<potflow::surface::Surface> {
    use potflow::bc::{BoundarySpec, Condition};
    use potflow::surface::NormalVelocity;
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
        .with_context(|| {
            format!("--surface {group}: no stream or inflow speed to refer Cp to: give --u-ref")
        })?;
    let nodal = outcome.nodal.as_ref().map(|n| n.velocity.as_slice());
    Ok(potflow::surface::surface(
        mesh,
        &outcome.u,
        nodal,
        group,
        normal,
        opts.pressure,
        reference,
        stream.map_or(0.0, |s| s.1),
    )?)
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
            "  backend   gpu: {} ({}{}, {}), {} host threads{} [{}]",
            g.adapter,
            g.backend,
            if g.software_device {
                ", software device"
            } else {
                ""
            },
            g.precision,
            r.threads,
            if g.fallbacks.is_empty() {
                String::new()
            } else {
                format!("; finished on the CPU: {}", g.fallbacks.join("; "))
            },
            r.backend_reason
        ),
        None => println!(
            "  backend   cpu ({} threads) [{}]",
            r.threads, r.backend_reason
        ),
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
    if b.by_group {
        for g in &b.groups {
            println!(
                "  bc        {} {}: {} nodes, {} edges; inflow {:.6} m²/s",
                g.on, g.condition, g.nodes, g.edges, g.inflow
            );
        }
        let net: f64 = b.groups.iter().map(|g| g.inflow).sum();
        println!("  balance   net inflow {net:.3e} m²/s (walls carry none)");
    } else {
        println!(
            "  inlet     {}: {} nodes, {} edges; inflow {:.6} m²/s",
            b.inlet, b.inlet_nodes, b.inlet_edges, b.inflow
        );
        println!(
            "  outlet    {}: {} nodes; outflow {:.6} m²/s",
            b.outlet, b.outlet_nodes, b.outflow
        );
    }
    for f in &r.surfaces {
        println!(
            "  surface   {}: length {:.6} m; force ({:.6e}, {:.6e}) N/m; Cx {:.3e}, Cy {:.3e} \
             (U_ref {} m/s, ℓ {:.6} m)",
            f.group, f.length, f.fx, f.fy, f.cx, f.cy, f.u_ref, f.reference_length
        );
    }
    let s = &r.solution;
    println!("  u         {:.6} .. {:.6} m²/s", s.u_min, s.u_max);
    println!(
        "  |v|       {:.6} .. {:.6} m/s",
        s.abs_vel_min, s.abs_vel_max
    );
    println!(
        "  pressure  {:.4} .. {:.4} Pa",
        s.pressure_min, s.pressure_max
    );
    let t = &r.timings;
    println!();
    println!("  stage      seconds");
    for (name, v, note) in [
        ("load", t.load, ""),
        ("assemble", t.assemble, ""),
        ("bc", t.bc, ""),
        ("solve", t.solve, ""),
        ("post", t.post, ""),
        ("total", t.total, "   load to post"),
        ("write", t.write, "   outputs"),
        (
            "wall",
            t.wall,
            "   the whole command: GPU set-up and outputs included",
        ),
    ] {
        println!("  {name:<9} {v:>8.3}{note}");
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
