//! The whole solve on the GPU: CG preconditioned by the AMG V-cycle, in f32 on the device,
//! inside a defect correction in f64 on the host.
//!
//! ```text
//! host (f64)   r = b − K x;  stop when ‖r‖ ≤ rtol ‖b‖  (the host CG's test, true residual)
//!              upload r/‖r‖ in f32
//! device (f32) CG on K d = r/‖r‖ to a loose tolerance, preconditioned by the V-cycle:
//!              Chebyshev smoothing, r = b − A x, restriction by Pᵀ, the coarser level,
//!              prolongation by P, smoothing again; the coarsest level by its dense inverse
//! host (f64)   x += ‖r‖ d
//! ```
//!
//! The hierarchy is built on the host (`solver::amg`) and uploaded once, as f32 CSR cut into
//! row blocks that each fit the adapter's largest storage binding. CG's scalars (ρ, α, β)
//! never leave the device; the host reads one small buffer every few iterations to see
//! whether the inner tolerance is met. Every sum runs in a fixed order (`shaders/dot.wgsl`,
//! one row per invocation in `shaders/spmv.wgsl`), so one adapter gives the same bits on
//! every run. The kernels' CPU twins are in [`twins`].

mod kernels;
mod record;
pub mod single;
pub mod twins;

use std::time::Instant;

pub use kernels::sources;
use kernels::{groups, AxpbyParams, FourU32, Kernels, Op, DOT_GROUPS};
use record::{upload_matrix, Coarsest, DeviceLevel, Recorder};

use super::GpuContext;
use crate::error::{Error, Result};
use crate::solver::amg::export::{CoarsestF32, HierarchyF32};
use crate::solver::reduce::norm;
use crate::solver::{BuiltSolver, CgOptions, CgOutcome};
use crate::sparse::LinearOperator;

/// Slots of the device's scalars (shaders/cg.wgsl).
const RZ: u32 = 0;
const PQ: u32 = 1;
const ALPHA: u32 = 2;
const RZ_NEW: u32 = 3;
const BETA: u32 = 4;
const RR: u32 = 5;
const SCALARS: usize = 8;

/// CG iterations between two reads of the residual.
const CHECK_EVERY: usize = 2;

/// The f32 inner solve never asks for more than this reduction (its recurrence residual goes
/// lower, the f32 arithmetic does not).
const INNER_FLOOR: f64 = 1e-6;

/// The first correction is the whole solution, stored in f32: its residual in f64 cannot
/// drop much below ε_f32 κ(K) (about 1e-3 at 20k nodes) however far the inner CG goes, so
/// it asks for no more. The later corrections are small and rough, and f32 serves them.
const FIRST_INNER: f64 = 1e-3;

/// How the GPU solve is cut to the device.
#[derive(Debug, Clone, Copy, Default)]
pub struct GpuSolveOptions {
    /// The most bytes of one matrix block's values or indices (default: the adapter's largest
    /// storage binding); tests force it small to split matrices into many blocks.
    pub max_block_bytes: Option<u64>,
}

/// What the GPU solve did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GpuSolveInfo {
    /// Defect corrections on the host (true-residual checks that found more to do, and
    /// the last that found none).
    pub outer_iterations: usize,
    /// CG iterations on the device, all inner solves together.
    pub inner_iterations: usize,
    /// Device memory the solve held: the hierarchy, the vectors, the parameters.
    pub buffer_bytes: u64,
    /// Seconds uploading the hierarchy and recording the dispatches.
    pub upload_seconds: f64,
    /// Seconds in the inner solves (the device's work, its waits and the readbacks).
    pub inner_seconds: f64,
    /// Bytes one CG iteration reads or writes at least: every buffer each of its dispatches
    /// binds, once (the V-cycle's matrices, P and Pᵀ, the vectors). Times the inner
    /// iterations over the inner seconds, the rate to hold against the copy bandwidth
    /// (`potflow devices --bandwidth`).
    pub bytes_per_iteration: u64,
}

/// The hierarchy on the device and the CG iteration recorded against it.
pub struct GpuSolver {
    k: Kernels,
    n: usize,
    scalars: wgpu::Buffer,
    staging: wgpu::Buffer,
    /// CG's vectors: the right-hand side r (overwritten by the residual), z, p, q = A p, x.
    r: wgpu::Buffer,
    x: wgpu::Buffer,
    /// Dispatches that start an inner solve, and one CG iteration.
    start: Vec<Op>,
    iteration: Vec<Op>,
    pub info: GpuSolveInfo,
}

impl GpuSolver {
    /// Uploads `h` and records the CG iteration.
    pub fn new(ctx: &GpuContext, h: &HierarchyF32, opts: GpuSolveOptions) -> Result<Self> {
        let started = Instant::now();
        ctx.check_alive()?;
        let mut k = Kernels::new(ctx)?;
        let max_bytes = opts
            .max_block_bytes
            .unwrap_or(ctx.max_binding)
            .min(ctx.max_binding);
        let n = h.fine().rows;
        if (n as u64) * 4 > ctx.max_binding {
            return Err(Error::Gpu(format!(
                "{n} unknowns: a vector takes more than the adapter's largest storage binding"
            )));
        }
        let vector = |k: &mut Kernels, label: &str, n: usize| k.empty(ctx, label, n as u64 * 4);
        let mut levels = Vec::new();
        let mut transfers = Vec::new();
        for (l, level) in h.levels.iter().enumerate() {
            let n = level.a.rows;
            levels.push(DeviceLevel {
                n,
                a: upload_matrix(ctx, &mut k, "solve.a", &level.a, max_bytes)?,
                inv_diag: k.storage(ctx, "solve.inv_diag", &level.smoother.inv_diag)?,
                smoother: level.smoother.clone(),
                r: vector(&mut k, "solve.r", n)?,
                d: vector(&mut k, "solve.d", n)?,
                ad: vector(&mut k, "solve.ad", n)?,
            });
            transfers.push((
                upload_matrix(ctx, &mut k, "solve.p", &level.p, max_bytes)?,
                upload_matrix(ctx, &mut k, "solve.pt", &level.pt, max_bytes)?,
            ));
            log::debug!("GPU solve: level {l} uploaded ({n} rows)");
        }
        // The coarsest level's operator (when it is smoothed) or dense inverse.
        let coarsest = match &h.coarsest {
            CoarsestF32::Inverse { n, values } => Coarsest::Inverse {
                n: *n,
                m: k.storage(ctx, "solve.inverse", values)?,
            },
            CoarsestF32::Smoothed { a, smoother } => Coarsest::Smoothed(DeviceLevel {
                n: a.rows,
                a: upload_matrix(ctx, &mut k, "solve.a", a, max_bytes)?,
                inv_diag: k.storage(ctx, "solve.inv_diag", &smoother.inv_diag)?,
                smoother: smoother.clone(),
                r: vector(&mut k, "solve.r", a.rows)?,
                d: vector(&mut k, "solve.d", a.rows)?,
                ad: vector(&mut k, "solve.ad", a.rows)?,
            }),
        };
        // Right-hand sides and solutions of the levels below the finest.
        let mut coarse_b = Vec::new();
        let mut coarse_x = Vec::new();
        for (_, pt) in &transfers {
            coarse_b.push(vector(&mut k, "solve.b", pt.rows)?);
            coarse_x.push(vector(&mut k, "solve.x", pt.rows)?);
        }
        let r = vector(&mut k, "solve.cg.r", n)?;
        let z = vector(&mut k, "solve.cg.z", n)?;
        let p = vector(&mut k, "solve.cg.p", n)?;
        let q = vector(&mut k, "solve.cg.q", n)?;
        let x = vector(&mut k, "solve.cg.x", n)?;
        let scalars = k.storage(ctx, "solve.scalars", &[0f32; SCALARS])?;
        let partials = vector(&mut k, "solve.partials", DOT_GROUPS as usize)?;
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("solve.staging"),
            size: (SCALARS * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });

        let rec = Recorder {
            ctx,
            levels: &levels,
            transfers: &transfers,
            coarsest: &coarsest,
            coarse_b: &coarse_b,
            coarse_x: &coarse_x,
            scalars: &scalars,
            partials: &partials,
        };
        let alone = match &h.fine_alone {
            Some(a) => Some(upload_matrix(ctx, &mut k, "solve.a", a, max_bytes)?),
            None => None,
        };
        let fine = match (levels.first(), &coarsest, &alone) {
            (Some(l), _, _) => &l.a,
            (None, Coarsest::Smoothed(l), _) => &l.a,
            (None, Coarsest::Inverse { .. }, Some(a)) => a,
            (None, Coarsest::Inverse { .. }, None) => unreachable!("HierarchyF32::fine"),
        };
        // Start: x = 0, z = M r, p = z, rz = r·z, rr = r·r.
        let mut start = vec![k.op(
            ctx,
            "potflow.axpby",
            AxpbyParams {
                n: n as u32,
                slot: 0,
                a: 0.0,
                b: 0.0,
            },
            &[&r, &x, &scalars],
            groups(n),
        )?];
        rec.vcycle(&mut k, 0, &r, &z, &mut start)?;
        start.push(k.op(
            ctx,
            "potflow.axpby",
            AxpbyParams {
                n: n as u32,
                slot: 0,
                a: 1.0,
                b: 0.0,
            },
            &[&z, &p, &scalars],
            groups(n),
        )?);
        rec.dot(&mut k, &r, &z, n, RZ, &mut start)?;
        rec.dot(&mut k, &r, &r, n, RR, &mut start)?;
        // One iteration: q = A p, α = rz / p·q, x += α p, r −= α q, rr = r·r, z = M r,
        // β = r·z / rz, p = z + β p.
        let mut iteration = Vec::new();
        rec.spmv(&mut k, fine, &p, None, &q, 1.0, &mut iteration)?;
        rec.dot(&mut k, &p, &q, n, PQ, &mut iteration)?;
        iteration.push(k.op(ctx, "potflow.cg_scalars", FourU32([0; 4]), &[&scalars], 1)?);
        for (src, dst, a) in [(&p, &x, 1.0), (&q, &r, -1.0)] {
            iteration.push(k.op(
                ctx,
                "potflow.axpby_scalar",
                AxpbyParams {
                    n: n as u32,
                    slot: ALPHA,
                    a,
                    b: 1.0,
                },
                &[src, dst, &scalars],
                groups(n),
            )?);
        }
        rec.dot(&mut k, &r, &r, n, RR, &mut iteration)?;
        rec.vcycle(&mut k, 0, &r, &z, &mut iteration)?;
        rec.dot(&mut k, &r, &z, n, RZ_NEW, &mut iteration)?;
        iteration.push(k.op(
            ctx,
            "potflow.cg_scalars",
            FourU32([1, 0, 0, 0]),
            &[&scalars],
            1,
        )?);
        iteration.push(k.op(
            ctx,
            "potflow.axpby_scalar",
            AxpbyParams {
                n: n as u32,
                slot: BETA | 1 << 16,
                a: 1.0,
                b: 1.0,
            },
            &[&z, &p, &scalars],
            groups(n),
        )?);
        let buffer_bytes = k.bytes;
        let bytes_per_iteration = iteration.iter().map(|op| op.bytes).sum();
        Ok(GpuSolver {
            k,
            n,
            scalars,
            staging,
            r,
            x,
            start,
            iteration,
            info: GpuSolveInfo {
                buffer_bytes,
                bytes_per_iteration,
                upload_seconds: started.elapsed().as_secs_f64(),
                ..GpuSolveInfo::default()
            },
        })
    }

    /// Reads the scalars after running `ops` `times` times.
    fn run(&self, ctx: &GpuContext, ops: &[Op], times: usize) -> Result<[f32; SCALARS]> {
        ctx.check_alive()?;
        super::context::scoped(&ctx.device, "potflow.solve", || {
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("potflow.solve"),
                });
            for _ in 0..times {
                self.k.encode(&mut encoder, ops);
            }
            encoder.copy_buffer_to_buffer(&self.scalars, 0, &self.staging, 0, (SCALARS * 4) as u64);
            ctx.queue.submit([encoder.finish()]);
        })?;
        let raw = ctx.read_back(&self.staging, (SCALARS * 4) as u64)?;
        let values: Vec<f32> = bytemuck::pod_collect_to_vec(&raw);
        let mut out = [0f32; SCALARS];
        out.copy_from_slice(&values);
        Ok(out)
    }

    /// Solves A d = r on the device to `rtol` (relative to ‖r‖) within `max_iter` CG
    /// iterations; returns d and the iterations taken.
    pub fn inner(
        &mut self,
        ctx: &GpuContext,
        r: &[f32],
        rtol: f64,
        max_iter: usize,
    ) -> Result<(Vec<f32>, usize)> {
        ctx.queue.write_buffer(&self.r, 0, bytemuck::cast_slice(r));
        let s = self.run(ctx, &self.start, 1)?;
        let rr0 = f64::from(s[RR as usize]);
        let target = rtol * rtol * rr0;
        let mut done = 0;
        let mut rr = rr0;
        while rr > target && done < max_iter && rr.is_finite() {
            let step = CHECK_EVERY.min(max_iter - done);
            let s = self.run(ctx, &self.iteration, step)?;
            done += step;
            rr = f64::from(s[RR as usize]);
            log::trace!(
                "GPU solve: {done} iterations, recurrence residual {:.3e}",
                (rr / rr0).sqrt()
            );
        }
        if !rr.is_finite() {
            return Err(Error::Gpu(format!(
                "the GPU solve's residual became {rr} after {done} iterations"
            )));
        }
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("solve.x.staging"),
            size: (self.n * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        encoder.copy_buffer_to_buffer(&self.x, 0, &staging, 0, (self.n * 4) as u64);
        ctx.queue.submit([encoder.finish()]);
        let raw = ctx.read_back(&staging, (self.n * 4) as u64)?;
        Ok((bytemuck::pod_collect_to_vec(&raw), done))
    }

    /// Solves `a u = b` from `u` = 0 to ‖b − a u‖ ≤ `rtol` ‖b‖ (f64, true residual) by
    /// defect correction, each correction solved on the device. Returns the relative
    /// residual reached and whether `rtol` was met within `max_iter` inner iterations.
    pub fn solve(
        &mut self,
        ctx: &GpuContext,
        a: &dyn LinearOperator,
        b: &[f64],
        u: &mut [f64],
        rtol: f64,
        max_iter: usize,
    ) -> Result<(f64, bool)> {
        let b_norm = norm(b);
        u.fill(0.0);
        if b_norm == 0.0 {
            return Ok((0.0, true));
        }
        let mut r = b.to_vec();
        let mut ku = vec![0.0; b.len()];
        let mut r_norm = b_norm;
        loop {
            self.info.outer_iterations += 1;
            if r_norm <= rtol * b_norm {
                return Ok((r_norm / b_norm, true));
            }
            let left = max_iter.saturating_sub(self.info.inner_iterations);
            if left == 0 {
                return Ok((r_norm / b_norm, false));
            }
            let scaled: Vec<f32> = r.iter().map(|&v| (v / r_norm) as f32).collect();
            let floor = if self.info.outer_iterations == 1 {
                FIRST_INNER
            } else {
                INNER_FLOOR
            };
            let need = (0.5 * rtol * b_norm / r_norm).max(floor);
            let inner_started = Instant::now();
            let (d, its) = self.inner(ctx, &scaled, need, left)?;
            self.info.inner_seconds += inner_started.elapsed().as_secs_f64();
            self.info.inner_iterations += its;
            for (u, d) in u.iter_mut().zip(&d) {
                *u += r_norm * f64::from(*d);
            }
            a.apply(u, &mut ku);
            for ((r, b), ku) in r.iter_mut().zip(b).zip(&ku) {
                *r = b - ku;
            }
            let next = norm(&r);
            log::debug!(
                "GPU solve: correction {} asked {need:.1e}, took {its} iterations: relative \
                 residual {:.3e} -> {:.3e}",
                self.info.outer_iterations,
                r_norm / b_norm,
                next / b_norm
            );
            // A residual that is not clearly smaller (or not a number) means the f32 inner
            // solve cannot make progress on this system.
            if next.is_nan() || next >= 0.9 * r_norm {
                return Err(Error::Gpu(format!(
                    "the GPU solve stalled: a correction took the relative residual from \
                     {:.3e} to {:.3e}",
                    r_norm / b_norm,
                    next / b_norm
                )));
            }
            r_norm = next;
        }
    }
}

/// Solves the system `built` holds for `b` on the device (its AMG hierarchy uploaded, CG and
/// the V-cycle in f32, defect correction in f64 against the exact matrix), from u = 0, to
/// `cg`'s rtol on the true residual.
pub fn solve(
    ctx: &GpuContext,
    built: &BuiltSolver,
    b: &[f64],
    u: &mut [f64],
    cg: CgOptions,
    opts: GpuSolveOptions,
) -> Result<(CgOutcome, GpuSolveInfo)> {
    let amg = built.amg().ok_or_else(|| {
        Error::Gpu("the GPU solve runs AMG-CG: --solver jacobi solves on the host".into())
    })?;
    let a = amg
        .fine_matrix()
        .ok_or_else(|| Error::Gpu("the hierarchy keeps no exact matrix".into()))?;
    let mut solver = GpuSolver::new(ctx, &amg.to_f32(), opts)?;
    let (relative_residual, converged) = solver.solve(ctx, &a, b, u, cg.rtol, cg.max_iter)?;
    Ok((
        CgOutcome {
            iterations: solver.info.inner_iterations,
            converged,
            relative_residual,
        },
        solver.info,
    ))
}
