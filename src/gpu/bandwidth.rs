//! The device's memory bandwidth, measured with a copy kernel (`shaders/copy.wgsl`, pipeline
//! "potflow.copy"): the yardstick a kernel's bytes per second are quoted against, as STREAM's
//! copy is on the CPU. A copy of n bytes reads n and writes n; the rate counts both.
//!
//! The copies of one trial are encoded in one submission and timed on the host from submit
//! to the device's idle, so a trial's fixed cost (submission, the wait) is spread over many
//! copies; the median of the trials is reported.

use std::time::Instant;

use bytemuck::{Pod, Zeroable};
use wgpu::BufferUsages as U;

use super::context::{compute_pipeline, scoped, Slot};
use super::shaders::COPY;
use super::GpuContext;
use crate::error::{Error, Result};

/// Twin of `CopyParams` in shaders/copy.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct CopyParams {
    count: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}
const _: () = assert!(std::mem::size_of::<CopyParams>() == 16);

/// Workgroups of the copy dispatch: enough to fill any GPU, within every device's limit.
const GROUPS: u32 = 4096;

/// One bandwidth measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bandwidth {
    /// Bytes of each copy's source (as many are written).
    pub bytes: u64,
    /// Copies per trial.
    pub copies: usize,
    /// Trials; the median is reported.
    pub trials: usize,
    /// Median seconds of one copy.
    pub seconds_per_copy: f64,
    /// Bytes read and written per second, in GB/s (10⁹ bytes).
    pub gb_per_s: f64,
}

/// The copy pipeline and its two buffers of `bytes` bytes.
struct Copier {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    src: wgpu::Buffer,
    dst: wgpu::Buffer,
}

impl GpuContext {
    fn copier(&self, bytes: u64) -> Result<Copier> {
        let device = &self.device;
        let (pipeline, layout) = scoped(device, "potflow.copy pipeline", || {
            compute_pipeline(
                device,
                "potflow.copy",
                "copy_vec4",
                COPY.to_string(),
                &[Slot::Uniform, Slot::Read, Slot::Write],
            )
        })?;
        let params = CopyParams {
            count: (bytes / 16) as u32,
            pad0: 0,
            pad1: 0,
            pad2: 0,
        };
        let buffer = |label, size, usage| {
            scoped(
                device,
                &format!("cannot allocate {size} bytes for {label}"),
                || {
                    device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some(label),
                        size,
                        usage,
                        mapped_at_creation: false,
                    })
                },
            )
        };
        let uniform = buffer("copy.params", 16, U::UNIFORM | U::COPY_DST)?;
        self.queue
            .write_buffer(&uniform, 0, bytemuck::bytes_of(&params));
        let src = buffer("copy.src", bytes, U::STORAGE | U::COPY_DST)?;
        let dst = buffer("copy.dst", bytes, U::STORAGE | U::COPY_SRC)?;
        let bind_group = scoped(device, "potflow.copy bind group", || {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("potflow.copy"),
                layout: &layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: src.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: dst.as_entire_binding(),
                    },
                ],
            })
        })?;
        Ok(Copier {
            pipeline,
            bind_group,
            src,
            dst,
        })
    }

    /// Encodes `copies` copies, submits them and waits for the device.
    fn run_copies(&self, c: &Copier, copies: usize) -> Result<()> {
        self.check_alive()?;
        scoped(&self.device, "potflow.copy", || {
            let mut encoder = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("potflow.copy"),
                });
            for _ in 0..copies {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("potflow.copy"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&c.pipeline);
                pass.set_bind_group(0, &c.bind_group, &[]);
                pass.dispatch_workgroups(GROUPS, 1, 1);
            }
            self.queue.submit([encoder.finish()]);
        })?;
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: None,
            })
            .map_err(|e| Error::Gpu(format!("waiting for the GPU: {e}")))?;
        self.check_alive()
    }

    /// `data` copied on the device by the copy kernel and read back: the kernel against its
    /// CPU twin, for tests. `data.len()` must be a multiple of 4 (whole vec4s).
    pub fn copy_f32(&self, data: &[f32]) -> Result<Vec<f32>> {
        if data.is_empty() || !data.len().is_multiple_of(4) {
            return Err(Error::Gpu(format!(
                "the copy kernel copies whole vec4s: {} values",
                data.len()
            )));
        }
        let bytes = std::mem::size_of_val(data) as u64;
        let c = self.copier(bytes)?;
        self.queue
            .write_buffer(&c.src, 0, bytemuck::cast_slice(data));
        self.run_copies(&c, 1)?;
        let staging = scoped(&self.device, "copy.staging", || {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("copy.staging"),
                size: bytes,
                usage: U::MAP_READ | U::COPY_DST,
                mapped_at_creation: false,
            })
        })?;
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        encoder.copy_buffer_to_buffer(&c.dst, 0, &staging, 0, bytes);
        self.queue.submit([encoder.finish()]);
        let raw = self.read_back(&staging, bytes)?;
        Ok(bytemuck::pod_collect_to_vec(&raw))
    }

    /// The copy rate over buffers of `bytes` each (rounded down to whole vec4s, at most the
    /// device's largest binding): `trials` timed submissions of `copies` copies after one
    /// untimed one; the median.
    pub fn copy_bandwidth(&self, bytes: u64, copies: usize, trials: usize) -> Result<Bandwidth> {
        let bytes = bytes.min(self.max_binding).min(u32::MAX as u64 * 16) / 16 * 16;
        if bytes == 0 || copies == 0 || trials == 0 {
            return Err(Error::Gpu("nothing to measure".into()));
        }
        let c = self.copier(bytes)?;
        self.run_copies(&c, copies)?;
        let mut seconds: Vec<f64> = (0..trials)
            .map(|_| {
                let start = Instant::now();
                self.run_copies(&c, copies)
                    .map(|()| start.elapsed().as_secs_f64() / copies as f64)
            })
            .collect::<Result<_>>()?;
        seconds.sort_by(f64::total_cmp);
        let median = seconds[trials / 2];
        c.src.destroy();
        c.dst.destroy();
        Ok(Bandwidth {
            bytes,
            copies,
            trials,
            seconds_per_copy: median,
            gb_per_s: 2.0 * bytes as f64 / median / 1e9,
        })
    }
}
