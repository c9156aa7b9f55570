//! Airfoil meshes: a structured O-grid of Quad-8 elements round a closed outline of chord 1
//! (leading edge at the origin, trailing edge at (1, 0)) in a circular far field.
//!
//! The grid follows elliptic coordinates with foci at the leading and trailing edges,
//!
//! ```text
//! E(μ, ν) = (½ + ½ cosh μ cos ν,  −½ sinh μ sin ν),    ν = 2π s round (clockwise), μ outwards
//! ```
//!
//! which map a uniform (μ, ν) lattice conformally: square cells, small near the two ends of
//! the chord, growing geometrically outwards, and a far field that is a circle of radius
//! R = ½ cosh μ_max to within e^(−2μ_max). The airfoil takes the place of the inner ellipse
//! μ₀ (sinh μ₀ = the airfoil's thickness): a lattice point is
//!
//! ```text
//! P(s, t) = E(μ₀ + t (μ_max − μ₀), ν) + (1 − t) (A(s) − E(μ₀, ν))
//! ```
//!
//! where A(s) is the point of the outline at the same fraction of its side's arc length (from
//! the trailing edge) as E(μ₀, ν) has of the ellipse's: the outline's points are spaced like
//! the ellipse's, finest at the two ends, and the offset A − E(μ₀, ν) is small and fades
//! out towards the far field. Every lattice point, mid-edge nodes included, is placed by the
//! map, so mid-edge nodes on the airfoil lie on the outline's curve.
//!
//! The seam of the O-grid runs from the trailing edge straight downstream. Groups: `airfoil`
//! (the outline) and `farfield`.

pub mod coords;

use std::sync::Arc;

use super::blocks::Block;

/// The two sides of a closed outline, each a smooth curve from the trailing edge (q = 0) to
/// the leading edge (q = 1).
pub trait Outline: Send + Sync {
    /// The lower side's point at q.
    fn lower(&self, q: f64) -> [f64; 2];
    /// The upper side's point at q.
    fn upper(&self, q: f64) -> [f64; 2];
    /// The largest thickness, in chords.
    fn thickness(&self) -> f64;
}

/// A NACA 4-digit section `mpxx`: camber m % at p tenths of the chord, thickness xx %, with
/// the closed trailing edge (−0.1036 x⁴ in the thickness polynomial).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Naca4 {
    pub camber: f64,
    pub camber_at: f64,
    pub thickness: f64,
}

impl Naca4 {
    /// `naca2412` (or `NACA2412`): `None` unless four digits follow, thickness at least 1 %,
    /// camber position given where there is camber.
    pub fn parse(name: &str) -> Option<Self> {
        let digits = name
            .strip_prefix("naca")
            .or_else(|| name.strip_prefix("NACA"))?;
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: Vec<f64> = digits.bytes().map(|b| (b - b'0') as f64).collect();
        let naca = Naca4 {
            camber: d[0] / 100.0,
            camber_at: d[1] / 10.0,
            thickness: (10.0 * d[2] + d[3]) / 100.0,
        };
        let consistent = (naca.camber == 0.0) == (naca.camber_at == 0.0);
        (naca.thickness >= 0.01 && consistent).then_some(naca)
    }

    /// Half-thickness at chord position x.
    pub fn half_thickness(&self, x: f64) -> f64 {
        5.0 * self.thickness
            * (0.2969 * x.sqrt() - 0.1260 * x - 0.3516 * x * x + 0.2843 * x.powi(3)
                - 0.1036 * x.powi(4))
    }

    /// The camber line's height and slope at x.
    pub fn camber_line(&self, x: f64) -> (f64, f64) {
        let (m, p) = (self.camber, self.camber_at);
        if m == 0.0 {
            (0.0, 0.0)
        } else if x < p {
            (
                m / (p * p) * (2.0 * p * x - x * x),
                2.0 * m / (p * p) * (p - x),
            )
        } else {
            let q = (1.0 - p) * (1.0 - p);
            (
                m / q * (1.0 - 2.0 * p + 2.0 * p * x - x * x),
                2.0 * m / q * (p - x),
            )
        }
    }

    /// The surface point at chord position x, on the upper (`sign` 1) or lower (−1) side.
    fn point(&self, x: f64, sign: f64) -> [f64; 2] {
        let t = self.half_thickness(x);
        let (yc, slope) = self.camber_line(x);
        let th = slope.atan();
        [x - sign * t * th.sin(), yc + sign * t * th.cos()]
    }
}

impl Outline for Naca4 {
    fn lower(&self, q: f64) -> [f64; 2] {
        self.point(1.0 - q, -1.0)
    }
    fn upper(&self, q: f64) -> [f64; 2] {
        self.point(1.0 - q, 1.0)
    }
    fn thickness(&self) -> f64 {
        self.thickness
    }
}

/// Samples per table of arc length.
const TABLE: usize = 4096;

/// Cumulative arc length along a curve sampled at parameters clustered at both ends.
struct ArcTable {
    q: Vec<f64>,
    arc: Vec<f64>,
}

impl ArcTable {
    fn new(f: impl Fn(f64) -> [f64; 2]) -> Self {
        let q: Vec<f64> = (0..=TABLE)
            .map(|j| 0.5 * (1.0 - (std::f64::consts::PI * j as f64 / TABLE as f64).cos()))
            .collect();
        let mut arc = vec![0.0; q.len()];
        let mut last = f(q[0]);
        for j in 1..q.len() {
            let p = f(q[j]);
            arc[j] = arc[j - 1] + (p[0] - last[0]).hypot(p[1] - last[1]);
            last = p;
        }
        ArcTable { q, arc }
    }

    /// The parameter at `fraction` of the total arc length.
    fn parameter(&self, fraction: f64) -> f64 {
        let target = fraction.clamp(0.0, 1.0) * self.arc[TABLE];
        let j = self.arc.partition_point(|&a| a < target).clamp(1, TABLE);
        let (a0, a1) = (self.arc[j - 1], self.arc[j]);
        let w = if a1 > a0 {
            (target - a0) / (a1 - a0)
        } else {
            0.0
        };
        self.q[j - 1] + w * (self.q[j] - self.q[j - 1])
    }
}

/// E(μ, ν), the elliptic coordinates with foci (0, 0) and (1, 0).
fn elliptic(mu: f64, nu: f64) -> [f64; 2] {
    [
        0.5 + 0.5 * mu.cosh() * nu.cos(),
        -0.5 * mu.sinh() * nu.sin(),
    ]
}

/// The angle of the direction that bisects the trailing edge's wedge, pointing into the
/// fluid: zero for a symmetric section.
fn trailing_edge_bisector(outline: &dyn Outline) -> f64 {
    let unit = |p: [f64; 2], q: [f64; 2]| {
        let d = [q[0] - p[0], q[1] - p[1]];
        let l = d[0].hypot(d[1]);
        [d[0] / l, d[1] / l]
    };
    let h = 1e-6;
    let l = unit(outline.lower(0.0), outline.lower(h));
    let u = unit(outline.upper(0.0), outline.upper(h));
    (-(l[1] + u[1])).atan2(-(l[0] + u[0]))
}

/// The far field's default radius, in chords.
pub const FARFIELD_CHORDS: f64 = 20.0;

/// The O-grid's shape: the outline's side tables and the ellipse that stands for it.
struct OGrid {
    outline: Arc<dyn Outline>,
    lower: ArcTable,
    upper: ArcTable,
    /// The inner ellipse's arc length from the trailing edge, against ν ∈ [0, π].
    ellipse: Vec<f64>,
    mu0: f64,
    mu_max: f64,
    /// The direction that bisects the trailing edge's wedge, into the fluid (radians).
    bisector: f64,
}

impl OGrid {
    fn new(outline: Arc<dyn Outline>, farfield: f64) -> Self {
        let mu0 = outline.thickness().max(0.02).asinh();
        let mut ellipse = vec![0.0; TABLE + 1];
        let step = std::f64::consts::PI / TABLE as f64;
        for j in 1..=TABLE {
            let nu = (j as f64 - 0.5) * step;
            ellipse[j] = ellipse[j - 1] + step * mu0.sinh().hypot(nu.sin());
        }
        let (o1, o2) = (outline.clone(), outline.clone());
        let bisector = trailing_edge_bisector(outline.as_ref());
        OGrid {
            bisector,
            lower: ArcTable::new(move |q| o1.lower(q)),
            upper: ArcTable::new(move |q| o2.upper(q)),
            outline,
            ellipse,
            mu0,
            mu_max: (2.0 * farfield).acosh(),
        }
    }

    /// The fraction of the ellipse's side arc from the trailing edge at ν ∈ [0, π].
    fn ellipse_fraction(&self, nu: f64) -> f64 {
        let x = (nu / std::f64::consts::PI).clamp(0.0, 1.0) * TABLE as f64;
        let j = (x.floor() as usize).min(TABLE - 1);
        let a = self.ellipse[j] + (x - j as f64) * (self.ellipse[j + 1] - self.ellipse[j]);
        a / self.ellipse[TABLE]
    }

    /// The outline's point at s ∈ [0, 1] round it (clockwise from the trailing edge).
    fn outline_at(&self, s: f64) -> [f64; 2] {
        let nu = 2.0 * std::f64::consts::PI * s;
        if nu <= std::f64::consts::PI {
            self.outline
                .lower(self.lower.parameter(self.ellipse_fraction(nu)))
        } else {
            let fraction = self.ellipse_fraction(2.0 * std::f64::consts::PI - nu);
            self.outline.upper(self.upper.parameter(fraction))
        }
    }

    /// P(s, t) of the module docs, with the lines near the trailing edge turned so that the
    /// seam leaves along the edge's bisector: the outward displacement E − E(μ₀, ν) is
    /// rotated by the bisector's angle times exp(−|A − TE| / 0.2) (1 − t)², which fades out
    /// along the chord and towards the far field.
    fn map(&self, s: f64, t: f64) -> [f64; 2] {
        let nu = 2.0 * std::f64::consts::PI * s;
        let a = self.outline_at(s);
        let inner = elliptic(self.mu0, nu);
        let e = elliptic(self.mu0 + t * (self.mu_max - self.mu0), nu);
        let d = [e[0] - inner[0], e[1] - inner[1]];
        let from_te = (a[0] - 1.0).hypot(a[1]);
        let turn = self.bisector * (-from_te / 0.2).exp() * (1.0 - t) * (1.0 - t);
        let (sn, cs) = turn.sin_cos();
        let d = [cs * d[0] - sn * d[1], sn * d[0] + cs * d[1]];
        [0, 1].map(|c| a[c] + d[c] - t * (a[c] - inner[c]))
    }

    /// Elements round the airfoil and outwards at `m` elements per unit length (round the
    /// chord's ellipse, about 4m), the cells about square.
    fn counts(&self, m: f64) -> (usize, usize) {
        let around = ((4.0 * m).round() as usize).max(16);
        let out = (around as f64 * (self.mu_max - self.mu0) / (2.0 * std::f64::consts::PI)).round()
            as usize;
        (around, out.max(2))
    }
}

/// The O-grid block round `outline` with the far field at `farfield` chords from mid-chord,
/// at `m` elements per unit length.
pub fn blocks(outline: Arc<dyn Outline>, farfield: f64, m: f64) -> Vec<Block> {
    let grid = Arc::new(OGrid::new(outline, farfield));
    let (nx, ny) = grid.counts(m);
    vec![Block::new(
        nx,
        ny,
        [Some("airfoil"), None, Some("farfield"), None],
        move |s, t| grid.map(s, t),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naca_names() {
        let n = Naca4::parse("naca2412").unwrap();
        assert_eq!((n.camber, n.camber_at, n.thickness), (0.02, 0.4, 0.12));
        assert!(Naca4::parse("naca0012").is_some());
        assert!(Naca4::parse("naca2012x").is_none());
        assert!(Naca4::parse("naca2012".trim_end_matches('2')).is_none());
        assert!(Naca4::parse("naca2000").is_none(), "no thickness");
        assert!(
            Naca4::parse("naca2012").is_none(),
            "camber without its position"
        );
    }

    #[test]
    fn naca_trailing_edge_is_closed_and_chord_is_one() {
        for name in ["naca0012", "naca2412", "naca6409"] {
            let n = Naca4::parse(name).unwrap();
            for side in [n.lower(0.0), n.upper(0.0)] {
                assert!(
                    (side[0] - 1.0).abs() < 1e-12 && side[1].abs() < 1e-12,
                    "{side:?}"
                );
            }
            assert_eq!(n.lower(1.0), [0.0, 0.0]);
            assert_eq!(n.upper(1.0), [0.0, 0.0]);
        }
    }
}
