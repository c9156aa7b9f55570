//! Marks the build with `cfg(potflow_reference)` when POTFLOW_REFERENCE_DIR names the
//! reference project's data (its meshes/ and reference/ folders). The tests that compare with
//! those files are `#[ignore]`d without it, so a fresh clone runs every other test and the
//! summary counts these as ignored, with the reason.
//!
//! Also records `git describe` (the commit) of the source, where it is a git checkout and git is there,
//! for the report's version line (POTFLOW_GIT_DESCRIBE).

fn main() {
    if std::path::Path::new(".git/HEAD").exists() {
        if let Ok(out) = std::process::Command::new("git")
            .args(["describe", "--always", "--tags"])
            .output()
        {
            if out.status.success() {
                let describe = String::from_utf8_lossy(&out.stdout).trim().to_string();
                println!("cargo::rustc-env=POTFLOW_GIT_DESCRIBE={describe}");
            }
        }
        // A new commit changes the ref HEAD points to (or HEAD itself).
        println!("cargo::rerun-if-changed=.git/HEAD");
        println!("cargo::rerun-if-changed=.git/refs/heads");
    }
    println!("cargo::rustc-check-cfg=cfg(potflow_reference)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=POTFLOW_REFERENCE_DIR");
    if std::env::var_os("POTFLOW_REFERENCE_DIR").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=potflow_reference");
    }
}
