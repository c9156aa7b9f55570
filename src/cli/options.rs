//! What several commands share: the GPU options, the problem's options, the
//! worker pool, the mesh argument and the progress bar.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use potflow::bc::BoundaryOptions;
use potflow::bc::BoundarySpec;
use potflow::element::PressureModel;
use potflow::gpu::GpuContext;
use potflow::lift::{CirculationOptions, CirculationRule};
use potflow::mesh::{generate, Mesh};
use potflow::settings::{Backend, PrecisionChoice, RunSettings, SolveOn};
use potflow::solve::SolveOptions;
use potflow::solver::{CgOptions, SolverKind};

/// Options that pick and shape the GPU.
#[derive(Debug, Args, Default, Clone)]
pub struct GpuArgs {
    /// GPU adapter: a case-insensitive part of its name (see `potflow devices`). Naming an
    /// adapter also allows a software device under --backend auto.
    #[arg(long)]
    pub adapter: Option<String>,
    /// Precision of the GPU kernels.
    #[arg(long, value_enum, default_value_t = PrecisionChoice::Auto)]
    pub precision: PrecisionChoice,
    /// Elements per GPU dispatch, at most the device's limit (default: the CPU assembly's
    /// chunks, at most 16 of at least 65,536 elements, within that limit).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub chunk_elements: Option<i64>,
    /// Where the linear system is solved: host (CG and the multigrid in f64, the reference)
    /// or gpu (both on the GPU that runs the kernels, in f32 inside an f64 defect correction;
    /// the multigrid set-up stays on the host).
    #[arg(long, value_enum, default_value_t = SolveOn::Host)]
    pub solve_on: SolveOn,
}

impl GpuArgs {
    /// The run settings of `backend` with these GPU options and `threads`.
    pub fn settings(&self, backend: Backend, threads: Option<usize>) -> Result<RunSettings> {
        if let Some(n) = self.chunk_elements.filter(|&n| n < 1) {
            bail!("--chunk-elements must be at least 1, got {n}");
        }
        Ok(RunSettings {
            backend,
            adapter: self.adapter.clone(),
            precision: self.precision,
            threads,
            chunk_elements: self.chunk_elements.map(|n| n as usize),
            solve_on: self.solve_on,
        })
    }
}

/// The GPU context the settings ask for (`None`: the CPU), and why that choice: the summary
/// and the report carry the reason.
pub fn gpu_for(settings: &RunSettings) -> Result<(Option<GpuContext>, String)> {
    settings.gpu().map_err(|e| match e {
        potflow::Error::Gpu(_) => anyhow::Error::new(e).context("--backend gpu"),
        e => e.into(),
    })
}

/// The physical and numerical options shared by `solve` and `check`.
#[derive(Debug, Args, Default, Clone)]
pub struct ProblemArgs {
    /// CG preconditioner.
    #[arg(long, value_enum, default_value_t = SolverKind::Amg)]
    pub solver: SolverKind,
    /// Inflow velocity through the inlet, m/s (∂u/∂n on the inlet). The report's inflow is
    /// this times the inlet's length: a volume rate per unit depth, m²/s.
    #[arg(
        long,
        alias = "inlet-flux",
        default_value_t = 2.5,
        value_name = "M_PER_S",
        allow_negative_numbers = true
    )]
    pub inlet_velocity: f64,
    /// Robin coefficient p on the inlet edges, 1/m: ∂u/∂n = γ − p u there (0: a pure inflow
    /// velocity, as the reference).
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "P",
        allow_negative_numbers = true
    )]
    pub robin_p: f64,
    /// Stagnation pressure p0 in Pa, in Bernoulli's p = p0 − ½ρ|v|² (the default makes
    /// p = 101325 Pa where |v| = 2.5 m/s).
    #[arg(
        long,
        default_value_t = 101_328.828_1,
        value_name = "PA",
        allow_negative_numbers = true
    )]
    pub p0: f64,
    /// Density ρ in kg/m³, in p = p0 − ½ρ|v|² (default: air).
    #[arg(
        long,
        default_value_t = 1.225,
        value_name = "KG_PER_M3",
        allow_negative_numbers = true
    )]
    pub rho: f64,
    /// CG stops when ‖b − Ku‖ ≤ rtol ‖b‖.
    #[arg(long, default_value_t = 1e-8, allow_negative_numbers = true)]
    pub rtol: f64,
    /// CG iteration limit.
    #[arg(long, default_value_t = 100_000, allow_negative_numbers = true)]
    pub max_iter: i64,
    #[command(flatten)]
    pub boundary: BoundaryArgs,
    #[command(flatten)]
    pub lift: LiftArgs,
    /// Worker threads (rayon pool size); 1 gives the serial baseline. Default: all cores.
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<i64>,
}

/// Circulation round a body (docs/method.md, "Lift").
#[derive(Debug, Args, Default, Clone)]
pub struct LiftArgs {
    /// Give the body whose outline is boundary group GROUP the circulation of the Kutta
    /// condition (the flow leaves its trailing edge smoothly: lift). Needs a stream far field
    /// (--bc farfield=stream:U@ALPHA); the report's surface entry for GROUP gains the
    /// circulation, cl, cd and cm_c4.
    #[arg(long, value_name = "GROUP")]
    pub kutta: Option<String>,
    /// The trailing edge for --kutta: the outline's corner nearest X,Y. Default: the
    /// outline's sharpest corner.
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true)]
    pub trailing_edge: Option<String>,
    /// A given circulation round a body instead of the Kutta condition: GROUP=GAMMA, in
    /// m²/s, clockwise positive (lift in a stream from the left).
    #[arg(long, value_name = "GROUP=GAMMA", allow_hyphen_values = true)]
    pub circulation: Option<String>,
    /// The free stream's Mach number (below 1): the body's coefficients and minimum Cp are
    /// also given with the Karman-Tsien and Prandtl-Glauert corrections of incompressible
    /// flow, valid below the critical Mach number (the report says when it is passed).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub mach: Option<f64>,
    /// A polar with --kutta: the body's coefficients at each angle of attack (degrees) of
    /// LIST, `FROM:TO:STEP` (e.g. -4:12:2) or `A,B,C`, from one set-up and three solves;
    /// polar.csv and polar.png in the output directory, and `polar` in the report. The run's
    /// own fields are at the far field's stream angle.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    pub alpha: Option<String>,
}

/// The angles of `--alpha`: `FROM:TO:STEP` (TO included) or a comma-separated list, each
/// within ±90°.
pub fn parse_angles(text: &str) -> Result<Vec<f64>> {
    let number = |v: &str| -> Result<f64> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .with_context(|| {
                format!(
                    "--alpha `{text}`: `{}` is not a number of degrees",
                    v.trim()
                )
            })
    };
    let angles = match text.split(':').collect::<Vec<_>>()[..] {
        [from, to, step] => {
            let (from, to, step) = (number(from)?, number(to)?, number(step)?);
            if step == 0.0 || (to - from) * step < 0.0 {
                bail!("--alpha `{text}`: the step must lead from {from} to {to}");
            }
            let count = ((to - from) / step + 1e-9).floor() + 1.0;
            if count > potflow::lift::polar::MAX_ANGLES as f64 {
                bail!(
                    "--alpha `{text}`: {count} angles; a polar takes at most {}",
                    potflow::lift::polar::MAX_ANGLES
                );
            }
            (0..count as usize)
                .map(|i| ((from + i as f64 * step) * 1e9).round() / 1e9)
                .collect()
        }
        [list] => list.split(',').map(number).collect::<Result<Vec<_>>>()?,
        _ => bail!("--alpha `{text}`: expected FROM:TO:STEP (e.g. -4:12:2) or A,B,C"),
    };
    if angles.len() > potflow::lift::polar::MAX_ANGLES {
        bail!(
            "--alpha: {} angles; a polar takes at most {}",
            angles.len(),
            potflow::lift::polar::MAX_ANGLES
        );
    }
    if let Some(a) = angles.iter().find(|a| a.abs() > 90.0) {
        bail!("--alpha `{text}`: {a}° lies outside -90..90 (the trailing edge would lead)");
    }
    Ok(angles)
}

impl LiftArgs {
    /// The circulation asked for, checked.
    pub fn options(&self) -> Result<Option<CirculationOptions>> {
        let polar = match &self.alpha {
            None => Vec::new(),
            Some(_) if self.kutta.is_none() => {
                bail!(
                    "--alpha sweeps the angle of attack of a lifting body: give --kutta GROUP too"
                )
            }
            Some(text) => parse_angles(text)?,
        };
        if let Some(m) = self.mach {
            if self.kutta.is_none() && self.circulation.is_none() {
                bail!("--mach corrects a body's lift: give --kutta GROUP (or --circulation) too");
            }
            in_range("--mach", m, 0.0, 0.95, "a Mach number between 0 and 0.95")?;
        }
        let trailing_edge = match &self.trailing_edge {
            None => None,
            Some(t) => {
                if self.kutta.is_none() {
                    bail!("--trailing-edge places the Kutta condition: give --kutta GROUP too");
                }
                let xy: Vec<f64> = t
                    .split(',')
                    .map(|v| v.trim().parse::<f64>())
                    .collect::<std::result::Result<_, _>>()
                    .ok()
                    .filter(|v: &Vec<f64>| v.len() == 2 && v.iter().all(|x| x.is_finite()))
                    .with_context(|| {
                        format!("--trailing-edge `{t}`: expected X,Y, two numbers (e.g. 1,0)")
                    })?;
                Some([xy[0], xy[1]])
            }
        };
        match (&self.kutta, &self.circulation) {
            (Some(_), Some(_)) => {
                bail!("--kutta and --circulation both fix the circulation: give one of them")
            }
            (Some(group), None) => Ok(Some(CirculationOptions {
                group: group.clone(),
                rule: CirculationRule::Kutta { trailing_edge },
                mach: self.mach,
                polar,
            })),
            (None, Some(text)) => {
                let (group, value) = text.split_once('=').with_context(|| {
                    format!("--circulation `{text}`: expected GROUP=GAMMA (e.g. cylinder=2.5)")
                })?;
                let gamma: f64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|g: &f64| g.is_finite())
                    .with_context(|| {
                        format!("--circulation `{text}`: `{value}` is not a number (m²/s)")
                    })?;
                in_range(
                    "--circulation",
                    gamma.abs(),
                    0.0,
                    1e9,
                    "a circulation with |Γ| ≤ 1e9 m²/s",
                )?;
                Ok(Some(CirculationOptions {
                    group: group.trim().to_string(),
                    rule: CirculationRule::Given(gamma),
                    mach: self.mach,
                    polar,
                }))
            }
            (None, None) => Ok(None),
        }
    }
}

/// Where the inlet and the outlet are (solve, check, info).
#[derive(Debug, Args, Default, Clone)]
pub struct BoundaryArgs {
    /// Inlet: the name of a boundary group of the mesh (a Gmsh physical curve), or xmin, xmax,
    /// ymin, ymax (the nodes within --bc-tol of that side of the bounding box). Default: the
    /// group `inlet` if the mesh has one, else xmin.
    #[arg(long, value_name = "SPEC")]
    pub inlet: Option<String>,
    /// Outlet (u = 0): a group name or xmin, xmax, ymin, ymax. Default: the group `outlet`
    /// if the mesh has one, else xmax.
    #[arg(long, value_name = "SPEC")]
    pub outlet: Option<String>,
    /// A boundary condition on a group (or xmin, xmax, ymin, ymax), repeatable, in place of
    /// --inlet/--outlet: NAME=velocity:V (inflow normal velocity, m/s), NAME=potential:U
    /// (u = U), NAME=stream:U[@ANGLE] (u = −U (x cos A + y sin A): a uniform stream of U m/s
    /// towards ANGLE degrees, for far fields). Every other boundary edge is a wall.
    #[arg(
        long = "bc",
        value_name = "NAME=KIND:VALUE",
        allow_hyphen_values = true
    )]
    pub conditions: Vec<String>,
    /// Tolerance of the coordinate rules, relative to the mesh's larger side (and never below
    /// a few units in the last place of its coordinates).
    #[arg(long, default_value_t = 1e-9, allow_negative_numbers = true)]
    pub bc_tol: f64,
}

impl BoundaryArgs {
    /// The `--bc` conditions, parsed; none may come with --inlet or --outlet.
    pub fn conditions(&self) -> Result<Vec<potflow::bc::GroupCondition>> {
        if !self.conditions.is_empty() && (self.inlet.is_some() || self.outlet.is_some()) {
            bail!("--bc replaces --inlet and --outlet: give the inlet and the outlet as --bc too");
        }
        self.conditions
            .iter()
            .map(|c| c.parse().map_err(|e: String| anyhow::anyhow!("--bc {e}")))
            .collect()
    }

    /// The inlet and outlet specs as given (`None`: the default for the mesh), range-checked.
    pub fn specs(&self) -> Result<(Option<BoundarySpec>, Option<BoundarySpec>)> {
        in_range(
            "--bc-tol",
            self.bc_tol,
            1e-15,
            0.1,
            "between 1e-15 and 0.1 (relative to the mesh's size)",
        )?;
        let spec = |s: &Option<String>| s.as_deref().map(boundary_spec);
        let (inlet, outlet) = (spec(&self.inlet), spec(&self.outlet));
        if inlet.is_some() && inlet == outlet {
            bail!(
                "--inlet and --outlet are both {}",
                self.inlet.as_deref().unwrap_or_default()
            );
        }
        Ok((inlet, outlet))
    }
}

/// The most worker threads potflow starts.
const MAX_THREADS: usize = 1024;

/// Checks that `v` lies in `[lo, hi]` and is finite; the message names the option.
fn in_range(name: &str, v: f64, lo: f64, hi: f64, what: &str) -> Result<()> {
    if !(v.is_finite() && v >= lo && v <= hi) {
        bail!("{name} must be {what}, got {}", readable(v));
    }
    Ok(())
}

/// A number as a user would write it: plain between 10⁻⁴ and 10⁷, else in e-notation
/// (1e-300, not three hundred digits).
pub fn readable(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e7).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

impl ProblemArgs {
    /// The solve options, every value range-checked with the option's name in the message.
    pub fn options(&self) -> Result<SolveOptions> {
        // Ranges wide enough for any physical use, narrow enough that nothing the solver
        // computes can overflow or underflow.
        // Below 1e-12 CG stagnates in round-off on large meshes.
        in_range("--rtol", self.rtol, 1e-12, 0.1, "between 1e-12 and 0.1")?;
        in_range(
            "--inlet-velocity",
            self.inlet_velocity.abs(),
            1e-9,
            1e6,
            "a velocity with 1e-9 ≤ |v| ≤ 1e6 m/s",
        )?;
        in_range(
            "--robin-p",
            self.robin_p,
            0.0,
            1e9,
            "between 0 and 1e9 1/m (a negative p makes the system indefinite)",
        )?;
        in_range(
            "--p0",
            self.p0.abs(),
            0.0,
            1e12,
            "a pressure with |p0| ≤ 1e12 Pa",
        )?;
        in_range(
            "--rho",
            self.rho,
            1e-9,
            1e6,
            "a density between 1e-9 and 1e6 kg/m³",
        )?;
        if self.max_iter < 1 {
            bail!("--max-iter must be at least 1, got {}", self.max_iter);
        }
        if !self.boundary.conditions.is_empty() && self.robin_p != 0.0 {
            bail!("--robin-p applies to --inlet, not to --bc conditions");
        }
        let (inlet, outlet) = self.boundary.specs()?;
        Ok(SolveOptions {
            bc: BoundaryOptions {
                inlet,
                outlet,
                inlet_velocity: self.inlet_velocity,
                robin_p: self.robin_p,
                bc_tol: self.boundary.bc_tol,
                conditions: self.boundary.conditions()?,
            },
            solver: self.solver,
            pressure: PressureModel {
                p0: self.p0,
                rho: self.rho,
            },
            cg: CgOptions {
                rtol: self.rtol,
                max_iter: self.max_iter as usize,
            },
            nodal_velocity: false,
            stream_function: false,
            circulation: self.lift.options()?,
        })
    }

    /// The worker pool and its size.
    pub fn pool(&self) -> Result<(rayon::ThreadPool, usize)> {
        worker_pool(self.threads()?)
    }

    /// `--threads`, range-checked (`None`: all cores).
    pub fn threads(&self) -> Result<Option<usize>> {
        match self.threads {
            None => Ok(None),
            Some(t) if (1..=MAX_THREADS as i64).contains(&t) => Ok(Some(t as usize)),
            Some(t) => bail!("--threads must be between 1 and {MAX_THREADS}, got {t}"),
        }
    }
}

/// A rayon pool of `threads` workers (default: all cores).
pub fn worker_pool(threads: Option<usize>) -> Result<(rayon::ThreadPool, usize)> {
    let threads = threads.unwrap_or_else(rayon::current_num_threads);
    if !(1..=MAX_THREADS).contains(&threads) {
        bail!("--threads must be between 1 and {MAX_THREADS}, got {threads}");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .with_context(|| format!("--threads {threads}: cannot start the worker threads"))?;
    Ok((pool, threads))
}

/// `--inlet` / `--outlet` text as a spec (any text that is not a coordinate rule names a group).
pub fn boundary_spec(text: &str) -> BoundarySpec {
    match text.parse() {
        Ok(spec) => spec,
        Err(never) => match never {},
    }
}

/// The mesh named on the command line, or the built-in venturi case.
pub fn load_mesh(spec: Option<&str>) -> Result<Mesh> {
    Ok(match spec {
        Some(spec) => potflow::mesh::load(spec)?,
        None => generate::default_case(),
    })
}

/// Creates an output directory (its parent exists: the output plan checked it).
pub fn create_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir(dir)
        .with_context(|| format!("{}: cannot create the output directory", dir.display()))
}

/// A progress spinner on stderr when it is a terminal; hidden when piped or quiet.
pub fn progress_bar(quiet: bool, template: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// The progress line of a solve: the stage, CG's iteration, residual and mean reduction per
/// iteration, a moving spinner and the stage's elapsed time. On a terminal only.
pub struct SolveProgress {
    bar: ProgressBar,
}

impl SolveProgress {
    pub fn new(quiet: bool) -> Self {
        let bar = progress_bar(quiet, "{spinner} {prefix:<8} {msg} ({elapsed})");
        if !bar.is_hidden() {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        SolveProgress { bar }
    }

    /// A stage begins.
    pub fn stage(&self, name: &'static str) {
        self.bar.set_prefix(name);
        self.bar.set_message("");
        self.bar.reset_elapsed();
    }

    /// What the pipeline reports.
    pub fn event(&self, event: potflow::outcome::Progress) {
        use potflow::outcome::Progress;
        match event {
            Progress::Stage(name) => self.stage(name),
            Progress::Iteration(it, residual) => {
                // x₀ = 0, so the relative residual starts at 1: its it-th root is the mean
                // reduction per iteration.
                let rate = residual.powf(1.0 / it.max(1) as f64);
                self.bar.set_message(format!(
                    "CG {it} iterations, residual {residual:.2e}, ×{rate:.2} per iteration"
                ));
            }
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for SolveProgress {
    /// An error leaves no stale progress line above its message.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::parse_angles;

    #[test]
    fn angle_lists_and_ranges_are_read_and_bad_ones_refused() {
        assert_eq!(
            parse_angles("-4:12:4").unwrap(),
            [-4.0, 0.0, 4.0, 8.0, 12.0]
        );
        assert_eq!(parse_angles("0:1:0.1").unwrap().len(), 11);
        assert_eq!(parse_angles("0:1:0.1").unwrap()[3], 0.3);
        assert_eq!(parse_angles("12:-4:-8").unwrap(), [12.0, 4.0, -4.0]);
        assert_eq!(parse_angles("0, 2,5").unwrap(), [0.0, 2.0, 5.0]);
        assert_eq!(parse_angles("3").unwrap(), [3.0]);
        for (bad, says) in [
            ("0:10:-1", "the step must lead from 0 to 10"),
            ("0:10:0", "the step must lead"),
            ("0:1e9:1e-3", "a polar takes at most"),
            ("0,x", "`x` is not a number"),
            ("0:5", "expected FROM:TO:STEP"),
            ("95", "outside -90..90"),
            ("nan", "`nan` is not a number"),
        ] {
            let e = parse_angles(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
