//! `potflow bench`: stage tables of child-process runs, alternating configurations.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use potflow::output::{write_atomically, Staged};

mod runner;
mod tables;

use potflow::settings::PrecisionChoice;
use potflow::solver::SolverKind;

use super::options::progress_bar;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Mesh files or GEOMETRY:NODES specs (default: the built-in venturi case).
    pub meshes: Vec<String>,
    /// Configurations, comma-separated: serial (1 thread), cpu (all threads), gpu (the
    /// kernels on the GPU), gpu-solve (the kernels and the solve on the GPU), outputs (cpu
    /// writing every output, as a default run does).
    #[arg(long, value_delimiter = ',', default_value = "serial,cpu,gpu")]
    pub configs: Vec<String>,
    /// Runs per configuration (alternating A B C A B C ...).
    #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
    pub repeat: i64,
    /// Thread counts for the scaling table, comma-separated (e.g. 1,2,4).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub threads: Vec<i64>,
    /// CG preconditioner for every run.
    #[arg(long, value_enum)]
    pub solver: Option<SolverKind>,
    /// GPU precision for the gpu configuration.
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionChoice>,
    /// Write the tables as Markdown here.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write every sample and statistic as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the statistics as CSV here.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// The command-line name of a clap value.
fn value_name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The files the bench writes, checked before hours of runs: distinct, not directories, in
/// directories that exist.
fn check_outputs(files: &[(&str, &PathBuf)]) -> Result<()> {
    for (i, (opt, path)) in files.iter().enumerate() {
        if let Some((other, _)) = files[..i].iter().find(|(_, q)| q == path) {
            bail!("{other} and {opt} both write {}", path.display());
        }
        if path.is_dir() {
            bail!("{opt} {}: is a directory", path.display());
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        if !parent.is_dir() {
            bail!(
                "{opt} {}: the directory {} does not exist",
                path.display(),
                parent.display()
            );
        }
    }
    Ok(())
}

pub fn run(args: BenchArgs) -> Result<()> {
    let outputs: Vec<(&str, &PathBuf)> = [
        ("--markdown", &args.markdown),
        ("--json", &args.json),
        ("--csv", &args.csv),
    ]
    .into_iter()
    .filter_map(|(opt, p)| p.as_ref().map(|p| (opt, p)))
    .collect();
    check_outputs(&outputs)?;
    let configs = args
        .configs
        .iter()
        .map(|c| runner::Config::named(c.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if args.repeat < 1 {
        bail!("--repeat must be at least 1, got {}", args.repeat);
    }
    if args.threads.iter().any(|&t| t < 1) {
        bail!("--threads: thread counts must be at least 1");
    }
    let mut extra_args = Vec::new();
    if let Some(solver) = args.solver {
        extra_args.extend(["--solver".to_string(), value_name(solver)]);
    }
    if let Some(precision) = args.precision {
        extra_args.extend(["--precision".to_string(), value_name(precision)]);
    }
    let scratch = std::env::temp_dir().join(format!("potflow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let plan = runner::BenchPlan {
        exe: std::env::current_exe().context("cannot find the potflow executable")?,
        meshes: if args.meshes.is_empty() {
            vec!["venturi:50000".into()]
        } else {
            args.meshes.clone()
        },
        configs,
        repeat: args.repeat as usize,
        threads: args.threads.iter().map(|&t| t as usize).collect(),
        extra_args,
        scratch: scratch.clone(),
    };
    let bar = progress_bar(
        false,
        "{spinner} {pos}/{len} runs done, now {msg} ({elapsed}, about {eta} left)",
    );
    if !bar.is_hidden() {
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    let result = runner::run(&plan, &mut |done, total, line| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(line.to_string());
    });
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    let result = result?;
    let table = tables::markdown(&result);
    print!("{table}");
    // All three files appear together or not at all.
    let staged = Staged::default();
    if let Some(path) = &args.markdown {
        write_atomically(&staged.stage(path), table.as_bytes())?;
    }
    if let Some(path) = &args.json {
        write_atomically(
            &staged.stage(path),
            serde_json::to_string_pretty(&result)?.as_bytes(),
        )?;
    }
    if let Some(path) = &args.csv {
        write_atomically(&staged.stage(path), tables::csv(&result).as_bytes())?;
    }
    staged.commit()?;
    Ok(())
}
