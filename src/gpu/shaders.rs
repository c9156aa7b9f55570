//! Stitching of the WGSL sources: `alias real = …;`, then `quad8.wgsl`, then the kernel.

use super::Precision;

/// The shared Quad-8 functions.
pub const QUAD8: &str = include_str!("../../shaders/quad8.wgsl");
/// The stiffness kernel body.
pub const STIFFNESS: &str = include_str!("../../shaders/stiffness.wgsl");
/// The velocity kernel body.
pub const VELOCITY: &str = include_str!("../../shaders/velocity.wgsl");
/// The copy kernel that measures the device's bandwidth (f32 only; no Quad-8 functions).
pub const COPY: &str = include_str!("../../shaders/copy.wgsl");

/// The two kernels. Entry point, CPU twin and pipeline label share one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Stiffness,
    Velocity,
}

impl Kernel {
    /// Both kernels.
    pub const ALL: [Kernel; 2] = [Kernel::Stiffness, Kernel::Velocity];

    /// The WGSL entry point (= the CPU twin's name).
    pub fn entry_point(self) -> &'static str {
        match self {
            Kernel::Stiffness => "stiffness_element",
            Kernel::Velocity => "velocity_gradients",
        }
    }

    /// The pipeline label.
    pub fn label(self) -> &'static str {
        match self {
            Kernel::Stiffness => "potflow.stiffness",
            Kernel::Velocity => "potflow.velocity",
        }
    }

    fn body(self) -> &'static str {
        match self {
            Kernel::Stiffness => STIFFNESS,
            Kernel::Velocity => VELOCITY,
        }
    }
}

/// The complete WGSL module of `kernel` in `precision`.
pub fn source(kernel: Kernel, precision: Precision) -> String {
    format!(
        "alias real = {};\n\n{}\n{}",
        precision.wgsl(),
        QUAD8,
        kernel.body()
    )
}

/// Parses and validates a stitched shader with naga (no GPU needed). The error text carries
/// naga's diagnostic with the source location.
pub fn validate(kernel: Kernel, precision: Precision) -> Result<(), String> {
    validate_source(&source(kernel, precision), precision == Precision::F64)
}

/// Parses and validates WGSL `src` with naga, with f64 allowed where `f64` says.
pub fn validate_source(src: &str, f64: bool) -> Result<(), String> {
    use wgpu::naga;
    let module = naga::front::wgsl::parse_str(src).map_err(|e| e.emit_to_string(src))?;
    let mut caps = naga::valid::Capabilities::default();
    if f64 {
        caps |= naga::valid::Capabilities::FLOAT64;
    }
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps)
        .validate(&module)
        .map_err(|e| e.emit_to_string(src))?;
    Ok(())
}
