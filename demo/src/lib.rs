//! potflow-demo: one window that runs a case on the CPU and on the GPU, side by side, and
//! draws the solved field with the GPU.
//!
//! ```text
//! runner  (background thread)  load the case → solve on each backend in turn → compare
//!            │ messages: stage, residual, per-backend figures, field, agreement
//!            ▼
//! app     (UI thread)          controls · field view · stage table and bars · residual plot
//!            │ upload once per result
//!            ▼
//! field   (GPU)                field.wgsl: one instance per element, k×k sub-quads placed
//!                              with the Quad-8 shape functions, viridis, edges, equipotentials
//! report                       --report JSON and --screenshot PNG of what the window shows
//! ```
//!
//! The kernels run on potflow's own wgpu device; the window draws on eframe's. Both come from
//! the same wgpu (one version in the build), but they are two devices: potflow needs
//! SHADER_F64 and its own limits, which eframe's device does not ask for.

pub mod app;
pub mod field;
pub mod report;
pub mod runner;

pub use app::{Config, DemoApp};
