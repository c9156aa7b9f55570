//! What users look at: the VTU file for ParaView and the PNG plots, and that a failed run
//! leaves no partial output behind.

mod common;

use common::{asset_mesh, distorted_channel, potflow, s, write_mesh_file};
use potflow::element::{gauss3x3, gradients, NODES};
use potflow::output::colormap::viridis;
use vtkio::model::{Attribute, CellType, DataSet, IOBuffer, VertexNumbers, Vtk};

fn f64s(b: &IOBuffer) -> Vec<f64> {
    match b {
        IOBuffer::F64(v) => v.clone(),
        IOBuffer::F32(v) => v.iter().map(|&x| x as f64).collect(),
        other => panic!("unexpected buffer {other:?}"),
    }
}

/// Area of Quad-8 elements given as coordinates, by 3×3 Gauss (|det J|, any orientation).
fn area(points: impl Fn(usize) -> [f64; 2], cells: &[[usize; NODES]]) -> f64 {
    cells
        .iter()
        .map(|c| {
            let xy = c.map(&points);
            gauss3x3()
                .iter()
                .map(|&(xi, eta, w)| w * gradients(xi, eta, &xy).1.abs())
                .sum::<f64>()
        })
        .sum()
}

#[test]
fn vtu_round_trip_with_an_independent_reader() {
    // A shuffled channel, half its elements clockwise, plus nodes no element uses; its exact
    // solution is linear (u = γ (L − x), v = (γ, 0)) and its area is L × H, so what vtkio reads
    // back is checked against the problem, not against another output of the same run.
    let dir = tempfile::tempdir().unwrap();
    let (length, height, gamma) = (3.0, 1.0, 2.5);
    let mut mesh = distorted_channel(8, 3, length, height, 0.25, 3);
    for k in 0..4 {
        mesh.x.push(0.5 + 0.5 * k as f64);
        mesh.y.push(0.5);
    }
    let (n, m) = (mesh.nodes(), mesh.elements());
    let mesh_path = write_mesh_file(dir.path(), "channel.h5", &mesh);
    let vtu = dir.path().join("r.vtu");
    let o = potflow(&[
        "solve",
        s(&mesh_path),
        "--backend",
        "cpu",
        "--rtol",
        "1e-12",
        "--vtu",
        s(&vtu),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let vtk = Vtk::import(&vtu).expect("vtkio reads the file back");
    let DataSet::UnstructuredGrid { pieces, .. } = vtk.data else {
        panic!("not an unstructured grid")
    };
    let piece = pieces[0].load_piece_data(None).expect("inline piece");
    let points = f64s(&piece.points);
    assert_eq!(points.len(), n * 3);
    let cells: Vec<[usize; NODES]> = match &piece.cells.cell_verts {
        VertexNumbers::XML {
            connectivity,
            offsets,
        } => {
            assert_eq!(offsets.len(), m);
            connectivity
                .chunks_exact(8)
                .map(|c| std::array::from_fn(|k| c[k] as usize))
                .collect()
        }
        VertexNumbers::Legacy { .. } => panic!("expected XML cell numbering"),
    };
    assert!(piece
        .cells
        .types
        .iter()
        .all(|t| *t == CellType::QuadraticQuad));

    // The area from the file is the channel's.
    let from_file = area(|k| [points[3 * k], points[3 * k + 1]], &cells);
    assert!(
        (from_file - length * height).abs() < 1e-12,
        "{from_file} vs {}",
        length * height
    );

    let array = |attrs: &[Attribute], name: &str| -> Vec<f64> {
        attrs
            .iter()
            .find_map(|a| match a {
                Attribute::DataArray(d) if d.name == name => Some(f64s(&d.data)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no array {name}"))
    };
    // u per point at the point's own coordinates; 0 on the unused nodes.
    let u = array(&piece.data.point, "u");
    assert_eq!(u.len(), n);
    for k in 0..n {
        let exact = if k < n - 4 {
            gamma * (length - points[3 * k])
        } else {
            0.0
        };
        assert!(
            (u[k] - exact).abs() < 1e-9,
            "point {k}: u {} vs {exact}",
            u[k]
        );
    }
    // The recovered velocity per point: (γ, 0, 0) on used nodes, 0 on the unused ones. The
    // mass solves stop at a relative residual of 1e-10, which the scaled mass matrix's
    // condition number (well below 1e3) turns into at most 1e-7 of γ.
    let nodal = array(&piece.data.point, "velocity");
    assert_eq!(nodal.len(), n * 3);
    for k in 0..n {
        let exact = if k < n - 4 { gamma } else { 0.0 };
        let v = &nodal[3 * k..3 * k + 3];
        assert!(
            (v[0] - exact).abs() < 1e-7 * gamma && v[1].abs() < 1e-7 * gamma && v[2] == 0.0,
            "point {k}: {v:?}"
        );
    }
    // The stream function per point: ∂ψ/∂y = v_x = γ, so ψ − γ y is one constant on the used
    // nodes.
    let psi = array(&piece.data.point, "psi");
    assert_eq!(psi.len(), n);
    let offset = psi[0] - gamma * points[1];
    for k in 0..n - 4 {
        let c = psi[k] - gamma * points[3 * k + 1];
        assert!(
            (c - offset).abs() < 1e-9,
            "point {k}: ψ − γy = {c}, not {offset}"
        );
    }
    // velocity (3 components, z = 0), |v| and Bernoulli's pressure per cell.
    let velocity = array(&piece.data.cell, "velocity");
    assert_eq!(velocity.len(), m * 3);
    let p_exact = 101_328.828_1 - 0.5 * 1.225 * gamma * gamma;
    let (abs_vel, pressure) = (
        array(&piece.data.cell, "abs_vel"),
        array(&piece.data.cell, "pressure"),
    );
    for e in 0..m {
        let v = &velocity[3 * e..3 * e + 3];
        assert!(
            (v[0] - gamma).abs() < 1e-9 && v[1].abs() < 1e-9 && v[2] == 0.0,
            "cell {e}: {v:?}"
        );
        assert!((abs_vel[e] - gamma).abs() < 1e-9, "cell {e}");
        assert!(
            (pressure[e] - p_exact).abs() < 1e-6,
            "cell {e}: {}",
            pressure[e]
        );
    }
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (*x as i32 - y as i32).abs() <= 8)
}

#[test]
fn png_plots_show_the_field_and_a_colorbar() {
    let dir = tempfile::tempdir().unwrap();
    let mesh_path = asset_mesh("y_tube");
    let o = potflow(&[
        "solve",
        s(&mesh_path),
        "--backend",
        "cpu",
        "--png",
        s(dir.path()),
        "--png-width",
        "900",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["velocity.png", "potential.png", "pressure.png"] {
        let (w, h, rgb) = common::read_png(&dir.path().join(name));
        assert_eq!(w, 900, "{name}");
        assert!(h > 300, "{name}: height {h}");
        let pixel =
            |x: usize, y: usize| -> [u8; 3] { std::array::from_fn(|c| rgb[3 * (y * w + x) + c]) };
        // The field: many distinct colours in the plot area (left margin 100 px, plot 600 px).
        let mut colours = std::collections::HashSet::new();
        for y in (0..h).step_by(3) {
            for x in (100..700).step_by(3) {
                colours.insert(pixel(x, y));
            }
        }
        assert!(colours.len() > 50, "{name}: only {} colours", colours.len());
        // The colorbar (28 px wide, 40 px right of the plot): viridis from yellow at the top to
        // purple at the bottom, in one column.
        let column: Vec<[u8; 3]> = (0..h).map(|y| pixel(900 - 200 + 40 + 14, y)).collect();
        let top = column
            .iter()
            .position(|&c| near(c, viridis(1.0)))
            .unwrap_or_else(|| panic!("{name}: no yellow end of the colorbar in {column:?}"));
        let bottom = column
            .iter()
            .rposition(|&c| near(c, viridis(0.0)))
            .expect("purple end of the colorbar");
        assert!(
            bottom > top + 100,
            "{name}: colorbar from {top} to {bottom}"
        );
    }
    // Nothing left under a temporary name.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn out_dir_holds_everything_and_a_failed_run_leaves_only_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mesh_path = asset_mesh("venturi");
    let o = potflow(&[
        "solve",
        s(&mesh_path),
        "--out",
        s(&out),
        "--backend",
        "cpu",
        "--quiet",
    ]);
    assert!(o.status.success());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "potential.png",
            "pressure.png",
            "report.json",
            "results.h5",
            "results.vtu",
            "velocity.png"
        ]
    );

    // CG stopped short: the report says so; no results, no plots, no temporary files.
    let failed = dir.path().join("failed");
    let o = potflow(&[
        "solve",
        s(&mesh_path),
        "--out",
        s(&failed),
        "--backend",
        "cpu",
        "--solver",
        "jacobi",
        "--max-iter",
        "2",
        "--quiet",
    ]);
    assert!(!o.status.success());
    let names: Vec<String> = std::fs::read_dir(&failed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.json"]);

    // A bad input: nothing at all.
    let bad = dir.path().join("bad");
    let o = potflow(&["solve", "/no/such.h5", "--out", s(&bad)]);
    assert!(!o.status.success());
    assert!(!bad.exists());
}
