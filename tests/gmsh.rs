//! Gmsh MSH 4.1 input, on files written by Gmsh 4.8 itself (tests/data/gmsh/*.geo are their
//! sources: `gmsh -2 -order 2 -format msh41 [-bin] FILE.geo`).

mod common;

use std::path::{Path, PathBuf};

use common::max_rel_diff;
use potflow::bc::{BoundaryOptions, BoundarySpec};
use potflow::mesh::{self, Mesh};
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};
use potflow::solver::CgOptions;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gmsh")
        .join(name)
}

fn read(name: &str) -> Mesh {
    mesh::read(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn named(inlet: &str, outlet: &str) -> SolveOptions {
    SolveOptions {
        bc: BoundaryOptions {
            inlet: Some(BoundarySpec::Group(inlet.into())),
            outlet: Some(BoundarySpec::Group(outlet.into())),
            ..BoundaryOptions::default()
        },
        cg: CgOptions {
            rtol: 1e-12,
            max_iter: 10_000,
        },
        ..SolveOptions::default()
    }
}

#[test]
fn ascii_and_binary_files_give_the_same_mesh_and_groups() {
    let (a, b) = (
        read("channel_cylinder.msh"),
        read("channel_cylinder_binary.msh"),
    );
    // ASCII carries 16 significant digits, binary the exact doubles.
    assert!(max_rel_diff(&a.x, &b.x) < 1e-14 && max_rel_diff(&a.y, &b.y) < 1e-14);
    assert!(a.quad8 == b.quad8, "same connectivity");
    let names: Vec<&str> = a.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["cylinder", "inlet", "outlet", "wall"]);
    assert!(a.groups == b.groups, "same groups");
}

#[test]
fn channel_around_a_cylinder_conserves_mass() {
    // The flux in through the named inlet leaves through the named outlet; walls and the
    // cylinder are impermeable.
    let mesh = read("channel_cylinder.msh");
    let out = solve::run(
        &mesh,
        &named("inlet", "outlet"),
        Kernels::Cpu,
        0.0,
        &mut |_| {},
    )
    .unwrap();
    let b = out.boundary;
    assert!(
        (b.inflow - 2.5).abs() < 1e-12,
        "inlet height 1, flux 2.5: {}",
        b.inflow
    );
    assert!(
        (b.inflow - b.outflow).abs() < 1e-8 * b.inflow,
        "{} vs {}",
        b.inflow,
        b.outflow
    );
    // The named groups and the coordinate rule pick the same inlet and outlet here.
    let rule = solve::run(
        &mesh,
        &SolveOptions {
            cg: CgOptions {
                rtol: 1e-12,
                max_iter: 10_000,
            },
            ..SolveOptions::default()
        },
        Kernels::Cpu,
        0.0,
        &mut |_| {},
    )
    .unwrap();
    assert!(max_rel_diff(&out.u, &rule.u) < 1e-10);
}

#[test]
fn unstructured_straight_channel_reproduces_the_linear_solution() {
    // Gmsh puts mid-edge nodes at the middle of straight edges: every element is
    // straight-sided, so u = g (L − x) is exact.
    let mesh = read("straight_channel.msh");
    let out = solve::run(&mesh, &named("in", "out"), Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    for (i, &u) in out.u.iter().enumerate() {
        assert!((u - 2.5 * (3.0 - mesh.x[i])).abs() < 1e-10, "node {i}: {u}");
    }
}

#[test]
fn node_blocks_out_of_tag_order_are_read_correctly() {
    // The same file with its $Nodes blocks in reverse order (tags unchanged, dense): a reader
    // that assigns coordinates by position gets them wrong; potflow reads the tags.
    let (a, b) = (
        read("straight_channel.msh"),
        read("straight_channel_blocks_reversed.msh"),
    );
    assert_eq!(a.quad8.len(), b.quad8.len());
    for (ea, eb) in a.quad8.iter().zip(&b.quad8) {
        for k in 0..8 {
            let (ia, ib) = (ea[k] as usize, eb[k] as usize);
            assert_eq!((a.x[ia], a.y[ia]), (b.x[ib], b.y[ib]));
        }
    }
}

fn potflow(args: &[&str]) -> (bool, String) {
    let o = common::potflow(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (o.status.success(), err)
}

fn variant(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(data("straight_channel.msh")).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

#[test]
fn bad_gmsh_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            variant(dir.path(), "truncated.msh", |t| {
                t[..t.len() / 2].to_string()
            }),
            "truncated",
        ),
        (
            variant(dir.path(), "old.msh", |t| {
                t.replacen("4.1 0 8", "2.2 0 8", 1)
            }),
            "version 2.2",
        ),
        (
            variant(dir.path(), "no_elements.msh", |t| {
                let (a, b) = (
                    t.find("$Elements").unwrap(),
                    t.find("$EndElements").unwrap(),
                );
                format!("{}{}", &t[..a], &t[b + "$EndElements\n".len()..])
            }),
            "$Elements",
        ),
        (data("triangles.msh"), "6-node triangles"),
        // The option that avoids the triangles recombination leaves.
        (data("triangles.msh"), "Mesh.SubdivisionAlgorithm=1"),
        // Lines and no quadrangles, as Gmsh writes a mesh whose surface has no physical group:
        // the message says so.
        (
            {
                let path = dir.path().join("lines_only.msh");
                std::fs::write(
                    &path,
                    "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$Entities\n0 1 0 0\n\
                     1 0 0 0 1 0 0 0 0\n$EndEntities\n$Nodes\n1 3 1 3\n1 1 0 3\n1\n2\n3\n\
                     0 0 0\n1 0 0\n0.5 0 0\n$EndNodes\n$Elements\n1 1 1 1\n1 1 8 1\n\
                     1 1 2 3\n$EndElements\n",
                )
                .unwrap();
                path
            },
            "Physical Surface",
        ),
    ];
    for (path, needle) in cases {
        let (ok, err) = potflow(&["solve", path.to_str().unwrap(), "--backend", "cpu"]);
        assert!(!ok && err.contains(needle), "{}: {err}", path.display());
        assert!(
            err.contains(path.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    let mesh = data("channel_cylinder.msh");
    let (ok, err) = potflow(&[
        "solve",
        mesh.to_str().unwrap(),
        "--inlet",
        "inflow",
        "--backend",
        "cpu",
    ]);
    assert!(
        !ok && err.contains("no boundary group \"inflow\"")
            && err.contains("cylinder, inlet, outlet, wall"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let h5 = common::write_mesh_file(
        dir.path(),
        "y_tube.h5",
        &potflow::mesh::generate::by_name("y_tube", 300).unwrap(),
    );
    let (ok, err) = potflow(&[
        "solve",
        h5.to_str().unwrap(),
        "--inlet",
        "inlet",
        "--backend",
        "cpu",
    ]);
    assert!(!ok && err.contains("no named groups"), "{err}");
}
