//! Hostile input: malformed files and options, made here, one test per class. Each must end in
//! one clear line and exit 1 (or, where the input is legal, the right answer): never a panic,
//! never an allocation a file merely declares, never a silently wrong answer, never a
//! half-written set of outputs.

mod common;

use std::path::{Path, PathBuf};

use common::{asset_mesh, potflow, read_json, refused, s, stderr, write_mesh_file};
use potflow::mesh::{self, generate, Mesh};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The shipped channel mesh as MSH text.
fn channel_text() -> String {
    std::fs::read_to_string(asset_mesh("channel")).unwrap()
}

/// A binary MSH 4.1 file of `mesh` with its groups, in either byte order and size_t width.
fn binary_msh(mesh: &Mesh, big_endian: bool, size_t: usize) -> Vec<u8> {
    potflow::output::mesh_files::msh_binary(mesh, big_endian, size_t)
}

#[test]
fn binary_msh_of_either_byte_order_and_size_t_reads_the_same() {
    // (The reader is checked against files Gmsh wrote in tests/gmsh.rs; here every encoding
    // potflow writes must read back to the mesh it came from.)
    let dir = tempfile::tempdir().unwrap();
    let mesh = generate::by_name("channel_with_cylinder", 800).unwrap();
    for big_endian in [false, true] {
        for size_t in [4, 8] {
            let p = write(dir.path(), "m.msh", binary_msh(&mesh, big_endian, size_t));
            let back = mesh::read(&p)
                .unwrap_or_else(|e| panic!("big endian {big_endian}, size_t {size_t}: {e}"));
            assert!(
                back.x == mesh.x && back.y == mesh.y && back.quad8 == mesh.quad8,
                "big endian {big_endian}, size_t {size_t}"
            );
            let names = |m: &Mesh| {
                m.groups
                    .iter()
                    .map(|g| (g.name.clone(), g.edges.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&back), names(&mesh));
        }
    }
}

#[test]
fn malformed_msh_headers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = channel_text();
    for (header, needle) in [
        ("4.1 0 99999999999999999999", "data-size"),
        ("4.1 1 0", "data-size 0"),
        ("4.1 1 3", "data-size 3"),
        ("4.1 7 8", "file-type 7"),
        ("4.1", "not `version file-type data-size`"),
        ("2.2 0 8", "version 2.2"),
    ] {
        let p = write(dir.path(), "m.msh", text.replacen("4.1 0 8", header, 1));
        refused(&["info", s(&p)], &["m.msh", "$MeshFormat", needle]);
    }
    // Gmsh reads any whitespace between the header's fields, and so does potflow.
    let p = write(
        dir.path(),
        "m.msh",
        text.replacen("4.1 0 8", "4.1  0\t 8", 1),
    );
    assert!(potflow(&["info", s(&p)]).status.success());
}

#[test]
fn declared_counts_beyond_the_file_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let text = channel_text();
    let nodes = text.find("$Nodes\n").unwrap() + "$Nodes\n".len();
    let line_end = nodes + text[nodes..].find('\n').unwrap();
    let fields: Vec<&str> = text[nodes..line_end].split_whitespace().collect();
    for (count, needle) in [("3000000000", "bytes left"), ("1000000000000", "limit")] {
        let huge = format!("{} {count} {} {count}", fields[0], fields[2]);
        let p = write(
            dir.path(),
            "m.msh",
            format!("{}{huge}{}", &text[..nodes], &text[line_end..]),
        );
        refused(&["info", s(&p)], &["m.msh", "$Nodes", count, needle]);
    }
    // In a binary file too, of either byte order: a swapped count is refused, not reserved.
    let mesh = generate::by_name("channel", 300).unwrap();
    let mut bytes = binary_msh(&mesh, false, 8);
    let at = bytes.windows(7).position(|w| w == b"$Nodes\n").unwrap() + 7 + 8;
    bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let p = write(dir.path(), "b.msh", bytes);
    refused(&["info", s(&p)], &["b.msh", "$Nodes", "number of nodes"]);
}

#[test]
fn sections_are_found_by_structure_not_by_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = channel_text();
    // A $Comments section quoting a fake $Nodes block: the real nodes are read.
    let fake =
        "$Comments\n$Nodes\n1 2 1 2\n2 1 0 2\n1\n2\n0 0 0\n40 0 0\n$EndNodes\n$EndComments\n";
    let at = text.find("$PhysicalNames").unwrap();
    let commented = format!("{}{fake}{}", &text[..at], &text[at..]);
    let a = mesh::read(&write(dir.path(), "c.msh", &commented)).unwrap();
    let b = mesh::read(&asset_mesh("channel")).unwrap();
    assert!(a.x == b.x && a.y == b.y && a.quad8 == b.quad8);
    // A group named "$Nodes" is just a name.
    let renamed = text.replacen("\"wall\"", "\"$Nodes\"", 1);
    let m = mesh::read(&write(dir.path(), "n.msh", &renamed)).unwrap();
    assert!(m.groups.iter().any(|g| g.name == "$Nodes"));
    // A byte-order mark and blank lines before $MeshFormat are fine.
    let bom = format!("\u{feff}\n\n{text}");
    assert_eq!(
        mesh::read(&write(dir.path(), "bom.msh", bom)).unwrap().x,
        b.x
    );
}

#[test]
fn two_groups_of_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = channel_text().replacen("\"wall\"", "\"inlet\"", 1);
    let p = write(dir.path(), "m.msh", text);
    refused(
        &["solve", s(&p), "--backend", "cpu"],
        &["m.msh", "two boundary groups", "\"inlet\""],
    );
}

/// The channel (8 × 1) with its `inlet` group's first line edited by `edit`.
fn channel_with_inlet_edit(edit: impl Fn(&mut [u32; 3], &Mesh)) -> Mesh {
    let mut mesh = mesh::read(&asset_mesh("channel")).unwrap();
    let g = mesh.groups.iter().position(|g| g.name == "inlet").unwrap();
    let mut edge = mesh.groups[g].edges[0];
    edit(&mut edge, &mesh);
    mesh.groups[g].edges[0] = edge;
    mesh
}

#[test]
fn boundary_lines_must_be_element_edges_on_the_boundary() {
    let dir = tempfile::tempdir().unwrap();
    // The middle node listed at an end.
    let swapped = channel_with_inlet_edit(|e, _| e.swap(0, 1));
    let p = write_mesh_file(dir.path(), "swapped.msh", &swapped);
    refused(
        &["solve", s(&p), "--backend", "cpu"],
        &["swapped.msh", "group \"inlet\"", "not an element edge"],
    );
    // A degenerate line (a, a, a).
    let degenerate = channel_with_inlet_edit(|e, _| *e = [e[0]; 3]);
    let p = write_mesh_file(dir.path(), "degenerate.msh", &degenerate);
    refused(
        &["solve", s(&p), "--backend", "cpu"],
        &["degenerate.msh", "not an element edge"],
    );
    // An inlet on an interior edge: a source inside the domain.
    let interior = channel_with_inlet_edit(|e, mesh| {
        let el = mesh
            .quad8
            .iter()
            .find(|el| {
                el.iter().all(|&k| {
                    mesh.x[k as usize] > 1.0
                        && mesh.x[k as usize] < 7.0
                        && mesh.y[k as usize] > 0.01
                        && mesh.y[k as usize] < 0.99
                })
            })
            .unwrap();
        *e = [el[0], el[4], el[1]];
    });
    let p = write_mesh_file(dir.path(), "interior.msh", &interior);
    refused(
        &["solve", s(&p), "--backend", "cpu"],
        &["interior.msh", "inside the domain"],
    );
}

#[test]
fn a_mesh_far_from_the_origin_keeps_its_inlet() {
    // The channel moved to x ≈ 10⁷, one inlet node one unit in the last place off: an
    // absolute 1e-9 would drop an inlet edge; the tolerance follows the coordinates.
    let dir = tempfile::tempdir().unwrap();
    let mut mesh = generate::by_name("channel", 600).unwrap();
    mesh.groups.clear();
    for x in mesh.x.iter_mut() {
        *x += 1.0e7;
    }
    let xmin = mesh.x.iter().copied().fold(f64::INFINITY, f64::min);
    let k = (0..mesh.nodes())
        .find(|&k| mesh.x[k] == xmin && mesh.y[k] > 0.3 && mesh.y[k] < 0.7)
        .unwrap();
    mesh.x[k] = f64::from_bits(xmin.to_bits() + 1);
    let json = dir.path().join("r.json");
    let p = write_mesh_file(dir.path(), "far.h5", &mesh);
    let o = potflow(&[
        "solve",
        s(&p),
        "--backend",
        "cpu",
        "--json",
        s(&json),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = read_json(&json);
    // The channel's inlet is 1 m high: inflow = 2.5 m/s × 1 m.
    let inflow = r["boundary"]["inflow"].as_f64().unwrap();
    assert!((inflow - 2.5).abs() < 1e-9, "inflow {inflow}");
}

#[test]
fn option_values_out_of_range_are_refused_by_name() {
    let mesh = asset_mesh("channel");
    for (option, value) in [
        ("--inlet-flux", "1e200"),
        ("--inlet-velocity", "1e-300"),
        ("--inlet-velocity", "0"),
        ("--rtol", "2"),
        ("--rtol", "nan"),
        ("--rho", "1e308"),
        ("--rho", "-1"),
        ("--p0", "inf"),
        ("--robin-p", "1e300"),
        ("--bc-tol", "0"),
        ("--threads", "100000"),
        ("--max-iter", "0"),
    ] {
        let arg = format!("{option}={value}");
        let name = if option == "--inlet-flux" {
            "--inlet-velocity"
        } else {
            option
        };
        refused(&["solve", s(&mesh), &arg, "--backend", "cpu"], &[name]);
    }
    refused(
        &["info", "venturi:5000000000"],
        &["venturi:5000000000", "50000000"],
    );
    refused(
        &[
            "generate",
            "venturi",
            "--nodes",
            "5000000000",
            "-o",
            "x.msh",
        ],
        &["--nodes"],
    );
}

#[test]
fn a_tilted_mesh_is_refused_not_flattened() {
    let dir = tempfile::tempdir().unwrap();
    let text = channel_text();
    // Give one node z = 0.5: the nodes no longer lie in one plane.
    let nodes = text.find("$Nodes\n").unwrap();
    let coords = nodes + text[nodes..].find(" 0\n").unwrap();
    let tilted = format!("{} 0.5\n{}", &text[..coords], &text[coords + 3..]);
    let p = write(dir.path(), "tilted.msh", tilted);
    refused(&["info", s(&p)], &["tilted.msh", "$Nodes", "one plane"]);
}

#[test]
fn outputs_never_overwrite_the_input_or_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let mesh = write_mesh_file(
        dir.path(),
        "mesh.h5",
        &generate::by_name("channel", 300).unwrap(),
    );
    let before = std::fs::read(&mesh).unwrap();
    refused(
        &["solve", s(&mesh), "--json", s(&mesh)],
        &["--json", "overwrite the input mesh"],
    );
    assert_eq!(std::fs::read(&mesh).unwrap(), before);
    let out = dir.path().join("r.out");
    refused(
        &["solve", s(&mesh), "--json", s(&out), "--output", s(&out)],
        &["--json and --output both write"],
    );
    assert!(!out.exists());
}

#[test]
fn a_bad_output_path_is_found_before_the_solve_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mesh = asset_mesh("channel");
    let json = dir.path().join("r.json");
    let no_dir = dir.path().join("no/such/r.vtu");
    refused(
        &["solve", s(&mesh), "--json", s(&json), "--vtu", s(&no_dir)],
        &["--vtu", "does not exist"],
    );
    let file = write(dir.path(), "plots", "not a directory");
    refused(
        &["solve", s(&mesh), "--json", s(&json), "--png", s(&file)],
        &["--png", "not a directory"],
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["plots"], "nothing else written");
}

#[test]
fn a_mesh_can_come_through_a_pipe() {
    let text = std::fs::read(asset_mesh("channel")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_potflow"))
        .args(["info", "/dev/stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&text).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nodes"));
}

#[test]
fn a_missing_file_with_a_colon_is_not_taken_for_a_geometry() {
    refused(
        &["info", "results:v2.msh"],
        &["results:v2.msh", "no such file"],
    );
}

#[test]
fn a_truncated_hdf5_file_is_refused_before_reading() {
    // The data of `quad8` (contiguous) ends beyond the end of the file: refused with the
    // dataset named, before anything is allocated for it.
    let dir = tempfile::tempdir().unwrap();
    let mesh = generate::by_name("channel", 40_000).unwrap();
    let p = write_mesh_file(dir.path(), "m.h5", &mesh);
    let bytes = std::fs::read(&p).unwrap();
    let short = write(dir.path(), "short.h5", &bytes[..bytes.len() * 9 / 10]);
    let err = refused(&["info", s(&short)], &["short.h5"]);
    assert!(
        err.contains("`quad8`")
            || err.contains("`x`")
            || err.contains("`y`")
            || err.contains("HDF5"),
        "{err}"
    );
}

#[test]
fn a_bad_bench_output_is_found_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("b.md");
    let csv = dir.path().join("no/such/b.csv");
    refused(
        &[
            "bench",
            "venturi:2000",
            "--configs",
            "cpu",
            "--repeat",
            "1",
            "--markdown",
            s(&md),
            "--csv",
            s(&csv),
        ],
        &["--csv", "does not exist"],
    );
    assert!(!md.exists());
}
