//! Jacobi (diagonal) preconditioning: M = diag(A).

use rayon::prelude::*;

use super::Preconditioner;
use crate::sparse::inverse_diagonal;
use crate::sparse::Matrix;

/// z = r / diag(A).
#[derive(Debug, Clone)]
pub struct Jacobi {
    inv_diag: Vec<f64>,
}

impl Jacobi {
    /// Builds the preconditioner from A's diagonal ([`inverse_diagonal`]).
    pub fn new(a: &Matrix) -> Self {
        Jacobi {
            inv_diag: inverse_diagonal(a),
        }
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
