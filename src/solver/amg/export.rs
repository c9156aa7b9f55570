//! The hierarchy in f32, for a device that runs the V-cycle itself (the GPU solve,
//! `crate::gpu::solve` in the layers above): every level's operator and prolongator as f32
//! CSR, the restriction as the prolongator's stored transpose, each smoother's diagonal and
//! polynomial, and the coarsest level as a dense inverse or its smoother.
//!
//! The arrays are the ones the host V-cycle reads (its operators are already f32 where the
//! hierarchy stores them so), so the device's V-cycle is the host's in f32 arithmetic.

use super::{Amg, Coarsest, Level};
use crate::sparse::Matrix;

/// A CSR matrix with f32 values.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrF32 {
    pub rows: usize,
    pub cols: usize,
    pub indptr: Vec<u32>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
    /// Each row's sum, for the product in difference form (`shaders/spmv.wgsl`): from the
    /// exact values where the hierarchy keeps them, else from the f32 values summed in f64.
    /// Empty for the transfers.
    pub row_sums: Vec<f32>,
}

impl CsrF32 {
    /// `a` with its values rounded to f32.
    pub fn from_matrix(a: &Matrix) -> Self {
        CsrF32 {
            rows: a.rows(),
            cols: a.cols(),
            indptr: a.indptr().raw_storage().to_vec(),
            indices: a.indices().to_vec(),
            values: a.data().iter().map(|&v| v as f32).collect(),
            row_sums: Vec::new(),
        }
        .with_row_sums(Some(
            a.outer_iterator()
                .map(|row| row.data().iter().sum())
                .collect(),
        ))
    }

    /// The matrix with its row sums: `exact` where given, else its f32 values' in f64.
    pub fn with_row_sums(mut self, exact: Option<Vec<f64>>) -> Self {
        self.row_sums = match exact {
            Some(s) => s.iter().map(|&v| v as f32).collect(),
            None => (0..self.rows)
                .map(|i| {
                    let k = self.indptr[i] as usize..self.indptr[i + 1] as usize;
                    self.values[k].iter().map(|&v| f64::from(v)).sum::<f64>() as f32
                })
                .collect(),
        };
        self
    }

    /// The transpose, each row's entries in ascending column order (a counting sort, so
    /// the same matrix gives the same arrays).
    pub fn transpose(&self) -> Self {
        let mut count = vec![0u32; self.cols + 1];
        for &c in &self.indices {
            count[c as usize + 1] += 1;
        }
        for c in 0..self.cols {
            count[c + 1] += count[c];
        }
        let indptr = count.clone();
        let mut next = count;
        let mut indices = vec![0u32; self.indices.len()];
        let mut values = vec![0f32; self.values.len()];
        for r in 0..self.rows {
            for k in self.indptr[r] as usize..self.indptr[r + 1] as usize {
                let c = self.indices[k] as usize;
                let at = next[c] as usize;
                indices[at] = r as u32;
                values[at] = self.values[k];
                next[c] += 1;
            }
        }
        CsrF32 {
            rows: self.cols,
            cols: self.rows,
            indptr,
            indices,
            values,
            row_sums: Vec::new(),
        }
    }

    /// y = A x in f32, each row summed in stored order, in difference form where the matrix
    /// has row sums: the CPU twin of `shaders/spmv.wgsl`.
    pub fn spmv(&self, x: &[f32], y: &mut [f32]) {
        for (i, yi) in y.iter_mut().enumerate().take(self.rows) {
            let mut s = 0f32;
            let row = self.indptr[i] as usize..self.indptr[i + 1] as usize;
            if self.row_sums.is_empty() {
                for k in row {
                    s = self.values[k].mul_add(x[self.indices[k] as usize], s);
                }
            } else {
                for k in row {
                    s = self.values[k].mul_add(x[self.indices[k] as usize] - x[i], s);
                }
                s = self.row_sums[i].mul_add(x[i], s);
            }
            *yi = s;
        }
    }
}

/// A level's Chebyshev smoother: 1/diag(A), ρ(D⁻¹A) and the degree (SpMVs per application).
#[derive(Debug, Clone)]
pub struct SmootherF32 {
    pub inv_diag: Vec<f32>,
    pub lambda_max: f64,
    pub degree: usize,
}

/// One level above the coarsest.
#[derive(Debug, Clone)]
pub struct LevelF32 {
    pub a: CsrF32,
    pub smoother: SmootherF32,
    /// Prolongation (fine × coarse) and restriction (its transpose).
    pub p: CsrF32,
    pub pt: CsrF32,
}

/// The coarsest level.
#[derive(Debug, Clone)]
pub enum CoarsestF32 {
    /// A⁻¹, dense, row-major (n × n).
    Inverse { n: usize, values: Vec<f32> },
    /// Coarsening stalled: the level is smoothed from zero.
    Smoothed { a: CsrF32, smoother: SmootherF32 },
}

/// The whole hierarchy in f32.
#[derive(Debug, Clone)]
pub struct HierarchyF32 {
    pub levels: Vec<LevelF32>,
    pub coarsest: CoarsestF32,
    /// The operator, where no level holds it: a problem small enough to be the coarsest
    /// level itself, solved by its dense inverse.
    pub fine_alone: Option<CsrF32>,
}

impl HierarchyF32 {
    /// The finest operator.
    pub fn fine(&self) -> &CsrF32 {
        match (self.levels.first(), &self.coarsest, &self.fine_alone) {
            (Some(l), _, _) => &l.a,
            (None, CoarsestF32::Smoothed { a, .. }, _) => a,
            (None, CoarsestF32::Inverse { .. }, Some(a)) => a,
            (None, CoarsestF32::Inverse { .. }, None) => unreachable!("see Amg::to_f32"),
        }
    }
}

fn smoother(s: &super::Chebyshev) -> SmootherF32 {
    SmootherF32 {
        inv_diag: s.inv_diag().iter().map(|&d| d as f32).collect(),
        lambda_max: s.lambda_max(),
        degree: s.degree(),
    }
}

impl Amg<'_> {
    /// The hierarchy in f32.
    pub fn to_f32(&self) -> HierarchyF32 {
        let operator = |l: usize| {
            let a = &self.operators[l];
            // The finest level's exact row sums, K 1, where the hierarchy keeps K exactly.
            let exact = (l == 0).then(|| self.fine_matrix()).flatten().map(|k| {
                let mut sums = vec![0.0; a.rows()];
                crate::sparse::LinearOperator::apply(&k, &vec![1.0; a.rows()], &mut sums);
                sums
            });
            a.to_f32(a.rows()).with_row_sums(exact)
        };
        let fine_alone = (self.levels.is_empty() && matches!(self.coarsest, Coarsest::Dense(_)))
            .then(|| operator(0));
        let levels = self
            .levels
            .iter()
            .enumerate()
            .map(
                |(
                    l,
                    Level {
                        smoother: s,
                        transfer,
                    },
                )| {
                    let p = transfer.p_f32();
                    LevelF32 {
                        a: operator(l),
                        smoother: smoother(s),
                        pt: p.transpose(),
                        p,
                    }
                },
            )
            .collect();
        let coarsest = match &self.coarsest {
            Coarsest::Dense(cholesky) => {
                let n = cholesky.n();
                let mut values = vec![0f32; n * n];
                let (mut e, mut col) = (vec![0.0; n], vec![0.0; n]);
                for j in 0..n {
                    e.fill(0.0);
                    e[j] = 1.0;
                    cholesky.solve(&e, &mut col);
                    for i in 0..n {
                        values[i * n + j] = col[i] as f32;
                    }
                }
                CoarsestF32::Inverse { n, values }
            }
            Coarsest::Smoother(a, s, _) => CoarsestF32::Smoothed {
                a: CsrF32::from_matrix(a),
                smoother: smoother(s),
            },
        };
        HierarchyF32 {
            levels,
            coarsest,
            fine_alone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transpose_of_the_transpose_is_the_matrix() {
        let mut tri = sprs::TriMatI::<f64, u32>::new((3, 4));
        for (i, j, v) in [
            (0, 1, 1.0),
            (0, 3, 2.0),
            (1, 0, 3.0),
            (2, 1, 4.0),
            (2, 2, 5.0),
        ] {
            tri.add_triplet(i, j, v);
        }
        let a = CsrF32::from_matrix(&tri.to_csr());
        let t = a.transpose();
        assert_eq!((t.rows, t.cols), (4, 3));
        assert_eq!(t.indptr, [0, 1, 3, 4, 5]);
        assert_eq!(t.indices, [1, 0, 2, 2, 0]);
        assert_eq!(t.values, [3.0, 1.0, 4.0, 5.0, 2.0]);
        // The transfers' transposes carry no row sums.
        assert_eq!(
            t.transpose(),
            CsrF32 {
                row_sums: Vec::new(),
                ..a
            }
        );
    }
}
