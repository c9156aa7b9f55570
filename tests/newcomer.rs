//! What a newcomer meets: every promise of the Bad input list in docs/usage.md kept (and
//! traced to its test), the messages for clumsy inputs, the sharp-edge note on a surface, and
//! the Gmsh examples in assets/gmsh/ meshed and solved when Gmsh is installed.

mod common;

use std::path::{Path, PathBuf};

use common::{potflow, refused, s, stderr};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Each clause of docs/usage.md's Bad input list, as written there, and the tests
/// (`file::function`) that feed potflow that input and check its one-line message.
const PROMISES: &[(&str, &[&str])] = &[
    (
        "`--kutta` on a body with no sharp corner and no `--trailing-edge`",
        &["lift::lift_options_that_cannot_work_are_refused_in_one_line"],
    ),
    (
        "a `--kutta` or `--circulation` group that is not one closed outline",
        &["lift::lift_options_that_cannot_work_are_refused_in_one_line"],
    ),
    (
        "a wake that meets a boundary where the potential is fixed",
        &["lift::lift_options_that_cannot_work_are_refused_in_one_line"],
    ),
    (
        "`--kutta` with `--circulation`, or `--trailing-edge` without `--kutta`",
        &["lift::lift_options_that_cannot_work_are_refused_in_one_line"],
    ),
    (
        "an airfoil coordinate file with fewer than 10 points, a line that is not two numbers, points out of order along the chord, or an outline that crosses itself",
        &["lift::bad_coordinate_files_are_refused_and_nothing_is_written"],
    ),
    (
        "`--alpha` without `--kutta`, or an angle beyond ±90°",
        &["polar::a_polar_names_its_supercritical_angles_and_refuses_what_it_cannot_turn"],
    ),
    (
        "`--mach` without a lifting body, or outside 0..0.95",
        &["polar::mach_corrections_are_reported_and_a_supercritical_peak_is_named"],
    ),
    ("a missing file", &["cli::missing_file"]),
    (
        "a file that is neither Gmsh nor HDF5",
        &["cli::not_an_hdf5_file", "newcomer::clumsy_inputs_get_messages_that_say_what_is_wrong"],
    ),
    (
        "a Gmsh header with an unknown version, file type or data size",
        &["hostile::malformed_msh_headers_are_refused"],
    ),
    (
        "a section cut short or without its `$End` line",
        &["gmsh::bad_gmsh_files_give_clear_errors", "hostile::sections_are_found_by_structure_not_by_text"],
    ),
    (
        "a count declared larger than the rest of the file can hold or than potflow's limits (2³² − 2 nodes, 2²⁶ elements, 5·10⁷ generated nodes), checked before anything is allocated",
        &["hostile::declared_counts_beyond_the_file_are_refused_before_allocating"],
    ),
    (
        "a node tag defined twice or missing",
        &["newcomer::the_rest_of_the_bad_input_list"],
    ),
    (
        "nodes off the plane z = const",
        &["hostile::a_tilted_mesh_is_refused_not_flattened"],
    ),
    (
        "3-D elements or 2-D elements other than 8-node quadrangles",
        &["newcomer::the_rest_of_the_bad_input_list", "gmsh::bad_gmsh_files_give_clear_errors"],
    ),
    (
        "an HDF5 dataset missing, misshaped, of the wrong type, declared but never (or only partly) written, or lying beyond the end of the file",
        &[
            "cli::missing_dataset",
            "cli::misshaped_dataset",
            "newcomer::the_rest_of_the_bad_input_list",
            "hostile::a_truncated_hdf5_file_is_refused_before_reading",
        ],
    ),
    (
        "indices out of range (a 1-based file is recognised as such)",
        &["cli::index_out_of_range", "cli::one_based_indices_are_recognised"],
    ),
    ("non-finite coordinates", &["cli::nan_coordinates"]),
    ("a repeated node in an element", &["cli::repeated_node_in_element"]),
    (
        "a degenerate or self-overlapping element",
        &["cli::degenerate_element", "cli::self_overlapping_element"],
    ),
    (
        "an empty file, or a mesh with no elements",
        &["newcomer::clumsy_inputs_get_messages_that_say_what_is_wrong"],
    ),
    ("two groups of one name", &["hostile::two_groups_of_one_name_are_refused"]),
    (
        "a group line that is not an element edge with its middle node in the middle",
        &["hostile::boundary_lines_must_be_element_edges_on_the_boundary"],
    ),
    (
        "an inlet or outlet group inside the domain",
        &["hostile::boundary_lines_must_be_element_edges_on_the_boundary"],
    ),
    (
        "an unknown group",
        &["gmsh::bad_gmsh_files_give_clear_errors", "cli::bad_boundary_conditions_give_one_line"],
    ),
    (
        "no inlet edge or no outlet node",
        &["cli::no_inlet_edge", "newcomer::the_rest_of_the_bad_input_list"],
    ),
    (
        "a mesh piece the outlet does not reach (singular)",
        &["verification::disconnected_piece_without_outlet_is_reported_singular"],
    ),
    (
        "every number outside its range (the range is in the message and the number in a readable form, and a negative number such as `--threads -1` reaches that check too)",
        &[
            "hostile::option_values_out_of_range_are_refused_by_name",
            "cli::a_newcomers_slips_get_one_line_that_says_what_to_write",
            "newcomer::clumsy_inputs_get_messages_that_say_what_is_wrong",
        ],
    ),
    (
        "an inlet equal to the outlet",
        &["newcomer::the_rest_of_the_bad_input_list"],
    ),
    (
        "a bare geometry name (`venturi`: the message says a generated mesh is `venturi:NODES`)",
        &["cli::a_newcomers_slips_get_one_line_that_says_what_to_write"],
    ),
    (
        "a missing file whose name has a colon (neither a file nor GEOMETRY:NODES)",
        &[
            "hostile::a_missing_file_with_a_colon_is_not_taken_for_a_geometry",
            "newcomer::clumsy_inputs_get_messages_that_say_what_is_wrong",
        ],
    ),
    (
        "a stream angle not after `@`",
        &["cli::a_newcomers_slips_get_one_line_that_says_what_to_write"],
    ),
    (
        "`--solve-on gpu` with `--backend cpu`",
        &["cli::solve_on_gpu_is_reported_and_needs_a_gpu_backend"],
    ),
    (
        "a `--range` or `--view` that is not of its form or whose minimum is not below its maximum, or a `--view` beside the mesh",
        &["plots::bad_plot_options_get_one_line"],
    ),
    (
        "two outputs naming one file",
        &["hostile::outputs_never_overwrite_the_input_or_each_other"],
    ),
    (
        "an output naming the input mesh",
        &["hostile::outputs_never_overwrite_the_input_or_each_other"],
    ),
    (
        "a directory that does not exist",
        &["hostile::a_bad_output_path_is_found_before_the_solve_and_nothing_is_written"],
    ),
    (
        "a `--png`/`--out` path that is a file",
        &["cli::a_newcomers_slips_get_one_line_that_says_what_to_write"],
    ),
    (
        "a file whose extension names another format (`--output r.vtu`, `--vtu x.h5`, `--json x.h5`)",
        &["cli::a_newcomers_slips_get_one_line_that_says_what_to_write"],
    ),
    (
        "a file that cannot be written (the message names the file asked for, not a temporary one)",
        &["cli::unwritable_output_is_a_clear_error", "newcomer::clumsy_inputs_get_messages_that_say_what_is_wrong"],
    ),
];

/// The clauses of the Bad input list: each bullet's text after its `label:`, split at `;`.
fn bad_input_clauses() -> Vec<String> {
    let usage = std::fs::read_to_string(root().join("docs/usage.md")).unwrap();
    let start = usage.find("## Bad input").expect("a Bad input section");
    let section = &usage[start..];
    let mut bullets: Vec<String> = Vec::new();
    for line in section.lines().skip(1) {
        if let Some(rest) = line.strip_prefix("- ") {
            bullets.push(rest.to_string());
        } else if line.starts_with("  ") && !bullets.is_empty() {
            let last = bullets.last_mut().unwrap();
            last.push(' ');
            last.push_str(line.trim());
        } else if !bullets.is_empty() && line.trim().is_empty() {
            break;
        }
    }
    bullets
        .iter()
        .flat_map(|b| {
            let body = b.split_once(": ").map_or(b.as_str(), |(_, rest)| rest);
            body.split("; ")
                .map(|c| c.trim().trim_end_matches(['.', ';']).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_promise_of_the_bad_input_list_has_a_test() {
    let clauses = bad_input_clauses();
    assert!(clauses.len() > 25, "{clauses:#?}");
    let listed: Vec<&str> = PROMISES.iter().map(|p| p.0).collect();
    for c in &clauses {
        assert!(
            listed.contains(&c.as_str()),
            "docs/usage.md promises `{c}`: name its test in PROMISES"
        );
    }
    for (promise, tests) in PROMISES {
        assert!(
            clauses.iter().any(|c| c == promise),
            "PROMISES lists `{promise}`, which docs/usage.md no longer promises"
        );
        for t in *tests {
            let (file, function) = t.split_once("::").unwrap();
            let source = std::fs::read_to_string(root().join(format!("tests/{file}.rs")))
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(
                source.contains(&format!("#[test]\nfn {function}()")),
                "`{promise}`: no test {t}"
            );
        }
    }
}

/// The shipped straight channel in MSH text, edited.
fn channel_variant(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let text =
        std::fs::read_to_string(root().join("tests/data/gmsh/straight_channel.msh")).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "{name}: the edit changed nothing");
    let path = dir.join(name);
    std::fs::write(&path, edited).unwrap();
    path
}

#[test]
fn the_rest_of_the_bad_input_list() {
    let dir = tempfile::tempdir().unwrap();
    // A node tag defined twice: the second point's tag made 1.
    let twice = channel_variant(dir.path(), "twice.msh", |t| {
        t.replacen("0 2 0 1\n2\n", "0 2 0 1\n1\n", 1)
    });
    refused(
        &["info", s(&twice)],
        &["twice.msh", "$Nodes", "node tag 1 appears twice"],
    );
    // A node tag missing: the first element refers to a tag no block defines.
    let missing = channel_variant(dir.path(), "missing.msh", |t| {
        let at = t.find("$Elements\n").unwrap();
        let mut lines: Vec<String> = t[at..].lines().map(String::from).collect();
        let mut first: Vec<&str> = lines[3].split_whitespace().collect();
        first[1] = "999999";
        lines[3] = first.join(" ");
        format!("{}{}\n", &t[..at], lines.join("\n"))
    });
    refused(
        &["info", s(&missing)],
        &[
            "missing.msh",
            "$Elements",
            "node tag 999999",
            "does not define",
        ],
    );
    // 3-D elements: a tetrahedron (nodes in the plane, so the element type is what is wrong).
    let tet = dir.path().join("tet.msh");
    std::fs::write(
        &tet,
        "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$Nodes\n1 4 1 4\n3 1 0 4\n1\n2\n3\n4\n\
         0 0 0\n1 0 0\n0 1 0\n1 1 0\n$EndNodes\n$Elements\n1 1 1 1\n3 1 4 1\n1 1 2 3 4\n\
         $EndElements\n",
    )
    .unwrap();
    refused(
        &["info", s(&tet)],
        &["tet.msh", "3-D elements (Gmsh type 4)"],
    );
    // An HDF5 coordinate dataset of the wrong type.
    let mesh = potflow::mesh::generate::by_name("channel", 200).unwrap();
    let mut fb = hdf5_pure::FileBuilder::new();
    let xi: Vec<i32> = mesh.x.iter().map(|&v| v as i32).collect();
    fb.create_dataset("x").with_i32_data(&xi);
    fb.create_dataset("y").with_f64_data(&mesh.y);
    let q: Vec<i32> = mesh.quad8.iter().flatten().map(|&k| k as i32).collect();
    fb.create_dataset("quad8")
        .with_i32_data(&q)
        .with_shape(&[mesh.quad8.len() as u64, 8]);
    let typed = dir.path().join("int_x.h5");
    fb.write(&typed).unwrap();
    refused(&["info", s(&typed)], &["int_x.h5", "`x`"]);
    // No outlet node: on one skewed element, y = ymin is the single corner (0, 0), which is
    // the inlet's (x = xmin).
    let mut fb = hdf5_pure::FileBuilder::new();
    fb.create_dataset("x")
        .with_f64_data(&[0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.5, 0.0]);
    fb.create_dataset("y")
        .with_f64_data(&[0.0, 0.5, 1.5, 1.0, 0.25, 1.0, 1.25, 0.5]);
    fb.create_dataset("quad8")
        .with_i32_data(&[0, 1, 2, 3, 4, 5, 6, 7])
        .with_shape(&[1, 8]);
    let skew = dir.path().join("skew.h5");
    fb.write(&skew).unwrap();
    refused(
        &[
            "solve",
            s(&skew),
            "--inlet",
            "xmin",
            "--outlet",
            "ymin",
            "--json",
            "/dev/null",
        ],
        &["skew.h5", "outlet", "no node found apart from the inlet's"],
    );
    // An inlet equal to the outlet.
    refused(
        &[
            "solve",
            "channel:500",
            "--inlet",
            "xmin",
            "--outlet",
            "xmin",
            "--json",
            "/dev/null",
        ],
        &["--inlet and --outlet are both xmin"],
    );
}

#[test]
fn clumsy_inputs_get_messages_that_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    // An empty file is an empty file, not an unreadable HDF5 one.
    let empty = dir.path().join("empty.msh");
    std::fs::write(&empty, "").unwrap();
    refused(&["info", s(&empty)], &["empty.msh", "the file is empty"]);
    // An HDF5 mesh with no nodes and no elements.
    let mut fb = hdf5_pure::FileBuilder::new();
    fb.create_dataset("x").with_f64_data(&[]);
    fb.create_dataset("y").with_f64_data(&[]);
    fb.create_dataset("quad8")
        .with_i32_data(&[])
        .with_shape(&[0, 8]);
    let none = dir.path().join("none.h5");
    fb.write(&none).unwrap();
    refused(
        &["info", s(&none)],
        &["none.h5", "`quad8`", "the mesh has no elements"],
    );
    // A missing file with a colon: neither a file nor a geometry, and the message says both.
    refused(
        &["info", "./nosuch:5"],
        &[
            "./nosuch:5",
            "no such file",
            "`./nosuch` is not a known geometry",
        ],
    );
    // Numbers in a readable form, not 300 decimal digits.
    let err = refused(
        &[
            "solve",
            "channel:500",
            "--inlet-velocity",
            "1e-300",
            "--json",
            "/dev/null",
        ],
        &["--inlet-velocity", "got 1e-300"],
    );
    assert!(err.len() < 200, "{err}");
    let msh = std::env::temp_dir().join(format!("potflow-farfield-{}.msh", std::process::id()));
    let err = refused(
        &[
            "generate",
            "naca0012",
            "--farfield",
            "1e300",
            "-o",
            msh.to_str().unwrap(),
        ],
        &["--farfield", "got 1e300"],
    );
    assert!(err.len() < 200, "{err}");
    assert!(!msh.exists(), "a refused generate wrote {}", msh.display());
    // An output that cannot be written is named as the user wrote it, not by its
    // temporary name.
    if Path::new("/proc/self").exists() {
        let err = refused(
            &["solve", "channel:500", "--json", "/proc/r.json", "--quiet"],
            &["/proc/r.json"],
        );
        assert!(!err.contains("staged"), "{err}");
    }
}

#[test]
fn parametric_gmsh_nodes_are_read() {
    // Gmsh writes curve nodes with their parameter u when Mesh.SaveParametric=1: the block
    // header's third number is 1 and each coordinate line has one more value. potflow reads
    // them, and the mesh solves exactly as without the parameters.
    let dir = tempfile::tempdir().unwrap();
    let plain = root().join("tests/data/gmsh/straight_channel.msh");
    let parametric = channel_variant(dir.path(), "parametric.msh", |t| {
        let mut out = Vec::new();
        let mut lines = t.lines();
        while let Some(l) = lines.next() {
            out.push(l.to_string());
            if l == "$Nodes" {
                let header = lines.next().unwrap();
                out.push(header.to_string());
                let blocks: usize = header.split_whitespace().next().unwrap().parse().unwrap();
                for _ in 0..blocks {
                    let h: Vec<usize> = lines
                        .next()
                        .unwrap()
                        .split_whitespace()
                        .map(|v| v.parse().unwrap())
                        .collect();
                    let (dim, n) = (h[0], h[3]);
                    let params = dim.min(2);
                    out.push(format!("{} {} {} {}", h[0], h[1], (params > 0) as u8, n));
                    for _ in 0..n {
                        out.push(lines.next().unwrap().to_string());
                    }
                    for _ in 0..n {
                        let xyz = lines.next().unwrap();
                        out.push(format!("{xyz}{}", " 0.25".repeat(params)));
                    }
                }
            }
        }
        out.join("\n") + "\n"
    });
    let solve = |p: &Path, json: &Path| {
        let o = potflow(&[
            "solve",
            s(p),
            "--inlet",
            "in",
            "--outlet",
            "out",
            "--json",
            s(json),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        r["solution"].clone()
    };
    let a = solve(&plain, &dir.path().join("a.json"));
    let b = solve(&parametric, &dir.path().join("b.json"));
    assert_eq!(a, b);
}

#[test]
fn a_sharp_edge_on_a_surface_is_named_in_the_summary_and_the_report() {
    // The t_junction's upper wall turns round the branch's two convex corners (2, 1) and
    // (3, 1), where the fluid turns round 270° and |v| is singular.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = potflow(&[
        "solve",
        "t_junction:2000",
        "--surface",
        "wall",
        "--out",
        s(&out),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        text.contains("note      wall: 2 sharp edges, the sharpest at (")
            && text.contains("the fluid turns round 270°")
            && text.contains("not physical"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let mut corners: Vec<(f64, f64, f64)> = report["surfaces"][0]["sharp_edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_f64().unwrap();
            (f("x"), f("y"), f("fluid_angle_deg"))
        })
        .collect();
    corners.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(corners.len(), 2, "{corners:?}");
    for ((x, y, angle), want_x) in corners.iter().zip([2.0, 3.0]) {
        assert!(
            (x - want_x).abs() < 1e-9 && (y - 1.0).abs() < 1e-9,
            "{corners:?}"
        );
        // A right angle meshed with straight edges: exactly 270° up to rounding.
        assert!((angle - 270.0).abs() < 1e-6, "{corners:?}");
    }
}

/// The `gmsh` command: $GMSH, else `gmsh` on the PATH.
fn gmsh() -> Option<PathBuf> {
    let candidate = std::env::var_os("GMSH").map_or_else(|| PathBuf::from("gmsh"), PathBuf::from);
    let works = std::process::Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then_some(candidate)
}

#[test]
fn the_gmsh_examples_mesh_and_solve() {
    let Some(gmsh) = gmsh() else {
        common::skip(
            "the_gmsh_examples_mesh_and_solve",
            "no gmsh command (pip install gmsh, or set GMSH)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mesh = |name: &str| {
        let msh = dir.path().join(format!("{name}.msh"));
        let geo = root().join(format!("assets/gmsh/{name}.geo"));
        let o = std::process::Command::new(&gmsh)
            .args(["-2", s(&geo), "-o", s(&msh)])
            .output()
            .unwrap();
        assert!(o.status.success(), "gmsh {name}: {}", stderr(&o));
        msh
    };
    // The duct: default conditions from its groups; what flows in flows out.
    let duct = mesh("duct_bump");
    let json = dir.path().join("duct.json");
    let o = potflow(&["solve", s(&duct), "--json", s(&json), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (inflow, outflow) = (
        r["boundary"]["inflow"].as_f64().unwrap(),
        r["boundary"]["outflow"].as_f64().unwrap(),
    );
    let v_in = r["problem"]["inlet_velocity"].as_f64().unwrap();
    assert!(
        (inflow - v_in).abs() < 1e-9 * v_in,
        "inflow {inflow} through a 1 m inlet at {v_in} m/s"
    );
    assert!(
        (outflow - inflow).abs() < 1e-6 * inflow,
        "{inflow} in, {outflow} out"
    );
    // The airfoil at 0°: symmetric, so no force across the stream; Cp = 1 at the leading
    // edge's stagnation point; the sharp trailing edge named.
    let airfoil = mesh("airfoil");
    let out = dir.path().join("airfoil");
    let o = potflow(&[
        "solve",
        s(&airfoil),
        "--bc",
        "farfield=stream:1",
        "--surface",
        "airfoil",
        "--out",
        s(&out),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        text.contains("note      airfoil: a sharp edge at (1.000000, 0.000000)"),
        "{text}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let cy = r["surfaces"][0]["cy"].as_f64().unwrap();
    assert!(cy.abs() < 1e-3, "Cy {cy} at 0°");
    let csv = std::fs::read_to_string(out.join("surface_airfoil.csv")).unwrap();
    let cp_max = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse::<f64>().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert!((cp_max - 1.0).abs() < 0.01, "largest Cp {cp_max}");
    // The same unstructured mesh lifts at 4° with the Kutta condition: the inviscid lift
    // slope of NACA 0012 (0.1205 per degree in panel codes) within 2 %, the lift from the
    // pressure and from the circulation within 1e-3 of each other.
    let json = dir.path().join("lift.json");
    let o = potflow(&[
        "solve",
        s(&airfoil),
        "--bc",
        "farfield=stream:1@4",
        "--kutta",
        "airfoil",
        "--json",
        s(&json),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = common::read_json(&json);
    let entry = &r["surfaces"][0];
    let (cl, cl_gamma) = (common::f(entry, "cl"), common::f(entry, "cl_circulation"));
    assert!((cl / (4.0 * 0.1205) - 1.0).abs() < 0.02, "cl {cl} at 4°");
    assert!((cl / cl_gamma - 1.0).abs() < 1e-3, "{cl} vs {cl_gamma}");
}
