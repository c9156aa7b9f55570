//! The command line: a real run with its outputs, and every kind of bad input giving one clear
//! line on stderr and a non-zero exit, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{anchor, potflow, s};
use hdf5_pure::FileBuilder;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs potflow expecting failure; returns stderr after checking it is not a panic.
fn fails(args: &[&str]) -> String {
    let o = potflow(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "expected failure for {args:?}");
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    err
}

/// A one-element (or more) mesh file in the reference layout.
fn write_mesh(
    dir: &Path,
    name: &str,
    x: &[f64],
    y: &[f64],
    quad8: Option<(&[i32], u64)>,
) -> PathBuf {
    let mut fb = FileBuilder::new();
    fb.create_dataset("x").with_f64_data(x);
    fb.create_dataset("y").with_f64_data(y);
    if let Some((q, cols)) = quad8 {
        fb.create_dataset("quad8")
            .with_i32_data(q)
            .with_shape(&[q.len() as u64 / cols, cols]);
    }
    let path = dir.join(name);
    fb.write(&path).unwrap();
    path
}

/// The unit square as one Quad-8 element, node order of the element docs.
fn unit_square() -> (Vec<f64>, Vec<f64>, Vec<i32>) {
    (
        vec![0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.5, 0.0],
        vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 0.5],
        (0..8).collect(),
    )
}

#[test]
fn solve_writes_report_and_results_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let (json, h5) = (dir.path().join("r.json"), dir.path().join("r.h5"));
    let mesh = anchor().join("meshes/elbow_90_411.h5");
    let o = potflow(&[
        "solve",
        s(&mesh),
        "--backend",
        "cpu",
        "--threads",
        "1",
        "--json",
        s(&json),
        "--output",
        s(&h5),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    for stage in ["load", "assemble", "bc", "solve", "post", "total"] {
        assert!(table.contains(stage), "stage {stage} missing from\n{table}");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["mesh"]["nodes"], 411);
    assert_eq!(report["mesh"]["unused_nodes"], 35);
    assert_eq!(report["threads"], 1);
    assert_eq!(report["solver"]["converged"], true);
    for key in ["load", "assemble", "bc", "solve", "post", "total"] {
        assert!(report["timings"][key].as_f64().unwrap() >= 0.0);
    }
    let (inflow, outflow) = (
        report["boundary"]["inflow"].as_f64().unwrap(),
        report["boundary"]["outflow"].as_f64().unwrap(),
    );
    assert!((inflow - outflow).abs() < 1e-7 * inflow);

    // Results line up with the reference file node by node, element by element.
    let ours = potflow::mesh::hdf5::open(&h5).unwrap();
    let reference = potflow::mesh::hdf5::open(&anchor().join("reference/elbow_90_411.h5")).unwrap();
    for (name, len) in [
        ("u", 411),
        ("abs_vel", 111),
        ("pressure", 111),
        ("vel", 222),
    ] {
        let a = ours.dataset(name).unwrap().read_f64().unwrap();
        let b = reference.dataset(name).unwrap().read_f64().unwrap();
        assert_eq!(a.len(), len);
        assert!(common::max_rel_diff(&a, &b) < 1e-6, "{name}");
    }
    assert_eq!(
        ours.dataset("quad8").unwrap().shape().unwrap(),
        vec![111, 8]
    );
    assert_eq!(
        ours.dataset("quad8").unwrap().read_i64().unwrap(),
        reference.dataset("quad8").unwrap().read_i64().unwrap()
    );
    // Nothing left under a temporary name.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn missing_file() {
    let err = fails(&["solve", "/no/such/mesh.h5"]);
    assert!(
        err.contains("/no/such/mesh.h5") && err.contains("No such file"),
        "{err}"
    );
}

#[test]
fn not_an_hdf5_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mesh.h5");
    std::fs::write(&p, "x,y\n0,0\n").unwrap();
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("mesh.h5") && err.contains("not a readable HDF5 file"),
        "{err}"
    );
}

#[test]
fn missing_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, _) = unit_square();
    let p = write_mesh(dir.path(), "m.h5", &x, &y, None);
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("m.h5") && err.contains("`quad8`") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn misshaped_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, q) = unit_square();
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 4)));
    let err = fails(&["solve", s(&p)]);
    assert!(err.contains("`quad8`") && err.contains("(E, 8)"), "{err}");
}

#[test]
fn one_based_indices_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, q) = unit_square();
    let q1: Vec<i32> = q.iter().map(|k| k + 1).collect();
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q1, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("1-based") && err.contains("element 0"),
        "{err}"
    );
}

#[test]
fn index_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, mut q) = unit_square();
    q[5] = 42;
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(err.contains("element 0 node 5 has index 42"), "{err}");
}

#[test]
fn nan_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let (x, mut y, q) = unit_square();
    y[6] = f64::NAN;
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("node 6") && err.contains("non-finite"),
        "{err}"
    );
}

#[test]
fn degenerate_element() {
    let dir = tempfile::tempdir().unwrap();
    let (x, mut y, q) = unit_square();
    // Collapse the top onto the bottom: zero area.
    for k in [2, 3, 6, 5, 7] {
        y[k] = 0.0;
    }
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("element 0") && err.contains("degenerate"),
        "{err}"
    );
}

#[test]
fn self_overlapping_element() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, mut q) = unit_square();
    q.swap(1, 2); // a bow tie: det J changes sign inside
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("element 0") && err.contains("self-overlapping"),
        "{err}"
    );
}

#[test]
fn repeated_node_in_element() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, mut q) = unit_square();
    q[6] = 4;
    let p = write_mesh(dir.path(), "m.h5", &x, &y, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(
        err.contains("element 0") && err.contains("more than once"),
        "{err}"
    );
}

#[test]
fn no_inlet_edge() {
    // The square turned 45°: x = xmin touches a single corner, no edge.
    let dir = tempfile::tempdir().unwrap();
    let (x, y, q) = unit_square();
    let (c, sn) = (
        std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    );
    let xr: Vec<f64> = x.iter().zip(&y).map(|(x, y)| c * x - sn * y).collect();
    let yr: Vec<f64> = x.iter().zip(&y).map(|(x, y)| sn * x + c * y).collect();
    let p = write_mesh(dir.path(), "m.h5", &xr, &yr, Some((&q, 8)));
    let err = fails(&["solve", s(&p)]);
    assert!(err.contains("m.h5") && err.contains("no inlet"), "{err}");
}

#[test]
fn not_converging_is_an_error_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mesh = anchor().join("meshes/venturi_341.h5");
    let err = fails(&[
        "solve",
        s(&mesh),
        "--max-iter",
        "3",
        "--solver",
        "jacobi",
        "--json",
        s(&json),
        "--quiet",
    ]);
    assert!(
        err.contains("did not converge") && err.contains("3 iterations"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["solver"]["converged"], false);
    assert_eq!(report["solver"]["iterations"], 3);
}

#[test]
fn bad_option_values() {
    let err = fails(&["solve", "--rtol=-1"]);
    assert!(err.contains("--rtol"), "{err}");
    let err = fails(&["solve", "--threads", "0"]);
    assert!(err.contains("--threads"), "{err}");
}

#[test]
fn unwritable_output_is_a_clear_error() {
    let mesh = anchor().join("meshes/y_tube_201.h5");
    let err = fails(&[
        "solve",
        s(&mesh),
        "--json",
        "/no/such/dir/r.json",
        "--quiet",
    ]);
    assert!(
        err.contains("/no/such/dir/r.json") && err.contains("cannot write"),
        "{err}"
    );
}

/// Runs potflow with no Vulkan driver visible (and only the Vulkan backend allowed).
fn potflow_without_gpu(args: &[&str]) -> Output {
    common::potflow_env(
        args,
        &[
            ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
            ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
            ("WGPU_BACKEND", "vulkan"),
        ],
    )
}

#[test]
fn auto_falls_back_to_the_cpu_without_an_adapter_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mesh = anchor().join("meshes/y_tube_201.h5");
    let o = potflow_without_gpu(&["solve", s(&mesh), "--json", s(&json)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("no usable GPU"), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["backend"], "cpu");
    assert!(report["gpu"].is_null());
}

#[test]
fn backend_gpu_without_an_adapter_is_a_clear_error() {
    let mesh = anchor().join("meshes/y_tube_201.h5");
    let o = potflow_without_gpu(&["solve", s(&mesh), "--backend", "gpu"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--backend gpu") && err.contains("no GPU adapter"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let o = potflow_without_gpu(&["devices"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("no GPU adapters found"));
}

/// Whether a GPU adapter is visible; prints why a GPU test skips (fails under CI's
/// POTFLOW_REQUIRE_GPU=1).
fn have_gpu() -> bool {
    if potflow::gpu::list_adapters().is_empty() {
        assert!(
            !potflow::gpu::gpu_required(),
            "POTFLOW_REQUIRE_GPU=1 but wgpu sees no adapter"
        );
        eprintln!("skipping: no GPU adapter (install a Vulkan driver, e.g. mesa-vulkan-drivers)");
        return false;
    }
    true
}

#[test]
fn gpu_solve_reports_adapter_precision_and_setup_time() {
    if !have_gpu() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mesh = anchor().join("meshes/t_junction_393.h5");
    let o = potflow(&[
        "solve",
        s(&mesh),
        "--backend",
        "gpu",
        "--precision",
        "f32",
        "--chunk-elements",
        "17",
        "--json",
        s(&json),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["backend"], "gpu");
    assert_eq!(report["gpu"]["precision"], "f32");
    assert_eq!(report["gpu"]["chunk_elements"], 17);
    assert!(report["gpu"]["adapter"]
        .as_str()
        .is_some_and(|a| !a.is_empty()));
    assert!(report["timings"]["gpu_setup"].as_f64().unwrap() > 0.0);
}

#[test]
fn check_command_passes_on_a_reference_mesh() {
    if !have_gpu() {
        return;
    }
    let mesh = anchor().join("meshes/venturi_341.h5");
    let has_f64 = potflow::gpu::list_adapters()[0].f64;
    for precision in ["f64", "f32"]
        .into_iter()
        .filter(|p| has_f64 || *p == "f32")
    {
        let o = potflow(&["check", s(&mesh), "--precision", precision]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{precision}: {out}{}", stderr(&o));
        assert!(
            out.contains("element matrices") && out.contains("solve: u") && out.contains("agree"),
            "{out}"
        );
    }
}

#[test]
fn bench_writes_all_tables_and_complete_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (md, json, csv) = (
        dir.path().join("b.md"),
        dir.path().join("b.json"),
        dir.path().join("b.csv"),
    );
    let mesh = anchor().join("meshes/y_tube_201.h5");
    let configs = if have_gpu() {
        "serial,cpu,gpu"
    } else {
        "serial,cpu"
    };
    let o = potflow(&[
        "bench",
        s(&mesh),
        "--repeat",
        "2",
        "--configs",
        configs,
        "--threads",
        "1,2",
        "--markdown",
        s(&md),
        "--json",
        s(&json),
        "--csv",
        s(&csv),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = std::fs::read_to_string(&md).unwrap();
    for needle in [
        "| assemble (s) |",
        "| CG iterations |",
        "| peak memory (MB) |",
        "speedup total vs serial",
        "Thread scaling",
        "efficiency",
    ] {
        assert!(table.contains(needle), "{needle} missing from\n{table}");
    }
    assert!(!table.contains("did not run"), "{table}");
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let m = &result["meshes"][0];
    assert_eq!(m["nodes"], 201);
    let n_configs = configs.split(',').count();
    assert_eq!(m["configs"].as_array().unwrap().len(), n_configs);
    for c in m["configs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(m["scaling"].as_array().unwrap())
    {
        assert_eq!(c["samples"].as_array().unwrap().len(), 2, "{c}");
        assert!(c["error"].is_null());
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let columns = header.split(',').count();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        (n_configs + 2) * 10,
        "one row per configuration and metric"
    );
    for row in rows {
        let fields: Vec<&str> = row.split(',').collect();
        // The adapter label may hold commas inside quotes; count from both ends.
        assert!(fields.len() >= columns, "{row}");
        for f in fields.iter().rev().take(3) {
            assert!(
                f.parse::<f64>().is_ok_and(|v| v.is_finite()),
                "empty or non-finite field in {row}"
            );
        }
    }
}
