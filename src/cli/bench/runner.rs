//! `potflow bench`: the stage table for CPU serial, CPU parallel and GPU, and thread scaling.
//!
//! Every run is a child process (`potflow solve MESH --json FILE --quiet …`), so its peak
//! memory is its own and no cache or GPU context carries over from one configuration to the
//! next. Configurations alternate within each repeat (A B C A B C …) so that slow drifts of a
//! shared machine spread over all of them; the tables show the median with min–max.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use serde_json::Value;

use potflow::error::{Error, Result};

/// One configuration of the stage table.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// "serial", "cpu", "gpu", "gpu-solve", "outputs", or "cpu:N" for the thread-scaling
    /// runs.
    pub name: String,
    /// Extra `potflow solve` arguments.
    pub args: Vec<String>,
}

impl Config {
    /// The configuration called `name` (serial, cpu, gpu).
    pub fn named(name: &str) -> Result<Self> {
        let args: &[&str] = match name {
            "serial" => &["--backend", "cpu", "--threads", "1"],
            "cpu" => &["--backend", "cpu"],
            "gpu" => &["--backend", "gpu"],
            "gpu-solve" => &["--backend", "gpu", "--solve-on", "gpu"],
            // A default run: every output written (into the bench's scratch directory).
            "outputs" => &["--backend", "cpu"],
            other => {
                return Err(Error::Option(format!(
                    "unknown configuration `{other}` (serial, cpu, gpu, gpu-solve, outputs)"
                )))
            }
        };
        Ok(Config {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The CPU backend with `threads` threads (for the scaling table).
    pub fn threads(threads: usize) -> Self {
        Config {
            name: format!("cpu:{threads}"),
            args: vec![
                "--backend".into(),
                "cpu".into(),
                "--threads".into(),
                threads.to_string(),
            ],
        }
    }
}

/// The quantities taken from one run's report. The parts of post beyond the element
/// velocity, and `write`, are the `outputs` configuration's: the others write only their
/// report, after the timings are taken.
pub const METRICS: [&str; 15] = [
    "assemble",
    "bc",
    "solve",
    "post",
    "velocity",
    "recovery",
    "stream_function",
    "write",
    "total",
    "wall",
    "gpu_setup",
    "load",
    "iterations",
    "peak_rss_mb",
    "gpu_buffer_mb",
];

/// The unit of each of [`METRICS`].
pub const UNITS: [&str; 15] = [
    "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "count", "MiB", "MiB",
];

/// One run's numbers, in the order of [`METRICS`]; in JSON an object keyed by metric.
#[derive(Debug, Clone)]
pub struct Sample {
    pub values: Vec<f64>,
}

impl Serialize for Sample {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.values.len()))?;
        for (metric, v) in METRICS.iter().zip(&self.values) {
            map.serialize_entry(metric, v)?;
        }
        map.end()
    }
}

/// `stats` in JSON: an object keyed by metric, each with its unit, median, min and max.
fn named_stats<S: serde::Serializer>(stats: &[Stat], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(stats.len()))?;
    for ((metric, unit), st) in METRICS.iter().zip(UNITS).zip(stats) {
        map.serialize_entry(
            metric,
            &serde_json::json!({"unit": unit, "median": st.median, "min": st.min, "max": st.max}),
        )?;
    }
    map.end()
}

/// The machine the benchmark ran on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPU model (Linux: /proc/cpuinfo), or "unknown".
    pub cpu: String,
    /// Hardware threads available to potflow.
    pub cores: usize,
    /// Total memory in GB (Linux: /proc/meminfo), if known.
    pub memory_gb: Option<f64>,
    pub os: &'static str,
    pub arch: &'static str,
}

impl Machine {
    /// This machine.
    pub fn this() -> Self {
        let field = |file: &str, key: &str| -> Option<String> {
            let text = std::fs::read_to_string(file).ok()?;
            let line = text.lines().find(|l| l.starts_with(key))?;
            Some(line.split_once(':')?.1.trim().to_string())
        };
        Machine {
            cpu: field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gb: field("/proc/meminfo", "MemTotal")
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map(|kb| (kb / 1048576.0 * 10.0).round() / 10.0),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
        }
    }
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

impl Sample {
    fn from_report(r: &Value) -> Self {
        let t = |k: &str| number(r, &["timings", k]).unwrap_or(f64::NAN);
        Sample {
            values: vec![
                t("assemble"),
                t("bc"),
                t("solve"),
                t("post"),
                t("velocity"),
                t("recovery"),
                t("stream_function"),
                t("write"),
                t("total"),
                t("wall"),
                t("gpu_setup"),
                t("load"),
                number(r, &["solver", "iterations"]).unwrap_or(f64::NAN),
                number(r, &["memory", "peak_rss_mb"]).unwrap_or(f64::NAN),
                number(r, &["memory", "gpu_buffer_mb"]).unwrap_or(f64::NAN),
            ],
        }
    }
}

/// Median, min and max of one metric over the repeats.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    fn of(values: impl Iterator<Item = f64>) -> Self {
        let mut v: Vec<f64> = values.filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return Stat {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let m = v.len();
        let median = if m % 2 == 1 {
            v[m / 2]
        } else {
            0.5 * (v[m / 2 - 1] + v[m / 2])
        };
        Stat {
            median,
            min: v[0],
            max: v[m - 1],
        }
    }
}

/// All runs of one configuration on one mesh.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigResult {
    pub config: Config,
    /// Column header: "serial", "cpu (2 threads)", "gpu: NAME f64 (software device)".
    pub label: String,
    pub threads: usize,
    pub samples: Vec<Sample>,
    /// Per metric, in the order of [`METRICS`].
    #[serde(serialize_with = "named_stats")]
    pub stats: Vec<Stat>,
    /// Why the configuration could not run (e.g. no GPU), if it could not.
    pub error: Option<String>,
}

impl ConfigResult {
    /// The statistic of `metric`.
    pub fn stat(&self, metric: &str) -> Option<Stat> {
        let i = METRICS.iter().position(|m| *m == metric)?;
        self.stats.get(i).copied()
    }
}

/// Everything measured on one mesh.
#[derive(Debug, Clone, Serialize)]
pub struct MeshResult {
    pub mesh: String,
    pub nodes: usize,
    pub elements: usize,
    pub configs: Vec<ConfigResult>,
    pub scaling: Vec<ConfigResult>,
}

/// The whole benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub potflow_version: &'static str,
    pub machine: Machine,
    pub repeat: usize,
    pub host_threads: usize,
    pub meshes: Vec<MeshResult>,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// The potflow executable to run as the child.
    pub exe: PathBuf,
    pub meshes: Vec<String>,
    pub configs: Vec<Config>,
    pub repeat: usize,
    /// Thread counts for the scaling table (empty: no scaling table).
    pub threads: Vec<usize>,
    /// Passed to every child (e.g. `--solver jacobi`, `--precision f32`).
    pub extra_args: Vec<String>,
    /// Where the children write their reports.
    pub scratch: PathBuf,
}

fn run_child(plan: &BenchPlan, mesh: &str, config: &Config, report: &Path) -> Result<Value> {
    let output = Command::new(&plan.exe)
        .arg("solve")
        .arg(mesh)
        .args(&config.args)
        .args(&plan.extra_args)
        .args(match config.name.as_str() {
            "outputs" => vec!["--out".into(), plan.scratch.join("outputs")],
            _ => Vec::<PathBuf>::new(),
        })
        .arg("--json")
        .arg(report)
        .arg("--quiet")
        .output()
        .map_err(|e| Error::io(&plan.exe, e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .unwrap_or("failed without a message")
            .trim_start_matches("error: ")
            .to_string();
        return Err(Error::Run(format!("{} on {mesh}: {line}", config.name)));
    }
    let text = std::fs::read_to_string(report).map_err(|e| Error::io(report, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Output {
        path: report.into(),
        reason: format!("unreadable report: {e}"),
    })
}

fn label(config: &Config, report: &Value) -> (String, usize) {
    let threads = number(report, &["threads"]).unwrap_or(1.0) as usize;
    let label = match config.name.as_str() {
        "serial" => "serial".to_string(),
        "cpu" => format!("cpu ({threads} threads)"),
        "outputs" => format!("cpu, every output ({threads} threads)"),
        "gpu" | "gpu-solve" => {
            let g = &report["gpu"];
            let name = g["adapter"].as_str().unwrap_or("?");
            let precision = g["precision"].as_str().unwrap_or("?");
            let software = if g["software_device"].as_bool() == Some(true) {
                ", software device"
            } else {
                ""
            };
            let what = if config.name == "gpu" {
                "gpu"
            } else {
                "gpu-solve"
            };
            format!("{what}: {name} ({precision}{software})")
        }
        other => other.to_string(),
    };
    (label, threads)
}

/// Where a benchmark is: runs done, runs in all, and what runs now.
pub type BenchProgress<'a> = &'a mut dyn FnMut(usize, usize, &str);

/// Counts the child runs as they start.
struct Counter<'a> {
    done: usize,
    total: usize,
    progress: BenchProgress<'a>,
}

impl Counter<'_> {
    fn start(&mut self, line: &str) {
        (self.progress)(self.done, self.total, line);
        self.done += 1;
    }
}

/// Runs `configs` `repeat` times each, alternating, on `mesh`.
fn run_configs(
    plan: &BenchPlan,
    mesh: &str,
    configs: &[Config],
    counter: &mut Counter,
) -> Result<(Vec<ConfigResult>, Option<Value>)> {
    let mut results: Vec<ConfigResult> = configs
        .iter()
        .map(|c| ConfigResult {
            config: c.clone(),
            label: c.name.clone(),
            threads: 0,
            samples: Vec::new(),
            stats: Vec::new(),
            error: None,
        })
        .collect();
    let mut any_report = None;
    for rep in 0..plan.repeat {
        for (k, config) in configs.iter().enumerate() {
            if results[k].error.is_some() {
                continue;
            }
            counter.start(&format!(
                "{mesh}: {} (repeat {}/{})",
                config.name,
                rep + 1,
                plan.repeat
            ));
            let report_path = plan.scratch.join(format!("run-{k}.json"));
            match run_child(plan, mesh, config, &report_path) {
                Ok(report) => {
                    let (label, threads) = label(config, &report);
                    results[k].label = label;
                    results[k].threads = threads;
                    results[k].samples.push(Sample::from_report(&report));
                    any_report.get_or_insert(report);
                }
                Err(e) => results[k].error = Some(e.to_string()),
            }
        }
    }
    for r in &mut results {
        r.stats = (0..METRICS.len())
            .map(|m| Stat::of(r.samples.iter().map(|s| s.values[m])))
            .collect();
    }
    Ok((results, any_report))
}

/// Runs the plan. `progress(done, total, line)` hears each child run as it starts.
pub fn run(plan: &BenchPlan, progress: BenchProgress) -> Result<BenchResult> {
    if plan.repeat == 0 {
        return Err(Error::Option("--repeat must be at least 1".into()));
    }
    let mut counter = Counter {
        done: 0,
        total: plan.meshes.len() * (plan.configs.len() + plan.threads.len()) * plan.repeat,
        progress,
    };
    let mut meshes = Vec::new();
    for mesh in &plan.meshes {
        let (configs, report) = run_configs(plan, mesh, &plan.configs, &mut counter)?;
        let scaling_configs: Vec<Config> =
            plan.threads.iter().map(|&t| Config::threads(t)).collect();
        let (scaling, scaling_report) = run_configs(plan, mesh, &scaling_configs, &mut counter)?;
        let report = report.or(scaling_report).ok_or_else(|| {
            let why: Vec<String> = configs
                .iter()
                .chain(&scaling)
                .filter_map(|c| c.error.clone())
                .collect();
            Error::Option(format!(
                "no configuration ran on {mesh}: {}",
                why.join("; ")
            ))
        })?;
        meshes.push(MeshResult {
            mesh: report["mesh"]["path"].as_str().unwrap_or(mesh).to_string(),
            nodes: number(&report, &["mesh", "nodes"]).unwrap_or(0.0) as usize,
            elements: number(&report, &["mesh", "elements"]).unwrap_or(0.0) as usize,
            configs,
            scaling,
        });
    }
    let machine = Machine::this();
    Ok(BenchResult {
        potflow_version: env!("CARGO_PKG_VERSION"),
        host_threads: machine.cores,
        machine,
        repeat: plan.repeat,
        meshes,
    })
}
