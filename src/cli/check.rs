//! `potflow check`: both kernels and the whole solve on the GPU and on the CPU, compared.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;

use potflow::check;
use potflow::gpu::GpuContext;
use potflow::output::write_atomically;
use potflow::settings::Backend;

use super::options::{load_mesh, GpuArgs, ProblemArgs};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Mesh file or GEOMETRY:NODES (default: the built-in venturi case).
    pub mesh: Option<String>,
    #[command(flatten)]
    pub gpu: GpuArgs,
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Write the comparison as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> Result<()> {
    let opts = args.problem.options()?;
    let (pool, _) = args.problem.pool()?;
    let mesh = load_mesh(args.mesh.as_deref())?;
    // Any adapter, software devices included: the point is to compare it with the CPU.
    let ctx = GpuContext::new(
        &args
            .gpu
            .settings(Backend::Gpu, args.problem.threads()?)?
            .adapter_choice(false),
    )
    .map_err(|e| match e {
        potflow::Error::Gpu(why) => anyhow!("potflow check needs a GPU adapter: {why}"),
        e => e.into(),
    })?;
    println!("potflow check: {}", mesh.source);
    println!(
        "  GPU  {}, chunks of {} elements",
        ctx.describe(),
        ctx.chunk_for(mesh.elements())
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
        let json = check::report(&mesh, &ctx, &rows);
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
