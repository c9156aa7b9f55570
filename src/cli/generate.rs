//! `potflow generate`: a mesh of one of the built-in geometries, written as .msh or .h5.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use potflow::mesh::{generate, PreparedMesh};

#[derive(Debug, Args)]
#[command(
    arg_required_else_help = true,
    override_usage = "potflow generate GEOMETRY [--nodes N] [--binary] -o FILE.msh|FILE.h5\n       potflow generate --list"
)]
pub struct GenerateArgs {
    /// The geometry: channel, venturi, backward_step, elbow_90, s_bend, t_junction, y_tube,
    /// channel_with_cylinder (see --list).
    #[arg(required_unless_present = "list", value_name = "GEOMETRY")]
    pub geometry: Option<String>,
    /// About this many nodes (within 10% from about 1,000 nodes up).
    #[arg(long, default_value_t = 50_000, allow_negative_numbers = true)]
    pub nodes: i64,
    /// Output file: .msh (Gmsh 4.1 with groups inlet, outlet, wall...) or .h5 (reference
    /// layout, no groups).
    #[arg(short, long, required_unless_present = "list", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write .msh in Gmsh's binary encoding (a third of the size of text, faster to read).
    #[arg(long)]
    pub binary: bool,
    /// List the geometries.
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: GenerateArgs) -> Result<()> {
    if args.list {
        for (name, what) in generate::all_geometries() {
            println!("{name:<22} {what}");
        }
        return Ok(());
    }
    let (Some(geometry), Some(output)) = (&args.geometry, &args.output) else {
        bail!("give a GEOMETRY and -o FILE (or --list)");
    };
    let max = potflow::mesh::MAX_GENERATED_NODES;
    if args.nodes < 100 || args.nodes > max as i64 {
        bail!("--nodes must be between 100 and {max}, got {}", args.nodes);
    }
    let names: Vec<&str> = generate::all_geometries().map(|g| g.0).collect();
    let mesh = generate::by_name(geometry, args.nodes as usize).with_context(|| {
        format!(
            "unknown geometry `{geometry}` (one of {})",
            names.join(", ")
        )
    })?;
    let prepared = PreparedMesh::prepare(&mesh)?;
    let worst = prepared
        .jacobian_ratios()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    potflow::output::mesh_files::write_mesh_as(output, &mesh, args.binary)?;
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
