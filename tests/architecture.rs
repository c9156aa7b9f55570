//! The house's rules, read from the source: each library room imports only the rooms beneath
//! it (docs/architecture.md), so there is no circle; no source file is much over 600 lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each room and the rooms it may import (`crate::ROOM`), as docs/architecture.md lists them.
const ROOMS: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("element", &[]),
    ("mesh", &["element", "error"]),
    ("sparse", &[]),
    ("assembly", &["element", "mesh", "sparse"]),
    ("bc", &["element", "error", "mesh", "sparse"]),
    ("solver", &["error", "sparse"]),
    ("post", &["element", "mesh"]),
    (
        "gpu",
        &[
            "assembly", "element", "error", "mesh", "post", "solver", "sparse",
        ],
    ),
    (
        "recovery",
        &[
            "assembly", "bc", "element", "error", "mesh", "post", "solver", "sparse",
        ],
    ),
    ("surface", &["element", "error", "mesh", "post"]),
    (
        "lift",
        &[
            "bc", "element", "error", "mesh", "post", "solver", "surface",
        ],
    ),
    ("settings", &["error", "gpu"]),
    (
        "outcome",
        &[
            "bc", "error", "gpu", "lift", "post", "recovery", "settings", "solver",
        ],
    ),
    (
        "solve",
        &[
            "assembly", "bc", "element", "error", "gpu", "lift", "mesh", "outcome", "post",
            "recovery", "settings", "solver", "surface",
        ],
    ),
    (
        "check",
        &[
            "assembly", "element", "error", "gpu", "mesh", "post", "settings", "solve",
        ],
    ),
    (
        "output",
        &[
            "bc", "element", "error", "gpu", "lift", "mesh", "outcome", "settings", "solve",
            "surface",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of a room: `src/ROOM.rs` or everything under `src/ROOM/`.
fn room_files(room: &str) -> Vec<PathBuf> {
    let file = root().join("src").join(format!("{room}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut files = Vec::new();
    rust_files(&root().join("src").join(room), &mut files);
    files
}

/// The rooms a file names as `crate::ROOM`, outside comments.
fn imports(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_room_imports_only_the_rooms_beneath_it() {
    let known: BTreeSet<&str> = ROOMS.iter().map(|r| r.0).collect();
    let mut broken = Vec::new();
    for (room, allowed) in ROOMS {
        let files = room_files(room);
        assert!(!files.is_empty(), "room {room}: no source files");
        for file in files {
            for name in imports(&file) {
                // Re-exports at the crate root (`crate::Result`, `crate::Error`) are `error`.
                let name = match name.as_str() {
                    "Error" | "Result" => "error".to_string(),
                    _ => name,
                };
                if name != *room && !allowed.contains(&name.as_str()) {
                    broken.push(format!(
                        "{} imports crate::{name}{}",
                        file.strip_prefix(root()).unwrap().display(),
                        if known.contains(name.as_str()) {
                            ""
                        } else {
                            " (a room docs/architecture.md does not list)"
                        }
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn every_library_module_is_a_listed_room() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let modules: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let rooms: BTreeSet<&str> = ROOMS.iter().map(|r| r.0).collect();
    assert_eq!(modules, rooms);
}

#[test]
fn no_source_file_is_much_over_600_lines() {
    let mut files = Vec::new();
    for dir in ["src", "demo/src", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > 620).then(|| format!("{}: {lines} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
}
