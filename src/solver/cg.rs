//! Preconditioned conjugate gradients with fused, parallel vector updates.

use std::ops::ControlFlow;

use rayon::prelude::*;

use super::reduce::{dot, norm, sum_blocks, BLOCK};
use super::Preconditioner;
use crate::sparse::spmv::LinearOperator;

/// When to stop.
#[derive(Debug, Clone, Copy)]
pub struct CgOptions {
    /// Relative residual target ‖b − A x‖ ≤ rtol ‖b‖.
    pub rtol: f64,
    /// Iteration limit.
    pub max_iter: usize,
}

impl Default for CgOptions {
    fn default() -> Self {
        CgOptions {
            rtol: 1e-8,
            max_iter: 100_000,
        }
    }
}

/// How CG ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CgOutcome {
    /// Iterations done.
    pub iterations: usize,
    /// Whether the true relative residual met rtol.
    pub converged: bool,
    /// The true relative residual ‖b − A x‖ / ‖b‖, recomputed at the end.
    pub relative_residual: f64,
}

/// The right-hand side CG works with, `b / scale`, formed entry by entry where it is read
/// instead of stored as a scaled copy.
#[derive(Clone, Copy)]
struct Scaled<'a> {
    b: &'a [f64],
    scale: f64,
}

impl Scaled<'_> {
    fn len(&self) -> usize {
        self.b.len()
    }

    /// ‖b / scale‖₂, deterministic.
    fn norm(&self) -> f64 {
        sum_blocks(self.b.par_chunks(BLOCK).map(|c| {
            c.iter()
                .map(|v| {
                    let w = v / self.scale;
                    w * w
                })
                .sum::<f64>()
        }))
        .sqrt()
    }
}

/// r = b / scale − A x; returns ‖r‖.
fn residual(a: &dyn LinearOperator, b: Scaled, x: &[f64], r: &mut [f64]) -> f64 {
    a.apply(x, r);
    let scale = b.scale;
    r.par_iter_mut()
        .zip(b.b)
        .for_each(|(r, b)| *r = b / scale - *r);
    norm(r)
}

/// Solves A x = b from the initial guess in `x`. `progress(iteration, relative residual)` is
/// called every iteration (cheap: the recursive residual is at hand); when it returns
/// `ControlFlow::Break`, CG stops there (not converged, unless it already was).
///
/// The system is solved scaled by the largest |bᵢ| (x and b divided by it, x multiplied back
/// at the end), so the squared norms neither overflow nor underflow whatever the units of b.
/// A right-hand side that is zero or not finite is never reported as converged: there is
/// nothing to solve, or nothing meaningful.
pub fn cg(
    a: &dyn LinearOperator,
    b: &[f64],
    x: &mut [f64],
    pc: &dyn Preconditioner,
    opts: CgOptions,
    progress: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
) -> CgOutcome {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale.is_finite() && scale > 0.0) || x.iter().any(|v| !v.is_finite()) {
        return CgOutcome {
            iterations: 0,
            converged: false,
            relative_residual: f64::NAN,
        };
    }
    x.par_iter_mut().for_each(|v| *v /= scale);
    let mut outcome = cg_scaled(a, Scaled { b, scale }, x, pc, opts, progress);
    x.par_iter_mut().for_each(|v| *v *= scale);
    if x.iter().any(|v| !v.is_finite()) {
        outcome.converged = false;
    }
    outcome
}

/// CG on a system whose right-hand side has entries of order 1 at most.
fn cg_scaled(
    a: &dyn LinearOperator,
    b: Scaled,
    x: &mut [f64],
    pc: &dyn Preconditioner,
    opts: CgOptions,
    progress: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
) -> CgOutcome {
    let n = b.len();
    let b_norm = b.norm();
    let target = opts.rtol * b_norm;
    // Four vectors besides x: A p is formed in z's storage, which is free from the update of
    // p until the next M⁻¹ r.
    let mut r = vec![0.0; n];
    let mut z = vec![0.0; n];
    let mut p = vec![0.0; n];
    let mut r_norm = residual(a, b, x, &mut r);
    let mut iterations = 0;
    'restart: loop {
        if r_norm <= target {
            break;
        }
        pc.apply(&r, &mut z);
        p.copy_from_slice(&z);
        let mut rz = dot(&r, &z);
        while iterations < opts.max_iter {
            let ap = &mut z;
            a.apply(&p, ap);
            let pap = dot(&p, ap);
            if pap.is_nan() || pap <= 0.0 {
                // Breakdown: A is not positive definite along p (or p vanished).
                break 'restart;
            }
            let alpha = rz / pap;
            // Fused: x += α p, r −= α A p, and ‖r‖² in one pass, block by block.
            let rr = sum_blocks(
                x.par_chunks_mut(BLOCK)
                    .zip(r.par_chunks_mut(BLOCK))
                    .zip(p.par_chunks(BLOCK).zip(ap.par_chunks(BLOCK)))
                    .map(|((x, r), (p, ap))| {
                        let mut rr = 0.0;
                        for k in 0..x.len() {
                            x[k] += alpha * p[k];
                            r[k] -= alpha * ap[k];
                            rr += r[k] * r[k];
                        }
                        rr
                    }),
            );
            iterations += 1;
            r_norm = rr.sqrt();
            if progress(iterations, r_norm / b_norm).is_break() {
                break 'restart;
            }
            if r_norm <= target {
                // Confirm on the true residual; continue from it if rounding drifted.
                r_norm = residual(a, b, x, &mut r);
                continue 'restart;
            }
            pc.apply(&r, &mut z);
            let rz_new = dot(&r, &z);
            let beta = rz_new / rz;
            rz = rz_new;
            p.par_iter_mut()
                .zip(&z)
                .for_each(|(p, z)| *p = z + beta * *p);
        }
        break;
    }
    let true_norm = residual(a, b, x, &mut r);
    CgOutcome {
        iterations,
        // NaN compares false: a non-finite residual never converges.
        converged: true_norm <= target,
        relative_residual: true_norm / b_norm,
    }
}
