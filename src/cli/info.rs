//! `potflow info`: sizes, bounding box, groups, where the inlet and the outlet are, quality.

use anyhow::Result;
use clap::Args;

use potflow::bc::{Boundary, BoundaryOptions, BoundarySpec};
use potflow::mesh::{BoundaryGroup, PreparedMesh};

use super::options::BoundaryArgs;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Mesh file or GEOMETRY:NODES.
    pub mesh: String,
    #[command(flatten)]
    pub boundary: BoundaryArgs,
    /// Print the description as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `info` finds, printed as text or, with `--json`, as JSON.
#[derive(Debug, serde::Serialize)]
struct Info {
    mesh: String,
    nodes: usize,
    unused_nodes: usize,
    elements: usize,
    clockwise_elements: usize,
    /// [xmin, xmax, ymin, ymax], m.
    bounding_box: [f64; 4],
    groups: Vec<GroupInfo>,
    inlet: SideInfo,
    outlet: SideInfo,
    /// Where the named groups and the coordinate rules disagree.
    notes: Vec<String>,
    quality: Quality,
}

#[derive(Debug, serde::Serialize)]
struct GroupInfo {
    name: String,
    edges: usize,
}

#[derive(Debug, serde::Serialize)]
struct SideInfo {
    spec: String,
    nodes: usize,
    edges: usize,
    /// Why the boundary could not be found, if it could not.
    error: Option<String>,
}

/// Jacobian ratio (min/max det J) per element.
#[derive(Debug, serde::Serialize)]
struct Quality {
    worst: f64,
    percentile_1: f64,
    median: f64,
    below_0_2: usize,
}

pub fn run(args: InfoArgs) -> Result<()> {
    if !args.boundary.conditions.is_empty() {
        anyhow::bail!(
            "info shows the inlet and the outlet that --inlet/--outlet select; --bc applies to \
             solve and check (the groups are listed here with their edges)"
        );
    }
    let (inlet, outlet) = args.boundary.specs()?;
    let mesh = potflow::mesh::load(&args.mesh)?;
    let prepared = PreparedMesh::prepare(&mesh)?;
    // The inlet and the outlet as a solve would take them (the options' own or the defaults).
    let conditions = BoundaryOptions {
        inlet,
        outlet,
        ..BoundaryOptions::default()
    }
    .conditions(&mesh.groups);
    let [inlet, outlet] = [0, 1].map(|k| conditions.list[k].on.clone());
    let tol = args.boundary.bc_tol;
    let side = |spec: &BoundarySpec, nodes: usize, edges: usize, error: Option<String>| SideInfo {
        spec: spec.to_string(),
        nodes,
        edges,
        error,
    };
    let (inlet_info, outlet_info) =
        match Boundary::from_specs(&prepared, &mesh.groups, &inlet, &outlet, &mesh.source, tol) {
            Ok(b) => (
                side(&inlet, b.inlet_nodes.len(), b.inlet_edges.len(), None),
                side(&outlet, b.outlet_nodes.len(), 0, None),
            ),
            Err(e) => (
                side(&inlet, 0, 0, Some(e.to_string())),
                side(&outlet, 0, 0, Some(e.to_string())),
            ),
        };
    let notes = [
        ("inlet", BoundarySpec::XMin),
        ("outlet", BoundarySpec::XMax),
    ]
    .iter()
    .filter_map(|(group, rule)| {
        rule_disagreement(&prepared, &mesh.groups, group, rule, &mesh.source, tol)
    })
    .collect();
    let mut ratios = prepared.jacobian_ratios();
    ratios.sort_by(f64::total_cmp);
    let pick = |q: f64| ratios[((ratios.len() - 1) as f64 * q) as usize];
    let info = Info {
        mesh: mesh.source.clone(),
        nodes: mesh.nodes(),
        unused_nodes: prepared.unused_nodes(),
        elements: mesh.elements(),
        clockwise_elements: prepared.reoriented,
        bounding_box: prepared.bounding_box(),
        groups: mesh
            .groups
            .iter()
            .map(|g| GroupInfo {
                name: g.name.clone(),
                edges: g.edges.len(),
            })
            .collect(),
        inlet: inlet_info,
        outlet: outlet_info,
        notes,
        quality: Quality {
            worst: ratios[0],
            percentile_1: pick(0.01),
            median: pick(0.5),
            below_0_2: ratios.iter().filter(|&&r| r < 0.2).count(),
        },
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        print_text(&info);
    }
    Ok(())
}

fn print_text(i: &Info) {
    println!("{}", i.mesh);
    println!("  nodes        {} ({} unused)", i.nodes, i.unused_nodes);
    println!(
        "  elements     {} ({} clockwise, reoriented when solving)",
        i.elements, i.clockwise_elements
    );
    let [x0, x1, y0, y1] = i.bounding_box;
    let d = decimals(x1 - x0, y1 - y0);
    println!("  bounding box x {x0:.d$} .. {x1:.d$}, y {y0:.d$} .. {y1:.d$} m");
    if i.groups.is_empty() {
        println!("  groups       none (coordinate rules only)");
    }
    for g in &i.groups {
        println!("  group        {:<12} {} edges", g.name, g.edges);
    }
    match &i.inlet.error {
        None => println!(
            "  inlet        {}: {} nodes, {} edges\n  outlet       {}: {} nodes",
            i.inlet.spec, i.inlet.nodes, i.inlet.edges, i.outlet.spec, i.outlet.nodes
        ),
        Some(e) => println!("  boundary     {e}"),
    }
    for note in &i.notes {
        println!("  note         {note}");
    }
    let q = &i.quality;
    println!(
        "  quality      Jacobian ratio (min/max det J per element): worst {:.3}, 1% {:.3}, median {:.3}; {} below 0.2",
        q.worst, q.percentile_1, q.median, q.below_0_2
    );
}

/// Decimals that show a length of the domain's size to about six significant digits.
fn decimals(width: f64, height: f64) -> usize {
    let size = width.max(height);
    if size.is_nan() || size <= 0.0 {
        return 6;
    }
    (5.0 - size.log10().floor()).clamp(0.0, 12.0) as usize
}

/// When the mesh has a group `name` and the reference's coordinate `rule` selects other nodes,
/// a line saying so: a file converted to a layout without groups would move that boundary.
fn rule_disagreement(
    mesh: &PreparedMesh,
    groups: &[BoundaryGroup],
    name: &str,
    rule: &BoundarySpec,
    source: &str,
    tol: f64,
) -> Option<String> {
    groups.iter().find(|g| g.name == name)?;
    let by_group = BoundarySpec::Group(name.into())
        .select(mesh, groups, source, tol)
        .ok()?;
    let by_rule = rule.select(mesh, groups, source, tol).ok()?;
    (by_group.nodes != by_rule.nodes).then(|| {
        format!(
            "group `{name}` ({} nodes) and the {rule} rule ({} nodes) disagree: solve uses the \
             group; without groups (an .h5 file) the rule would apply",
            by_group.nodes.len(),
            by_rule.nodes.len()
        )
    })
}
