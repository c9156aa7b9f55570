//! Jacobi (diagonal) preconditioning: M = diag(A).

use rayon::prelude::*;

use super::Preconditioner;
use crate::assembly::Matrix;

/// z = r / diag(A).
#[derive(Debug, Clone)]
pub struct Jacobi {
    inv_diag: Vec<f64>,
}

impl Jacobi {
    /// Builds the preconditioner from A's diagonal (a zero diagonal entry is taken as 1).
    pub fn new(a: &Matrix) -> Self {
        let inv_diag = a
            .diag()
            .to_dense()
            .iter()
            .map(|&d| if d != 0.0 { 1.0 / d } else { 1.0 })
            .collect();
        Jacobi { inv_diag }
    }
}

impl Preconditioner for Jacobi {
    fn apply(&self, r: &[f64], z: &mut [f64]) {
        z.par_iter_mut()
            .zip(r.par_iter().zip(&self.inv_diag))
            .for_each(|(z, (r, d))| *z = r * d);
    }

    fn name(&self) -> &'static str {
        "jacobi"
    }
}
