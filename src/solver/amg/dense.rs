//! Dense Cholesky factorisation for the coarsest level (a few hundred unknowns).

use crate::sparse::Matrix;

/// L with A = L Lᵀ, stored row-major (lower triangle).
pub struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

impl Cholesky {
    /// Factorises `a`; `None` if it is not (numerically) positive definite.
    pub fn new(a: &Matrix) -> Option<Self> {
        let n = a.rows();
        let mut l = vec![0.0; n * n];
        for (i, row) in a.outer_iterator().enumerate() {
            for (j, &v) in row.iter() {
                l[i * n + j] = v;
            }
        }
        let scale = (0..n).map(|i| l[i * n + i].abs()).fold(0.0, f64::max);
        for j in 0..n {
            let mut d = l[j * n + j];
            for k in 0..j {
                d -= l[j * n + k] * l[j * n + k];
            }
            if d.is_nan() || d <= 1e-14 * scale {
                return None;
            }
            let d = d.sqrt();
            l[j * n + j] = d;
            for i in j + 1..n {
                let mut s = l[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                l[i * n + j] = s / d;
            }
            for i in 0..j {
                l[i * n + j] = 0.0;
            }
        }
        Some(Cholesky { n, l })
    }

    /// Unknowns.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The bytes a solve reads from the factor: its lower triangle, once forward and once
    /// back.
    pub fn bytes(&self) -> usize {
        self.n * (self.n + 1) * 8
    }

    /// x = A⁻¹ b.
    pub fn solve(&self, b: &[f64], x: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let s: f64 = (0..i).map(|k| self.l[i * n + k] * x[k]).sum();
            x[i] = (b[i] - s) / self.l[i * n + i];
        }
        for i in (0..n).rev() {
            let s: f64 = (i + 1..n).map(|k| self.l[k * n + i] * x[k]).sum();
            x[i] = (x[i] - s) / self.l[i * n + i];
        }
    }
}
