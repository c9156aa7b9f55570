//! Marks the build with `cfg(potflow_reference)` when POTFLOW_REFERENCE_DIR names the
//! reference project's data (its meshes/ and reference/ folders). The tests that compare with
//! those files are `#[ignore]`d without it, so a fresh clone runs every other test and the
//! summary counts these as ignored, with the reason.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(potflow_reference)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=POTFLOW_REFERENCE_DIR");
    if std::env::var_os("POTFLOW_REFERENCE_DIR").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=potflow_reference");
    }
}
