//! Verification ladder, first rungs: shape-function identities and the element matrices
//! against closed forms.

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

#[test]
fn stiffness_is_symmetric_with_zero_row_sums() {
    // A curved, distorted element: symmetry and constants in the null space hold regardless.
    let mut xy = rectangle(1.0, 1.0, 0.0, 0.0);
    xy[2] = [1.2, 1.1];
    xy[5] = [1.15, 0.5];
    xy[6] = [0.55, 1.12];
    let k = stiffness_element(&xy);
    let scale = k.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for i in 0..8 {
        let row: f64 = (0..8).map(|j| k[8 * i + j]).sum();
        assert!(row.abs() < 1e-13 * scale, "row {i} sums to {row}");
        for j in 0..8 {
            assert!((k[8 * i + j] - k[8 * j + i]).abs() < 1e-14 * scale);
        }
        assert!(k[8 * i + i] > 0.0);
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
