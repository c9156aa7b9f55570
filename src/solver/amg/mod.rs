//! Smoothed-aggregation algebraic multigrid (SA-AMG), used as a CG preconditioner.
//!
//! Setup, level by level, from the fine matrix A₀ = A:
//!
//! ```text
//! strength   which neighbours may share an aggregate (see [`strength`]): on the finest level
//!            the evolution measure, ε = 4; on the coarse levels the symmetric measure
//!            |aᵢⱼ| ≥ θ √(|aᵢᵢ aⱼⱼ|), θ = 0.08
//! aggregate  group strongly connected nodes: a node and its free neighbours form an aggregate;
//!            leftovers join a neighbouring aggregate; the rest form new ones
//!            (nodes with no strong connection, e.g. Dirichlet rows, stay out of every
//!            aggregate: no coarse correction reaches them, only the smoother, and a
//!            Dirichlet row is decoupled, so D⁻¹A is 1 there and the smoother damps it)
//! tentative  T: the near-null space (constants) restricted to each aggregate, normalised
//! smooth     P = (I − ω D⁻¹A) T,  ω = 4/(3 ρ(D⁻¹A))   (damped-Jacobi prolongator smoothing);
//!            on the finest level with A filtered to the evolution graph (weak entries
//!            lumped onto the diagonal, see `aggregate::filtered`) in place of A
//! coarsen    A_{l+1} = Pᵀ A_l P (Galerkin), until a few hundred unknowns remain
//! coarsest   dense Cholesky factorisation, up to MAX_DENSE_COARSE unknowns; where
//!            coarsening stalls above that (no strong connections left), a Chebyshev
//!            polynomial of degree COARSE_SMOOTHER_DEGREE instead, with a warning
//! ```
//!
//! Apply (one V-cycle, `z = M⁻¹ r`), on every level: Chebyshev pre-smoothing from z = 0,
//! restriction of the residual with Pᵀ, the coarse correction, prolongation with P, and the same
//! Chebyshev polynomial as post-smoothing. The smoother is a fixed polynomial in D⁻¹A and the
//! restriction is the transpose of the prolongation (P is stored once and restricts by blocks
//! of its rows, see `transfer.rs`), so M⁻¹ is symmetric positive definite: a valid CG
//! preconditioner. Every operation is a parallel pass over a matrix or a vector. The
//! V-cycle's matrices are stored with f32 values by default ([`Storage`]): a third less
//! memory traffic per SpMV, the same iteration counts. A hierarchy that takes the fine matrix
//! over ([`Amg::owning`], what `potflow solve` uses) keeps its values as that f32 plus an
//! exact i32 remainder (`split.rs`), from which CG reads the f64 matrix bit for bit: the two
//! readers share 8 bytes per nonzero instead of taking 12.
//!
//! Classical Ruge-Stüben AMG does badly on Quad-8 matrices (positive off-diagonals, no
//! M-matrix); smoothed aggregation does not rely on their sign. The symmetric measure alone
//! puts a node's whole Quad-8 neighbourhood (up to 21 nodes) into one aggregate; that is cheap
//! but blind to stretched cells, and the O-grid round a cylinder took 54 iterations at 200k
//! nodes and 63 at 2M. The evolution measure on the finest level makes aggregates of about
//! 4-5 nodes that follow the strong direction, and with a degree-3 smoother every generated
//! geometry converges in at most 25 iterations (docs/benchmarks.md). Smoothing the
//! prolongator with the filtered matrix keeps P inside those directions: fewer iterations
//! and sparser coarse operators. Below the finest level the cheap symmetric measure does as
//! well as the evolution one, and filtering there costs iterations.

mod aggregate;
mod chebyshev;
mod dense;
pub mod export;
mod operator;
mod split;
pub mod strength;
mod transfer;

use std::borrow::Cow;
use std::sync::Mutex;

use rayon::prelude::*;

use super::Preconditioner;
use crate::error::{Error, Result};
use crate::sparse::inverse_diagonal;
use crate::sparse::spgemm::{galerkin, galerkin_by_rows};
use crate::sparse::spmv::LinearOperator;
use crate::sparse::Matrix;
pub use chebyshev::{Chebyshev, ChebyshevWork};
use dense::Cholesky;
use operator::Operator;
pub use operator::{Exact, Storage};
use transfer::Transfer;

/// The largest coarsest level that is factorised densely: n² doubles (32 MB) and n³/3 flops
/// (a few seconds at most on one core).
pub const MAX_DENSE_COARSE: usize = 2000;

/// Degree of the Chebyshev polynomial that stands in for the coarsest solve above
/// [`MAX_DENSE_COARSE`]. A fixed polynomial keeps the V-cycle symmetric positive definite.
const COARSE_SMOOTHER_DEGREE: usize = 10;

/// The coarsest level's solve.
enum Coarsest {
    /// Dense Cholesky: exact.
    Dense(Cholesky),
    /// A Chebyshev polynomial in D⁻¹A from zero: approximate, when coarsening stalled.
    Smoother(Matrix, Chebyshev, Mutex<ChebyshevWork>),
}

/// Where a level's setup time goes, for the debug log.
struct Laps {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Laps {
    fn start() -> Self {
        Laps {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    /// Records the time since the previous lap as `what`.
    fn lap(&mut self, what: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((what, now - self.last));
        self.last = now;
    }
}

impl std::fmt::Display for Laps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, (what, d)) in self.laps.iter().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            write!(f, "{sep}{what} {:.1} ms", d.as_secs_f64() * 1e3)?;
        }
        Ok(())
    }
}

/// The strength-of-connection measure (see [`strength`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strength {
    /// `|aᵢⱼ| ≥ θ √(|aᵢᵢ aⱼⱼ|)`.
    Symmetric { theta: f64 },
    /// Relaxed deltas against the near-null space, drop tolerance ε.
    Evolution { epsilon: f64 },
}

/// Tuning of the hierarchy.
#[derive(Debug, Clone, Copy)]
pub struct AmgOptions {
    /// Strength-of-connection measure on the finest level.
    pub fine_strength: Strength,
    /// Strength-of-connection measure on the coarse levels.
    pub coarse_strength: Strength,
    /// Stop coarsening at or below this many unknowns.
    pub coarse_size: usize,
    /// At most this many levels.
    pub max_levels: usize,
    /// Chebyshev smoother degree (SpMVs per smoothing).
    pub smoother_degree: usize,
    /// How the V-cycle's matrices are stored (the coarsest level is always f64).
    pub storage: Storage,
}

impl Default for AmgOptions {
    fn default() -> Self {
        AmgOptions {
            fine_strength: Strength::Evolution { epsilon: 4.0 },
            coarse_strength: Strength::Symmetric { theta: 0.08 },
            coarse_size: 400,
            max_levels: 12,
            smoother_degree: 3,
            storage: Storage::F32,
        }
    }
}

/// One level of the hierarchy apart from its operator (see [`Amg`]): its smoother, and the
/// transfer between it and the next coarser level.
struct Level {
    smoother: Chebyshev,
    /// P, stored once: it prolongs and, read by blocks of rows, restricts.
    transfer: Transfer,
}

/// Vectors of one level's V-cycle, allocated once.
struct LevelWork {
    /// Restricted residual (the coarse right-hand side) and the coarse correction.
    rc: Vec<f64>,
    xc: Vec<f64>,
    /// The restriction's partial sums.
    partial: Vec<f64>,
    smoother: ChebyshevWork,
}

/// The hierarchy: levels from fine to coarse, then the coarsest solve. The finest operator is
/// the caller's matrix, borrowed ([`Amg::new`]) or taken over ([`Amg::owning`]).
pub struct Amg<'a> {
    /// Each level's operator, the finest first (also where there are no levels).
    operators: Vec<Operator<'a>>,
    levels: Vec<Level>,
    coarsest: Coarsest,
    work: Mutex<Vec<LevelWork>>,
    /// Rows per level, fine first (the coarsest included).
    pub sizes: Vec<usize>,
    /// Σ nnz(A_l) / nnz(A₀).
    pub operator_complexity: f64,
}

/// A hierarchy before its finest operator is attached.
struct Setup {
    levels: Vec<Level>,
    /// The operators of the levels below the finest.
    coarse_operators: Vec<Operator<'static>>,
    coarsest: Coarsest,
    sizes: Vec<usize>,
    operator_complexity: f64,
}

impl Setup {
    fn finish(self, fine: Operator<'_>) -> Amg<'_> {
        let mut operators = vec![fine];
        operators.extend(self.coarse_operators);
        let work = self
            .levels
            .iter()
            .zip(&operators)
            .map(|(l, a)| LevelWork {
                rc: vec![0.0; l.transfer.coarse()],
                xc: vec![0.0; l.transfer.coarse()],
                partial: vec![0.0; l.transfer.scratch_len()],
                smoother: ChebyshevWork::new(a.rows()),
            })
            .collect();
        Amg {
            operators,
            levels: self.levels,
            coarsest: self.coarsest,
            work: Mutex::new(work),
            sizes: self.sizes,
            operator_complexity: self.operator_complexity,
        }
    }
}

impl<'a> Amg<'a> {
    /// Builds the hierarchy of `a` (symmetric positive definite), borrowing it: the V-cycle
    /// reads an f32 copy of its values (with [`Storage::F32`]).
    pub fn new(a: &'a Matrix, opts: AmgOptions) -> Result<Self> {
        let setup = Amg::setup(a, opts)?;
        let storage = if setup.levels.is_empty() {
            Storage::F64 // the matrix is only factorised: no copy
        } else {
            opts.storage
        };
        Ok(setup.finish(Operator::borrowed(a, storage)))
    }

    /// The matrix with its values exact, as CG reads it, where the hierarchy holds it: taken
    /// over by [`Amg::owning`], or borrowed in f64.
    pub fn fine_matrix(&self) -> Option<Exact<'_>> {
        self.operators[0].exact()
    }

    /// A copy of the finest matrix with its values exact, where the hierarchy keeps them.
    pub fn fine_matrix_copy(&self) -> Option<Matrix> {
        self.operators[0].to_exact_matrix()
    }

    /// Whether the finest operator's values are split exactly into the V-cycle's f32 and a
    /// remainder (`split.rs`): true for [`Amg::owning`] unless some value is outside f32's
    /// normal range.
    pub fn fine_is_split(&self) -> bool {
        self.operators[0].is_split()
    }
}

impl Amg<'static> {
    /// Builds the hierarchy of `a` and takes `a` over. With [`Storage::F32`] its values are
    /// split, exactly, into the f32 the V-cycle reads and an i32 remainder, so that CG's
    /// matrix and the V-cycle's copy of it take 8 bytes per nonzero together instead of 12.
    /// CG reads it through [`Amg::fine_matrix`].
    pub fn owning(a: Matrix, opts: AmgOptions) -> Result<Self> {
        let setup = Amg::setup(&a, opts)?;
        let fine = match opts.storage {
            Storage::F32 => {
                // The split allocates the f32 values (4 bytes per nonzero) while the f64 ones
                // are alive: the set-up's freed memory is handed back first.
                crate::solver::release_freed_memory();
                Operator::fine(a)
            }
            Storage::F64 => Operator::owned(a, Storage::F64),
        };
        Ok(setup.finish(fine))
    }
}

impl Amg<'_> {
    /// The hierarchy of `a` without its finest operator.
    fn setup(a: &Matrix, opts: AmgOptions) -> Result<Setup> {
        let fine_nnz = a.nnz() as f64;
        let mut levels = Vec::new();
        let mut coarse_operators = Vec::new();
        let mut current: Cow<'_, Matrix> = Cow::Borrowed(a);
        let mut sizes = vec![current.rows()];
        let mut total_nnz = fine_nnz;
        // Near-null space: constants (Laplace's), carried to each coarse level.
        let mut near_null = vec![1.0; a.rows()];
        while current.rows() > opts.coarse_size && levels.len() + 1 < opts.max_levels {
            let mut laps = Laps::start();
            let smoother = Chebyshev::new(&current, opts.smoother_degree);
            laps.lap("smoother");
            let measure = if levels.is_empty() {
                opts.fine_strength
            } else {
                opts.coarse_strength
            };
            let graph = match measure {
                Strength::Symmetric { theta } => strength::symmetric(&current, theta),
                Strength::Evolution { epsilon } => strength::evolution(
                    &current,
                    &near_null,
                    smoother.inv_diag(),
                    smoother.lambda_max(),
                    epsilon,
                ),
            };
            laps.lap("strength");
            let aggregates = aggregate::aggregate(&graph);
            laps.lap("aggregate");
            if aggregates.count == 0 || aggregates.count >= current.rows() {
                break; // nothing left to coarsen
            }
            let (t, coarse_null) = aggregate::tentative(&aggregates, &near_null);
            near_null = coarse_null;
            let p = match measure {
                // Smoothing with A filtered to the evolution graph keeps P's rows inside the
                // directions the measure found strong: fewer iterations and a sparser
                // coarse operator (docs/benchmarks.md).
                Strength::Evolution { .. } => {
                    let filtered = aggregate::filtered(&current, &graph);
                    drop(graph);
                    let inv_diag = inverse_diagonal(&filtered);
                    let rho = chebyshev::spectral_radius(&filtered, &inv_diag);
                    aggregate::smooth_prolongator(&filtered, &t, &inv_diag, rho)
                }
                Strength::Symmetric { .. } => {
                    drop(graph);
                    aggregate::smooth_prolongator(
                        &current,
                        &t,
                        smoother.inv_diag(),
                        smoother.lambda_max(),
                    )
                }
            };
            laps.lap("prolongator");
            // Pᵀ only for the Galerkin product: the V-cycle restricts with P's rows.
            let pt: Matrix = p.transpose_view().to_csr();
            laps.lap("transpose");
            // Pᵀ A stored whole would be the set-up's largest temporary (at 2M nodes it made the
            // run's memory peak on level 0 and on level 1), so neither product stores it. On
            // the finest level, where P has about 2 entries per row, coarse row c is formed
            // as Σᵢ (Pᵀ)_ci Σⱼ aᵢⱼ (row j of P); below, where P has 6-10, that repeats too many
            // products, and each row of Pᵀ A is formed first and then multiplied by P. Before
            // the finest level's product the memory its set-up freed (the strength graph, the
            // filtered matrix) is handed back, where it would otherwise stay resident beside
            // the product.
            if levels.is_empty() {
                crate::solver::release_freed_memory();
            }
            let coarse: Matrix = if levels.is_empty() {
                galerkin(&pt, &current, &p)
            } else {
                galerkin_by_rows(&pt, &current, &p)
            };
            drop(pt);
            laps.lap("galerkin");
            total_nnz += coarse.nnz() as f64;
            sizes.push(coarse.rows());
            log::debug!(
                "AMG level {}: {} rows (nnz {}) -> {} aggregates, P nnz {}, coarse nnz {}; {}",
                levels.len(),
                current.rows(),
                current.nnz(),
                aggregates.count,
                p.nnz(),
                coarse.nnz(),
                laps,
            );
            // The finest level's operator is attached once the hierarchy is built, so that
            // its f32 values (the largest array the hierarchy holds) are not alive beside
            // the next levels' set-up temporaries.
            if let Cow::Owned(a) = current {
                coarse_operators.push(Operator::owned(a, opts.storage));
            }
            levels.push(Level {
                smoother,
                transfer: Transfer::new(p, opts.storage),
            });
            current = Cow::Owned(coarse);
        }
        let coarsest = if current.rows() <= MAX_DENSE_COARSE {
            Coarsest::Dense(Cholesky::new(&current).ok_or_else(|| Error::Singular {
                source_name: String::new(),
                reason: format!(
                    "the coarsest AMG operator ({} unknowns) is not positive definite",
                    current.rows()
                ),
            })?)
        } else {
            log::warn!(
                "AMG coarsening stopped at {} unknowns (above {MAX_DENSE_COARSE}): the coarsest \
                 level is smoothed, not factorised, and CG may need more iterations",
                current.rows()
            );
            let smoother = Chebyshev::new(&current, COARSE_SMOOTHER_DEGREE);
            let work = Mutex::new(ChebyshevWork::new(current.rows()));
            Coarsest::Smoother(current.into_owned(), smoother, work)
        };
        Ok(Setup {
            levels,
            coarse_operators,
            coarsest,
            sizes,
            operator_complexity: total_nnz / fine_nnz,
        })
    }

    /// Number of levels, the coarsest one included.
    pub fn levels(&self) -> usize {
        self.levels.len() + 1
    }

    /// Whether the coarsest level is solved exactly (dense Cholesky).
    pub fn coarsest_is_exact(&self) -> bool {
        matches!(self.coarsest, Coarsest::Dense(_))
    }

    /// The bytes one V-cycle (`vcycle`) moves at least, to compare its time with the
    /// memory's bandwidth (the `floor` benchmark). Every array is counted once per pass
    /// over it, as if no cache kept anything from one pass to the next, and a vector entry
    /// is 8 bytes. On a level with a degree-d smoother and n unknowns:
    ///
    /// ```text
    /// matrix    2d SpMVs: d − 1 in the pre-smoothing from zero, 1 for the residual,
    ///           d in the post-smoothing                          2d × (its bytes)
    /// P         the restriction and the prolongation             2 × (P's bytes)
    /// partials  the restriction's partial sums, written and read  16 × (their number)
    /// vectors   pre-smoothing from zero: x cleared 1, r = D⁻¹b 3, d = r/θ 2,
    ///           each further step 11 (x += d 3, A d 2, r and d updated 6), x += d 3
    ///                                                            9 + 11 (d − 1)
    ///           post-smoothing: A x 2, r = D⁻¹(b − A x) 4, d = r/θ 2, the steps,
    ///           x += d 3                                         11 d
    ///           residual (A x 2, r = b − A x 3) 5, the transfers' fine vectors 2,
    ///           x += correction 3                                10
    ///                                                            (22 d + 8) × 8 n
    /// ```
    ///
    /// and on the coarsest level its dense factor's triangle read twice, or its smoother
    /// from zero (d − 1 SpMVs and 9 + 11 (d − 1) vector passes).
    pub fn cycle_bytes(&self) -> usize {
        let levels: usize = self
            .levels
            .iter()
            .zip(&self.operators)
            .map(|(level, a)| {
                let d = level.smoother.degree();
                let partials = level.transfer.scratch_len();
                2 * d * a.bytes()
                    + 2 * level.transfer.bytes()
                    + 16 * partials
                    + (22 * d + 8) * 8 * a.rows()
            })
            .sum();
        let coarsest = match &self.coarsest {
            Coarsest::Dense(cholesky) => cholesky.bytes(),
            Coarsest::Smoother(a, smoother, _) => {
                let d = smoother.degree();
                (d - 1) * (a.nnz() * 12 + (a.rows() + 1) * 4) + (9 + 11 * (d - 1)) * 8 * a.rows()
            }
        };
        levels + coarsest
    }

    /// One V-cycle from level `l` down: x ≈ A_l⁻¹ b. `work[0]` is level l's scratch.
    fn vcycle(&self, l: usize, b: &[f64], x: &mut [f64], work: &mut [LevelWork]) {
        if l == self.levels.len() {
            match &self.coarsest {
                Coarsest::Dense(cholesky) => cholesky.solve(b, x),
                Coarsest::Smoother(a, smoother, work) => {
                    let mut work = work.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    smoother.smooth(a, b, x, true, &mut work);
                }
            }
            return;
        }
        let (level, a) = (&self.levels[l], &self.operators[l]);
        let (here, below) = work.split_at_mut(1);
        let w = &mut here[0];
        level.smoother.smooth(a, b, x, true, &mut w.smoother);
        // The residual, then the prolongated correction, in the smoother's scratch: it is
        // free between the two smoothings.
        let r = w.smoother.scratch();
        a.apply(x, r);
        r.par_iter_mut().zip(b).for_each(|(r, b)| *r = b - *r);
        level.transfer.restrict(r, &mut w.rc, &mut w.partial);
        self.vcycle(l + 1, &w.rc, &mut w.xc, below);
        let r = w.smoother.scratch();
        level.transfer.prolong(&w.xc, r);
        x.par_iter_mut().zip(&*r).for_each(|(x, c)| *x += c);
        level.smoother.smooth(a, b, x, false, &mut w.smoother);
    }
}

impl Preconditioner for Amg<'_> {
    fn apply(&self, r: &[f64], z: &mut [f64]) {
        match self.work.lock() {
            Ok(mut work) => self.vcycle(0, r, z, &mut work),
            // Another apply panicked mid-cycle: its scratch is still usable (it is overwritten).
            Err(poisoned) => self.vcycle(0, r, z, &mut poisoned.into_inner()),
        }
    }

    fn name(&self) -> &'static str {
        "amg"
    }
}
