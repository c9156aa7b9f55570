//! Chebyshev polynomial smoothing in D⁻¹A.
//!
//! The error after smoothing is `e ← q(D⁻¹A) e` with q the scaled Chebyshev polynomial that is
//! smallest on [λmax/30, 1.1 λmax]: high-frequency error (large eigenvalues) is damped, the
//! smooth rest is left to the coarse levels. λmax = ρ(D⁻¹A) comes from a few Lanczos steps,
//! which approach it from below; the 1.1 margin covers the gap. A fixed polynomial is symmetric in the A inner product,
//! so pre- and post-smoothing with it keep the V-cycle symmetric.

use rayon::prelude::*;

use super::operator::{Operator, View};
use crate::assembly::Matrix;
use crate::solver::inverse_diagonal;
use crate::solver::reduce::{norm, sum_blocks, BLOCK};
use crate::solver::spmv::{CsrRef, ROWS_PER_TASK};

/// The smoother of one level.
pub struct Chebyshev {
    inv_diag: Vec<f64>,
    lambda_max: f64,
    degree: usize,
}

/// ρ(D⁻¹A) by Lanczos on the similar symmetric matrix D^-1/2 A D^-1/2: [`LANCZOS_STEPS`]
/// steps build a tridiagonal matrix whose largest eigenvalue (found by Sturm bisection) approaches ρ from
/// below much faster than power iteration does (5% low after 15 power steps on a Quad-8
/// channel, 0.1% after 20 Lanczos steps, about 1% after 12).
///
/// With S = D^-1/2 and u = S v kept beside the Lanczos vector v, one step is three passes
/// over the rows instead of a pass per vector operation:
///
/// ```text
/// w = S (A u),  α = w·v          one SpMV, the dot product on the way
/// w −= α v + β v_prev,  β' = ‖w‖
/// v_prev = v,  v = w/β',  u = S v
/// ```
pub(super) fn spectral_radius(a: &Matrix, inv_diag: &[f64]) -> f64 {
    let n = a.rows();
    let a = CsrRef::of(a);
    let s: Vec<f64> = inv_diag.iter().map(|d| d.abs().sqrt()).collect();
    // Fixed, non-smooth start vector, normalised.
    let mut v: Vec<f64> = (0..n)
        .map(|i| 1.0 + ((i * 7919) % 17) as f64 / 17.0)
        .collect();
    let v_norm = norm(&v);
    v.par_iter_mut().for_each(|x| *x /= v_norm);
    let mut u: Vec<f64> = v.iter().zip(&s).map(|(v, s)| v * s).collect();
    let mut v_prev = vec![0.0; n];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    let mut b_prev = 0.0;
    for _ in 0..LANCZOS_STEPS.min(n) {
        let al = {
            let (s, u, v) = (&s[..], &u[..], &v[..]);
            sum_blocks(w.par_chunks_mut(BLOCK).enumerate().map(move |(c, ws)| {
                let mut part = 0.0;
                for (k, w) in ws.iter_mut().enumerate() {
                    let i = c * BLOCK + k;
                    *w = s[i] * a.row_dot(i, u);
                    part += *w * v[i];
                }
                part
            }))
        };
        let b = sum_blocks(
            w.par_chunks_mut(BLOCK)
                .zip(v.par_chunks(BLOCK).zip(v_prev.par_chunks(BLOCK)))
                .map(|(ws, (vs, vps))| {
                    let mut part = 0.0;
                    for ((w, v), vp) in ws.iter_mut().zip(vs).zip(vps) {
                        *w -= al * v + b_prev * vp;
                        part += *w * *w;
                    }
                    part
                }),
        )
        .sqrt();
        alpha.push(al);
        if b.is_nan() || b <= 1e-12 * al.abs() {
            break;
        }
        beta.push(b);
        std::mem::swap(&mut v_prev, &mut v);
        v.par_iter_mut()
            .zip(u.par_iter_mut())
            .zip(w.par_iter().zip(&s))
            .for_each(|((v, u), (w, s))| {
                *v = w / b;
                *u = *v * s;
            });
        b_prev = b;
    }
    largest_tridiagonal_eigenvalue(&alpha, &beta).max(f64::MIN_POSITIVE)
}

/// Largest eigenvalue of the symmetric tridiagonal matrix (diagonal `alpha`, off-diagonal
/// `beta`) by bisection on the Sturm count.
fn largest_tridiagonal_eigenvalue(alpha: &[f64], beta: &[f64]) -> f64 {
    let m = alpha.len();
    if m == 0 {
        return 0.0;
    }
    // Gershgorin bounds.
    let radius = |i: usize| {
        (if i > 0 { beta[i - 1].abs() } else { 0.0 })
            + (if i + 1 < m && i < beta.len() {
                beta[i].abs()
            } else {
                0.0
            })
    };
    let mut lo = (0..m)
        .map(|i| alpha[i] - radius(i))
        .fold(f64::INFINITY, f64::min);
    let mut hi = (0..m)
        .map(|i| alpha[i] + radius(i))
        .fold(f64::NEG_INFINITY, f64::max);
    // Number of eigenvalues below x.
    let below = |x: f64| {
        let mut count = 0;
        let mut d = 1.0;
        for i in 0..m {
            let b2 = if i > 0 {
                beta[i - 1] * beta[i - 1]
            } else {
                0.0
            };
            d = alpha[i] - x - if i > 0 { b2 / d } else { 0.0 };
            if d == 0.0 {
                d = -f64::EPSILON * (x.abs() + 1.0);
            }
            if d < 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if below(mid) == m {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Lanczos steps for ρ(D⁻¹A): the largest Ritz value is within about 1% by then, well inside
/// the smoother's 1.1 safety factor.
const LANCZOS_STEPS: usize = 12;

/// Scratch vectors of one level's smoother, reused across V-cycles.
#[derive(Debug, Default)]
pub struct ChebyshevWork {
    /// b − A x for the current x.
    residual: Vec<f64>,
    /// This step's update, and the next step's: a fused pass reads all of one while it
    /// writes the other.
    d: Vec<f64>,
    d_next: Vec<f64>,
}

impl ChebyshevWork {
    /// Scratch for `n` unknowns.
    pub fn new(n: usize) -> Self {
        ChebyshevWork {
            residual: vec![0.0; n],
            d: vec![0.0; n],
            d_next: vec![0.0; n],
        }
    }

    /// b − A x, as [`Chebyshev::pre_smooth`] leaves it.
    pub fn residual(&self) -> &[f64] {
        &self.residual
    }
}

/// Where a smoothing starts.
#[derive(Clone, Copy, PartialEq)]
enum Start {
    /// x = 0: the first update is D⁻¹b/θ, no SpMV.
    Zero,
    /// The x given: one SpMV for its residual.
    Given,
}

/// What the last step leaves.
#[derive(Clone, Copy, PartialEq)]
enum Finish {
    /// x only.
    Iterate,
    /// x and its residual b − A x: the last update's SpMV, which the V-cycle's restriction
    /// needs anyway.
    Residual,
}

impl Chebyshev {
    /// The smoother for `a` with `degree` SpMVs per application.
    pub fn new(a: &Matrix, degree: usize) -> Self {
        let inv_diag = inverse_diagonal(a);
        let lambda_max = spectral_radius(a, &inv_diag);
        Chebyshev {
            inv_diag,
            lambda_max,
            degree: degree.max(1),
        }
    }

    /// 1 / diag(A).
    pub fn inv_diag(&self) -> &[f64] {
        &self.inv_diag
    }

    /// The estimate of ρ(D⁻¹A).
    pub fn lambda_max(&self) -> f64 {
        self.lambda_max
    }

    /// x ≈ A⁻¹ b from x = 0 (`x` is overwritten), leaving b − A x in `w.residual()`.
    pub fn pre_smooth(&self, a: &Operator, b: &[f64], x: &mut [f64], w: &mut ChebyshevWork) {
        self.smooth_view(a, b, x, Start::Zero, Finish::Residual, w);
    }

    /// Improves the `x` given towards A x = b.
    pub fn post_smooth(&self, a: &Operator, b: &[f64], x: &mut [f64], w: &mut ChebyshevWork) {
        self.smooth_view(a, b, x, Start::Given, Finish::Iterate, w);
    }

    /// x ≈ A⁻¹ b from x = 0 (`x` is overwritten): the polynomial alone, as a coarsest solve.
    pub fn smooth_from_zero(&self, a: &Operator, b: &[f64], x: &mut [f64], w: &mut ChebyshevWork) {
        self.smooth_view(a, b, x, Start::Zero, Finish::Iterate, w);
    }

    fn smooth_view(
        &self,
        a: &Operator,
        b: &[f64],
        x: &mut [f64],
        start: Start,
        finish: Finish,
        w: &mut ChebyshevWork,
    ) {
        match a.view() {
            View::F64(a) => self.smooth(&a, b, x, start, finish, w),
            View::F32(a) => self.smooth(&a, b, x, start, finish, w),
        }
    }

    /// The Chebyshev iteration, each step one fused pass over the rows:
    ///
    /// ```text
    /// start   R = b − A x  (b, x = 0, from zero),   d = D⁻¹R / θ
    /// step    x += d,  R −= A d,  d ← c₁ d + c₂ D⁻¹R        (degree − 1 times)
    /// finish  x += d   (and R −= A d where the residual is wanted)
    /// ```
    ///
    /// with ρ₀ = δ/θ, ρₖ₊₁ = 1/(2θ/δ − ρₖ), c₁ = ρₖ₊₁ρₖ, c₂ = 2ρₖ₊₁/δ. Row i of a step needs
    /// (A d)ᵢ, its own x, R and d, and nothing else: the SpMV and the vector updates are
    /// one pass, and d is double-buffered because other rows still read the old one.
    fn smooth<V>(
        &self,
        a: &CsrRef<V>,
        b: &[f64],
        x: &mut [f64],
        start: Start,
        finish: Finish,
        w: &mut ChebyshevWork,
    ) where
        V: Copy + Into<f64> + Sync,
    {
        const T: usize = ROWS_PER_TASK;
        // The passes' closures own copies of the slices they read (`move`): borrowed through a
        // reference, their pointers were loaded again for every row, and the SpMVs ran 10-20%
        // slower.
        let a = *a;
        let upper = 1.1 * self.lambda_max;
        let lower = upper / 30.0;
        let theta = 0.5 * (upper + lower);
        let delta = 0.5 * (upper - lower);
        let sigma = theta / delta;
        let inv_diag = &self.inv_diag[..];
        let ChebyshevWork {
            residual,
            d,
            d_next,
        } = w;
        match start {
            Start::Zero => d
                .par_iter_mut()
                .zip(b.par_iter().zip(inv_diag))
                .for_each(|(d, (b, di))| *d = di * b / theta),
            Start::Given => {
                let x: &[f64] = x;
                residual
                    .par_chunks_mut(T)
                    .zip(d.par_chunks_mut(T))
                    .enumerate()
                    .for_each(move |(c, (rs, ds))| {
                        for (k, (r, d)) in rs.iter_mut().zip(ds).enumerate() {
                            let i = c * T + k;
                            *r = b[i] - a.row_dot(i, x);
                            *d = inv_diag[i] * *r / theta;
                        }
                    });
            }
        }
        // From zero, x and R are not read before their first write: x = d, R = b − A d.
        let mut from_zero = start == Start::Zero;
        let mut rho = 1.0 / sigma;
        for _ in 1..self.degree {
            let rho_next = 1.0 / (2.0 * sigma - rho);
            let (c1, c2) = (rho_next * rho, 2.0 * rho_next / delta);
            let d_now = &d[..];
            x.par_chunks_mut(T)
                .zip(residual.par_chunks_mut(T))
                .zip(d_next.par_chunks_mut(T))
                .enumerate()
                .for_each(move |(c, ((xs, rs), dns))| {
                    for (k, ((x, r), dn)) in xs.iter_mut().zip(rs).zip(dns).enumerate() {
                        let i = c * T + k;
                        let ad = a.row_dot(i, d_now);
                        if from_zero {
                            *x = d_now[i];
                            *r = b[i] - ad;
                        } else {
                            *x += d_now[i];
                            *r -= ad;
                        }
                        *dn = c1 * d_now[i] + c2 * inv_diag[i] * *r;
                    }
                });
            std::mem::swap(d, d_next);
            from_zero = false;
            rho = rho_next;
        }
        let d_now = &d[..];
        match finish {
            Finish::Iterate => x.par_iter_mut().zip(d_now).for_each(|(x, d)| {
                *x = if from_zero { *d } else { *x + d };
            }),
            Finish::Residual => x
                .par_chunks_mut(T)
                .zip(residual.par_chunks_mut(T))
                .enumerate()
                .for_each(move |(c, (xs, rs))| {
                    for (k, (x, r)) in xs.iter_mut().zip(rs).enumerate() {
                        let i = c * T + k;
                        let ad = a.row_dot(i, d_now);
                        if from_zero {
                            *x = d_now[i];
                            *r = b[i] - ad;
                        } else {
                            *x += d_now[i];
                            *r -= ad;
                        }
                    }
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::spmv::spmv;

    /// The 1D Laplacian tridiag(−1, 2, −1) of size n.
    fn laplacian_1d(n: usize) -> Matrix {
        let mut tri = sprs::TriMatI::<f64, u32>::new((n, n));
        for i in 0..n {
            tri.add_triplet(i, i, 2.0);
            if i + 1 < n {
                tri.add_triplet(i, i + 1, -1.0);
                tri.add_triplet(i + 1, i, -1.0);
            }
        }
        tri.to_csr()
    }

    /// The textbook iteration, one vector operation at a time, serial: what the fused passes
    /// must reproduce. From `x` (zero where None).
    fn textbook(c: &Chebyshev, a: &Matrix, b: &[f64], x: Option<&[f64]>) -> Vec<f64> {
        let n = b.len();
        let upper = 1.1 * c.lambda_max;
        let lower = upper / 30.0;
        let (theta, delta) = (0.5 * (upper + lower), 0.5 * (upper - lower));
        let sigma = theta / delta;
        let mut rho = 1.0 / sigma;
        let mut x = x.map_or(vec![0.0; n], <[f64]>::to_vec);
        let mut ax = vec![0.0; n];
        spmv(a, &x, &mut ax);
        let mut r: Vec<f64> = (0..n).map(|i| c.inv_diag[i] * (b[i] - ax[i])).collect();
        let mut d: Vec<f64> = r.iter().map(|r| r / theta).collect();
        for _ in 1..c.degree {
            (0..n).for_each(|i| x[i] += d[i]);
            spmv(a, &d, &mut ax);
            let rho_next = 1.0 / (2.0 * sigma - rho);
            for i in 0..n {
                r[i] -= c.inv_diag[i] * ax[i];
                d[i] = rho_next * rho * d[i] + 2.0 * rho_next / delta * r[i];
            }
            rho = rho_next;
        }
        (0..n).for_each(|i| x[i] += d[i]);
        x
    }

    #[test]
    fn fused_passes_compute_the_textbook_iteration_and_its_residual() {
        // A diagonal that varies from row to row (a wrong or missing D⁻¹ shows), and more rows
        // than one parallel task takes (a wrong row offset in a later task shows).
        let n = 2 * ROWS_PER_TASK + 77;
        let mut tri = sprs::TriMatI::<f64, u32>::new((n, n));
        for i in 0..n {
            tri.add_triplet(i, i, 2.5 + (i % 5) as f64);
            if i + 1 < n {
                tri.add_triplet(i, i + 1, -1.0);
                tri.add_triplet(i + 1, i, -1.0);
            }
        }
        let a: Matrix = tri.to_csr();
        let op = Operator::borrowed(&a, super::super::Storage::F64);
        let b: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        let x0: Vec<f64> = (0..n).map(|i| ((i * 13) % 7) as f64 / 7.0).collect();
        let close = |got: &[f64], want: &[f64], what: &str| {
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let err = got
                .iter()
                .zip(want)
                .fold(0.0f64, |m, (g, w)| m.max((g - w).abs()));
            // The same operations in another order (R kept unscaled): round-off only.
            assert!(err <= 1e-13 * scale, "{what}: off by {err} of {scale}");
        };
        for degree in 1..=4 {
            let c = Chebyshev::new(&a, degree);
            let mut w = ChebyshevWork::new(n);
            let mut x = vec![f64::NAN; n];
            c.pre_smooth(&op, &b, &mut x, &mut w);
            close(
                &x,
                &textbook(&c, &a, &b, None),
                &format!("pre, degree {degree}"),
            );
            let mut ax = vec![0.0; n];
            spmv(&a, &x, &mut ax);
            let residual: Vec<f64> = b.iter().zip(&ax).map(|(b, ax)| b - ax).collect();
            close(
                w.residual(),
                &residual,
                &format!("residual, degree {degree}"),
            );
            let mut x = vec![f64::NAN; n];
            c.smooth_from_zero(&op, &b, &mut x, &mut w);
            close(
                &x,
                &textbook(&c, &a, &b, None),
                &format!("from zero, degree {degree}"),
            );
            let mut x = x0.clone();
            c.post_smooth(&op, &b, &mut x, &mut w);
            close(
                &x,
                &textbook(&c, &a, &b, Some(&x0)),
                &format!("post, degree {degree}"),
            );
        }
    }

    #[test]
    fn sturm_bisection_finds_the_largest_eigenvalue() {
        // tridiag(1; 2; 1) of size m has eigenvalues 2 + 2 cos(kπ/(m+1)).
        let m = 7;
        let exact = 2.0 + 2.0 * (std::f64::consts::PI / (m + 1) as f64).cos();
        let got = largest_tridiagonal_eigenvalue(&[2.0; 7], &[1.0; 6]);
        assert!((got - exact).abs() < 1e-12, "{got} vs {exact}");
    }

    #[test]
    fn lanczos_estimate_is_close_and_not_above_the_spectral_radius() {
        // D⁻¹A = A/2 has eigenvalues 1 − cos(kπ/(n+1)); the largest is 1 + cos(π/(n+1)).
        let n = 500;
        let a = laplacian_1d(n);
        let exact = 1.0 + (std::f64::consts::PI / (n + 1) as f64).cos();
        let est = spectral_radius(&a, &vec![0.5; n]);
        assert!(
            est <= exact * (1.0 + 1e-12),
            "Ritz values lie inside the spectrum: {est} > {exact}"
        );
        assert!(
            est > exact / 1.05,
            "{est} vs {exact}: the smoother's 1.1 margin must cover the gap"
        );
    }
}
