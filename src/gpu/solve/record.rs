//! The hierarchy on the device ([`DeviceMatrix`], [`DeviceLevel`]) and the recording of the
//! V-cycle, the sparse products and the dot products against it ([`Recorder`]).

use super::kernels::{
    groups, AxpbyParams, ChebyshevParams, FourU32, Kernels, Op, SpmvParams, DOT_GROUPS,
};
use super::GpuContext;
use crate::error::{Error, Result};
use crate::solver::amg::export::{CsrF32, SmootherF32};

/// A matrix on the device: row blocks, each with its own row pointers, indices and values.
pub(super) struct DeviceMatrix {
    pub(super) rows: usize,
    /// The row blocks, in row order.
    blocks: Vec<Block>,
}

/// Rows `first..first + rows` of a matrix on the device: row pointers from 0, indices and
/// values, and the rows' sums where the product runs in difference form.
pub(super) struct Block {
    first: usize,
    rows: usize,
    indptr: wgpu::Buffer,
    indices: wgpu::Buffer,
    values: wgpu::Buffer,
    row_sums: Option<wgpu::Buffer>,
}

/// The vectors and matrices of one level.
pub(super) struct DeviceLevel {
    pub(super) n: usize,
    pub(super) a: DeviceMatrix,
    pub(super) inv_diag: wgpu::Buffer,
    pub(super) smoother: SmootherF32,
    /// The smoother's scratch: r, d and A d (the residual and the prolonged correction also
    /// live in A d's place between the two smoothings).
    pub(super) r: wgpu::Buffer,
    pub(super) d: wgpu::Buffer,
    pub(super) ad: wgpu::Buffer,
}

/// `a` cut into row blocks whose values and indices each take at most `max_bytes`.
pub(super) fn upload_matrix(
    ctx: &GpuContext,
    k: &mut Kernels,
    label: &str,
    a: &CsrF32,
    max_bytes: u64,
) -> Result<DeviceMatrix> {
    let max_nnz = (max_bytes / 4).max(1) as usize;
    let mut blocks = Vec::new();
    let mut first = 0;
    while first < a.rows {
        let start = a.indptr[first] as usize;
        let mut last = first + 1;
        // Whole rows while the block's entries and row pointers fit.
        while last < a.rows
            && a.indptr[last + 1] as usize - start <= max_nnz
            && last + 2 - first <= max_nnz
        {
            last += 1;
        }
        let end = a.indptr[last] as usize;
        if end - start > max_nnz {
            return Err(Error::Gpu(format!(
                "{label}: row {first} alone has {} entries, more than a storage binding holds",
                end - start
            )));
        }
        let indptr: Vec<u32> = a.indptr[first..=last]
            .iter()
            .map(|&p| p - start as u32)
            .collect();
        let row_sums = match a.row_sums.is_empty() {
            true => None,
            false => Some(k.storage(ctx, label, &a.row_sums[first..last])?),
        };
        blocks.push(Block {
            first,
            rows: last - first,
            indptr: k.storage(ctx, label, &indptr)?,
            indices: k.storage(ctx, label, &a.indices[start..end])?,
            values: k.storage(ctx, label, &a.values[start..end])?,
            row_sums,
        });
        first = last;
    }
    Ok(DeviceMatrix {
        rows: a.rows,
        blocks,
    })
}

/// Chebyshev's constants for ρ: θ, δ, σ as the host smoother forms them.
fn chebyshev_constants(lambda_max: f64) -> (f64, f64, f64) {
    let upper = 1.1 * lambda_max;
    let lower = upper / 30.0;
    let theta = 0.5 * (upper + lower);
    let delta = 0.5 * (upper - lower);
    (theta, delta, theta / delta)
}

/// The coarsest level on the device.
pub(super) enum Coarsest {
    Inverse { n: usize, m: wgpu::Buffer },
    Smoothed(DeviceLevel),
}

/// Records dispatches against the uploaded hierarchy.
pub(super) struct Recorder<'a> {
    pub(super) ctx: &'a GpuContext,
    pub(super) levels: &'a [DeviceLevel],
    pub(super) transfers: &'a [(DeviceMatrix, DeviceMatrix)],
    pub(super) coarsest: &'a Coarsest,
    pub(super) coarse_b: &'a [wgpu::Buffer],
    pub(super) coarse_x: &'a [wgpu::Buffer],
    pub(super) scalars: &'a wgpu::Buffer,
    pub(super) partials: &'a wgpu::Buffer,
}

impl Recorder<'_> {
    /// y = c_ax A x (+ z), block by block.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn spmv(
        &self,
        k: &mut Kernels,
        a: &DeviceMatrix,
        x: &wgpu::Buffer,
        z: Option<&wgpu::Buffer>,
        y: &wgpu::Buffer,
        c_ax: f32,
        ops: &mut Vec<Op>,
    ) -> Result<()> {
        for b in &a.blocks {
            ops.push(k.op(
                self.ctx,
                "potflow.spmv",
                SpmvParams {
                    rows: b.rows as u32,
                    first_row: b.first as u32,
                    c_ax,
                    c_z: if z.is_some() { 1.0 } else { 0.0 },
                    difference: u32::from(b.row_sums.is_some()),
                    pad: [0; 3],
                },
                &[
                    &b.indptr,
                    &b.indices,
                    &b.values,
                    x,
                    z.unwrap_or(x),
                    y,
                    b.row_sums.as_ref().unwrap_or(&b.indptr),
                ],
                groups(b.rows),
            )?);
        }
        Ok(())
    }

    /// scalars[slot] = a · b.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dot(
        &self,
        k: &mut Kernels,
        a: &wgpu::Buffer,
        b: &wgpu::Buffer,
        n: usize,
        slot: u32,
        ops: &mut Vec<Op>,
    ) -> Result<()> {
        let params = FourU32([n as u32, slot, 0, 0]);
        let bufs = [a, b, self.partials, self.scalars];
        ops.push(k.op(self.ctx, "potflow.dot_partials", params, &bufs, DOT_GROUPS)?);
        ops.push(k.op(self.ctx, "potflow.dot_finish", params, &bufs, 1)?);
        Ok(())
    }

    /// The Chebyshev smoother of `level` on x towards A x = b.
    fn smooth(
        &self,
        k: &mut Kernels,
        level: &DeviceLevel,
        b: &wgpu::Buffer,
        x: &wgpu::Buffer,
        zero_start: bool,
        ops: &mut Vec<Op>,
    ) -> Result<()> {
        let (theta, delta, sigma) = chebyshev_constants(level.smoother.lambda_max);
        let n = level.n;
        if !zero_start {
            self.spmv(k, &level.a, x, None, &level.ad, 1.0, ops)?;
        }
        let bufs = [b, &level.ad, &level.inv_diag, &level.r, &level.d, x];
        ops.push(k.op(
            self.ctx,
            "potflow.chebyshev_begin",
            ChebyshevParams {
                n: n as u32,
                zero_start: u32::from(zero_start),
                c1: (1.0 / theta) as f32,
                c2: 0.0,
            },
            &bufs,
            groups(n),
        )?);
        let mut rho = 1.0 / sigma;
        for _ in 1..level.smoother.degree {
            self.spmv(k, &level.a, &level.d, None, &level.ad, 1.0, ops)?;
            let rho_next = 1.0 / (2.0 * sigma - rho);
            ops.push(k.op(
                self.ctx,
                "potflow.chebyshev_step",
                ChebyshevParams {
                    n: n as u32,
                    zero_start: 0,
                    c1: (rho_next * rho) as f32,
                    c2: (2.0 * rho_next / delta) as f32,
                },
                &bufs,
                groups(n),
            )?);
            rho = rho_next;
        }
        Ok(())
    }

    /// One V-cycle from level `l` down: x ≈ A_l⁻¹ b.
    pub(super) fn vcycle(
        &self,
        k: &mut Kernels,
        l: usize,
        b: &wgpu::Buffer,
        x: &wgpu::Buffer,
        ops: &mut Vec<Op>,
    ) -> Result<()> {
        let Some(level) = self.levels.get(l) else {
            return match self.coarsest {
                Coarsest::Inverse { n, m } => {
                    ops.push(k.op(
                        self.ctx,
                        "potflow.dense_matvec",
                        FourU32([*n as u32, 0, 0, 0]),
                        &[m, b, x],
                        (*n as u32).div_ceil(64),
                    )?);
                    Ok(())
                }
                Coarsest::Smoothed(level) => self.smooth(k, level, b, x, true, ops),
            };
        };
        let (p, pt) = &self.transfers[l];
        let (bc, xc) = (&self.coarse_b[l], &self.coarse_x[l]);
        self.smooth(k, level, b, x, true, ops)?;
        // ad = b − A x; the coarse right-hand side Pᵀ ad; the coarse correction; x += P xc.
        self.spmv(k, &level.a, x, Some(b), &level.ad, -1.0, ops)?;
        self.spmv(k, pt, &level.ad, None, bc, 1.0, ops)?;
        self.vcycle(k, l + 1, bc, xc, ops)?;
        self.spmv(k, p, xc, None, &level.ad, 1.0, ops)?;
        ops.push(k.op(
            self.ctx,
            "potflow.axpby",
            AxpbyParams {
                n: level.n as u32,
                slot: 0,
                a: 1.0,
                b: 1.0,
            },
            &[&level.ad, x, self.scalars],
            groups(level.n),
        )?);
        self.smooth(k, level, b, x, false, ops)
    }
}
