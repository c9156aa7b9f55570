//! Every stitched shader parses and validates with naga in both precisions; no GPU needed.

use potflow::gpu::shaders::{source, validate, Kernel};
use potflow::gpu::Precision;

#[test]
fn stitched_shaders_validate_in_both_precisions() {
    for kernel in Kernel::ALL {
        for precision in [Precision::F32, Precision::F64] {
            if let Err(e) = validate(kernel, precision) {
                panic!("{} in {precision}:\n{e}", kernel.label());
            }
        }
    }
}

#[test]
fn entry_points_are_named_after_their_cpu_twins() {
    // stiffness.wgsl <-> element::stiffness_element <-> "potflow.stiffness", and likewise.
    for (kernel, twin) in [
        (Kernel::Stiffness, "stiffness_element"),
        (Kernel::Velocity, "velocity_element"),
    ] {
        let src = source(kernel, Precision::F32);
        assert!(src.starts_with("alias real = f32;"));
        assert!(
            src.contains(&format!("fn {twin}(")),
            "{} lacks {twin}",
            kernel.label()
        );
        assert_eq!(kernel.entry_point(), twin);
    }
}
