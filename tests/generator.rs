//! The mesh generator: every geometry is a valid mesh that solves with mass balance, its
//! solution converges under refinement, files round-trip, and assets/meshes regenerate
//! byte for byte.

mod common;

use std::path::Path;

use potflow::bc::{BoundaryOptions, BoundarySpec};
use potflow::mesh::{self, generate, PreparedMesh};
use potflow::output::mesh_files::{msh_text, write_mesh};
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};
use potflow::solver::CgOptions;

fn opts() -> SolveOptions {
    SolveOptions {
        cg: CgOptions {
            rtol: 1e-11,
            max_iter: 10_000,
        },
        ..SolveOptions::default()
    }
}

/// Mean potential over the inlet nodes: a functional that converges under refinement.
fn mean_inlet_potential(mesh: &mesh::Mesh, u: &[f64]) -> f64 {
    let inlet = common::nodes_at_xmin(mesh);
    inlet.iter().map(|&i| u[i]).sum::<f64>() / inlet.len() as f64
}

#[test]
fn every_geometry_meshes_solves_balances_and_converges() {
    for (geometry, _) in generate::GEOMETRIES {
        let mut functional = Vec::new();
        for nodes in [2_000, 8_000, 32_000] {
            let mesh = generate::by_name(geometry, nodes).unwrap();
            let n = mesh.nodes() as f64;
            assert!(
                (n - nodes as f64).abs() <= 0.1 * nodes as f64,
                "{geometry}: {n} nodes for {nodes}"
            );
            let prepared = PreparedMesh::prepare(&mesh).unwrap();
            assert_eq!(
                prepared.reoriented, 0,
                "{geometry}: generated elements are counter-clockwise"
            );
            assert_eq!(prepared.unused_nodes(), 0);
            let worst = prepared
                .jacobian_ratios()
                .into_iter()
                .fold(f64::INFINITY, f64::min);
            assert!(worst > 0.2, "{geometry}: worst Jacobian ratio {worst}");
            let out = solve::run(&mesh, &opts(), Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
            assert_balance(geometry, &mesh, &out.boundary);
            functional.push(mean_inlet_potential(&mesh, &out.u));
        }
        // Each refinement (h / 2) changes the functional less than the one before. Where the
        // boundary condition switches from Dirichlet to Neumann at a corner (every outlet end)
        // the solution has an r^(1/2) singularity, which limits the rate to about h: a ratio
        // near 0.5; 0.75 leaves room for node counts that hit their target within a few %.
        let (d1, d2) = (
            (functional[1] - functional[0]).abs(),
            (functional[2] - functional[1]).abs(),
        );
        eprintln!("{geometry}: mean inlet potential {functional:?}");
        assert!(
            d2 < 0.75 * d1 || d2 < 1e-9 * functional[2].abs(),
            "{geometry}: {d1:e} then {d2:e}"
        );
    }
}

/// The volume inflow must be γ times the inlet's length, which the geometry alone gives (every
/// inlet is a straight segment on x = xmin), and the outflow through the outlet (the
/// Dirichlet reaction) must equal it to the CG tolerance. A wrong edge integral, a missed
/// inlet edge or a wrong element matrix breaks one of the two.
fn assert_balance(geometry: &str, mesh: &potflow::mesh::Mesh, b: &potflow::bc::BoundaryReport) {
    let inlet = mesh
        .groups
        .iter()
        .find(|g| g.name == "inlet")
        .expect("an inlet group");
    let ys: Vec<f64> = inlet
        .edges
        .iter()
        .flatten()
        .map(|&k| mesh.y[k as usize])
        .collect();
    let length = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - ys.iter().copied().fold(f64::INFINITY, f64::min);
    let expected = opts().bc.inlet_velocity * length;
    assert!(
        (b.inflow - expected).abs() < 1e-12 * expected,
        "{geometry}: inflow {} vs γL = {expected}",
        b.inflow
    );
    assert!(
        (b.outflow - expected).abs() < 1e-8 * expected,
        "{geometry}: outflow {} vs γL = {expected}",
        b.outflow
    );
}

#[test]
fn msh_files_round_trip_with_their_groups() {
    let dir = tempfile::tempdir().unwrap();
    for (geometry, _) in generate::GEOMETRIES {
        let mesh = generate::by_name(geometry, 1_500).unwrap();
        let path = dir.path().join(format!("{geometry}.msh"));
        write_mesh(&path, &mesh).unwrap();
        let back = mesh::read(&path).unwrap();
        assert_eq!(
            (back.x.clone(), back.y.clone()),
            (mesh.x.clone(), mesh.y.clone()),
            "{geometry}"
        );
        assert!(
            back.quad8 == mesh.quad8 && back.groups == mesh.groups,
            "{geometry}"
        );
        let names: Vec<&str> = back.groups.iter().map(|g| g.name.as_str()).collect();
        assert!(
            names.contains(&"inlet") && names.contains(&"outlet") && names.contains(&"wall"),
            "{geometry}: {names:?}"
        );
        // Solving by the named groups balances too.
        let named = SolveOptions {
            bc: BoundaryOptions {
                inlet: Some(BoundarySpec::Group("inlet".into())),
                outlet: Some(BoundarySpec::Group("outlet".into())),
                ..BoundaryOptions::default()
            },
            ..opts()
        };
        let out = solve::run(&back, &named, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
        assert_balance(geometry, &back, &out.boundary);
        // And the .h5 output in the reference layout reads back the same.
        let h5 = dir.path().join(format!("{geometry}.h5"));
        write_mesh(&h5, &mesh).unwrap();
        let back = mesh::read(&h5).unwrap();
        assert!(back.x == mesh.x && back.y == mesh.y && back.quad8 == mesh.quad8);
    }
}

#[test]
fn generation_is_deterministic_and_assets_regenerate() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/meshes");
    for (geometry, _) in generate::GEOMETRIES {
        let text = msh_text(&generate::by_name(geometry, 600).unwrap());
        assert_eq!(text, msh_text(&generate::by_name(geometry, 600).unwrap()));
        let stored = std::fs::read_to_string(assets.join(format!("{geometry}.msh"))).unwrap();
        assert!(
            stored == text,
            "assets/meshes/{geometry}.msh differs from `potflow generate {geometry} --nodes 600`"
        );
    }
}

#[test]
fn the_cylinder_in_a_stream_is_a_valid_o_grid_with_its_two_groups() {
    for nodes in [2_000, 8_000, 32_000] {
        let mesh = generate::by_name("cylinder_in_stream", nodes).unwrap();
        let n = mesh.nodes() as f64;
        assert!(
            (n - nodes as f64).abs() <= 0.1 * nodes as f64,
            "{n} nodes for {nodes}"
        );
        let prepared = PreparedMesh::prepare(&mesh).unwrap();
        assert_eq!(prepared.reoriented, 0, "elements are counter-clockwise");
        assert_eq!(prepared.unused_nodes(), 0, "the seam's nodes are merged");
        let worst = prepared
            .jacobian_ratios()
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        assert!(worst > 0.2, "worst Jacobian ratio {worst}");
        let names: Vec<&str> = mesh.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["cylinder", "farfield"]);
        // Both circles are closed curves with the same number of edges (an O-grid), every
        // node exactly on its circle, mid-edge nodes included (curved elements).
        let edges = |g: usize| mesh.groups[g].edges.len();
        assert_eq!(edges(0), edges(1));
        for (g, radius) in [(0, 0.5), (1, 20.0)] {
            for e in &mesh.groups[g].edges {
                for &k in e {
                    let r = mesh.x[k as usize].hypot(mesh.y[k as usize]);
                    assert!((r - radius).abs() < 1e-12 * radius, "r = {r}");
                }
            }
        }
    }
}
