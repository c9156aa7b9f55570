//! The Quad-8 serendipity element: constants, shape functions, Gauss tables and the three
//! element kernels (stiffness, Robin edge, velocity) as small pure functions.
//!
//! ```text
//!   η
//!   ▲
//!   3 ───── 6 ───── 2        corners 0-3 counter-clockwise,
//!   │               │        mid-edge nodes 4:(0-1) 5:(1-2) 6:(2-3) 7:(3-0)
//!   7       ·       5 ──► ξ  natural coordinates (ξ, η) ∈ [-1, 1]²
//!   │               │        edges as (end, mid, end):
//!   0 ───── 4 ───── 1        (0,4,1) (1,5,2) (2,6,3) (3,7,0)
//! ```
//!
//! Same node order as Gmsh element type 16 and VTK_QUADRATIC_QUAD (23).
//!
//! Shape functions, with (ξᵢ, ηᵢ) the natural coordinates of node i:
//!
//! ```text
//! corner:        Nᵢ = ¼ (1 + ξξᵢ)(1 + ηηᵢ)(ξξᵢ + ηηᵢ − 1)
//! mid, ξᵢ = 0:   Nᵢ = ½ (1 − ξ²)(1 + ηηᵢ)
//! mid, ηᵢ = 0:   Nᵢ = ½ (1 + ξξᵢ)(1 − η²)
//! ```
//!
//! The isoparametric chain, at one integration point:
//!
//! ```text
//! dN/dξ (2×8)  ──►  J = dN/dξ · X (2×2),  X = node coordinates (8×2)
//!              ──►  det J > 0 for a counter-clockwise element
//!              ──►  B = J⁻¹ · dN/dξ (2×8)   (∂Nᵢ/∂x, ∂Nᵢ/∂y)
//! Kₑ = Σ_gauss w · det J · Bᵀ B                        (3×3 Gauss)
//! ```
//!
//! The GPU twins of these functions live in `shaders/quad8.wgsl` with the same names.

/// Nodes per element.
pub const NODES: usize = 8;
/// COO slots per element: element `e` owns slots `[64e, 64e + 64)`.
pub const SLOTS: usize = NODES * NODES;

/// Natural coordinates (ξᵢ, ηᵢ) of the eight nodes.
pub const NODE_XI: [[f64; 2]; NODES] = [
    [-1.0, -1.0],
    [1.0, -1.0],
    [1.0, 1.0],
    [-1.0, 1.0],
    [0.0, -1.0],
    [1.0, 0.0],
    [0.0, 1.0],
    [-1.0, 0.0],
];

/// The four edges as local node triples (end, mid, end), counter-clockwise.
pub const EDGES: [[usize; 3]; 4] = [[0, 4, 1], [1, 5, 2], [2, 6, 3], [3, 7, 0]];

/// The local permutation that reverses an element's orientation: corners 0,3,2,1 and the
/// mid-edge nodes follow their edges (0-3 is old 7, 3-2 is old 6, ...).
pub const REVERSED: [usize; NODES] = [0, 3, 2, 1, 7, 6, 5, 4];

/// 3-point Gauss-Legendre abscissae on [-1, 1].
pub const GAUSS3_X: [f64; 3] = [-0.774_596_669_241_483_4, 0.0, 0.774_596_669_241_483_4];
/// 3-point Gauss-Legendre weights (5/9, 8/9, 5/9).
pub const GAUSS3_W: [f64; 3] = [5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0];
/// 2-point Gauss abscissa (±1/√3), used for the velocity.
pub const GAUSS2_X: f64 = 0.577_350_269_189_625_8;

/// The nine 3×3 Gauss points as (ξ, η, weight), ξ varying fastest.
pub fn gauss3x3() -> [(f64, f64, f64); 9] {
    let mut pts = [(0.0, 0.0, 0.0); 9];
    for (j, (&eta, &wj)) in GAUSS3_X.iter().zip(&GAUSS3_W).enumerate() {
        for (i, (&xi, &wi)) in GAUSS3_X.iter().zip(&GAUSS3_W).enumerate() {
            pts[3 * j + i] = (xi, eta, wi * wj);
        }
    }
    pts
}

/// The four 2×2 Gauss points (ξ, η) in counter-clockwise order.
pub fn gauss2x2() -> [(f64, f64); 4] {
    let g = GAUSS2_X;
    [(-g, -g), (g, -g), (g, g), (-g, g)]
}

/// Shape function values Nᵢ(ξ, η).
pub fn shape(xi: f64, eta: f64) -> [f64; NODES] {
    let mut n = [0.0; NODES];
    for (i, &[a, b]) in NODE_XI.iter().enumerate() {
        n[i] = if a != 0.0 && b != 0.0 {
            0.25 * (1.0 + xi * a) * (1.0 + eta * b) * (xi * a + eta * b - 1.0)
        } else if a == 0.0 {
            0.5 * (1.0 - xi * xi) * (1.0 + eta * b)
        } else {
            0.5 * (1.0 + xi * a) * (1.0 - eta * eta)
        };
    }
    n
}

/// Shape function derivatives: `[dN/dξ, dN/dη]`, each over the eight nodes.
pub fn shape_derivatives(xi: f64, eta: f64) -> [[f64; NODES]; 2] {
    let mut d = [[0.0; NODES]; 2];
    for (i, &[a, b]) in NODE_XI.iter().enumerate() {
        let (dxi, deta) = if a != 0.0 && b != 0.0 {
            (
                0.25 * a * (1.0 + eta * b) * (2.0 * xi * a + eta * b),
                0.25 * b * (1.0 + xi * a) * (xi * a + 2.0 * eta * b),
            )
        } else if a == 0.0 {
            (-xi * (1.0 + eta * b), 0.5 * (1.0 - xi * xi) * b)
        } else {
            (0.5 * a * (1.0 - eta * eta), -eta * (1.0 + xi * a))
        };
        d[0][i] = dxi;
        d[1][i] = deta;
    }
    d
}

/// The Jacobian `J = dN/dξ · X` as `[[dx/dξ, dy/dξ], [dx/dη, dy/dη]]`.
pub fn jacobian(dn: &[[f64; NODES]; 2], xy: &[[f64; 2]; NODES]) -> [[f64; 2]; 2] {
    let mut j = [[0.0; 2]; 2];
    for (r, row) in j.iter_mut().enumerate() {
        for k in 0..NODES {
            row[0] += dn[r][k] * xy[k][0];
            row[1] += dn[r][k] * xy[k][1];
        }
    }
    j
}

/// Determinant of a 2×2 matrix.
pub fn det2(j: &[[f64; 2]; 2]) -> f64 {
    j[0][0] * j[1][1] - j[0][1] * j[1][0]
}

/// Physical gradients `B = J⁻¹ · dN/dξ` (`[∂N/∂x, ∂N/∂y]`) and det J at one point.
pub fn gradients(xi: f64, eta: f64, xy: &[[f64; 2]; NODES]) -> ([[f64; NODES]; 2], f64) {
    gradients_from(&shape_derivatives(xi, eta), xy)
}

/// [`gradients`] from the shape derivatives `dn` at the point ([`shape_derivatives`]), for
/// loops that evaluate the same points on many elements.
pub fn gradients_from(dn: &[[f64; NODES]; 2], xy: &[[f64; 2]; NODES]) -> ([[f64; NODES]; 2], f64) {
    let j = jacobian(dn, xy);
    let det = det2(&j);
    let inv = 1.0 / det;
    let mut b = [[0.0; NODES]; 2];
    for k in 0..NODES {
        b[0][k] = inv * (j[1][1] * dn[0][k] - j[0][1] * dn[1][k]);
        b[1][k] = inv * (-j[1][0] * dn[0][k] + j[0][0] * dn[1][k]);
    }
    (b, det)
}

/// ∇f = J⁻ᵀ (∂f/∂ξ, ∂f/∂η) of a field with nodal values `f` at one point, from the shape
/// derivatives `dn` there, and det J: the two derivatives of f in natural coordinates
/// turned by J, without forming every ∂Nₖ/∂x (what [`gradients_from`] gives) first.
pub fn gradient_from(
    dn: &[[f64; NODES]; 2],
    xy: &[[f64; 2]; NODES],
    f: &[f64; NODES],
) -> ([f64; 2], f64) {
    let j = jacobian(dn, xy);
    let det = det2(&j);
    let fxi: f64 = (0..NODES).map(|k| dn[0][k] * f[k]).sum();
    let feta: f64 = (0..NODES).map(|k| dn[1][k] * f[k]).sum();
    let inv = 1.0 / det;
    (
        [
            inv * (j[1][1] * fxi - j[0][1] * feta),
            inv * (-j[1][0] * fxi + j[0][0] * feta),
        ],
        det,
    )
}

/// det J at the nine 3×3 Gauss points (the points where the stiffness is integrated).
pub fn det_j_at_gauss(xy: &[[f64; 2]; NODES]) -> [f64; 9] {
    let mut dets = [0.0; 9];
    for (d, (xi, eta, _)) in dets.iter_mut().zip(gauss3x3()) {
        *d = det2(&jacobian(&shape_derivatives(xi, eta), xy));
    }
    dets
}

/// Element stiffness `Kₑ = Σ w det J Bᵀ B` over 3×3 Gauss points, written row-major into the
/// element's 64 COO slots: slot `8i + j` holds `Kₑ[i][j]`.
///
/// Twin of `stiffness_element` in `shaders/stiffness.wgsl`.
pub fn stiffness_element(xy: &[[f64; 2]; NODES]) -> [f64; SLOTS] {
    // Element-relative coordinates: the same arithmetic the f32 GPU kernel does.
    let rel = relative_to_first(xy);
    let mut k = [0.0; SLOTS];
    for (xi, eta, w) in gauss3x3() {
        let (b, det) = gradients(xi, eta, &rel);
        let wd = w * det;
        for i in 0..NODES {
            for j in 0..NODES {
                k[NODES * i + j] += wd * (b[0][i] * b[0][j] + b[1][i] * b[1][j]);
            }
        }
    }
    zero_row_sums(&mut k);
    k
}

/// Sets each diagonal entry to minus the sum of its row's off-diagonal entries.
///
/// Constants are in the null space of the Laplace operator, so `Σⱼ Kₑ[i][j] = 0` holds exactly
/// in exact arithmetic; this makes it hold in floating point too. It matters in f32: without
/// it, the rounding in each row acts like a spurious source `δK · u` that scales with the
/// potential's magnitude rather than its gradient, and the solution error grows by the ratio
/// of the two (60× on s_duct_16k). With it, the f32 element error stays an error in the
/// gradients.
pub fn zero_row_sums(k: &mut [f64; SLOTS]) {
    for i in 0..NODES {
        let off: f64 = (0..NODES)
            .filter(|&j| j != i)
            .map(|j| k[NODES * i + j])
            .sum();
        k[NODES * i + i] = -off;
    }
}

/// Node coordinates relative to node 0. Gradients and det J are translation invariant, so this
/// changes nothing mathematically and keeps large absolute coordinates from eating precision.
pub fn relative_to_first(xy: &[[f64; 2]; NODES]) -> [[f64; 2]; NODES] {
    let [x0, y0] = xy[0];
    let mut rel = *xy;
    for p in rel.iter_mut() {
        p[0] -= x0;
        p[1] -= y0;
    }
    rel
}

/// Quadratic 1D shape functions on an edge (end a, mid, end b) at s ∈ [-1, 1], and their
/// derivatives.
pub fn edge_shape(s: f64) -> ([f64; 3], [f64; 3]) {
    (
        [0.5 * s * (s - 1.0), 1.0 - s * s, 0.5 * s * (s + 1.0)],
        [s - 0.5, -2.0 * s, s + 0.5],
    )
}

/// Robin edge terms on a quadratic edge (end, mid, end), 3-point Gauss with |dx/ds| as the
/// length scale:
///
/// ```text
/// Hₑ = p ∫ N Nᵀ ds        Pₑ = γ ∫ N ds
/// ```
///
/// With p = 0 and γ = the inflow velocity this is a pure inflow flux (the reference's use).
pub fn robin_edge(xy: &[[f64; 2]; 3], p: f64, gamma: f64) -> ([[f64; 3]; 3], [f64; 3]) {
    let mut h = [[0.0; 3]; 3];
    let mut f = [0.0; 3];
    for (&s, &w) in GAUSS3_X.iter().zip(&GAUSS3_W) {
        let (n, dn) = edge_shape(s);
        let dx: f64 = (0..3).map(|k| dn[k] * xy[k][0]).sum();
        let dy: f64 = (0..3).map(|k| dn[k] * xy[k][1]).sum();
        let ds = w * dx.hypot(dy);
        for a in 0..3 {
            f[a] += gamma * n[a] * ds;
            for b in 0..3 {
                h[a][b] += p * n[a] * n[b] * ds;
            }
        }
    }
    (h, f)
}

/// Bernoulli's pressure `p = p0 − ½ ρ |v|²`.
///
/// The defaults are air (ρ = 1.225 kg/m³) and the stagnation pressure p0 = 101328.8281 Pa,
/// which makes p = 101325 Pa where |v| = 2.5 m/s (the default inflow velocity). The reference
/// writes the same formula as `p0 − 0.6125 |v|²`; `0.5 * 1.225` is exactly the double
/// nearest 0.6125, so both give the same bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PressureModel {
    /// Stagnation pressure p0 in Pa.
    pub p0: f64,
    /// Density ρ in kg/m³.
    pub rho: f64,
}

impl Default for PressureModel {
    fn default() -> Self {
        PressureModel {
            p0: 101_328.828_1,
            rho: 1.225,
        }
    }
}

impl PressureModel {
    /// `p0 − ½ ρ |v|²`, evaluated as `p0 − ((½ρ)|v|)|v|` like the velocity kernel.
    pub fn pressure(&self, abs_vel: f64) -> f64 {
        self.p0 - 0.5 * self.rho * abs_vel * abs_vel
    }
}

/// What the velocity kernel produces for one element.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ElementVelocity {
    /// v = −¼ Σ grad u over the 2×2 Gauss points.
    pub vel: [f64; 2],
    /// Mean of the four |grad u| (not the magnitude of the mean).
    pub abs_vel: f64,
    /// p0 − ½ ρ abs_vel² in Pa.
    pub pressure: f64,
}

/// ∇u at the element's four 2×2 Gauss points (counter-clockwise), from its nodal potentials.
///
/// Twin of `velocity_gradients` in `shaders/velocity.wgsl`: the kernel computes only these
/// (sums of products, no square root, so no f64 built-in a backend may lack); magnitudes,
/// means and the pressure are formed on the host in f64 by [`velocity_from_gradients`].
pub fn velocity_gradients(xy: &[[f64; 2]; NODES], u: &[f64; NODES]) -> [[f64; 2]; 4] {
    let rel = relative_to_first(xy);
    gauss2x2().map(|(xi, eta)| {
        let (b, _) = gradients(xi, eta, &rel);
        let gx: f64 = (0..NODES).map(|k| b[0][k] * u[k]).sum();
        let gy: f64 = (0..NODES).map(|k| b[1][k] * u[k]).sum();
        [gx, gy]
    })
}

/// Velocity, |v| and pressure from the four Gauss-point gradients: v = −¼ Σ ∇u,
/// |v| = ¼ Σ |∇u|, p = p0 − ½ρ|v|², all in f64.
pub fn velocity_from_gradients(g: &[[f64; 2]; 4], model: PressureModel) -> ElementVelocity {
    let mut vel = [0.0; 2];
    let mut abs_vel = 0.0;
    for [gx, gy] in g {
        vel[0] -= 0.25 * gx;
        vel[1] -= 0.25 * gy;
        abs_vel += 0.25 * gx.hypot(*gy);
    }
    ElementVelocity {
        vel,
        abs_vel,
        pressure: model.pressure(abs_vel),
    }
}

/// Velocity, |v| and pressure of one element from its nodal potentials (the CPU path:
/// [`velocity_gradients`], then [`velocity_from_gradients`]).
pub fn velocity_element(
    xy: &[[f64; 2]; NODES],
    u: &[f64; NODES],
    model: PressureModel,
) -> ElementVelocity {
    velocity_from_gradients(&velocity_gradients(xy, u), model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_of_a_field_is_the_field_times_the_shape_gradients() {
        // A curved, distorted element and a quadratic field: gradient_from turns f's natural
        // derivatives by J, gradients_from forms every ∂Nₖ/∂x; the same numbers up to the
        // order of the sums (1e-13 of |∇f| ~ 10 is far above that round-off, far below any
        // wrong term).
        let xy: [[f64; 2]; NODES] = [
            [0.0, 0.0],
            [2.0, 0.3],
            [2.4, 1.9],
            [-0.2, 1.5],
            [1.1, -0.2],
            [2.3, 1.0],
            [1.0, 1.9],
            [-0.1, 0.8],
        ];
        let f = xy.map(|[x, y]| 3.0 * x * x - x * y + 2.0 * y);
        for (xi, eta, _) in gauss3x3() {
            let dn = shape_derivatives(xi, eta);
            let (b, det) = gradients_from(&dn, &xy);
            let (g, det2) = gradient_from(&dn, &xy, &f);
            assert_eq!(det, det2);
            for c in 0..2 {
                let expected: f64 = (0..NODES).map(|k| b[c][k] * f[k]).sum();
                assert!(
                    (g[c] - expected).abs() < 1e-13 * 10.0,
                    "{c}: {g:?} {expected}"
                );
            }
        }
    }

    #[test]
    fn reversed_permutation_keeps_edges() {
        // Every reversed edge (end, mid, end) is an original edge read backwards.
        for e in EDGES {
            let rev: Vec<usize> = e.iter().map(|&k| REVERSED[k]).collect();
            assert!(EDGES
                .iter()
                .any(|o| o[0] == rev[2] && o[1] == rev[1] && o[2] == rev[0]));
        }
    }
}
