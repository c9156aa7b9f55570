//! Polars and compressibility: a polar from one set-up against separate solves at each
//! angle, the Karman-Tsien and Prandtl-Glauert corrections, and the angles where the flow
//! turns supercritical.

mod common;

use common::{f, potflow, read_json, refused, s, surface_entry};

#[test]
fn mach_corrections_are_reported_and_a_supercritical_peak_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let run = |mach: &str| {
        surface_entry(
            dir.path(),
            mach,
            &[
                "naca0012:5000",
                "--bc",
                "farfield=stream:1@2",
                "--kutta",
                "airfoil",
                "--mach",
                mach,
            ],
            "airfoil",
        )
    };
    let low = run("0.3");
    let beta = (1.0f64 - 0.09).sqrt();
    assert!(
        (f(&low, "cl_prandtl_glauert") - f(&low, "cl") / beta).abs() < 1e-12,
        "{low}"
    );
    // Karman-Tsien raises the lift more than Prandtl-Glauert, within a few per cent at 0.3.
    let (kt, pg) = (f(&low, "cl_karman_tsien"), f(&low, "cl_prandtl_glauert"));
    assert!(kt > pg && kt < 1.05 * pg, "{kt} vs {pg}");
    assert_eq!(low["supercritical"], false);
    // At 0.7 the corrected suction peak of NACA 0012 at 2° passes Cp* = −0.78.
    let high = run("0.7");
    assert_eq!(high["supercritical"], true, "{high}");
    assert!(f(&high, "cp_min_karman_tsien") < f(&high, "cp_critical"));
    // The surface CSV carries the corrected Cp beside the incompressible one.
    let out = dir.path().join("csv");
    let o = potflow(&[
        "solve",
        "naca0012:5000",
        "--bc",
        "farfield=stream:1@2",
        "--kutta",
        "airfoil",
        "--mach",
        "0.7",
        "--out",
        s(&out),
        "--backend",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("passes") || summary.contains("below the critical"),
        "{summary}"
    );
    let csv = std::fs::read_to_string(out.join("surface_airfoil.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",side,cp_karman_tsien"));
    let beta = (1.0f64 - 0.49).sqrt();
    let mut lowest = f64::INFINITY;
    for line in lines {
        let cols: Vec<f64> = line.split(',').filter_map(|c| c.parse().ok()).collect();
        let (cp, kt) = (cols[4], cols[cols.len() - 1]);
        // Karman-Tsien lies on the far side of Prandtl-Glauert from zero: a stronger
        // correction where the flow speeds up, a weaker one at the stagnation point.
        if cp < 0.0 {
            assert!(kt <= cp / beta, "{cp} -> {kt}");
        }
        lowest = lowest.min(kt);
    }
    // The CSV prints 13 significant digits.
    assert!((lowest / f(&high, "cp_min_karman_tsien") - 1.0).abs() < 1e-11);
    refused(
        &["solve", "naca0012:3000", "--mach", "0.5"],
        &["--mach", "--kutta GROUP"],
    );
    refused(
        &[
            "solve",
            "naca0012:3000",
            "--kutta",
            "airfoil",
            "--mach",
            "1.2",
        ],
        &["--mach must be a Mach number between 0 and 0.95, got 1.2"],
    );
}

#[test]
fn a_polar_from_one_set_up_equals_separate_solves_at_each_angle() {
    // Both run CG to 1e-12. Superposition is exact, so they differ by the solves' own errors
    // alone, which scale with the tolerance: Γ differs by 1e-5, 1e-7 and 4e-9 relative at
    // rtol 1e-8, 1e-10 and 1e-12 (measured). 2e-8 leaves a factor 5; a wrong combination of
    // the three solves would differ in the first digits.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("polar");
    let base = ["--kutta", "airfoil", "--rtol", "1e-12"];
    let mut args = vec![
        "solve",
        "naca2412:5000",
        "--bc",
        "farfield=stream:2@1",
        "--alpha=-4,3,10",
        "--out",
        s(&out),
        "--backend",
        "cpu",
    ];
    args.extend_from_slice(&base);
    let o = potflow(&args);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("polar     airfoil: 3 angles of attack"),
        "{summary}"
    );
    let report = read_json(&out.join("report.json"));
    let points = report["polar"]["points"].as_array().unwrap().clone();
    assert_eq!(points.len(), 3);
    let csv = std::fs::read_to_string(out.join("polar.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("alpha_deg,circulation_m2_per_s,cl,cl_circulation,cd,cm_c4\n"));
    let png = std::fs::read(out.join("polar.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    for (p, alpha) in points.iter().zip(["-4", "3", "10"]) {
        let bc = format!("farfield=stream:2@{alpha}");
        let mut args = vec!["naca2412:5000", "--bc", &bc];
        args.extend_from_slice(&base);
        let alone = surface_entry(dir.path(), alpha, &args, "airfoil");
        for key in ["circulation", "cl", "cl_circulation", "cm_c4"] {
            let (a, b) = (f(p, key), f(&alone, key));
            assert!(
                (a - b).abs() < 2e-8 * b.abs().max(1e-2),
                "α {alpha} {key}: {a} vs {b}"
            );
        }
        assert!(
            (f(p, "cd") - f(&alone, "cd")).abs() < 1e-9,
            "α {alpha}: {p} vs {alone}"
        );
        assert_eq!(f(p, "alpha"), alpha.parse::<f64>().unwrap());
    }
}

#[test]
fn a_polar_names_its_supercritical_angles_and_refuses_what_it_cannot_turn() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let o = potflow(&[
        "solve",
        "naca0012:3000",
        "--bc",
        "farfield=stream:1",
        "--kutta",
        "airfoil",
        "--alpha",
        "0:8:4",
        "--mach",
        "0.7",
        "--json",
        s(&json),
        "--backend",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    // At M 0.7 NACA 0012's Karman-Tsien peak passes Cp* = −0.78 near 2°, not at 0°.
    assert!(
        summary.contains("passes the critical -0.7791 at α 4, 8°"),
        "{summary}"
    );
    let report = read_json(&json);
    let points = report["polar"]["points"].as_array().unwrap();
    assert_eq!(points[0]["supercritical"], false);
    // (The 3k-node grid is not a mirror image of itself: cl at 0° is about 1e-5.)
    assert!(f(&points[0], "cl").abs() < 1e-4);
    refused(
        &[
            "solve",
            "naca0012:3000",
            "--bc",
            "farfield=stream:1",
            "--alpha",
            "0,2",
        ],
        &["--alpha", "--kutta GROUP"],
    );
    refused(
        &[
            "solve",
            "naca0012:3000",
            "--bc",
            "farfield=stream:1",
            "--kutta",
            "airfoil",
            "--alpha",
            "0:95:5",
        ],
        &["--alpha `0:95:5`: 95° lies outside -90..90"],
    );
    refused(
        &[
            "solve",
            "naca0012:3000",
            "--bc",
            "farfield=stream:1",
            "--circulation",
            "airfoil=1",
            "--alpha",
            "0,2",
        ],
        &["--alpha", "--kutta"],
    );
}
