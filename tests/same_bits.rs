//! Results are bit for bit what they were: a 64-bit FNV-1a digest of every array a solve
//! produces (u, the element velocity, |v| and pressure, the recovered nodal fields and ψ,
//! the boundary fluxes and the iteration count), on every generated geometry and, where
//! POTFLOW_REFERENCE_DIR is set, on the reference meshes. The digests in
//! tests/data/same_bits.txt were taken from the code before a redesign that must not change
//! a result; a change that moves any bit of any output fails here and names the case.
//!
//! A deliberate change of results rewrites the file: `POTFLOW_BLESS=1 cargo test --release
//! --test same_bits` (and the commit says why the numbers moved).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use potflow::bc::{BoundaryOptions, GroupCondition};
use potflow::mesh::{self, generate, Mesh};
use potflow::outcome::Outcome;
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};

/// FNV-1a over the bit patterns of a sequence of f64.
#[derive(Clone, Copy)]
struct Digest(u64);

impl Digest {
    fn new() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
    fn add(&mut self, x: f64) {
        for b in x.to_bits().to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn all(mut self, xs: impl IntoIterator<Item = f64>) -> Self {
        for x in xs {
            self.add(x);
        }
        self
    }
}

/// One line per array of `out`: `name digest`.
fn digests(out: &Outcome) -> Vec<(String, u64)> {
    let f = &out.fields;
    let mut lines = vec![
        ("u", Digest::new().all(out.u.iter().copied())),
        (
            "vel",
            Digest::new().all(f.vel.iter().flat_map(|v| v.iter().copied())),
        ),
        ("abs_vel", Digest::new().all(f.abs_vel.iter().copied())),
        ("pressure", Digest::new().all(f.pressure.iter().copied())),
        (
            "fluxes",
            Digest::new().all(out.boundary.groups.iter().map(|g| g.inflow)),
        ),
        (
            "iterations",
            Digest::new().all([out.cg.iterations as f64, out.cg.relative_residual]),
        ),
    ];
    if let Some(n) = &out.nodal {
        lines.extend([
            (
                "nodal_velocity",
                Digest::new().all(n.velocity.iter().flat_map(|v| v.iter().copied())),
            ),
            (
                "nodal_abs_vel",
                Digest::new().all(n.abs_vel.iter().copied()),
            ),
            (
                "nodal_pressure",
                Digest::new().all(n.pressure.iter().copied()),
            ),
            (
                "psi",
                Digest::new().all(n.stream_function.iter().flatten().copied()),
            ),
        ]);
    }
    lines
        .into_iter()
        .map(|(k, d)| (k.to_string(), d.0))
        .collect()
}

/// The options of a case: nodal recovery on, `--bc` conditions where the geometry needs them.
fn options(bc: &[&str]) -> SolveOptions {
    SolveOptions {
        nodal_velocity: true,
        stream_function: true,
        bc: BoundaryOptions {
            conditions: bc
                .iter()
                .map(|s| s.parse::<GroupCondition>().unwrap())
                .collect(),
            ..BoundaryOptions::default()
        },
        ..SolveOptions::default()
    }
}

fn case(out: &mut BTreeMap<String, u64>, name: &str, mesh: &Mesh, bc: &[&str]) {
    let solved = solve::run(mesh, &options(bc), Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    for (k, d) in digests(&solved) {
        out.insert(format!("{name} {k}"), d);
    }
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/same_bits.txt")
}

fn read_golden() -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(golden_path()).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), u64::from_str_radix(v, 16).unwrap())
        })
        .collect()
}

/// Compares `computed` with the stored digests of the same keys (or stores them under
/// POTFLOW_BLESS=1).
fn check(computed: BTreeMap<String, u64>) {
    let mut golden = read_golden();
    if std::env::var_os("POTFLOW_BLESS").is_some() {
        golden.extend(computed);
        let mut text = String::from(
            "# FNV-1a digests of every result array (tests/same_bits.rs); case array digest\n",
        );
        for (k, v) in &golden {
            text.push_str(&format!("{k} {v:016x}\n"));
        }
        std::fs::write(golden_path(), text).unwrap();
        return;
    }
    let mut moved = Vec::new();
    for (k, v) in &computed {
        match golden.get(k) {
            Some(g) if g == v => {}
            Some(_) => moved.push(k.clone()),
            None => panic!("{k}: no stored digest (bless the file)"),
        }
    }
    assert!(moved.is_empty(), "results moved: {moved:?}");
}

#[test]
fn every_generated_geometry_gives_the_same_bits() {
    let mut computed = BTreeMap::new();
    for (geometry, _) in generate::GEOMETRIES {
        let mesh = generate::by_name(geometry, 3_000).unwrap();
        case(&mut computed, geometry, &mesh, &[]);
    }
    for (geometry, _) in generate::STREAM_GEOMETRIES {
        let mesh = generate::by_name(geometry, 3_000).unwrap();
        case(&mut computed, geometry, &mesh, &["farfield=stream:1@10"]);
    }
    // Conditions by group on a channel: a velocity inlet, a potential outlet.
    let mesh = generate::by_name("venturi", 3_000).unwrap();
    case(
        &mut computed,
        "venturi --bc",
        &mesh,
        &["inlet=velocity:1.5", "outlet=potential:2"],
    );
    check(computed);
}

#[test]
#[cfg_attr(
    not(potflow_reference),
    ignore = "set POTFLOW_REFERENCE_DIR to the reference data"
)]
fn every_reference_mesh_gives_the_same_bits() {
    let dir = common::reference_dir();
    let mut computed = BTreeMap::new();
    for name in &common::REFERENCE_MESHES[..7] {
        let path = dir.join("meshes").join(format!("{name}.h5"));
        let mesh = mesh::read(&path).unwrap();
        case(&mut computed, name, &mesh, &[]);
    }
    check(computed);
}
