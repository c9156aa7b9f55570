//! The Kutta condition as a fit of the trailing edge's singular mode.
//!
//! Near a trailing edge round which the fluid turns through ω (2π − the edge's angle), a
//! potential that is harmonic with walls on both sides is, in polar coordinates (r, θ) from
//! the edge, θ from one side,
//!
//! ```text
//! u = u(0) + Σₖ aₖ r^(kλ) cos(kλθ),      λ = π / ω   (λ = ½ at a cusp)
//! ```
//!
//! The first mode's velocity grows like r^(λ−1) at the edge: the flow leaves the edge
//! smoothly when a₁ = 0, and that fixes Γ. Along the outline (fluid on the left) the
//! tangential derivatives on the two sides at one distance s from the edge add up to
//!
//! ```text
//! D(s) = ∂u/∂s|arriving + ∂u/∂s|leaving = Σ_{k odd} cₖ s^(kλ−1),   c₁ ∝ a₁
//! ```
//!
//! (cos(kλω) = cos kπ: the odd modes have opposite signs on the two sides, the even ones,
//! the finite velocity at the edge among them, the same, and cancel). D is sampled at
//! equal distances on both sides, at the 3-point Gauss points of the edges from the second
//! edge out to [`REACH`] of the chord, and the first three odd modes are fitted by least
//! squares: c₁, the coefficient of s^(λ−1), is a linear functional of u, and the Kutta
//! condition is c₁(u₀) + Γ c₁(u₁ + j) = 0. The discrete flow is least accurate at the edge
//! itself, where a derivative at the edge's node measures the singular mode through the
//! first element alone; the fit reads it from many elements, where the flow is resolved.

use super::outline::LoopEdge;
use crate::element::{edge_shape, GAUSS3_W, GAUSS3_X};
use crate::mesh::PreparedMesh;
use crate::post::Jumps;

/// How far from the trailing edge D is sampled, as a fraction of the chord. On a Joukowski
/// and a Kármán-Trefftz section (docs/verification.md) reaches from 0.02 to 0.2 took the
/// error of Γ from about 0.1 % to 0.02-0.045 % at 20k-80k nodes, the wider ones a little
/// closer and steadier on coarse meshes (at 5k nodes 0.05 left −0.22 %, 0.1 −0.03 %).
pub const REACH: f64 = 0.1;
/// How many odd modes the fit holds.
const MODES: usize = 3;

/// One side of the outline from the trailing edge outwards: its edges, each with the
/// parameter end at the trailing-edge side, and the arc length at each edge's start.
struct Side<'a> {
    edges: Vec<&'a LoopEdge>,
    /// Whether the edge runs towards the trailing edge (the arriving side).
    towards: bool,
    /// Arc length from the trailing edge to each edge's near end, and to the far end of the
    /// last one.
    start: Vec<f64>,
}

/// (x, y) and dx/dt of an edge at parameter t.
fn at(mesh: &PreparedMesh, e: &LoopEdge, t: f64) -> ([f64; 2], [f64; 2]) {
    let (n, dn) = edge_shape(t);
    let xy = e.nodes.map(|k| mesh.xy[k as usize]);
    (
        [0, 1].map(|c| (0..3).map(|k| n[k] * xy[k][c]).sum()),
        [0, 1].map(|c| (0..3).map(|k| dn[k] * xy[k][c]).sum()),
    )
}

/// Arc length of an edge between parameters a and b (3-point Gauss).
fn length(mesh: &PreparedMesh, e: &LoopEdge, a: f64, b: f64) -> f64 {
    GAUSS3_X
        .iter()
        .zip(&GAUSS3_W)
        .map(|(&g, &w)| {
            let (_, d) = at(mesh, e, a + (b - a) * 0.5 * (g + 1.0));
            0.5 * (b - a).abs() * w * d[0].hypot(d[1])
        })
        .sum()
}

impl<'a> Side<'a> {
    fn new(mesh: &PreparedMesh, edges: Vec<&'a LoopEdge>, towards: bool, reach: f64) -> Self {
        let mut start = vec![0.0];
        let mut kept = Vec::new();
        for e in edges {
            let s = *start.last().unwrap_or(&0.0);
            if s > reach {
                break;
            }
            start.push(s + length(mesh, e, -1.0, 1.0));
            kept.push(e);
        }
        Side {
            edges: kept,
            towards,
            start,
        }
    }

    /// The parameter t on edge `i` at arc length `s` from the trailing edge.
    fn parameter(&self, mesh: &PreparedMesh, i: usize, s: f64) -> f64 {
        let e = self.edges[i];
        let near: f64 = if self.towards { 1.0 } else { -1.0 };
        let target = s - self.start[i];
        // Bisection on the arc length from the near end (monotone along the edge).
        let (mut lo, mut hi) = (0.0, 2.0);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            let t = near - near.signum() * mid;
            if length(mesh, e, near, t) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        near - near.signum() * 0.5 * (lo + hi)
    }

    /// Where arc length `s` falls: the edge and its parameter.
    fn locate(&self, mesh: &PreparedMesh, s: f64) -> Option<(usize, f64)> {
        let i = self.start.windows(2).position(|w| s >= w[0] && s <= w[1])?;
        Some((i, self.parameter(mesh, i, s)))
    }
}

/// ∂u/∂s along an edge's own direction at parameter t, u being the edge's element's
/// potential (u plus its jumps).
pub(super) fn derivative(
    mesh: &PreparedMesh,
    e: &LoopEdge,
    u: &[f64],
    jumps: &Jumps,
    t: f64,
) -> f64 {
    let jump = |k: u32| {
        jumps
            .elements
            .iter()
            .find(|(el, _)| *el == e.element)
            .and_then(|(_, j)| j.iter().find(|x| x.0 == k))
            .map_or(0.0, |x| x.1)
    };
    let (_, dn) = edge_shape(t);
    let (_, d) = at(mesh, e, t);
    let du: f64 = (0..3)
        .map(|k| dn[k] * (u[e.nodes[k] as usize] + jump(e.nodes[k])))
        .sum();
    du / d[0].hypot(d[1])
}

/// A distance s from the trailing edge, and where it falls on each side: an edge (index into
/// the outline) and its parameter.
#[derive(Debug, Clone, Copy)]
struct Sample {
    s: f64,
    arriving: (usize, f64),
    leaving: (usize, f64),
}

/// Where D is sampled, and the fit's weights: c₁ = Σ wᵢ D(sᵢ).
#[derive(Debug, Clone)]
pub struct KuttaFit {
    samples: Vec<Sample>,
    /// The least-squares row that gives c₁ from the samples of D.
    weights: Vec<f64>,
}

impl KuttaFit {
    /// The samples on `edges` (the outline from its trailing edge), the fluid turning through
    /// `fluid_angle_deg` there, out to `reach` (arc length).
    pub fn new(
        mesh: &PreparedMesh,
        edges: &[LoopEdge],
        fluid_angle_deg: f64,
        reach: f64,
    ) -> Option<KuttaFit> {
        let n = edges.len();
        let leaving = Side::new(mesh, edges.iter().collect(), false, reach);
        let arriving = Side::new(mesh, edges.iter().rev().collect(), true, reach);
        // From the second edge out on each side, the Gauss points of the leaving side's edges
        // and of the arriving side's, each read on both sides.
        let first = leaving.start[1].max(arriving.start[1]);
        let mut distances = Vec::new();
        for side in [&leaving, &arriving] {
            for i in 0..side.edges.len() {
                for &g in &GAUSS3_X {
                    let s = side.start[i] + 0.5 * (g + 1.0) * (side.start[i + 1] - side.start[i]);
                    if s >= first && s <= reach {
                        distances.push(s);
                    }
                }
            }
        }
        let mut samples = Vec::new();
        for s in distances {
            if let (Some((a, ta)), Some((l, tl))) =
                (arriving.locate(mesh, s), leaving.locate(mesh, s))
            {
                samples.push(Sample {
                    s,
                    arriving: (n - 1 - a, ta),
                    leaving: (l, tl),
                });
            }
        }
        let lambda = std::f64::consts::PI / fluid_angle_deg.to_radians();
        if samples.len() < 2 * MODES {
            return None;
        }
        // Normal equations of D(s) ≈ Σₖ cₖ s^((2k+1)λ−1), columns scaled by the largest
        // distance so that they are of order 1.
        let basis = |s: f64| -> [f64; MODES] {
            std::array::from_fn(|k| (s / reach).powf((2 * k + 1) as f64 * lambda - 1.0))
        };
        let mut ata = [[0.0; MODES]; MODES];
        for sample in &samples {
            let b = basis(sample.s);
            for i in 0..MODES {
                for j in 0..MODES {
                    ata[i][j] += b[i] * b[j];
                }
            }
        }
        let inverse = invert(ata)?;
        let weights = samples
            .iter()
            .map(|sample| {
                let b = basis(sample.s);
                (0..MODES).map(|j| inverse[0][j] * b[j]).sum()
            })
            .collect();
        Some(KuttaFit { samples, weights })
    }

    /// How many distances D is sampled at.
    pub fn samples(&self) -> usize {
        self.samples.len()
    }

    /// c₁ of u (with its jumps): the first mode's coefficient, up to a factor common to
    /// every u.
    pub fn singular(
        &self,
        mesh: &PreparedMesh,
        edges: &[LoopEdge],
        u: &[f64],
        jumps: &Jumps,
    ) -> f64 {
        self.samples
            .iter()
            .zip(&self.weights)
            .map(|(sample, w)| {
                let ((a, ta), (l, tl)) = (sample.arriving, sample.leaving);
                w * (derivative(mesh, &edges[a], u, jumps, ta)
                    + derivative(mesh, &edges[l], u, jumps, tl))
            })
            .sum()
    }
}

/// The inverse of a small symmetric positive definite matrix, by Gauss-Jordan with partial
/// pivoting; None if it is singular.
fn invert(mut a: [[f64; MODES]; MODES]) -> Option<[[f64; MODES]; MODES]> {
    let mut inv = [[0.0; MODES]; MODES];
    for (i, row) in inv.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for c in 0..MODES {
        let p = (c..MODES).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        inv.swap(c, p);
        let d = a[c][c];
        for j in 0..MODES {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for i in 0..MODES {
            if i != c {
                let f = a[i][c];
                for j in 0..MODES {
                    a[i][j] -= f * a[c][j];
                    inv[i][j] -= f * inv[c][j];
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::{invert, MODES};

    #[test]
    fn the_normal_equations_are_inverted() {
        // A Hilbert-like SPD matrix (the kind the fit's power columns give): A A⁻¹ = I.
        let a: [[f64; MODES]; MODES] =
            std::array::from_fn(|i| std::array::from_fn(|j| 1.0 / (i + j + 1) as f64));
        let inv = invert(a).expect("invertible");
        for (i, row) in a.iter().enumerate() {
            for j in 0..MODES {
                let p: f64 = row.iter().zip(&inv).map(|(x, r)| x * r[j]).sum();
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((p - expected).abs() < 1e-12, "({i}, {j}): {p}");
            }
        }
        assert!(invert([[0.0; MODES]; MODES]).is_none());
    }
}
