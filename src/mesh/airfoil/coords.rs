//! Airfoil coordinate files, as airfoiltools.com and the UIUC database publish them, read into
//! a smooth [`Outline`].
//!
//! - **Selig**: a name line, then x y pairs from the trailing edge over the upper side to the
//!   leading edge and back along the lower side to the trailing edge.
//! - **Lednicer**: a name line, a line with the point counts of the two sides (`61. 61.`),
//!   then the upper side from the leading to the trailing edge, then the lower side likewise
//!   (blank lines between are ignored).
//!
//! The points are joined into one closed sequence, counter-clockwise, through one natural
//! cubic spline in the chord-length parameter (smooth through the leading edge; the trailing
//! edge is the spline's two ends). A blunt trailing edge is closed by thinning each side
//! linearly along the chord (x/c times half the gap), which leaves the leading edge alone.
//! The section is then moved and scaled, without turning, so that its trailing edge is at
//! (1, 0) and its leading edge at x = 0: angles of attack keep their meaning.
//!
//! Refused, each with one line: fewer than [`MIN_POINTS`] points, a line that is not two
//! numbers, points that run back and forth along the chord on a side, an outline that
//! crosses itself.

use super::Outline;

/// The fewest points a coordinate file may have.
pub const MIN_POINTS: usize = 10;
/// The most: far beyond any published section, so that nothing quadratic runs away.
pub const MAX_POINTS: usize = 20_000;

/// A section read from a file: its name, the closed outline, the trailing-edge gap closed.
pub struct CoordinateAirfoil {
    pub name: String,
    /// The gap between the two trailing-edge points before closing, in chords.
    pub closed_gap: f64,
    spline: [Spline; 2],
    /// Spline parameters of the upper trailing edge (0), the leading edge, the lower one.
    t_le: f64,
    t_end: f64,
    thickness: f64,
}

/// A natural cubic spline through (tᵢ, yᵢ).
struct Spline {
    t: Vec<f64>,
    y: Vec<f64>,
    m: Vec<f64>,
}

impl Spline {
    fn new(t: &[f64], y: &[f64]) -> Self {
        let n = t.len();
        // Second derivatives m: the tridiagonal system of the natural spline (m₀ = mₙ₋₁ = 0).
        let mut m = vec![0.0; n];
        let (mut c, mut d) = (vec![0.0; n], vec![0.0; n]);
        for i in 1..n - 1 {
            let (h0, h1) = (t[i] - t[i - 1], t[i + 1] - t[i]);
            let a = h0 / 6.0;
            let b = (h0 + h1) / 3.0;
            let cc = h1 / 6.0;
            let r = (y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0;
            let denom = b - a * c[i - 1];
            c[i] = cc / denom;
            d[i] = (r - a * d[i - 1]) / denom;
        }
        for i in (1..n - 1).rev() {
            m[i] = d[i] - c[i] * m[i + 1];
        }
        Spline {
            t: t.to_vec(),
            y: y.to_vec(),
            m,
        }
    }

    fn at(&self, t: f64) -> f64 {
        let n = self.t.len();
        let i = self.t.partition_point(|&x| x <= t).clamp(1, n - 1) - 1;
        let h = self.t[i + 1] - self.t[i];
        let (a, b) = ((self.t[i + 1] - t) / h, (t - self.t[i]) / h);
        a * self.y[i]
            + b * self.y[i + 1]
            + ((a * a * a - a) * self.m[i] + (b * b * b - b) * self.m[i + 1]) * h * h / 6.0
    }
}

fn numbers(line: &str) -> Option<Vec<f64>> {
    let v: Vec<f64> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()?;
    Some(v)
}

/// Whether segments ab and cd cross (touching at shared ends does not count).
fn crosses(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

impl CoordinateAirfoil {
    /// Parses `text` (the file `name` names); the error is the reason alone, for the caller
    /// to put the file's name in front.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (title, rows): (String, Vec<(usize, &str)>) = match lines.next() {
            None => return Err("the file is empty".into()),
            Some((_, l)) if numbers(l).is_none() => (l.trim().to_string(), lines.collect()),
            Some(first) => (String::new(), std::iter::once(first).chain(lines).collect()),
        };
        let mut pts = Vec::with_capacity(rows.len());
        for (i, l) in &rows {
            match numbers(l).as_deref() {
                Some(&[x, y]) => pts.push([x, y]),
                _ => {
                    return Err(format!(
                        "line {}: `{}` is not two numbers (x y)",
                        i + 1,
                        l.trim()
                    ))
                }
            }
            if pts.len() > MAX_POINTS + 1 {
                return Err(format!("more than {MAX_POINTS} points"));
            }
        }
        // Lednicer: the first pair counts the points of the two sides.
        let lednicer = pts.first().is_some_and(|p| {
            p[0] >= 2.0 && p[1] >= 2.0 && p[0].fract() == 0.0 && p[1].fract() == 0.0
        });
        let pts = if lednicer {
            // Compared as numbers, so that a counts line of 1e308 neither overflows nor
            // prints as a saturated integer.
            let (nu, nl) = (pts[0][0], pts[0][1]);
            if nu + nl != (pts.len() - 1) as f64 {
                let count = |v: f64| {
                    if v < 1e7 {
                        format!("{v}")
                    } else {
                        format!("{v:e}")
                    }
                };
                return Err(format!(
                    "Lednicer format: the counts line says {} + {} points, the file has {}",
                    count(nu),
                    count(nl),
                    pts.len() - 1
                ));
            }
            let nu = nu as usize;
            // Upper LE → TE reversed to TE → LE, then lower LE → TE (its LE point dropped
            // where it repeats the upper one's).
            let mut out: Vec<[f64; 2]> = pts[1..=nu].iter().rev().copied().collect();
            let lower = &pts[nu + 1..];
            let skip = usize::from(lower.first() == out.last());
            out.extend_from_slice(&lower[skip..]);
            out
        } else {
            pts
        };
        if pts.len() < MIN_POINTS {
            return Err(format!(
                "{} points: an outline needs at least {MIN_POINTS}",
                pts.len()
            ));
        }
        Self::from_points(title, pts)
    }

    /// The section through `pts`, in Selig order (either way round).
    fn from_points(name: String, mut pts: Vec<[f64; 2]>) -> Result<Self, String> {
        pts.dedup();
        // Counter-clockwise: over the upper side first.
        let area: f64 = (0..pts.len())
            .map(|i| {
                let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
                p[0] * q[1] - q[0] * p[1]
            })
            .sum();
        if area < 0.0 {
            pts.reverse();
        }
        let n = pts.len();
        // Trailing edge: the mean of the two end points; leading edge: the point farthest
        // from it.
        let te = [
            0.5 * (pts[0][0] + pts[n - 1][0]),
            0.5 * (pts[0][1] + pts[n - 1][1]),
        ];
        let dist = |p: [f64; 2]| (p[0] - te[0]).hypot(p[1] - te[1]);
        let le = (0..n)
            .max_by(|&a, &b| dist(pts[a]).total_cmp(&dist(pts[b])))
            .unwrap_or(0);
        if le == 0 || le == n - 1 {
            return Err("points out of order: the leading edge is at an end of the list".into());
        }
        let chord = dist(pts[le]);
        if chord <= 0.0 {
            return Err("all points coincide".into());
        }
        // x along the chord must fall to the leading edge and rise after it.
        let along = |p: [f64; 2]| {
            ((p[0] - pts[le][0]) * (te[0] - pts[le][0])
                + (p[1] - pts[le][1]) * (te[1] - pts[le][1]))
                / (chord * chord)
        };
        let slack = 1e-3;
        for i in 1..n {
            let (a, b) = (along(pts[i - 1]), along(pts[i]));
            let wrong = if i <= le {
                b > a + slack
            } else {
                b < a - slack
            };
            if wrong {
                return Err(format!(
                    "points out of order: point {} (x {:.4}, y {:.4}) goes back along the chord \
                     on the {} side (Selig order runs from the trailing edge over the upper side \
                     to the leading edge and back)",
                    i + 1,
                    pts[i][0],
                    pts[i][1],
                    if i <= le { "upper" } else { "lower" }
                ));
            }
        }
        for i in 0..n - 1 {
            // The first and the last segment meet at the trailing edge.
            let last = if i == 0 { n - 2 } else { n - 1 };
            for j in i + 2..last {
                if crosses(pts[i], pts[i + 1], pts[j], pts[j + 1]) {
                    return Err(format!(
                        "the outline crosses itself between points {}-{} and {}-{}",
                        i + 1,
                        i + 2,
                        j + 1,
                        j + 2
                    ));
                }
            }
        }
        // Close a blunt trailing edge: each side thinned by x/c times its half of the gap.
        let gap = [pts[0][0] - pts[n - 1][0], pts[0][1] - pts[n - 1][1]];
        let closed_gap = gap[0].hypot(gap[1]) / chord;
        let weights: Vec<f64> = pts.iter().map(|&p| along(p).clamp(0.0, 1.0)).collect();
        for (i, (p, w)) in pts.iter_mut().zip(weights).enumerate() {
            let half = if i <= le { 0.5 } else { -0.5 };
            p[0] -= w * half * gap[0];
            p[1] -= w * half * gap[1];
        }
        pts[0] = te;
        pts[n - 1] = te;
        // Chord 1 along x from the leading edge: moved and scaled, not turned.
        let x_le = pts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let scale = 1.0 / (te[0] - x_le);
        if !(scale.is_finite() && scale > 0.0) {
            return Err("the trailing edge is not downstream of the leading edge (x)".into());
        }
        for p in pts.iter_mut() {
            *p = [1.0 + (p[0] - te[0]) * scale, (p[1] - te[1]) * scale];
        }
        let mut t = vec![0.0; n];
        for i in 1..n {
            t[i] = t[i - 1] + (pts[i][0] - pts[i - 1][0]).hypot(pts[i][1] - pts[i - 1][1]);
        }
        let xs: Vec<f64> = pts.iter().map(|p| p[0]).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p[1]).collect();
        let mut airfoil = CoordinateAirfoil {
            name,
            closed_gap,
            spline: [Spline::new(&t, &xs), Spline::new(&t, &ys)],
            t_le: t[le],
            t_end: t[n - 1],
            thickness: 0.0,
        };
        airfoil.thickness = (0..=200)
            .map(|k| {
                let q = k as f64 / 200.0;
                let (u, l) = (airfoil.upper(q), airfoil.lower(q));
                (u[0] - l[0]).hypot(u[1] - l[1])
            })
            .fold(0.0, f64::max);
        Ok(airfoil)
    }

    fn point(&self, t: f64) -> [f64; 2] {
        [self.spline[0].at(t), self.spline[1].at(t)]
    }
}

impl Outline for CoordinateAirfoil {
    fn upper(&self, q: f64) -> [f64; 2] {
        self.point(q * self.t_le)
    }
    fn lower(&self, q: f64) -> [f64; 2] {
        self.point(self.t_end - q * (self.t_end - self.t_le))
    }
    fn thickness(&self) -> f64 {
        self.thickness
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::airfoil::Naca4;

    /// NACA 0012 in Selig order, `n` points a side, cosine spaced.
    fn selig(n: usize) -> String {
        let naca = Naca4::parse("naca0012").unwrap();
        let mut s = String::from("NACA 0012\n");
        for k in 0..=n {
            let q = 0.5 * (1.0 - (std::f64::consts::PI * k as f64 / n as f64).cos());
            let p = naca.upper(q);
            s.push_str(&format!("{} {}\n", p[0], p[1]));
        }
        for k in (0..n).rev() {
            let q = 0.5 * (1.0 - (std::f64::consts::PI * k as f64 / n as f64).cos());
            let p = naca.lower(q);
            s.push_str(&format!("{} {}\n", p[0], p[1]));
        }
        s
    }

    #[test]
    fn a_selig_file_follows_the_section_between_its_points() {
        let a = CoordinateAirfoil::parse(&selig(40)).unwrap();
        let naca = Naca4::parse("naca0012").unwrap();
        assert!((a.thickness - 0.12).abs() < 2e-3, "{}", a.thickness);
        // Half-way between points, the spline lies within 1e-4 chords of the true surface.
        for k in 1..40 {
            let p = a.upper(k as f64 / 40.0);
            let exact = naca.half_thickness(p[0].clamp(0.0, 1.0));
            assert!((p[1] - exact).abs() < 1e-4, "{p:?} vs {exact}");
        }
        assert!(a.closed_gap < 1e-12, "{}", a.closed_gap);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("name\n1 0\n0.5 0.1\n0 0\n", "at least"),
            ("name\n1 0\n0.5 x\n", "line 3"),
        ];
        // Counts beyond any integer: compared as numbers, never overflowed.
        let huge = format!("name\n1e308 1e308\n{}", "0.5 0.1\n".repeat(20));
        let e = CoordinateAirfoil::parse(&huge).err().unwrap();
        assert!(
            e.contains("says 1e308 + 1e308 points, the file has 20"),
            "{e}"
        );
        for (text, wanted) in cases {
            let e = CoordinateAirfoil::parse(text).err().unwrap();
            assert!(e.contains(wanted), "{e}");
        }
        // Two points swapped on the upper side: out of order.
        let mut lines: Vec<String> = selig(20).lines().map(String::from).collect();
        lines.swap(4, 8);
        let e = CoordinateAirfoil::parse(&lines.join("\n")).err().unwrap();
        assert!(
            e.contains("out of order") || e.contains("crosses itself"),
            "{e}"
        );
    }
}
