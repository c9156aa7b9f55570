//! One kernel of the GPU solve run alone on given data and read back: what the tests hold
//! against the CPU twins ([`super::twins`], `CsrF32::spmv`).

use super::kernels::{
    groups, AxpbyParams, ChebyshevParams, FourU32, Kernels, SpmvParams, DOT_GROUPS,
};
use super::GpuContext;
use crate::error::Result;
use crate::solver::amg::export::CsrF32;

/// Runs `ops` once and reads `out` (`len` f32) back.
fn run(
    ctx: &GpuContext,
    k: &Kernels,
    ops: &[super::kernels::Op],
    out: &wgpu::Buffer,
    len: usize,
) -> Result<Vec<f32>> {
    let bytes = (len * 4).max(16) as u64;
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("solve.single.staging"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    super::super::context::scoped(&ctx.device, "potflow.solve single", || {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        k.encode(&mut encoder, ops);
        encoder.copy_buffer_to_buffer(out, 0, &staging, 0, bytes);
        ctx.queue.submit([encoder.finish()]);
    })?;
    let raw = ctx.read_back(&staging, bytes)?;
    let mut v: Vec<f32> = bytemuck::pod_collect_to_vec(&raw);
    v.truncate(len);
    Ok(v)
}

/// y = A x by `shaders/spmv.wgsl`, in difference form where `a` has row sums.
pub fn spmv(ctx: &GpuContext, a: &CsrF32, x: &[f32]) -> Result<Vec<f32>> {
    let mut k = Kernels::new(ctx)?;
    let bufs = [
        k.storage(ctx, "t.indptr", &a.indptr)?,
        k.storage(ctx, "t.indices", &a.indices)?,
        k.storage(ctx, "t.values", &a.values)?,
        k.storage(ctx, "t.x", x)?,
        k.empty(ctx, "t.y", a.rows as u64 * 4)?,
        k.storage(ctx, "t.sums", &a.row_sums)?,
    ];
    let params = SpmvParams {
        rows: a.rows as u32,
        first_row: 0,
        c_ax: 1.0,
        c_z: 0.0,
        difference: u32::from(!a.row_sums.is_empty()),
        pad: [0; 3],
    };
    let [indptr, indices, values, xb, y, sums] = &bufs;
    let op = k.op(
        ctx,
        "potflow.spmv",
        params,
        &[indptr, indices, values, xb, xb, y, sums],
        groups(a.rows),
    )?;
    run(ctx, &k, &[op], y, a.rows)
}

/// y = a x + b y by `shaders/axpby.wgsl`.
pub fn axpby(ctx: &GpuContext, a: f32, x: &[f32], b: f32, y: &[f32]) -> Result<Vec<f32>> {
    let mut k = Kernels::new(ctx)?;
    let (xb, yb) = (k.storage(ctx, "t.x", x)?, k.storage(ctx, "t.y", y)?);
    let scalars = k.storage(ctx, "t.s", &[0f32; 4])?;
    let params = AxpbyParams {
        n: x.len() as u32,
        slot: 0,
        a,
        b,
    };
    let op = k.op(
        ctx,
        "potflow.axpby",
        params,
        &[&xb, &yb, &scalars],
        groups(x.len()),
    )?;
    run(ctx, &k, &[op], &yb, y.len())
}

/// a · b by `shaders/dot.wgsl`.
pub fn dot(ctx: &GpuContext, a: &[f32], b: &[f32]) -> Result<f32> {
    let mut k = Kernels::new(ctx)?;
    let (ab, bb) = (k.storage(ctx, "t.a", a)?, k.storage(ctx, "t.b", b)?);
    let partials = k.empty(ctx, "t.partials", DOT_GROUPS as u64 * 4)?;
    let scalars = k.storage(ctx, "t.s", &[0f32; 4])?;
    let params = FourU32([a.len() as u32, 0, 0, 0]);
    let bufs = [&ab, &bb, &partials, &scalars];
    let ops = [
        k.op(ctx, "potflow.dot_partials", params, &bufs, DOT_GROUPS)?,
        k.op(ctx, "potflow.dot_finish", params, &bufs, 1)?,
    ];
    Ok(run(ctx, &k, &ops, &scalars, 1)?[0])
}

/// x = M b by `shaders/dense.wgsl`.
pub fn dense_matvec(ctx: &GpuContext, m: &[f32], b: &[f32]) -> Result<Vec<f32>> {
    let mut k = Kernels::new(ctx)?;
    let n = b.len();
    let (mb, bb) = (k.storage(ctx, "t.m", m)?, k.storage(ctx, "t.b", b)?);
    let x = k.empty(ctx, "t.x", n as u64 * 4)?;
    let params = FourU32([n as u32, 0, 0, 0]);
    let op = k.op(
        ctx,
        "potflow.dense_matvec",
        params,
        &[&mb, &bb, &x],
        (n as u32).div_ceil(64),
    )?;
    run(ctx, &k, &[op], &x, n)
}

/// One Chebyshev kernel (`chebyshev_begin` when `begin`, else `chebyshev_step`) with the
/// coefficients `c` (1/θ for begin; c1, c2 for a step) on the vectors (b, ad, inv_diag, r, d,
/// x); returns (r, d, x).
pub fn chebyshev(
    ctx: &GpuContext,
    begin: bool,
    zero_start: bool,
    c: [f32; 2],
    inputs: [&[f32]; 6],
) -> Result<[Vec<f32>; 3]> {
    let mut k = Kernels::new(ctx)?;
    let n = inputs[0].len();
    let bufs = inputs
        .iter()
        .map(|v| k.storage(ctx, "t.v", v))
        .collect::<Result<Vec<_>>>()?;
    let params = ChebyshevParams {
        n: n as u32,
        zero_start: u32::from(zero_start),
        c1: c[0],
        c2: c[1],
    };
    let kernel = if begin {
        "potflow.chebyshev_begin"
    } else {
        "potflow.chebyshev_step"
    };
    let refs: Vec<&wgpu::Buffer> = bufs.iter().collect();
    let op = k.op(ctx, kernel, params, &refs, groups(n))?;
    Ok([
        run(ctx, &k, std::slice::from_ref(&op), &bufs[3], n)?,
        run(ctx, &k, &[], &bufs[4], n)?,
        run(ctx, &k, &[], &bufs[5], n)?,
    ])
}

/// `cg_scalars` in `mode` on `scalars` (at least 5); returns them.
pub fn cg_scalars(ctx: &GpuContext, mode: u32, scalars: &[f32]) -> Result<Vec<f32>> {
    let mut k = Kernels::new(ctx)?;
    let s = k.storage(ctx, "t.s", scalars)?;
    let op = k.op(
        ctx,
        "potflow.cg_scalars",
        FourU32([mode, 0, 0, 0]),
        &[&s],
        1,
    )?;
    run(ctx, &k, &[op], &s, scalars.len())
}
