//! Helpers shared by the integration tests: the reference data, small meshes, norms, running
//! the binary, skipping a GPU test visibly.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use potflow::mesh::{generate, Mesh};

/// The reference project's data (logus2k/cgad_pro: its meshes/ and reference/ results), from
/// POTFLOW_REFERENCE_DIR. Tests that call this carry
/// `#[cfg_attr(not(potflow_reference), ignore = "...")]`: they run only when the variable
/// was set when the tests were built (build.rs), and then fail if the files are missing.
pub fn reference_dir() -> PathBuf {
    let dir = std::env::var_os("POTFLOW_REFERENCE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .expect("POTFLOW_REFERENCE_DIR must name the reference data (it was set at build time)");
    let dir = if dir.is_relative() {
        // Relative to where the variable was meant: the directory cargo was run from is the
        // package root for test binaries.
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)
    } else {
        dir
    };
    for sub in ["meshes", "reference"] {
        assert!(
            dir.join(sub).is_dir(),
            "POTFLOW_REFERENCE_DIR={}: no {sub}/ folder there",
            dir.display()
        );
    }
    dir
}

/// The reference project's meshes, smallest first.
pub const REFERENCE_MESHES: [&str; 8] = [
    "y_tube_201",
    "backward_step_287",
    "venturi_341",
    "s_bend_387",
    "t_junction_393",
    "elbow_90_411",
    "s_duct_16k",
    "y_tube_195k",
];

/// A tiny deterministic generator (SplitMix64) so tests need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    pub fn symmetric(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A channel `[0, length] × [0, height]` of `nx × ny` straight-sided elements whose interior
/// corners are moved at random (by up to `amount` of a cell), mid-edge nodes at the middle of
/// their straight edges; then nodes and elements are shuffled and every other element is
/// written clockwise. Inlet (x = 0) and outlet (x = length) stay exactly straight.
pub fn distorted_channel(
    nx: usize,
    ny: usize,
    length: f64,
    height: f64,
    amount: f64,
    seed: u64,
) -> Mesh {
    let mut rng = Rng::new(seed);
    let (hx, hy) = (length / nx as f64, height / ny as f64);
    // Corner grid.
    let mut corner = vec![[0.0; 2]; (nx + 1) * (ny + 1)];
    for i in 0..=nx {
        for j in 0..=ny {
            let mut p = [i as f64 * hx, j as f64 * hy];
            if i > 0 && i < nx {
                p[0] += amount * hx * rng.symmetric();
            }
            if j > 0 && j < ny && i > 0 && i < nx {
                p[1] += amount * hy * rng.symmetric();
            }
            corner[i * (ny + 1) + j] = p;
        }
    }
    // Build through the structured generator, then move nodes: corners to the grid above,
    // mid-edge nodes to the midpoint of their edge.
    let mut mesh = generate::channel(nx, ny, length, height);
    let rows = 2 * ny + 1;
    let mut lattice_of = vec![(0usize, 0usize); mesh.nodes()];
    {
        let mut k = 0;
        for i in 0..2 * nx + 1 {
            for j in 0..rows {
                if i % 2 == 1 && j % 2 == 1 {
                    continue;
                }
                lattice_of[k] = (i, j);
                k += 1;
            }
        }
    }
    let at = |i: usize, j: usize| corner[(i / 2) * (ny + 1) + j / 2];
    for (k, &(i, j)) in lattice_of.iter().enumerate() {
        let p = match (i % 2, j % 2) {
            (0, 0) => at(i, j),
            (1, 0) => mid(at(i - 1, j), at(i + 1, j)),
            (0, 1) => mid(at(i, j - 1), at(i, j + 1)),
            _ => unreachable!(),
        };
        mesh.x[k] = p[0];
        mesh.y[k] = p[1];
    }
    shuffle(&mut mesh, &mut rng);
    mesh
}

fn mid(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1])]
}

/// Random node numbering, random element order, every other element reversed (clockwise).
pub fn shuffle(mesh: &mut Mesh, rng: &mut Rng) {
    let n = mesh.nodes();
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        perm.swap(i, rng.below(i + 1));
    }
    let (mut x, mut y) = (vec![0.0; n], vec![0.0; n]);
    for (old, &new) in perm.iter().enumerate() {
        x[new] = mesh.x[old];
        y[new] = mesh.y[old];
    }
    mesh.x = x;
    mesh.y = y;
    for el in mesh.quad8.iter_mut() {
        *el = el.map(|k| perm[k as usize] as u32);
    }
    let m = mesh.quad8.len();
    for i in (1..m).rev() {
        mesh.quad8.swap(i, rng.below(i + 1));
    }
    for (e, el) in mesh.quad8.iter_mut().enumerate() {
        if e % 2 == 1 {
            *el = potflow::element::REVERSED.map(|k| el[k]);
        }
    }
}

/// Says on the terminal that a test skipped and why. libtest captures `eprintln!`, so this
/// writes to stderr directly: the line shows in `cargo test` output even for a passing test.
pub fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The nodes of `mesh`'s elements on x = xmin (within 1e-9): the reference's inlet rule, for
/// checks made from the geometry alone (unused nodes do not count).
pub fn nodes_at_xmin(mesh: &Mesh) -> Vec<usize> {
    let mut used = vec![false; mesh.nodes()];
    for &k in mesh.quad8.iter().flatten() {
        used[k as usize] = true;
    }
    let xmin = (0..mesh.nodes())
        .filter(|&k| used[k])
        .map(|k| mesh.x[k])
        .fold(f64::INFINITY, f64::min);
    (0..mesh.nodes())
        .filter(|&k| used[k] && (mesh.x[k] - xmin).abs() < 1e-9)
        .collect()
}

/// A mesh file for CLI tests: `mesh` written into `dir` as `name` (.h5 or .msh).
pub fn write_mesh_file(dir: &Path, name: &str, mesh: &Mesh) -> PathBuf {
    let path = dir.join(name);
    potflow::output::mesh_files::write_mesh(&path, mesh).expect("the test mesh is written");
    path
}

/// One of the shipped generated meshes, `assets/meshes/GEOMETRY.msh` (about 600 nodes).
pub fn asset_mesh(geometry: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("assets/meshes/{geometry}.msh"))
}

/// max |a − b| / max |b| ([`potflow::check::field_rel_diff`]), for slices of one length.
pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    potflow::check::field_rel_diff(a.iter().copied(), b.iter().copied())
}

/// Runs the potflow binary with `args` and the extra environment `env`, logging off.
pub fn potflow_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_potflow"));
    cmd.args(args).env("RUST_LOG", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the potflow binary runs")
}

/// Runs the potflow binary with `args`.
pub fn potflow(args: &[&str]) -> Output {
    potflow_env(args, &[])
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// A JSON file written by potflow (report, bench), parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The run's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs potflow expecting exit 1 and one error line that contains every one of `needles`;
/// returns the line.
pub fn refused(args: &[&str], needles: &[&str]) -> String {
    let o = potflow(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{args:?}: not one line: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` missing from: {err}");
    }
    err
}

/// An RGB PNG file: width, height and the pixels row by row.
pub fn read_png(path: &Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

/// The report's surface entry for `group` after `potflow solve ARGS --json`.
pub fn surface_entry(dir: &Path, name: &str, args: &[&str], group: &str) -> serde_json::Value {
    let json = dir.join(format!("{name}.json"));
    let mut all: Vec<&str> = vec!["solve"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", s(&json), "--quiet", "--backend", "cpu"]);
    let o = potflow(&all);
    assert!(o.status.success(), "{all:?}: {}", stderr(&o));
    let report = read_json(&json);
    report["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["group"] == group)
        .unwrap_or_else(|| panic!("no surface entry for {group}: {report}"))
        .clone()
}

/// `key` of a JSON object as a number, or a panic naming it.
pub fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing from {v}"))
}
