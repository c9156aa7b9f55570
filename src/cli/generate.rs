//! `potflow generate`: a mesh of one of the built-in geometries, written as .msh or .h5.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use std::sync::Arc;

use potflow::mesh::airfoil::{self, coords::CoordinateAirfoil, Naca4};
use potflow::mesh::{generate, Mesh, PreparedMesh};

#[derive(Debug, Args)]
#[command(
    arg_required_else_help = true,
    override_usage = "potflow generate GEOMETRY [--nodes N] [--binary] -o FILE.msh|FILE.h5\n       potflow generate nacaXXXX [--farfield R] [--nodes N] -o FILE.msh\n       potflow generate airfoil --coords FILE.dat [--farfield R] [--nodes N] -o FILE.msh\n       potflow generate --list"
)]
pub struct GenerateArgs {
    /// The geometry: channel, venturi, backward_step, elbow_90, s_bend, t_junction, y_tube,
    /// channel_with_cylinder, cylinder_in_stream, nacaXXXX (any NACA 4-digit section), or
    /// airfoil with --coords (see --list).
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
    /// For `airfoil`: the section's coordinates, in Selig or Lednicer format (as
    /// airfoiltools.com and the UIUC database publish them).
    #[arg(long, value_name = "FILE.dat")]
    pub coords: Option<PathBuf>,
    /// For airfoils: the far field's radius in chords, from mid-chord.
    #[arg(long, value_name = "CHORDS", default_value_t = airfoil::FARFIELD_CHORDS, allow_negative_numbers = true)]
    pub farfield: f64,
    /// List the geometries.
    #[arg(long)]
    pub list: bool,
}

/// The airfoil mesh `geometry` asks for (`nacaXXXX` or `airfoil` with --coords), `None` for
/// the other geometries; and a note on what was done to the section.
fn airfoil_mesh(
    args: &GenerateArgs,
    geometry: &str,
    nodes: usize,
) -> Result<Option<(Mesh, String)>> {
    let is_airfoil = geometry == "airfoil" || Naca4::parse(geometry).is_some();
    if !is_airfoil {
        if args.coords.is_some() {
            bail!("--coords goes with `potflow generate airfoil`, not {geometry}");
        }
        if args.farfield != airfoil::FARFIELD_CHORDS {
            bail!("--farfield goes with airfoils (nacaXXXX, airfoil), not {geometry}");
        }
        return Ok(None);
    }
    if !(args.farfield.is_finite() && (2.0..=1000.0).contains(&args.farfield)) {
        bail!(
            "--farfield must be between 2 and 1000 chords, got {}",
            super::options::readable(args.farfield)
        );
    }
    let (name, outline, note): (String, Arc<dyn airfoil::Outline>, String) =
        match (geometry, &args.coords) {
            ("airfoil", None) => bail!(
                "`potflow generate airfoil` needs --coords FILE.dat (Selig or Lednicer format)"
            ),
            ("airfoil", Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let section = CoordinateAirfoil::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                let note = if section.closed_gap > 0.0 {
                    format!(
                        "; a blunt trailing edge of {:.2e} chords closed",
                        section.closed_gap
                    )
                } else {
                    String::new()
                };
                let name = path
                    .file_stem()
                    .map_or("airfoil".into(), |s| s.to_string_lossy().into_owned());
                (name, Arc::new(section), note)
            }
            (naca, None) => (
                naca.to_string(),
                Arc::new(Naca4::parse(naca).expect("checked")),
                String::new(),
            ),
            (naca, Some(_)) => bail!("--coords goes with `potflow generate airfoil`, not {naca}"),
        };
    let mesh = generate::airfoil(&name, outline, args.farfield, nodes)
        .with_context(|| format!("cannot mesh {name} with {nodes} nodes"))?;
    Ok(Some((
        mesh,
        format!("; far field at {} chords{note}", args.farfield),
    )))
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
    let (mesh, note) = match airfoil_mesh(&args, geometry, args.nodes as usize)? {
        Some(m) => m,
        None => (
            generate::by_name(geometry, args.nodes as usize).with_context(|| {
                format!(
                    "unknown geometry `{geometry}` (one of {}, airfoil)",
                    names.join(", ")
                )
            })?,
            String::new(),
        ),
    };
    let prepared = PreparedMesh::prepare(&mesh)?;
    let worst = prepared
        .jacobian_ratios()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    potflow::output::mesh_files::write_mesh_as(output, &mesh, args.binary)?;
    println!(
        "{}: {geometry}, {} nodes, {} elements, groups {}; worst Jacobian ratio {worst:.3}{note}",
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
