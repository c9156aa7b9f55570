//! `potflow info`: sizes, bounding box, groups, where the inlet and the outlet are, quality.

use anyhow::Result;
use clap::Args;

use potflow::bc::{Boundary, BoundarySpec};
use potflow::mesh::{BoundaryGroup, PreparedMesh};

use super::options::BoundaryArgs;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Mesh file or GEOMETRY:NODES.
    pub mesh: String,
    #[command(flatten)]
    pub boundary: BoundaryArgs,
}

pub fn run(args: InfoArgs) -> Result<()> {
    let mesh = potflow::mesh::load(&args.mesh)?;
    let prepared = PreparedMesh::prepare(&mesh)?;
    let [x0, x1, y0, y1] = prepared.bounding_box();
    println!("{}", mesh.source);
    println!(
        "  nodes        {} ({} unused)",
        mesh.nodes(),
        prepared.unused_nodes()
    );
    println!(
        "  elements     {} ({} clockwise, reoriented when solving)",
        mesh.elements(),
        prepared.reoriented
    );
    println!("  bounding box x {x0:.6} .. {x1:.6}, y {y0:.6} .. {y1:.6} m");
    if mesh.groups.is_empty() {
        println!("  groups       none (coordinate rules only)");
    }
    for g in &mesh.groups {
        println!("  group        {:<12} {} edges", g.name, g.edges.len());
    }
    let (inlet, outlet) = args.boundary.specs()?;
    let inlet = inlet.unwrap_or_else(|| BoundarySpec::default_inlet(&mesh.groups));
    let outlet = outlet.unwrap_or_else(|| BoundarySpec::default_outlet(&mesh.groups));
    match Boundary::from_specs(
        &prepared,
        &mesh.groups,
        &inlet,
        &outlet,
        &mesh.source,
        args.boundary.bc_tol,
    ) {
        Ok(b) => println!(
            "  inlet        {inlet}: {} nodes, {} edges\n  outlet       {outlet}: {} nodes",
            b.inlet_nodes.len(),
            b.inlet_edges.len(),
            b.outlet_nodes.len()
        ),
        Err(e) => println!("  boundary     {e}"),
    }
    for (group, rule) in [
        ("inlet", BoundarySpec::XMin),
        ("outlet", BoundarySpec::XMax),
    ] {
        if let Some(note) = rule_disagreement(
            &prepared,
            &mesh.groups,
            group,
            &rule,
            &mesh.source,
            args.boundary.bc_tol,
        ) {
            println!("  note         {note}");
        }
    }
    let mut ratios = prepared.jacobian_ratios();
    ratios.sort_by(f64::total_cmp);
    let pick = |q: f64| ratios[((ratios.len() - 1) as f64 * q) as usize];
    println!(
        "  quality      Jacobian ratio (min/max det J per element): worst {:.3}, 1% {:.3}, median {:.3}; {} below 0.2",
        ratios[0],
        pick(0.01),
        pick(0.5),
        ratios.iter().filter(|&&r| r < 0.2).count()
    );
    Ok(())
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
