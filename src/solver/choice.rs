//! The solver's choice: CG's preconditioner ([`SolverKind`]), built for a matrix
//! ([`BuiltSolver`]), and what the report says about it ([`SolverInfo`]).

use std::ops::ControlFlow;
use std::time::Instant;

use super::{cg, Amg, AmgOptions, CgOptions, CgOutcome, Jacobi, Preconditioner};
use crate::error::Result;
use crate::sparse::Matrix;

/// The preconditioner of CG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SolverKind {
    /// Smoothed-aggregation AMG (iterations nearly independent of the mesh size).
    #[default]
    Amg,
    /// Diagonal scaling (the reference's choice; iterations grow like 1/h).
    Jacobi,
}

/// A system's matrix with the preconditioner built for it, each stored the way CG reads it,
/// and what the report says about them.
pub struct BuiltSolver {
    method: Method,
    pub info: SolverInfo,
}

enum Method {
    Jacobi(Matrix, Jacobi),
    /// The hierarchy owns the matrix: its finest level splits the values into the V-cycle's
    /// f32 and an exact remainder for CG (src/solver/amg/split.rs).
    Amg(Box<Amg<'static>>),
}

impl BuiltSolver {
    /// The AMG hierarchy, where the preconditioner is one (for a device that runs it).
    pub fn amg(&self) -> Option<&Amg<'static>> {
        match &self.method {
            Method::Amg(amg) => Some(amg),
            Method::Jacobi(..) => None,
        }
    }

    /// A copy of the matrix, its values exact.
    pub fn matrix_copy(&self) -> Option<Matrix> {
        match &self.method {
            Method::Jacobi(a, _) => Some(a.clone()),
            Method::Amg(amg) => amg.fine_matrix_copy(),
        }
    }

    /// CG on A u = b from the u given.
    pub fn cg(
        &self,
        b: &[f64],
        u: &mut [f64],
        opts: CgOptions,
        progress: &mut dyn FnMut(usize, f64) -> ControlFlow<()>,
    ) -> CgOutcome {
        match &self.method {
            Method::Jacobi(a, jacobi) => cg(a, b, u, jacobi, opts, progress),
            Method::Amg(amg) => {
                let a = amg
                    .fine_matrix()
                    .expect("a hierarchy that owns its matrix keeps its values exactly");
                cg(&a, b, u, amg.as_ref(), opts, progress)
            }
        }
    }
}

/// What the report says about the preconditioner.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SolverInfo {
    pub name: &'static str,
    /// Seconds spent building the preconditioner (part of the `solve` stage).
    pub setup_seconds: f64,
    /// Seconds spent in CG iterations (the rest of the `solve` stage).
    pub iterate_seconds: f64,
    /// AMG: rows per level, fine first.
    pub levels: Vec<usize>,
    /// AMG: Σ nnz(A_l) / nnz(A₀).
    pub operator_complexity: Option<f64>,
}

impl SolverKind {
    /// Builds the preconditioner for `a`, taking `a` over.
    pub fn build(self, a: Matrix) -> Result<BuiltSolver> {
        let start = Instant::now();
        let (method, levels, operator_complexity) = match self {
            SolverKind::Jacobi => {
                let jacobi = Jacobi::new(&a);
                (Method::Jacobi(a, jacobi), vec![], None)
            }
            SolverKind::Amg => {
                let amg = Amg::owning(a, AmgOptions::default())?;
                if !amg.fine_is_split() {
                    log::debug!(
                        "a matrix value is outside f32's normal range: the V-cycle reads an f32 \
                         copy beside the f64 values"
                    );
                }
                let (levels, oc) = (amg.sizes.clone(), amg.operator_complexity);
                (Method::Amg(Box::new(amg)), levels, Some(oc))
            }
        };
        let name = match &method {
            Method::Jacobi(_, p) => p.name(),
            Method::Amg(p) => p.name(),
        };
        let info = SolverInfo {
            name,
            setup_seconds: start.elapsed().as_secs_f64(),
            iterate_seconds: 0.0,
            levels,
            operator_complexity,
        };
        Ok(BuiltSolver { method, info })
    }
}
