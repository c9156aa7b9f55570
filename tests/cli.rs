//! The command line: a real run with its outputs, and every kind of bad input giving one clear
//! line on stderr and a non-zero exit, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{asset_mesh, distorted_channel, potflow, read_json, s, write_mesh_file};
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
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
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
    // A shuffled channel with half its elements clockwise, in the reference layout: the exact
    // solution is linear, u = γ (L − x), v = (γ, 0), so every value in the results file can
    // be checked at its own node and element, through RCM renumbering and back.
    let dir = tempfile::tempdir().unwrap();
    let (length, gamma) = (3.0, 2.5);
    let input = distorted_channel(9, 4, length, 1.0, 0.25, 11);
    let mesh = write_mesh_file(dir.path(), "channel.h5", &input);
    let (json, h5) = (dir.path().join("r.json"), dir.path().join("r.h5"));
    let o = potflow(&[
        "solve",
        s(&mesh),
        "--backend",
        "cpu",
        "--threads",
        "1",
        "--rtol",
        "1e-12",
        "--json",
        s(&json),
        "--output",
        s(&h5),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    for stage in [
        "load", "assemble", "bc", "solve", "post", "total", "write", "wall",
    ] {
        assert!(table.contains(stage), "stage {stage} missing from\n{table}");
    }
    let report = read_json(&json);
    assert_eq!(report["mesh"]["nodes"], input.nodes());
    assert_eq!(report["mesh"]["elements"], input.elements());
    assert_eq!(report["mesh"]["reoriented_elements"], input.elements() / 2);
    assert_eq!(report["threads"], 1);
    assert_eq!(report["backend"], "cpu");
    assert_eq!(report["backend_reason"], "--backend cpu");
    assert_eq!(report["solver"]["converged"], true);
    assert_eq!(report["boundary"]["inlet"], "xmin");
    assert_eq!(report["boundary"]["outlet"], "xmax");
    assert_eq!(report["problem"]["inlet_velocity"], gamma);
    for key in ["load", "assemble", "bc", "solve", "post", "total", "write"] {
        assert!(report["timings"][key].as_f64().unwrap() >= 0.0);
    }
    let t = &report["timings"];
    assert!(
        t["wall"].as_f64().unwrap() >= t["total"].as_f64().unwrap() + t["write"].as_f64().unwrap()
    );
    // The report says what made it: the command line, when, and which potflow.
    assert_eq!(report["run"]["command_line"][1], "solve");
    let when = report["run"]["created_utc"].as_str().unwrap();
    assert!(
        when.len() == 20 && when.ends_with('Z') && when.starts_with("20"),
        "{when}"
    );
    assert!(report["run"]["potflow"]
        .as_str()
        .unwrap()
        .starts_with("0.1.0"));
    // The inflow is γ times the inlet's length (1 m): known from the geometry alone.
    let inflow = report["boundary"]["inflow"].as_f64().unwrap();
    let outflow = report["boundary"]["outflow"].as_f64().unwrap();
    assert!(
        (inflow - gamma).abs() < 1e-12 && (outflow - gamma).abs() < 1e-9,
        "{inflow} {outflow}"
    );

    let ours = potflow::mesh::hdf5::open(&h5).unwrap();
    let u = ours.dataset("u").unwrap().read_f64().unwrap();
    assert_eq!(u.len(), input.nodes());
    for (k, (&uk, &x)) in u.iter().zip(&input.x).enumerate() {
        assert!(
            (uk - gamma * (length - x)).abs() < 1e-9,
            "node {k}: u {uk}, x {x}"
        );
    }
    let vel = ours.dataset("vel").unwrap().read_f64().unwrap();
    assert_eq!(vel.len(), 2 * input.elements());
    for (e, v) in vel.chunks(2).enumerate() {
        assert!(
            (v[0] - gamma).abs() < 1e-9 && v[1].abs() < 1e-9,
            "element {e}: {v:?}"
        );
    }
    let pressure = ours.dataset("pressure").unwrap().read_f64().unwrap();
    let p_exact = 101_328.828_1 - 0.5 * 1.225 * gamma * gamma;
    assert!(
        (pressure[0] - p_exact).abs() < 1e-6,
        "{} vs {p_exact}",
        pressure[0]
    );
    let quad8: Vec<u32> = ours
        .dataset("quad8")
        .unwrap()
        .read_i64()
        .unwrap()
        .iter()
        .map(|&k| k as u32)
        .collect();
    assert_eq!(
        quad8,
        input.quad8.concat(),
        "elements as given, clockwise ones unchanged"
    );
    // Nothing left under a temporary name.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["channel.h5", "r.h5", "r.json"]);
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
    let mesh = asset_mesh("venturi");
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
    let report = read_json(&json);
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
    let mesh = asset_mesh("y_tube");
    let err = fails(&[
        "solve",
        s(&mesh),
        "--json",
        "/no/such/dir/r.json",
        "--quiet",
    ]);
    assert!(
        err.contains("--json /no/such/dir/r.json") && err.contains("does not exist"),
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
    let mesh = asset_mesh("y_tube");
    let o = potflow_without_gpu(&["solve", s(&mesh), "--json", s(&json)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "a successful run prints nothing on stderr");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("backend   cpu") && out.contains("auto: no adapter found"),
        "{out}"
    );
    let report = read_json(&json);
    assert_eq!(report["backend"], "cpu");
    assert!(report["backend_reason"]
        .as_str()
        .unwrap()
        .contains("no adapter found"));
    assert!(report["gpu"].is_null());
}

#[test]
fn auto_takes_a_hardware_gpu_and_passes_over_software_devices() {
    let adapters = potflow::gpu::list_adapters();
    if adapters.is_empty() {
        skip_gpu("auto_takes_a_hardware_gpu_and_passes_over_software_devices");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let o = potflow(&["solve", "venturi:2000", "--json", s(&json), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_json(&json);
    let reason = report["backend_reason"].as_str().unwrap();
    match adapters.iter().find(|a| !a.software) {
        Some(hardware) => {
            assert_eq!(report["backend"], "gpu", "{reason}");
            assert_eq!(report["gpu"]["adapter"], hardware.name.as_str());
        }
        None => {
            assert_eq!(report["backend"], "cpu", "{reason}");
            assert!(reason.contains("software device"), "{reason}");
        }
    }
    // Naming the adapter takes it, software or not.
    let o = potflow(&[
        "solve",
        "venturi:2000",
        "--adapter",
        &adapters[0].name,
        "--json",
        s(&json),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_json(&json);
    assert_eq!(report["backend"], "gpu");
}

/// A successful run on a machine without a display prints no line containing "error", even
/// where Mesa's device-selection layer is installed (it makes libwayland complain about
/// XDG_RUNTIME_DIR unless potflow turns it off).
#[test]
fn a_successful_run_prints_no_error_line() {
    let backend = if potflow::gpu::list_adapters().is_empty() {
        "cpu"
    } else {
        "gpu"
    };
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "solve",
            "venturi:2000",
            "--backend",
            backend,
            "--out",
            s(dir.path()),
        ],
        vec!["devices"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_potflow"))
            .args(&args)
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("NODEVICE_SELECT")
            .env_remove("MESA_VK_DEVICE_SELECT")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
        assert!(!all.to_lowercase().contains("error"), "{args:?}:\n{all}");
    }
}

#[test]
fn mesh_errors_come_before_any_gpu_work() {
    let o = potflow_without_gpu(&["solve", "/no/such/mesh.msh", "--backend", "gpu"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: /no/such/mesh.msh: No such file") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(
        err.matches("os error 2").count(),
        1,
        "the OS message once: {err}"
    );
}

#[test]
fn bare_potflow_prints_usage_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_potflow"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(
        text.contains("Usage: potflow <COMMAND>") && text.contains("solve"),
        "{text}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn elbow_flow_leaves_through_its_outlet_group_by_default() {
    // The generated elbow's outlet is the bottom of its downward leg (group `outlet`); the
    // x = xmax rule would pick the outer wall instead.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let o = potflow(&[
        "solve",
        "elbow_90:20000",
        "--backend",
        "cpu",
        "--json",
        s(&json),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_json(&json);
    assert_eq!(report["boundary"]["inlet"], "group \"inlet\"");
    assert_eq!(report["boundary"]["outlet"], "group \"outlet\"");
    let mesh = potflow::mesh::load("elbow_90:20000").unwrap();
    let outlet = mesh.groups.iter().find(|g| g.name == "outlet").unwrap();
    assert_eq!(
        report["boundary"]["outlet_nodes"],
        2 * outlet.edges.len() + 1
    );
    // Every outlet node lies on the leg's bottom, y = -1.
    let ys: Vec<f64> = outlet
        .edges
        .iter()
        .flatten()
        .map(|&k| mesh.y[k as usize])
        .collect();
    assert!(ys.iter().all(|y| (y + 1.0).abs() < 1e-12), "{ys:?}");
    // The old rule is still there when asked for, and `info` says the two disagree.
    let o = potflow(&["info", "elbow_90:20000"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && out.contains("group `outlet`")
            && out.contains("xmax rule")
            && out.contains("disagree"),
        "{out}"
    );
    assert!(
        !out.contains("group `inlet`"),
        "the inlet group is the xmin rule: {out}"
    );
}

#[test]
fn backend_gpu_without_an_adapter_is_a_clear_error() {
    let mesh = asset_mesh("y_tube");
    let o = potflow_without_gpu(&["solve", s(&mesh), "--backend", "gpu"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--backend gpu") && err.contains("no adapter found"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let o = potflow_without_gpu(&["devices"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("no GPU adapters found"));
}

/// Whether a GPU adapter is visible.
fn have_gpu() -> bool {
    !potflow::gpu::list_adapters().is_empty()
}

/// Says why a GPU test skips; fails it under CI's POTFLOW_REQUIRE_GPU=1.
fn skip_gpu(test: &str) {
    assert!(
        !potflow::gpu::gpu_required(),
        "POTFLOW_REQUIRE_GPU=1 but wgpu sees no adapter"
    );
    common::skip(
        test,
        "no GPU adapter (install a Vulkan driver, e.g. mesa-vulkan-drivers)",
    );
}

#[test]
fn gpu_solve_reports_adapter_precision_and_setup_time() {
    if !have_gpu() {
        skip_gpu("gpu_solve_reports_adapter_precision_and_setup_time");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mesh = asset_mesh("t_junction");
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
    let report = read_json(&json);
    assert_eq!(report["backend"], "gpu");
    assert_eq!(report["gpu"]["precision"], "f32");
    assert_eq!(report["gpu"]["chunk_elements"], 17);
    assert!(report["gpu"]["adapter"]
        .as_str()
        .is_some_and(|a| !a.is_empty()));
    assert!(report["timings"]["gpu_setup"].as_f64().unwrap() > 0.0);
}

#[test]
fn solve_on_gpu_is_reported_and_needs_a_gpu_backend() {
    // --backend cpu with --solve-on gpu: one line naming the options, exit 1, nothing run.
    let line = fails(&[
        "solve",
        "channel:2000",
        "--backend",
        "cpu",
        "--solve-on",
        "gpu",
    ]);
    assert!(
        line.contains("--solve-on gpu") && line.contains("--backend"),
        "{line}"
    );
    if !have_gpu() {
        skip_gpu("solve_on_gpu_is_reported_and_needs_a_gpu_backend");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let o = potflow(&[
        "solve",
        "y_tube:5000",
        "--backend",
        "gpu",
        "--solve-on",
        "gpu",
        "--json",
        s(&json),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("on the GPU in f32"), "{text}");
    let report = read_json(&json);
    assert_eq!(report["stages"]["solve"], "gpu");
    let (outer, inner) = (
        report["solver"]["gpu"]["outer_iterations"]
            .as_u64()
            .unwrap(),
        report["solver"]["gpu"]["inner_iterations"]
            .as_u64()
            .unwrap(),
    );
    assert!(outer >= 2 && inner >= 1, "{}", report["solver"]);
    assert_eq!(report["solver"]["iterations"].as_u64(), Some(inner));
    assert!(report["solver"]["relative_residual"].as_f64().unwrap() <= 1e-8);
    assert!(
        report["solver"]["gpu"]["bytes_per_iteration"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn check_command_passes_on_a_generated_mesh() {
    if !have_gpu() {
        skip_gpu("check_command_passes_on_a_generated_mesh");
        return;
    }
    let mesh = asset_mesh("venturi");
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
    let mesh = asset_mesh("y_tube");
    let configs = if have_gpu() {
        "serial,cpu,outputs,gpu,gpu-solve"
    } else {
        skip_gpu("bench_writes_all_tables_and_complete_json_and_csv (gpu configuration)");
        "serial,cpu,outputs"
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
        "| peak memory (MiB) |",
        "| post: ψ (s) |",
        "| write (s) |",
        "speedup total vs serial",
        "Thread scaling",
        "efficiency",
    ] {
        assert!(table.contains(needle), "{needle} missing from\n{table}");
    }
    assert!(!table.contains("did not run"), "{table}");
    if have_gpu() {
        assert!(table.contains("| gpu-solve: "), "{table}");
    }
    let result = read_json(&json);
    let m = &result["meshes"][0];
    assert_eq!(m["nodes"], 583);
    // Every figure by name: the machine, and each statistic with its metric and unit.
    assert!(result["machine"]["cores"].as_u64().unwrap() >= 1);
    let stats = &m["configs"][0]["stats"];
    assert_eq!(stats["total"]["unit"], "s");
    assert!(
        stats["wall"]["median"].as_f64().unwrap() >= stats["total"]["median"].as_f64().unwrap()
    );
    assert_eq!(stats["peak_rss_mb"]["unit"], "MiB");
    assert!(
        m["configs"][0]["samples"][0]["iterations"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // The outputs configuration writes every output, and times ψ and the writing; the
    // others write only their report.
    let outputs = &m["configs"][2]["stats"];
    assert_eq!(m["configs"][2]["config"]["name"], "outputs");
    let median = |s: &serde_json::Value, metric: &str| s[metric]["median"].as_f64().unwrap();
    for metric in ["recovery", "stream_function"] {
        assert!(median(outputs, metric) > 0.0, "{metric}");
        assert_eq!(median(stats, metric), 0.0, "{metric}");
    }
    assert!(median(outputs, "write") > median(stats, "write"));
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
        (n_configs + 2) * 15,
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

#[test]
fn results_files_are_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let read = |threads: &str| {
        let h5 = dir.path().join(format!("r{threads}.h5"));
        let o = potflow(&[
            "solve",
            "venturi:20000",
            "--backend",
            "cpu",
            "--threads",
            threads,
            "--output",
            s(&h5),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let f = potflow::mesh::hdf5::open(&h5).unwrap();
        ["u", "vel", "abs_vel", "pressure"].map(|d| {
            f.dataset(d)
                .unwrap()
                .read_f64()
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        })
    };
    let one = read("1");
    assert!(
        read("2") == one && read("3") == one,
        "the datasets differ between thread counts"
    );
}

#[test]
fn generate_binary_reads_back_like_text_and_info_speaks_json() {
    let dir = tempfile::tempdir().unwrap();
    let (text, binary) = (dir.path().join("t.msh"), dir.path().join("b.msh"));
    for (path, extra) in [(&text, None), (&binary, Some("--binary"))] {
        let mut args = vec!["generate", "elbow_90", "--nodes", "3000", "-o", s(path)];
        args.extend(extra);
        let o = potflow(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (a, b) = (
        potflow::mesh::read(&text).unwrap(),
        potflow::mesh::read(&binary).unwrap(),
    );
    assert!(a.x == b.x && a.y == b.y && a.quad8 == b.quad8 && a.groups == b.groups);
    assert!(std::fs::metadata(&binary).unwrap().len() < std::fs::metadata(&text).unwrap().len());
    let o = potflow(&["info", s(&binary), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["nodes"], a.nodes());
    assert_eq!(info["outlet"]["spec"], "group \"outlet\"");
    assert_eq!(
        info["notes"].as_array().unwrap().len(),
        1,
        "the elbow's outlet and the xmax rule disagree"
    );
    assert!(info["quality"]["worst"].as_f64().unwrap() > 0.2);
}

#[test]
fn a_stream_past_a_cylinder_writes_the_surface_and_its_forces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = potflow(&[
        "solve",
        "cylinder_in_stream:5000",
        "--bc",
        "farfield=stream:1",
        "--surface",
        "cylinder",
        "--out",
        s(&out),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        text.contains("bc        group \"farfield\" stream:1@0"),
        "{text}"
    );
    assert!(
        text.contains("surface   cylinder: length 3.14159"),
        "{text}"
    );
    // The CSV: a header with units, two rows per edge of the closed curve, Cp = 1 at the
    // stagnation point (0.5, 0) where the curve starts, and Cp within 0.02 of 1 − 4 sin²θ
    // on this coarse mesh (the tests of the verification ladder refine it).
    let csv = std::fs::read_to_string(out.join("surface_cylinder.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("arc_length_m,x_m,y_m,abs_vel_m_per_s,cp,pressure_pa")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let report = read_json(&out.join("report.json"));
    let surface = &report["surfaces"][0];
    assert_eq!(surface["group"], "cylinder");
    // A closed curve: a row per edge node (end and mid per edge), then the first again at
    // s = the perimeter, so a plot of Cp against s closes; clockwise round the body.
    assert!(
        rows.len() > 50 && !rows.len().is_multiple_of(2),
        "{} rows",
        rows.len()
    );
    let (first, last) = (&rows[0], &rows[rows.len() - 1]);
    assert_eq!(&first[1..], &last[1..]);
    assert!((last[0] - std::f64::consts::PI).abs() < 1e-4, "{last:?}");
    assert!(
        text.contains("rows run clockwise from (0.500000, 0.000000)"),
        "{text}"
    );
    assert_eq!(rows[0][1], 0.5);
    assert!((rows[0][4] - 1.0).abs() < 1e-3);
    for r in &rows {
        let sin = r[2].atan2(r[1]).sin();
        assert!((r[4] - (1.0 - 4.0 * sin * sin)).abs() < 0.02, "{r:?}");
    }
    assert!(surface["cx"].as_f64().unwrap().abs() < 1e-3);
    assert!(surface["cy"].as_f64().unwrap().abs() < 1e-3);
    // A smooth body has no sharp edge to warn about.
    assert_eq!(surface["sharp_edges"], serde_json::json!([]));
    assert!(!text.contains("sharp edge"), "{text}");
    assert_eq!(report["boundary"]["groups"][0]["condition"], "stream:1@0");
    // Under --bc no inlet velocity plays a part, and neither the report nor the results
    // file claims one.
    assert!(
        report["problem"].get("inlet_velocity").is_none(),
        "{}",
        report["problem"]
    );
    let results = hdf5_pure::File::open(out.join("results.h5")).unwrap();
    let attrs = results.root().attrs().unwrap();
    assert!(attrs.contains_key("rho") && !attrs.contains_key("inlet_velocity"));
    assert!(
        report["boundary"]["groups"][0]["inflow"]
            .as_f64()
            .unwrap()
            .abs()
            < 1e-4
    );
}

#[test]
fn bad_boundary_conditions_give_one_line() {
    for (args, says) in [
        (
            &["solve", "channel:2000", "--bc", "xmin=bogus:1"][..],
            "unknown condition `bogus`",
        ),
        (
            &["solve", "channel:2000", "--bc", "xmin=velocity:1"][..],
            "no --bc fixes u",
        ),
        (
            &[
                "solve",
                "channel:2000",
                "--bc",
                "xmin=potential:1",
                "--bc",
                "xmin=potential:2",
            ][..],
            "fix u to 1 and 2",
        ),
        (
            &[
                "solve",
                "channel:2000",
                "--bc",
                "xmin=potential:1",
                "--inlet",
                "xmin",
            ][..],
            "--bc replaces --inlet and --outlet",
        ),
        (
            &["solve", "channel:2000", "--bc", "nosuch=potential:1"][..],
            "no boundary group \"nosuch\"",
        ),
        (
            &["solve", "channel:2000", "--bc", "xmin=stream:1@inf"][..],
            "not a finite number",
        ),
        (
            &["solve", "channel:2000", "--surface", "nosuch"][..],
            "--surface nosuch",
        ),
        (&["solve", "channel:2000", "--u-ref", "-1"][..], "--u-ref"),
        (
            &["info", "channel:2000", "--bc", "xmin=potential:1"][..],
            "--bc applies to solve and check",
        ),
    ] {
        let err = fails(args);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_stdout_ends_the_run_without_a_panic() {
    // `potflow solve | head -1`: the reader goes away before the summary is printed.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_potflow"))
        .args(["solve", "channel:2000", "--json"])
        .arg(dir.path().join("r.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_newcomers_slips_get_one_line_that_says_what_to_write() {
    // Each of these stopped a new user with a message that did not say what to do (issue: a
    // newcomer's afternoon): now one line, exit 1, naming the option and the right form.
    for (args, needle) in [
        // A bare geometry name: say how a generated mesh is written.
        (&["solve", "venturi"][..], "venturi:50000"),
        // The angle of a stream follows `@`.
        (
            &["solve", "channel:2000", "--bc", "xmin=stream:1:10"][..],
            "the angle follows `@`",
        ),
        // An extension that names another format, refused before solving.
        (
            &["solve", "channel:2000", "--output", "r.vtu"][..],
            "--output r.vtu",
        ),
        (
            &["solve", "channel:2000", "--vtu", "x.h5"][..],
            "give it a .vtu name",
        ),
        (
            &["solve", "channel:2000", "--json", "x.h5"][..],
            "--json x.h5",
        ),
        // Negative numbers reach their range checks instead of clap's usage error.
        (
            &["solve", "channel:2000", "--threads", "-1"][..],
            "--threads must be",
        ),
        (
            &["solve", "channel:2000", "--rho", "-1"][..],
            "--rho must be",
        ),
        (
            &["solve", "channel:2000", "--rtol", "-1"][..],
            "--rtol must be",
        ),
        (
            &["solve", "channel:2000", "--robin-p", "-1"][..],
            "--robin-p must be",
        ),
        (
            &["solve", "channel:2000", "--bc-tol", "-1"][..],
            "--bc-tol must be",
        ),
        (
            &["solve", "channel:2000", "--max-iter", "-1"][..],
            "--max-iter must be",
        ),
        (
            &["solve", "channel:2000", "--chunk-elements", "-5"][..],
            "--chunk-elements must be",
        ),
        (
            &["solve", "channel:2000", "--png-width", "-1"][..],
            "--png-width must be",
        ),
        (
            &["bench", "channel:2000", "--repeat", "-1"][..],
            "--repeat must be",
        ),
        (
            &["bench", "channel:2000", "--threads", "-2"][..],
            "--threads: thread counts",
        ),
        (
            &["generate", "channel", "--nodes", "-5", "-o", "x.msh"][..],
            "--nodes must be",
        ),
        (
            &["devices", "--bandwidth-mib", "-1"][..],
            "--bandwidth-mib must be",
        ),
        // One rule for directories: the named one is created, its parents are not.
        (
            &["solve", "channel:2000", "--out", "no-such-parent/a/b"][..],
            "--out no-such-parent/a/b: the directory no-such-parent/a does not exist",
        ),
        (
            &["solve", "channel:2000", "--png", "no-such-parent/plots"][..],
            "--png no-such-parent/plots",
        ),
        // A file where a directory is named: the option typed is the one named.
        (
            &["solve", "channel:2000", "--out", "Cargo.toml"][..],
            "--out Cargo.toml",
        ),
    ] {
        let line = fails(args);
        assert!(line.contains(needle), "{args:?}: {line}");
    }
    // A directory whose parent exists is created; one inside another planned one too.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = potflow(&[
        "solve",
        "channel:2000",
        "--out",
        s(&out),
        "--png",
        s(&out.join("plots")),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("report.json").is_file() && out.join("plots/velocity.png").is_file());
}

#[test]
fn the_summary_says_which_ranges_are_element_means_and_gives_the_nodal_ones() {
    // On the 608-node cylinder asset the element means understate the peak speed that the
    // plots and the VTU show at the nodes (about 4.2 against 5.3 m/s): the summary labels
    // the element ranges and prints the nodal ones whenever the nodal velocity was recovered,
    // and the report carries both.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mesh = asset_mesh("channel_with_cylinder");
    let o = potflow(&["solve", s(&mesh), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("m/s element means; at the nodes"), "{text}");
    let sol = &read_json(&out.join("report.json"))["solution"];
    let (element, nodal) = (
        sol["abs_vel_max"].as_f64().unwrap(),
        sol["nodal_abs_vel_max"].as_f64().unwrap(),
    );
    assert!(nodal > 1.2 * element, "{nodal} against {element}");
    assert!(sol["nodal_pressure_min"].as_f64().unwrap() < sol["pressure_min"].as_f64().unwrap());
    // Without a recovered velocity (the report alone) the nodal ranges are left out.
    let json = dir.path().join("r.json");
    let o = potflow(&["solve", s(&mesh), "--json", s(&json)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read_json(&json)["solution"]
        .get("nodal_abs_vel_max")
        .is_none());
}
