//! Verification ladder, first rungs: shape-function identities and the element matrices
//! against closed forms and against an independent implementation.

mod common;

use potflow::element::*;

const POINTS: [(f64, f64); 5] = [
    (0.0, 0.0),
    (0.3, -0.7),
    (-0.9, 0.2),
    (1.0, 1.0),
    (0.577, 0.1),
];

#[test]
fn shape_functions_are_a_partition_of_unity() {
    for (xi, eta) in POINTS {
        let s: f64 = shape(xi, eta).iter().sum();
        assert!((s - 1.0).abs() < 1e-15, "sum N = {s} at ({xi}, {eta})");
        let d = shape_derivatives(xi, eta);
        for row in d {
            let s: f64 = row.iter().sum();
            assert!(s.abs() < 1e-15, "sum dN = {s}");
        }
    }
}

#[test]
fn shape_functions_interpolate_at_the_nodes() {
    for (i, &[xi, eta]) in NODE_XI.iter().enumerate() {
        let n = shape(xi, eta);
        for (j, &v) in n.iter().enumerate() {
            let expect = if i == j { 1.0 } else { 0.0 };
            assert!((v - expect).abs() < 1e-15, "N{j}(node {i}) = {v}");
        }
    }
}

#[test]
fn shape_derivatives_match_finite_differences() {
    let h = 1e-6;
    for (xi, eta) in POINTS {
        let d = shape_derivatives(xi, eta);
        let (p, m) = (shape(xi + h, eta), shape(xi - h, eta));
        let (q, r) = (shape(xi, eta + h), shape(xi, eta - h));
        for k in 0..NODES {
            // Central differences of a cubic: error h²/6 · N''' ~ 1e-12.
            assert!((d[0][k] - (p[k] - m[k]) / (2.0 * h)).abs() < 1e-9);
            assert!((d[1][k] - (q[k] - r[k]) / (2.0 * h)).abs() < 1e-9);
        }
    }
}

#[test]
fn gauss_rules_integrate_polynomials_exactly() {
    // 3-point Gauss is exact to degree 5: ∫ξ⁴ = 2/5 on [-1, 1].
    let i4: f64 = GAUSS3_X
        .iter()
        .zip(&GAUSS3_W)
        .map(|(x, w)| w * x.powi(4))
        .sum();
    assert!((i4 - 0.4).abs() < 1e-15);
    let area: f64 = gauss3x3().iter().map(|p| p.2).sum();
    assert!((area - 4.0).abs() < 1e-15);
}

fn rectangle(a: f64, b: f64, x0: f64, y0: f64) -> [[f64; 2]; NODES] {
    NODE_XI.map(|[xi, eta]| [x0 + 0.5 * a * (1.0 + xi), y0 + 0.5 * b * (1.0 + eta)])
}

/// Closed form of the Quad-8 Laplace stiffness of an a × b rectangle:
/// `Kₑ = (b/a) A + (a/b) C` with `A = ∫∫ ∂N/∂ξ ∂Nᵀ/∂ξ dξdη` and `C` likewise in η, both
/// exact rationals (integrated symbolically; the entries below are 90 A and 90 C).
const A90: [[f64; 8]; 8] = [
    [52., 28., 23., 17., -80., -6., -40., 6.],
    [28., 52., 17., 23., -80., 6., -40., -6.],
    [23., 17., 52., 28., -40., 6., -80., -6.],
    [17., 23., 28., 52., -40., -6., -80., 6.],
    [-80., -80., -40., -40., 160., 0., 80., 0.],
    [-6., 6., 6., -6., 0., 48., 0., -48.],
    [-40., -40., -80., -80., 80., 0., 160., 0.],
    [6., -6., -6., 6., 0., -48., 0., 48.],
];
const C90: [[f64; 8]; 8] = [
    [52., 17., 23., 28., 6., -40., -6., -80.],
    [17., 52., 28., 23., 6., -80., -6., -40.],
    [23., 28., 52., 17., -6., -80., 6., -40.],
    [28., 23., 17., 52., -6., -40., 6., -80.],
    [6., 6., -6., -6., 48., 0., -48., 0.],
    [-40., -80., -80., -40., 0., 160., 0., 80.],
    [-6., -6., 6., 6., -48., 0., 48., 0.],
    [-80., -40., -40., -80., 0., 80., 0., 160.],
];

#[test]
fn rectangle_stiffness_matches_closed_form() {
    // Far from the origin with sizes exact in binary, so the input itself carries no rounding:
    // element-relative coordinates must keep the full precision there.
    for (a, b, x0, y0) in [
        (1.0, 1.0, 0.0, 0.0),
        (2.0, 0.5, 3.0, -1.0),
        (0.125, 0.375, 1e4, 2e4),
    ] {
        let k = stiffness_element(&rectangle(a, b, x0, y0));
        for i in 0..8 {
            for j in 0..8 {
                let exact = (b / a) * A90[i][j] / 90.0 + (a / b) * C90[i][j] / 90.0;
                // 3×3 Gauss integrates these degree-(2,4) polynomials exactly: round-off only.
                assert!(
                    (k[8 * i + j] - exact).abs() < 1e-12 * exact.abs().max(1.0),
                    "K[{i}][{j}] = {} vs {exact} for {a}x{b}",
                    k[8 * i + j]
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// An independent element: the serendipity derivatives written out from the textbook formulas,
// Gauss-Legendre rules of any order found by Newton's method on Pₙ, and Kₑ = Σ w det J BᵀB.
// It shares no code with src/element.rs, so a wrong weight, node, derivative or Jacobian there
// shows up as a disagreement.

/// Natural coordinates of the eight nodes, in the element's node order.
const NATURAL: [[f64; 2]; 8] = [
    [-1.0, -1.0],
    [1.0, -1.0],
    [1.0, 1.0],
    [-1.0, 1.0],
    [0.0, -1.0],
    [1.0, 0.0],
    [0.0, 1.0],
    [-1.0, 0.0],
];

/// ∂N/∂ξ and ∂N/∂η of the eight serendipity functions:
/// corners N = ¼(1+ξξᵢ)(1+ηηᵢ)(ξξᵢ+ηηᵢ−1), mid-sides N = ½(1−ξ²)(1+ηηᵢ) or ½(1+ξξᵢ)(1−η²).
fn textbook_derivatives(xi: f64, eta: f64) -> [[f64; 2]; 8] {
    NATURAL.map(|[a, b]| {
        if a != 0.0 && b != 0.0 {
            [
                0.25 * a * (1.0 + eta * b) * (2.0 * xi * a + eta * b),
                0.25 * b * (1.0 + xi * a) * (xi * a + 2.0 * eta * b),
            ]
        } else if a == 0.0 {
            [-xi * (1.0 + eta * b), 0.5 * b * (1.0 - xi * xi)]
        } else {
            [0.5 * a * (1.0 - eta * eta), -eta * (1.0 + xi * a)]
        }
    })
}

/// Legendre polynomial Pₙ(x) and its derivative.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    for k in 1..n {
        let p2 = ((2 * k + 1) as f64 * x * p1 - k as f64 * p0) / (k + 1) as f64;
        p0 = p1;
        p1 = p2;
    }
    (p1, n as f64 * (x * p1 - p0) / (x * x - 1.0))
}

/// The n-point Gauss-Legendre rule on [−1, 1].
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            for _ in 0..100 {
                let (p, dp) = legendre(n, x);
                x -= p / dp;
            }
            let (_, dp) = legendre(n, x);
            (x, 2.0 / ((1.0 - x * x) * dp * dp))
        })
        .collect()
}

/// Kₑ = ∫ BᵀB dΩ by the n×n Gauss-Legendre rule, row-major 8×8.
fn independent_stiffness(xy: &[[f64; 2]; NODES], n: usize) -> [f64; 64] {
    let rule = gauss_legendre(n);
    let mut k = [0.0; 64];
    for &(xi, wi) in &rule {
        for &(eta, wj) in &rule {
            let d = textbook_derivatives(xi, eta);
            let (mut j11, mut j12, mut j21, mut j22) = (0.0, 0.0, 0.0, 0.0);
            for a in 0..8 {
                j11 += d[a][0] * xy[a][0];
                j12 += d[a][0] * xy[a][1];
                j21 += d[a][1] * xy[a][0];
                j22 += d[a][1] * xy[a][1];
            }
            let det = j11 * j22 - j12 * j21;
            // [∂N/∂x, ∂N/∂y] = J⁻¹ [∂N/∂ξ, ∂N/∂η], J = [[∂x/∂ξ, ∂y/∂ξ], [∂x/∂η, ∂y/∂η]].
            let grad = d.map(|[dxi, deta]| {
                [
                    (j22 * dxi - j12 * deta) / det,
                    (-j21 * dxi + j11 * deta) / det,
                ]
            });
            for a in 0..8 {
                for b in 0..8 {
                    k[8 * a + b] +=
                        wi * wj * det * (grad[a][0] * grad[b][0] + grad[a][1] * grad[b][1]);
                }
            }
        }
    }
    k
}

/// A parallelogram: the unit square mapped by x = c + A ξ (det A > 0), mid-edge nodes at the
/// midpoints. Its Jacobian is constant, so the integrand is a polynomial of degree ≤ 4 in each
/// of ξ and η, which 3-point Gauss integrates exactly.
fn parallelogram(a: [[f64; 2]; 2], c: [f64; 2]) -> [[f64; 2]; NODES] {
    NATURAL.map(|[xi, eta]| {
        [
            c[0] + a[0][0] * xi + a[0][1] * eta,
            c[1] + a[1][0] * xi + a[1][1] * eta,
        ]
    })
}

#[test]
fn parallelogram_stiffness_agrees_with_an_independent_high_order_quadrature() {
    let mut rng = common::Rng::new(17);
    for case in 0..50 {
        let mut a = [[0.0; 2]; 2];
        loop {
            for row in a.iter_mut() {
                for v in row.iter_mut() {
                    *v = 2.0 * rng.symmetric();
                }
            }
            let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
            if det > 0.1 {
                break;
            }
        }
        let xy = parallelogram(a, [100.0 * rng.symmetric(), 100.0 * rng.symmetric()]);
        let d = common::max_rel_diff(&stiffness_element(&xy), &independent_stiffness(&xy, 6));
        assert!(d < 1e-12, "parallelogram {case} {a:?}: differs by {d:e}");
    }
}

#[test]
fn distorted_and_curved_stiffness_agrees_with_an_independent_implementation() {
    // Straight-sided trapezoids and elements with curved sides: the integrand is rational, so
    // the same 3×3 rule computed independently must agree to round-off, and a 10×10 rule
    // shows how far the 3×3 rule is from the exact integral on such elements.
    let mut rng = common::Rng::new(29);
    for case in 0..50 {
        let mut xy = rectangle(1.0 + rng.symmetric().abs(), 1.0, 3.0, -2.0);
        for corner in &mut xy[1..4] {
            corner[0] += 0.25 * rng.symmetric();
            corner[1] += 0.25 * rng.symmetric();
        }
        for (mid, (p, q)) in [(4, (0, 1)), (5, (1, 2)), (6, (2, 3)), (7, (3, 0))] {
            xy[mid] = [0.5 * (xy[p][0] + xy[q][0]), 0.5 * (xy[p][1] + xy[q][1])];
            if case % 2 == 1 {
                // Curved sides: move the mid-edge node off the chord.
                xy[mid][0] += 0.08 * rng.symmetric();
                xy[mid][1] += 0.08 * rng.symmetric();
            }
        }
        let k = stiffness_element(&xy);
        let same_rule = common::max_rel_diff(&k, &independent_stiffness(&xy, 3));
        let exact = common::max_rel_diff(&k, &independent_stiffness(&xy, 10));
        assert!(
            same_rule < 1e-12,
            "element {case}: 3×3 rules differ by {same_rule:e}"
        );
        assert!(
            exact < 2e-2,
            "element {case}: 3×3 is {exact:e} from the 10×10 integral"
        );
    }
}

#[test]
fn robin_edge_matches_closed_form() {
    // Straight edge of length L: ∫N ds = L (1/6, 2/3, 1/6); ∫N Nᵀ ds = L/30 [[4,2,-1],[2,16,2],[-1,2,4]].
    let l = 2.5f64;
    let xy = [
        [1.0, 1.0],
        [1.0 + 0.6 * l / 2.0, 1.0 + 0.8 * l / 2.0],
        [1.0 + 0.6 * l, 1.0 + 0.8 * l],
    ];
    let (h, f) = robin_edge(&xy, 3.0, 2.0);
    let fe = [l / 6.0, 2.0 * l / 3.0, l / 6.0].map(|v| 2.0 * v);
    let he = [[4.0, 2.0, -1.0], [2.0, 16.0, 2.0], [-1.0, 2.0, 4.0]];
    for a in 0..3 {
        assert!((f[a] - fe[a]).abs() < 1e-14);
        for b in 0..3 {
            assert!((h[a][b] - 3.0 * l / 30.0 * he[a][b]).abs() < 1e-14);
        }
    }
}

#[test]
fn velocity_of_a_linear_potential_is_exact() {
    let mut xy = rectangle(1.0, 0.7, 5.0, 2.0);
    xy[2] = [6.3, 2.9]; // distorted but straight-sided: keep mid-edge nodes at midpoints
    xy[5] = [0.5 * (xy[1][0] + xy[2][0]), 0.5 * (xy[1][1] + xy[2][1])];
    xy[6] = [0.5 * (xy[2][0] + xy[3][0]), 0.5 * (xy[2][1] + xy[3][1])];
    let u = xy.map(|[x, y]| 3.0 - 2.0 * x + 0.5 * y);
    let model = PressureModel::default();
    let v = velocity_element(&xy, &u, model);
    assert!((v.vel[0] - 2.0).abs() < 1e-13 && (v.vel[1] + 0.5).abs() < 1e-13);
    let mag = 2.0f64.hypot(0.5);
    assert!((v.abs_vel - mag).abs() < 1e-13);
    assert!((v.pressure - (model.p0 - 0.5 * model.rho * mag * mag)).abs() < 1e-9);
}

#[test]
fn default_pressure_is_bernoulli_for_air() {
    // ρ = 1.225 kg/m³ and p0 = 101328.8281 Pa give the standard atmosphere, 101325 Pa, where
    // the flow runs at the default inflow velocity 2.5 m/s (p0 is given to 1e-4 Pa).
    let model = PressureModel::default();
    assert_eq!(model.rho, 1.225);
    assert!(
        (model.pressure(2.5) - 101_325.0).abs() < 1e-4,
        "{}",
        model.pressure(2.5)
    );
    // ½ρ with ρ = 1.225 is the reference's 0.6125 to the last bit.
    assert_eq!((0.5 * model.rho).to_bits(), 0.6125f64.to_bits());
}
