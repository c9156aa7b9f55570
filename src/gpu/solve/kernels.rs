//! The GPU solve's pipelines, its uniform parameter blocks (each the `#[repr(C)]` twin of a
//! WGSL struct) and its recorded dispatches.

use std::collections::HashMap;

use bytemuck::{Pod, Zeroable};
use wgpu::BufferUsages as U;

use super::super::context::{compute_pipeline, scoped, Slot};
use super::super::GpuContext;
use crate::error::Result;

/// Workgroups of an element-wise or row-wise dispatch at most (each kernel loops over the
/// rest); every device allows this many in one dimension.
pub const MAX_GROUPS: u32 = 65_535;

/// Workgroups of `dot_partials`: fixed, so the sums run in the same order on every call.
pub const DOT_GROUPS: u32 = 256;

/// The kernels: (label, file, entry point, bindings).
const KERNELS: &[(&str, &str, &str, &[Slot])] = {
    use Slot::*;
    &[
        (
            "potflow.spmv",
            include_str!("../../../shaders/spmv.wgsl"),
            "spmv",
            &[Uniform, Read, Read, Read, Read, Read, Write, Read],
        ),
        (
            "potflow.chebyshev_begin",
            include_str!("../../../shaders/chebyshev.wgsl"),
            "chebyshev_begin",
            &[Uniform, Read, Read, Read, Write, Write, Write],
        ),
        (
            "potflow.chebyshev_step",
            include_str!("../../../shaders/chebyshev.wgsl"),
            "chebyshev_step",
            &[Uniform, Read, Read, Read, Write, Write, Write],
        ),
        (
            "potflow.axpby",
            include_str!("../../../shaders/axpby.wgsl"),
            "axpby",
            &[Uniform, Read, Write, Read],
        ),
        (
            "potflow.axpby_scalar",
            include_str!("../../../shaders/axpby.wgsl"),
            "axpby_scalar",
            &[Uniform, Read, Write, Read],
        ),
        (
            "potflow.dot_partials",
            include_str!("../../../shaders/dot.wgsl"),
            "dot_partials",
            &[Uniform, Read, Read, Write, Write],
        ),
        (
            "potflow.dot_finish",
            include_str!("../../../shaders/dot.wgsl"),
            "dot_finish",
            &[Uniform, Read, Read, Write, Write],
        ),
        (
            "potflow.cg_scalars",
            include_str!("../../../shaders/cg.wgsl"),
            "cg_scalars",
            &[Uniform, Write],
        ),
        (
            "potflow.dense_matvec",
            include_str!("../../../shaders/dense.wgsl"),
            "dense_matvec",
            &[Uniform, Read, Read, Write],
        ),
    ]
};

/// Every WGSL source of the GPU solve with its entry point, for validation without a device.
pub fn sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    KERNELS.iter().map(|k| (k.1, k.2))
}

/// Twin of `SpmvParams` (shaders/spmv.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SpmvParams {
    pub rows: u32,
    pub first_row: u32,
    pub c_ax: f32,
    pub c_z: f32,
    pub difference: u32,
    pub pad: [u32; 3],
}

/// Twin of `ChebyshevParams` (shaders/chebyshev.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ChebyshevParams {
    pub n: u32,
    pub zero_start: u32,
    pub c1: f32,
    pub c2: f32,
}

/// Twin of `AxpbyParams` (shaders/axpby.wgsl).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct AxpbyParams {
    pub n: u32,
    pub slot: u32,
    pub a: f32,
    pub b: f32,
}

/// Twin of `DotParams` (shaders/dot.wgsl), `CgParams` (shaders/cg.wgsl) and `DenseParams`
/// (shaders/dense.wgsl): four u32.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FourU32(pub [u32; 4]);

const _: () = {
    assert!(std::mem::size_of::<SpmvParams>() == 32);
    assert!(std::mem::size_of::<ChebyshevParams>() == 16);
    assert!(std::mem::size_of::<AxpbyParams>() == 16);
    assert!(std::mem::size_of::<FourU32>() == 16);
};

/// One recorded dispatch.
pub struct Op {
    pub kernel: &'static str,
    pub bind_group: wgpu::BindGroup,
    pub groups: u32,
    /// The bytes of the storage buffers it binds: what it reads or writes at least once.
    pub bytes: u64,
}

/// The pipelines, and the device memory the solve holds.
pub struct Kernels {
    pipelines: HashMap<&'static str, (wgpu::ComputePipeline, wgpu::BindGroupLayout)>,
    pub bytes: u64,
}

/// Workgroups for `n` items, 256 per group, at most [`MAX_GROUPS`].
pub fn groups(n: usize) -> u32 {
    (n.div_ceil(256) as u32).clamp(1, MAX_GROUPS)
}

impl Kernels {
    pub fn new(ctx: &GpuContext) -> Result<Self> {
        let mut pipelines = HashMap::new();
        for &(label, source, entry, slots) in KERNELS {
            let p = scoped(&ctx.device, &format!("{label} pipeline"), || {
                compute_pipeline(&ctx.device, label, entry, source.to_string(), slots)
            })?;
            pipelines.insert(label, p);
        }
        Ok(Kernels {
            pipelines,
            bytes: 0,
        })
    }

    /// A storage buffer holding `data`.
    pub fn storage<T: Pod>(
        &mut self,
        ctx: &GpuContext,
        label: &str,
        data: &[T],
    ) -> Result<wgpu::Buffer> {
        let bytes = bytemuck::cast_slice::<T, u8>(data);
        let buffer = self.empty(ctx, label, bytes.len() as u64)?;
        if !bytes.is_empty() {
            ctx.queue.write_buffer(&buffer, 0, bytes);
        }
        Ok(buffer)
    }

    /// A storage buffer of `bytes` bytes (at least 16), copyable both ways.
    pub fn empty(&mut self, ctx: &GpuContext, label: &str, bytes: u64) -> Result<wgpu::Buffer> {
        let size = bytes.max(16).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        let buffer = scoped(
            &ctx.device,
            &format!("cannot allocate {size} bytes for {label}"),
            || {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size,
                    usage: U::STORAGE | U::COPY_DST | U::COPY_SRC,
                    mapped_at_creation: false,
                })
            },
        )?;
        self.bytes += size;
        Ok(buffer)
    }

    /// A dispatch of `kernel` over `groups` workgroups with `params` and `buffers` bound in
    /// order after it.
    pub fn op<P: Pod>(
        &mut self,
        ctx: &GpuContext,
        kernel: &'static str,
        params: P,
        buffers: &[&wgpu::Buffer],
        groups: u32,
    ) -> Result<Op> {
        let uniform = scoped(&ctx.device, kernel, || {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(kernel),
                size: std::mem::size_of::<P>() as u64,
                usage: U::UNIFORM | U::COPY_DST,
                mapped_at_creation: false,
            })
        })?;
        ctx.queue
            .write_buffer(&uniform, 0, bytemuck::bytes_of(&params));
        self.bytes += std::mem::size_of::<P>() as u64;
        let layout = &self.pipelines[kernel].1;
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: uniform.as_entire_binding(),
        }];
        for (i, b) in buffers.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: i as u32 + 1,
                resource: b.as_entire_binding(),
            });
        }
        let bind_group = scoped(&ctx.device, kernel, || {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(kernel),
                layout,
                entries: &entries,
            })
        })?;
        // A buffer bound twice (read-only) is read once.
        let mut seen: Vec<&wgpu::Buffer> = Vec::new();
        for b in buffers {
            if !seen.contains(b) {
                seen.push(b);
            }
        }
        Ok(Op {
            kernel,
            bind_group,
            groups,
            bytes: seen.iter().map(|b| b.size()).sum(),
        })
    }

    /// Encodes `ops` in order into one compute pass.
    pub fn encode(&self, encoder: &mut wgpu::CommandEncoder, ops: &[Op]) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("potflow.solve"),
            timestamp_writes: None,
        });
        for op in ops {
            pass.set_pipeline(&self.pipelines[op.kernel].0);
            pass.set_bind_group(0, &op.bind_group, &[]);
            pass.dispatch_workgroups(op.groups, 1, 1);
        }
    }
}
