//! `potflow solve`: read a mesh, solve, print the summary, write the outputs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;

use potflow::output::report::Report;
use potflow::output::writer::{
    CpPlot, Hdf5Results, JsonReport, PngPlots, PolarFiles, Run, SurfaceCsv, VtuFile, Writer,
};
use potflow::output::Staged;
use potflow::settings::Backend;
use potflow::solve;

use super::options::{
    create_dir, gpu_for, load_mesh, readable, GpuArgs, ProblemArgs, SolveProgress,
};
use super::plot::PlotArgs;

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
    #[command(flatten)]
    pub plot: PlotArgs,
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

/// One output the run writes: the option that asked for it, its path, and its writer.
struct Target {
    option: &'static str,
    path: PathBuf,
    writer: Box<dyn Writer>,
}

/// Where each output of a solve goes.
#[derive(Default)]
struct OutputPlan {
    targets: Vec<Target>,
    /// The directory written as a whole, to tell the user.
    dir: Option<PathBuf>,
    /// The directories the plan creates: the --out directory and every --png one.
    dirs: Vec<(&'static str, PathBuf)>,
}

impl SolveArgs {
    /// Whether no output option names a file or directory (everything then goes into
    /// ./potflow-out).
    fn writes_nothing_named(&self) -> bool {
        self.json.is_none()
            && self.output.is_none()
            && self.vtu.is_none()
            && self.plot.png.is_none()
            && self.out.is_none()
    }

    /// What to write where; `body` is the group with circulation, if any.
    fn output_plan(&self, body: Option<&str>) -> Result<OutputPlan> {
        let mut plan = OutputPlan::default();
        let mut add = |option, path: &PathBuf, writer: Box<dyn Writer>| {
            plan.targets.push(Target {
                option,
                path: path.clone(),
                writer,
            })
        };
        if let Some(p) = &self.json {
            add("--json", p, Box::new(JsonReport));
        }
        if let Some(p) = &self.output {
            add("--output", p, Box::new(Hdf5Results));
        }
        if let Some(p) = &self.vtu {
            add("--vtu", p, Box::new(VtuFile));
        }
        if let Some(p) = &self.plot.png {
            add("--png", p, Box::new(PngPlots));
        }
        let nothing_asked = plan.targets.is_empty();
        plan.dirs = self.plot.png.iter().map(|d| ("--png", d.clone())).collect();
        let dir = match &self.out {
            Some(d) => Some(d.clone()),
            None if nothing_asked => Some(PathBuf::from("potflow-out")),
            None => None,
        };
        if let Some(d) = dir {
            let mut add = |path: PathBuf, writer: Box<dyn Writer>| {
                plan.targets.push(Target {
                    option: "--out",
                    path,
                    writer,
                })
            };
            add(d.join("report.json"), Box::new(JsonReport));
            add(d.join("results.h5"), Box::new(Hdf5Results));
            add(d.join("results.vtu"), Box::new(VtuFile));
            add(d.clone(), Box::new(PngPlots));
            if !self.surfaces.is_empty() {
                add(
                    d.clone(),
                    Box::new(SurfaceCsv {
                        groups: self.surfaces.clone(),
                    }),
                );
            }
            if let Some(group) = body {
                add(
                    d.clone(),
                    Box::new(CpPlot {
                        group: group.to_string(),
                    }),
                );
            }
            if self.problem.lift.alpha.is_some() {
                add(d.clone(), Box::new(PolarFiles));
            }
            plan.dirs.push(("--out", d.clone()));
            plan.dir = Some(d);
        }
        Ok(plan)
    }
}

impl OutputPlan {
    /// Every file the plan writes, with the option that asked for it.
    fn files(&self) -> Vec<(&'static str, PathBuf)> {
        self.targets
            .iter()
            .flat_map(|t| t.writer.files(&t.path).into_iter().map(|f| (t.option, f)))
            .collect()
    }

    /// Whether an output needs the recovered nodal velocity: the VTU's point velocity and the
    /// plots are drawn from it, and the surface speed on a boundary where u is fixed takes its
    /// normal part from it.
    fn needs_nodal_velocity(&self) -> bool {
        self.targets.iter().any(|t| t.writer.needs_nodal_velocity())
    }

    fn needs_stream_function(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.writer.needs_stream_function())
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
        // A file whose extension names another format would hold what its name denies.
        let formats: Vec<&str> = self
            .targets
            .iter()
            .flat_map(|t| t.writer.extensions().iter().copied())
            .chain(["json", "h5", "hdf5", "vtu", "png", "csv", "msh"])
            .collect();
        for t in &self.targets {
            let own = t.writer.extensions();
            let ext = t
                .path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if !own.is_empty() && !own.contains(&ext.as_str()) && formats.contains(&ext.as_str()) {
                bail!(
                    "{} {}: a .{ext} name for a .{} file; give it a .{} name",
                    t.option,
                    t.path.display(),
                    own[0],
                    own[0]
                );
            }
        }
        // One rule for every output: a named directory is created when its parent exists; a
        // missing parent is an error, as it is for a file's directory.
        for (opt, dir) in &self.dirs {
            if dir.exists() && !dir.is_dir() {
                bail!("{opt} {}: exists and is not a directory", dir.display());
            }
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let planned = self.dirs.iter().any(|(_, d)| d.as_path() == parent);
            if !dir.exists() && !parent.is_dir() && !planned {
                bail!(
                    "{opt} {}: the directory {} does not exist (potflow creates the named \
                     directory, not its parents)",
                    dir.display(),
                    parent.display()
                );
            }
        }
        for (opt, path) in &files {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let created = self.dirs.iter().any(|(_, d)| parent.starts_with(d));
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

    /// Writes every target (all of them, or with `converged` false the last ones alone: a run
    /// that did not converge writes its report only) through `staged`.
    ///
    /// The writers run at the same time: the VTU and the HDF5 file are written while the
    /// plots are drawn. Each writes under staging names, so a failure anywhere leaves nothing.
    fn write(&self, run: &Run, last: bool, converged: bool, staged: &Staged) -> Result<()> {
        self.targets
            .par_iter()
            .filter(|t| t.writer.last() == last && (converged || t.writer.last()))
            .try_for_each(|t| {
                t.writer
                    .write(run, &t.path, staged)
                    .map_err(|e| staged.in_user_terms(e))
            })?;
        Ok(())
    }
}

pub fn run(mut args: SolveArgs) -> Result<()> {
    let started = Instant::now();
    let mut opts = args.problem.options()?;
    // The body with circulation is a surface too: its coefficients are there, and its CSV
    // where the outputs go into a directory.
    let mut surfaces = args.surfaces.clone();
    if let Some(c) = &opts.circulation {
        if !surfaces.contains(&c.group) {
            surfaces.push(c.group.clone());
            if args.out.is_some() || args.writes_nothing_named() {
                args.surfaces.push(c.group.clone());
            }
        }
    }
    let outputs = args.output_plan(opts.circulation.as_ref().map(|c| c.group.as_str()))?;
    let mut plot = args.plot.style()?;
    outputs.check(args.mesh.as_deref())?;
    opts.nodal_velocity = outputs.needs_nodal_velocity();
    opts.stream_function = outputs.needs_stream_function();
    if !args.surfaces.is_empty() && outputs.dir.is_none() {
        bail!("--surface writes surface_GROUP.csv into the output directory: give --out DIR");
    }
    if let Some(u) = args.u_ref {
        if !(u.is_finite() && u > 0.0 && u <= 1e6) {
            bail!(
                "--u-ref must be a speed between 0 and 1e6 m/s, got {}",
                readable(u)
            );
        }
    }
    let (pool, _) = args.problem.pool()?;
    let settings = args.gpu.settings(args.backend, args.problem.threads()?)?;

    let bar = SolveProgress::new(args.quiet);
    // The mesh first: a mistyped name fails before any GPU work.
    bar.stage("read");
    let read_start = Instant::now();
    let mesh = load_mesh(args.mesh.as_deref())?;
    if let Some([x0, x1, y0, y1]) = plot.view {
        let b = potflow::mesh::bounding_box(mesh.x.iter().zip(&mesh.y).map(|(&x, &y)| [x, y]));
        if x0 > b[1] || x1 < b[0] || y0 > b[3] || y1 < b[2] {
            let [x0, x1, y0, y1] = [x0, x1, y0, y1].map(readable);
            let b = b.map(readable);
            bail!(
                "{}: --view {x0},{x1},{y0},{y1} holds no part of the mesh, which spans \
                 x {}..{}, y {}..{}",
                mesh.source,
                b[0],
                b[1],
                b[2],
                b[3]
            );
        }
    }
    let asked = opts
        .circulation
        .iter()
        .map(|c| (c.option(), &c.group))
        .chain(args.surfaces.iter().map(|g| ("--surface", g)));
    for (option, group) in asked {
        if !mesh.groups.iter().any(|g| &g.name == group) {
            bail!(
                "{}: {option} {group}: no such boundary group (the groups: {})",
                mesh.source,
                mesh.groups
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    // Round a lifting body the plots frame the body: the far field lies 20 chords out.
    if let (None, Some(c), false) = (plot.view, &opts.circulation, args.plot.whole_domain()) {
        plot.view = potflow::output::png::body_window(&mesh, &c.group);
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

    // Parents first: a --png directory may lie inside the --out one.
    let mut dirs: Vec<&PathBuf> = outputs.dirs.iter().map(|(_, d)| d).collect();
    dirs.sort_by_key(|d| d.components().count());
    for dir in dirs {
        create_dir(dir)?;
    }
    // Every output is staged and renamed into place together; a run that did not converge
    // writes its report alone (it says so), and a run that fails writes nothing. The report
    // goes last, so that it holds the time the others took.
    let staged = Staged::default();
    let converged = outcome.cg.converged;
    let surfaces_start = Instant::now();
    let surfaces = if converged {
        surfaces
            .iter()
            .map(|group| solve::surface_of(&mesh, &outcome, &opts, group, args.u_ref))
            .collect::<potflow::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    outcome.timings.surfaces = surfaces_start.elapsed().as_secs_f64();
    bar.stage("write");
    let write_start = Instant::now();
    let case = args
        .mesh
        .as_deref()
        .map(|m| {
            Path::new(m)
                .file_name()
                .map_or(m.to_string(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| mesh.source.clone());
    let run_of = |outcome, report| Run {
        mesh: &mesh,
        outcome,
        opts: &opts,
        case: &case,
        plot: &plot,
        surfaces: &surfaces,
        report,
    };
    pool.install(|| outputs.write(&run_of(&outcome, None), false, converged, &staged))?;
    let mut report = Report::new(&mesh.source, gpu.as_ref(), &opts, &outcome);
    report.timings.write = write_start.elapsed().as_secs_f64();
    report.timings.wall = started.elapsed().as_secs_f64();
    report.backend_reason = backend_reason;
    report.surfaces = surfaces.clone();
    outputs.write(&run_of(&outcome, Some(&report)), true, converged, &staged)?;
    staged.commit()?;
    bar.finish();
    if !args.quiet {
        super::summary::print(&report, &outcome);
    }
    outcome.ensure_converged(opts.cg.rtol)?;
    if let (Some(dir), false) = (&outputs.dir, args.quiet) {
        // Every file the plan writes into the directory, by name.
        let names: Vec<String> = outputs
            .targets
            .iter()
            .flat_map(|t| t.writer.files(&t.path))
            .filter_map(|f| {
                let name = f.strip_prefix(dir).ok()?.to_string_lossy().into_owned();
                (!name.is_empty()).then_some(name)
            })
            .collect();
        println!("\n  outputs   {}/ ({})", dir.display(), names.join(", "));
    }
    Ok(())
}
