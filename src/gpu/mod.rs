//! The element kernels on a GPU through wgpu (Vulkan, Metal, DX12).
//!
//! ```text
//! shaders/quad8.wgsl ─┬─ prepended to ─► shaders/stiffness.wgsl  (pipeline "potflow.stiffness")
//!                     └─ prepended to ─► shaders/velocity.wgsl   (pipeline "potflow.velocity")
//! `alias real = f32;` or `alias real = f64;` goes first: one source, two precisions.
//! ```
//!
//! [`GpuContext`] holds the device, the queue, both pipelines and reusable buffers; building
//! it (device, shader compilation, pipelines) is the first-run overhead, timed apart from the
//! stages. Work is dispatched in chunks of elements that respect the device's binding and
//! workgroup limits; results come back through staging buffers and go into the same host code
//! as the CPU kernels' (adding slots into the CSR values, the element fields).
//!
//! Each chunk's elements go up as coordinates and potentials relative to the element's first
//! node, computed in f64 on the host ([`layout`]): the kernels gather nothing from a global
//! node array, so every buffer is bounded by the chunk, and an f32 kernel works in
//! element-relative values, so a mesh far from the origin loses nothing. The velocity kernel
//! returns gradients; |v| and the pressure are formed on the host in f64.

pub mod bandwidth;
pub mod context;
pub mod kernels;
pub mod layout;
pub mod shaders;
pub mod solve;

pub use context::{list_adapters, AdapterChoice, AdapterSummary, GpuContext};

/// Floating-point precision of the GPU kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F64,
}

impl Precision {
    /// The WGSL type name.
    pub fn wgsl(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// Bytes per real.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wgsl())
    }
}

/// Whether the environment demands a GPU (CI sets `POTFLOW_REQUIRE_GPU=1`).
pub fn gpu_required() -> bool {
    std::env::var("POTFLOW_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// Mesa's Vulkan device-selection layer (installed with mesa-vulkan-drivers) opens a Wayland
/// connection whenever an instance enables the Wayland surface extension, which wgpu always
/// does, and libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set` on a machine
/// without a display. potflow picks its adapter itself, so its programs turn the
/// layer off through its documented switch, unless the user steers the layer
/// (`MESA_VK_DEVICE_SELECT`) or has set the switch. This runs first, while the process has
/// one thread: call it first thing in `main`.
pub fn quiet_vulkan_device_select() {
    if std::env::var_os("NODEVICE_SELECT").is_none()
        && std::env::var_os("MESA_VK_DEVICE_SELECT").is_none()
    {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
}
