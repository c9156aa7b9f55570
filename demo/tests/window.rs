//! The demo window, headless: egui_kittest renders the whole UI, the GPU-drawn field
//! included, with wgpu on whatever adapter is there (lavapipe in CI). Without an adapter the
//! GPU tests print `SKIPPED` and pass, or fail under POTFLOW_REQUIRE_GPU=1, as potflow's own.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use potflow::settings::PrecisionChoice;
use potflow_demo::field::{channel_difference, viridis};
use potflow_demo::runner::{Backend, RunMode};
use potflow_demo::{Config, DemoApp};

/// Whether a GPU test can run here: it needs an adapter on Vulkan, Metal or DX12 (the field's
/// vertex shader reads a storage buffer, which the GL backend cannot). Prints why not, or
/// fails where a GPU is required.
fn gpu_available(test: &str) -> bool {
    if potflow::gpu::list_adapters()
        .iter()
        .any(|a| a.backend != "gl")
    {
        return true;
    }
    assert!(
        !potflow::gpu::gpu_required(),
        "{test}: POTFLOW_REQUIRE_GPU=1 but no Vulkan, Metal or DX12 adapter"
    );
    skip(test, "no Vulkan, Metal or DX12 adapter");
    false
}

/// Says on the terminal that a test skipped and why: straight to stderr, past libtest's
/// capture of `eprintln!`, so the line shows even for a passing test.
fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// kittest's wgpu set-up without the GL backend, so it picks the adapter the test checked for.
fn without_gl() -> egui_wgpu::WgpuSetup {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let egui_wgpu::WgpuSetup::CreateNew(s) = &mut setup {
        s.instance_descriptor
            .backends
            .remove(egui_wgpu::wgpu::Backends::GL);
    }
    setup
}

fn config(geometry: &str, nodes: usize, mode: RunMode) -> Config {
    Config {
        geometry: geometry.into(),
        nodes,
        mode,
        precision: PrecisionChoice::Auto,
        // Equipotentials off, so every pixel inside an element is its colour-mapped value.
        equipotentials: false,
        run_now: true,
        ..Config::default()
    }
}

/// Steps the window until the run has ended, then a few frames more for the field to show.
fn run_to_end(harness: &mut Harness<'_, DemoApp>) {
    let start = Instant::now();
    while !harness.state().is_idle() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the run did not end"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(4);
}

#[test]
fn the_window_solves_on_both_backends_and_the_gpu_draws_the_field() {
    if !gpu_available("the_window_solves_on_both_backends_and_the_gpu_draws_the_field") {
        return;
    }
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .wgpu_setup(without_gl())
        .build_eframe(|cc| DemoApp::new(cc, config("venturi", 5_000, RunMode::Both)));
    run_to_end(&mut harness);
    let app = harness.state();
    assert_eq!(app.status(), "done");

    // Both backends' figures, and their agreement as `potflow check` judges it.
    let results = app.results();
    assert_eq!(results.len(), 2, "{:?}", app.status());
    assert_eq!(results[0].backend, Backend::Cpu);
    assert_eq!(results[1].backend, Backend::Gpu);
    for r in results {
        assert!(r.converged && r.iterations > 0);
        assert!(r.seconds.total > 0.0 && r.seconds.iterate > 0.0);
    }
    assert_eq!(results[1].assemble_ran_on, "gpu");
    assert_eq!(app.agreement().len(), 4);
    for row in app.agreement() {
        assert!(row.pass, "{row:?}");
    }
    // The stage table, the residual plot and the comparison are on screen.
    for label in [
        "assemble",
        "iterate",
        "CG iterations",
        "CG residual",
        "CPU vs GPU",
        "element matrices",
    ] {
        assert!(
            harness.query_all_by_label(label).next().is_some(),
            "no `{label}` in the window"
        );
    }
    // The report says what the window says.
    let report = serde_json::to_value(harness.state().report()).unwrap();
    assert_eq!(report["backends"].as_array().unwrap().len(), 2);
    assert_eq!(report["field_drawn"], true);
    let software = results[1].adapter.as_ref().unwrap().software;
    assert_eq!(report["speedup"]["meaningful"], !software);

    // The field as drawn: at the centre of the fastest and of the slowest element, the pixel
    // has the colour viridis gives that element's |v| (one value per element), so the GPU drew
    // the right values in the right places. 8/255 allows for 8-bit rounding and the sRGB
    // conversion of the target.
    let image = harness.render().expect("render");
    let (field, rect, camera) = harness.state().field_on_screen().expect("field drawn");
    let ppp = harness.ctx.pixels_per_point();
    let (lo, hi) = field.ranges[1];
    let mesh = potflow::mesh::load("venturi:5000").unwrap();
    let speeds: Vec<f64> = field
        .floats
        .chunks(potflow_demo::field::FLOATS_PER_ELEMENT)
        .map(|e| e[24] as f64)
        .collect();
    let fastest = (0..speeds.len())
        .max_by(|&a, &b| speeds[a].total_cmp(&speeds[b]))
        .unwrap();
    let slowest = (0..speeds.len())
        .min_by(|&a, &b| speeds[a].total_cmp(&speeds[b]))
        .unwrap();
    for e in [fastest, slowest] {
        // The element's centre: the shape functions at (0, 0) weigh corners −¼, mid-edge ½.
        let nodes = mesh.quad8[e];
        let centre = |c: &[f64]| {
            (0..8)
                .map(|a| c[nodes[a] as usize] * if a < 4 { -0.25 } else { 0.5 })
                .sum::<f64>()
        };
        let (x, y) = (
            (centre(&mesh.x) - field.origin[0]) as f32,
            (centre(&mesh.y) - field.origin[1]) as f32,
        );
        let px = rect.center().x + (x - camera.centre[0]) * camera.pixels_per_unit;
        let py = rect.center().y - (y - camera.centre[1]) * camera.pixels_per_unit;
        let pixel = image.get_pixel((px * ppp) as u32, (py * ppp) as u32).0;
        let expected = viridis(((speeds[e] - lo) / (hi - lo)) as f32);
        let got = [pixel[0], pixel[1], pixel[2]];
        let off = channel_difference(expected, got);
        assert!(off <= 8, "element {e}: pixel {got:?}, viridis {expected:?}");
    }
    // And the fastest and slowest differ on screen: the colour map is not flat.
    assert!(hi > 1.5 * lo);
}

#[test]
fn cancel_stops_a_run_from_the_window() {
    // No renderer is needed for this one: the harness runs the UI without wgpu, so it runs
    // on any machine. A 2M-node solve takes seconds; Cancel ends it within one stage or CG
    // iteration.
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .build_eframe(|cc| DemoApp::new(cc, config("channel", 1_000_000, RunMode::Cpu)));
    let start = Instant::now();
    // Wait for the run to be under way, then press Cancel.
    while harness.query_all_by_label("CPU: assemble").next().is_none()
        && harness.query_all_by_label("CPU: setup").next().is_none()
        && harness.query_all_by_label("CPU: iterate").next().is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run did not start"
        );
        assert!(
            !harness.state().is_idle(),
            "the run ended before Cancel: {}",
            harness.state().status()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.get_by_label("Cancel").click();
    run_to_end(&mut harness);
    assert_eq!(harness.state().status(), "stopped: cancelled");
    assert!(harness.state().results().is_empty());
}

#[test]
fn unattended_run_writes_the_screenshot_and_the_report() {
    // The binary itself, in a real window on a virtual X display (Xvfb), as the README's
    // screenshot is made. CI installs xvfb; elsewhere without it the test is skipped.
    let test = "unattended_run_writes_the_screenshot_and_the_report";
    if !gpu_available(test) {
        return;
    }
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        assert!(
            !potflow::gpu::gpu_required(),
            "{test}: POTFLOW_REQUIRE_GPU=1 but no xvfb-run"
        );
        skip(test, "no xvfb-run (Debian: apt-get install xvfb)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shot: PathBuf = dir.path().join("shot.png");
    let report: PathBuf = dir.path().join("r.json");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x900x24"])
        .arg(env!("CARGO_BIN_EXE_potflow-demo"))
        .args([
            "--geometry",
            "venturi",
            "--nodes",
            "20000",
            "--run",
            "both",
            "--screenshot",
        ])
        .arg(&shot)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.to_lowercase().contains("error"), "{stderr}");
    // The PNG: the window's size, and many colours (the field, not a blank frame).
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(
        info.width >= 1000 && info.height >= 600,
        "{}x{}",
        info.width,
        info.height
    );
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(4).collect();
    assert!(colours.len() > 200, "{} colours", colours.len());
    // The report: both backends with their stages, the agreement, the adapters.
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["case"], "venturi:20000");
    assert_eq!(r["backends"].as_array().unwrap().len(), 2);
    for b in r["backends"].as_array().unwrap() {
        assert!(b["seconds"]["total"].as_f64().unwrap() > 0.0);
        assert!(b["iterations"].as_u64().unwrap() > 0);
    }
    assert_eq!(r["agreement"].as_array().unwrap().len(), 4);
    assert!(r["agreement"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["pass"] == true));
    assert_eq!(r["field_drawn"], true);
}

#[test]
fn an_airfoil_at_an_angle_of_attack_lifts_in_the_window() {
    // No renderer needed: the run and its figures. NACA 2412 at 4° has cl ≈ 0.74 in inviscid
    // panel codes (thin-airfoil theory's 2π(α − α₀) with α₀ = −2.1° gives 0.67; thickness
    // adds about 10 %); 5k nodes give it within 1 %.
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 800.0))
        .build_eframe(|cc| {
            DemoApp::new(
                cc,
                Config {
                    alpha_deg: 4.0,
                    ..config("naca2412", 5_000, RunMode::Cpu)
                },
            )
        });
    run_to_end(&mut harness);
    assert_eq!(harness.state().status(), "done");
    let lift = harness.state().results()[0]
        .lift
        .expect("a lifting section reports its lift");
    assert_eq!(lift.alpha, 4.0);
    assert!((lift.cl - 0.74).abs() < 0.0075, "{lift:?}");
    assert!(
        (lift.cl / lift.cl_circulation - 1.0).abs() < 1e-3,
        "{lift:?}"
    );
    assert!(lift.cd.abs() < 1e-3, "{lift:?}");
    assert!(harness
        .query_all_by_label_contains("Lift (Kutta condition)")
        .next()
        .is_some());
}
