//! The field rasterised element by element into an RGB canvas: each Quad-8 cut into k × k
//! sub-quads placed through the shape functions, two triangles each, filled at pixel centres;
//! equipotentials as the triangles' level crossings.
//!
//! No gaps between elements: a curved edge is drawn by both of its elements as the same
//! polyline. Its number of pieces depends on the edge alone (its length on screen), its
//! vertices are computed in one orientation (from the lower node number), and an element cut
//! finer than one of its edges places the grid points of that edge on the edge's polyline.

use super::{overlaps, ticks, values, Field, Layout};
use crate::element::{shape, EDGES, NODES};
use crate::mesh::Mesh;
use crate::outcome::Outcome;
use crate::output::colormap::viridis;

/// An RGB raster.
pub(super) struct Canvas {
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) rgb: Vec<u8>,
    /// Where triangles and lines may draw: x0, x1, y0, y1 in pixels (exclusive ends).
    pub(super) clip: [usize; 4],
}

impl Canvas {
    pub(super) fn new(w: usize, h: usize) -> Self {
        Canvas {
            w,
            h,
            rgb: vec![255; w * h * 3],
            clip: [0, w, 0, h],
        }
    }

    pub(super) fn put(&mut self, x: usize, y: usize, c: [u8; 3]) {
        let k = 3 * (y * self.w + x);
        self.rgb[k..k + 3].copy_from_slice(&c);
    }

    pub(super) fn blend(&mut self, x: i64, y: i64, c: [u8; 3], alpha: f64) {
        let [x0, x1, y0, y1] = self.clip.map(|c| c as i64);
        if x < x0 || y < y0 || x >= x1 || y >= y1 {
            return;
        }
        let k = 3 * (y as usize * self.w + x as usize);
        for (dst, &src) in self.rgb[k..k + 3].iter_mut().zip(&c) {
            let old = *dst as f64;
            *dst = (old + alpha * (src as f64 - old)).round() as u8;
        }
    }

    /// Fills the triangle `p` (pixel coordinates) at pixel centres; the value at a pixel is the
    /// linear interpolation of `v`, coloured by `color`. The barycentric weights are linear in
    /// the pixel's x, so each row steps them by a constant.
    pub(super) fn triangle(
        &mut self,
        p: [[f64; 2]; 3],
        v: [f64; 3],
        color: &impl Fn(f64) -> [u8; 3],
    ) {
        let area =
            (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
        if area == 0.0 || !area.is_finite() {
            return;
        }
        let (lo, hi) = p.iter().fold(
            ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
            |(lo, hi), q| {
                (
                    [lo[0].min(q[0]), lo[1].min(q[1])],
                    [hi[0].max(q[0]), hi[1].max(q[1])],
                )
            },
        );
        let (x0, x1) = (
            floor_from(lo[0], self.clip[0]),
            ceil_to(hi[0], self.clip[1]),
        );
        let (y0, y1) = (
            floor_from(lo[1], self.clip[2]),
            ceil_to(hi[1], self.clip[3]),
        );
        if x0 >= x1 {
            return;
        }
        let inv = 1.0 / area;
        // wᵢ(x, y) = the edge function of the edge opposite corner i over the area.
        let weight = |a: [f64; 2], b: [f64; 2], x: f64, y: f64| {
            ((b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1])) * inv
        };
        let (step0, step1) = (-(p[2][1] - p[1][1]) * inv, -(p[0][1] - p[2][1]) * inv);
        let x = x0 as f64 + 0.5;
        for py in y0..y1 {
            let y = py as f64 + 0.5;
            let (mut w0, mut w1) = (weight(p[1], p[2], x, y), weight(p[2], p[0], x, y));
            let row = 3 * (py * self.w);
            for px in x0..x1 {
                let w2 = 1.0 - w0 - w1;
                // A hair of overlap (1e-9 of the triangle) so that rounding never leaves a pixel
                // centre on a shared edge outside both triangles.
                if w0 >= -1e-9 && w1 >= -1e-9 && w2 >= -1e-9 {
                    let k = row + 3 * px;
                    self.rgb[k..k + 3].copy_from_slice(&color(w0 * v[0] + w1 * v[1] + w2 * v[2]));
                }
                w0 += step0;
                w1 += step1;
            }
        }
    }

    /// A line from a to b, one pixel wide, blended with `alpha`.
    pub(super) fn line(&mut self, a: [f64; 2], b: [f64; 2], c: [u8; 3], alpha: f64) {
        let steps = (b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
            self.blend(x.floor() as i64, y.floor() as i64, c, alpha);
        }
    }
}

/// ⌊x⌋, at least `min` (NaN: `min`). A cast and a comparison: the CPU baseline has no
/// rounding instruction, and `floor` would be a call into libm for every triangle.
fn floor_from(x: f64, min: usize) -> usize {
    if x > min as f64 {
        x as usize // x > min ≥ 0: truncation is ⌊x⌋
    } else {
        min
    }
}

/// ⌈x⌉, at most `max` and at least 0 (NaN: 0).
fn ceil_to(x: f64, max: usize) -> usize {
    if x >= max as f64 {
        return max;
    }
    let t = x as usize; // saturates: x ≤ 0 and NaN give 0
    if (t as f64) < x {
        t + 1
    } else {
        t
    }
}

/// Rasterises the field into the plot area.
pub(super) fn draw_field(
    canvas: &mut Canvas,
    layout: &Layout,
    field: Field,
    mesh: &Mesh,
    outcome: &Outcome,
    lo: f64,
    hi: f64,
) {
    let palette = Palette::new(lo, hi);
    let color = |v: f64| palette.colour(v);
    let (vals, nodal) = values(field, outcome);
    let nodal_velocity = outcome.nodal.as_ref().map(|n| &n.velocity);
    // Contours: equipotentials on the potential, streamlines (ψ = const) on the velocity.
    let contoured: Option<&[f64]> = match (field, &outcome.nodal) {
        (Field::Potential, _) => Some(&outcome.u),
        (Field::Velocity, Some(n)) => n.stream_function.as_deref(),
        _ => None,
    };
    let levels: Vec<f64> = match contoured {
        Some(c) => {
            // Levels over what the window shows, so that a view near a body gets its own.
            let (clo, chi) = (0..mesh.elements())
                .filter(|&e| overlaps(&mesh.element_xy(e), layout.bbox))
                .flat_map(|e| mesh.quad8[e])
                .map(|k| c[k as usize])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(x), b.max(x))
                });
            ticks(clo, chi, 16)
                .0
                .into_iter()
                .filter(|&l| l > clo && l < chi)
                .collect()
        }
        None => Vec::new(),
    };
    let mut contours: Vec<([f64; 2], [f64; 2])> = Vec::new();
    let grids = Grids::new();
    let mut grid = Vec::with_capacity((MAX_PIECES + 1) * (MAX_PIECES + 1));
    for (e, el) in mesh.quad8.iter().enumerate() {
        let xy: [[f64; 2]; NODES] = el.map(|k| [mesh.x[k as usize], mesh.y[k as usize]]);
        let px: [[f64; 2]; NODES] = xy.map(|p| layout.pixel(p[0], p[1]));
        if !meets(&px, canvas.clip) {
            continue;
        }
        let edges: [EdgeLine; 4] = std::array::from_fn(|s| EdgeLine::new(el, &px, s));
        let k = edges.iter().map(|e| e.pieces).max().unwrap_or(1);
        // Grid of (k+1)² points: position and value.
        grid.clear();
        for (&Place { i, j, xi, eta, .. }, n) in grids.of(k) {
            // Σₐ Nₐ fₐ over the shape functions that are not zero at the point.
            let interpolate =
                |f: &dyn Fn(usize) -> f64| n.iter().map(|&(a, w)| w * f(a)).sum::<f64>();
            let v = match (field, nodal_velocity) {
                // The magnitude of the interpolated vector, not an interpolated magnitude.
                (Field::Velocity, Some(vel)) => {
                    let (vx, vy) = n.iter().fold((0.0, 0.0), |(x, y), &(a, w)| {
                        let q = vel[el[a] as usize];
                        (x + w * q[0], y + w * q[1])
                    });
                    vx.hypot(vy)
                }
                _ if nodal => interpolate(&|a| vals[el[a] as usize]),
                _ => vals[e],
            };
            let c = contoured.map_or(0.0, |c| interpolate(&|a| c[el[a] as usize]));
            // On the element's boundary, the edge's own polyline; inside, the mapping.
            let at = match (i, j) {
                (_, 0) => edges[0].at(xi),
                (i, _) if i == k => edges[1].at(eta),
                (_, j) if j == k => edges[2].at(-xi),
                (0, _) => edges[3].at(-eta),
                _ => std::array::from_fn(|d| interpolate(&|a| px[a][d])),
            };
            grid.push((at, v, c));
        }
        let at = |i: usize, j: usize| grid[j * (k + 1) + i];
        for j in 0..k {
            for i in 0..k {
                let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
                for tri in [[a, b, c], [a, c, d]] {
                    canvas.triangle(tri.map(|t| t.0), tri.map(|t| t.1), &color);
                    // Only the levels between the triangle's smallest and largest value
                    // (`levels` is ascending) can cross it.
                    let (lo, hi) = tri
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), t| {
                            (l.min(t.2), h.max(t.2))
                        });
                    let from = levels.partition_point(|&l| l < lo);
                    let to = levels.partition_point(|&l| l <= hi);
                    for &level in &levels[from..to.max(from)] {
                        if let Some(seg) = crossing(tri.map(|t| (t.0, t.2)), level) {
                            contours.push(seg);
                        }
                    }
                }
            }
        }
    }
    for (a, b) in contours {
        canvas.line(a, b, [20, 20, 20], 0.7);
    }
}

/// Viridis over [lo, hi] as a table of [`Palette::STEPS`] colours, looked up per pixel
/// instead of interpolated: a value's colour is that of the nearest of STEPS evenly spaced
/// values, at most half a step of 1/1023 of the range away, which moves no channel by more
/// than one level of 255.
struct Palette {
    lo: f64,
    scale: f64,
    colours: Vec<[u8; 3]>,
}

impl Palette {
    const STEPS: usize = 1024;

    fn new(lo: f64, hi: f64) -> Self {
        let span = if hi > lo { hi - lo } else { 1.0 };
        let last = (Self::STEPS - 1) as f64;
        Palette {
            lo,
            scale: last / span,
            colours: (0..Self::STEPS).map(|i| viridis(i as f64 / last)).collect(),
        }
    }

    /// The colour of `v` (outside the range, that of its end; NaN, that of the low end).
    fn colour(&self, v: f64) -> [u8; 3] {
        // The nearest step: t + ½ cut to an integer (round() is a call into libm where the
        // CPU baseline has no rounding instruction). `as` saturates: below 0 and NaN give 0.
        let t = (v - self.lo) * self.scale + 0.5;
        self.colours[(t as usize).min(Self::STEPS - 1)]
    }
}

/// The shape functions on the k × k grid of every k up to [`MAX_PIECES`], computed once per
/// plot: at each of the (k+1)² points, (j major, i minor), the nodes whose Nₐ is not zero
/// there with their Nₐ. At a corner that is the corner's own node alone, on an edge the
/// edge's three nodes: most elements of a large mesh are drawn with k = 1, four corners, and
/// then a grid point costs a lookup instead of eight shape functions and their sums. The
/// terms left out are exact zeros, so the sums are those over all eight nodes.
struct Grids {
    /// Per k − 1, its points.
    points: Vec<Vec<Place>>,
    terms: Vec<(usize, f64)>,
}

/// A point of a k × k grid: its place (i, j), its (ξ, η), and where its terms lie.
struct Place {
    i: usize,
    j: usize,
    xi: f64,
    eta: f64,
    terms: std::ops::Range<usize>,
}

impl Grids {
    fn new() -> Self {
        let (mut points, mut terms) = (Vec::with_capacity(MAX_PIECES), Vec::new());
        for k in 1..=MAX_PIECES {
            let mut of_k = Vec::with_capacity((k + 1) * (k + 1));
            for j in 0..=k {
                for i in 0..=k {
                    let [xi, eta] = [i, j].map(|m| -1.0 + 2.0 * m as f64 / k as f64);
                    let n = shape(xi, eta);
                    let start = terms.len();
                    terms.extend((0..NODES).filter(|&a| n[a] != 0.0).map(|a| (a, n[a])));
                    of_k.push(Place {
                        i,
                        j,
                        xi,
                        eta,
                        terms: start..terms.len(),
                    });
                }
            }
            points.push(of_k);
        }
        Grids { points, terms }
    }

    /// The points of the grid of k (1 ≤ k ≤ [`MAX_PIECES`]), j major, i minor, each with
    /// its nonzero (node, Nₐ).
    fn of(&self, k: usize) -> impl Iterator<Item = (&Place, &[(usize, f64)])> + '_ {
        self.points[k - 1]
            .iter()
            .map(|p| (p, &self.terms[p.terms.clone()]))
    }
}

/// Pixels of screen length per straight piece of a drawn edge.
const PIXELS_PER_PIECE: f64 = 6.0;
/// The most pieces an edge is cut into.
const MAX_PIECES: usize = 16;

/// One edge of an element as drawn: the polyline through its quadratic curve, with its
/// vertices computed from the lower-numbered end so that both elements sharing the edge get
/// the same points.
struct EdgeLine {
    /// The edge's three nodes on screen, from the lower node number.
    p: [[f64; 2]; 3],
    /// Whether the element runs along the edge the other way.
    reversed: bool,
    pieces: usize,
}

impl EdgeLine {
    fn new(el: &[u32; NODES], px: &[[f64; 2]; NODES], side: usize) -> Self {
        let [a, m, b] = EDGES[side];
        let reversed = el[b] < el[a];
        let p = if reversed {
            [px[b], px[m], px[a]]
        } else {
            [px[a], px[m], px[b]]
        };
        let length = dist(p[0], p[1]) + dist(p[1], p[2]);
        let pieces = ((length / PIXELS_PER_PIECE).ceil() as usize).clamp(1, MAX_PIECES);
        EdgeLine {
            p,
            reversed,
            pieces,
        }
    }

    /// The point of the quadratic curve at parameter s ∈ [−1, 1] (from the lower node).
    fn curve(&self, s: f64) -> [f64; 2] {
        let n = [0.5 * s * (s - 1.0), 1.0 - s * s, 0.5 * s * (s + 1.0)];
        std::array::from_fn(|d| n[0] * self.p[0][d] + n[1] * self.p[1][d] + n[2] * self.p[2][d])
    }

    /// The point of the polyline at the element's parameter s ∈ [−1, 1].
    fn at(&self, s: f64) -> [f64; 2] {
        let s = if self.reversed { -s } else { s };
        let u = 0.5 * (s + 1.0) * self.pieces as f64;
        let m = (u.floor() as usize).min(self.pieces - 1);
        let f = u - m as f64;
        let vertex = |m: usize| self.curve(-1.0 + 2.0 * m as f64 / self.pieces as f64);
        let (a, b) = (vertex(m), vertex(m + 1));
        std::array::from_fn(|d| a[d] + f * (b[d] - a[d]))
    }
}

/// The distance of two points on screen (a few thousand pixels at most: no overflow to guard
/// against, so a square root rather than libm's slower `hypot`).
fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (a[0] - b[0], a[1] - b[1]);
    (dx * dx + dy * dy).sqrt()
}

/// Whether the box round the element's nodes on screen meets the clip rectangle (with a margin
/// for curved edges bulging past their nodes).
fn meets(px: &[[f64; 2]; NODES], clip: [usize; 4]) -> bool {
    let b = crate::mesh::bounding_box(px.iter().copied());
    let margin = 0.5 * ((b[1] - b[0]) + (b[3] - b[2]));
    b[0] - margin <= clip[1] as f64
        && b[1] + margin >= clip[0] as f64
        && b[2] - margin <= clip[3] as f64
        && b[3] + margin >= clip[2] as f64
}

/// Where the linear function on a triangle crosses `level`, as a segment.
fn crossing(tri: [([f64; 2], f64); 3], level: f64) -> Option<([f64; 2], [f64; 2])> {
    let mut pts = Vec::with_capacity(2);
    for (p, q) in [(tri[0], tri[1]), (tri[1], tri[2]), (tri[2], tri[0])] {
        let (dp, dq) = (p.1 - level, q.1 - level);
        if (dp < 0.0) != (dq < 0.0) {
            let t = dp / (dp - dq);
            pts.push([
                p.0[0] + t * (q.0[0] - p.0[0]),
                p.0[1] + t * (q.0[1] - p.0[1]),
            ]);
        }
    }
    (pts.len() == 2).then(|| (pts[0], pts[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_tables_interpolate_as_all_eight_shape_functions_do() {
        // At every grid point of every k, the kept terms give the sum over all eight nodes of
        // an arbitrary nodal field, to the bit; at a node (a corner or an edge's middle) one
        // term is kept, elsewhere on an edge three.
        let f = [1.3, -0.7, 2.9, 0.11, -5.0, 3.3, 0.25, -1.9];
        let grids = Grids::new();
        for k in 1..=MAX_PIECES {
            for (point, (&Place { i, j, .. }, terms)) in grids.of(k).enumerate() {
                assert_eq!(
                    (i, j),
                    (point % (k + 1), point / (k + 1)),
                    "j major, i minor"
                );
                let n = shape(
                    -1.0 + 2.0 * i as f64 / k as f64,
                    -1.0 + 2.0 * j as f64 / k as f64,
                );
                let all: f64 = (0..NODES).map(|a| n[a] * f[a]).sum();
                let kept: f64 = terms.iter().map(|&(a, w)| w * f[a]).sum();
                assert_eq!(kept, all, "k {k}, point ({i}, {j})");
                let (end, middle) = (|m: usize| m == 0 || m == k, |m: usize| 2 * m == k);
                let expected = match (end(i), end(j)) {
                    (true, true) => Some(1),
                    (true, false) if middle(j) => Some(1),
                    (false, true) if middle(i) => Some(1),
                    (true, false) | (false, true) => Some(3),
                    _ => None, // inside: all eight, bar zeros on a corner's line ξ±η = ±1
                };
                if let Some(count) = expected {
                    assert_eq!(terms.len(), count, "k {k}, point ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn pixel_bounds_are_floor_and_ceiling_within_the_clip() {
        for x in [
            -3.5, -0.0, 0.0, 0.25, 1.0, 1.5, 7.0, 7.000001, 9.99, 10.0, 12.5,
        ] {
            assert_eq!(
                floor_from(x, 2),
                x.floor().max(2.0) as usize,
                "floor of {x}"
            );
            assert_eq!(
                ceil_to(x, 10),
                (x.ceil().max(0.0) as usize).min(10),
                "ceiling of {x}"
            );
        }
        assert_eq!((floor_from(f64::NAN, 2), ceil_to(f64::NAN, 10)), (2, 0));
        assert_eq!(
            (floor_from(f64::INFINITY, 2), ceil_to(f64::INFINITY, 10)),
            (usize::MAX, 10)
        );
        assert_eq!(ceil_to(f64::NEG_INFINITY, 10), 0);
    }

    #[test]
    fn the_palette_is_viridis_within_one_level() {
        // Against the interpolated colour map, over the range and past both ends.
        let (lo, hi) = (-3.0, 5.0);
        let palette = Palette::new(lo, hi);
        for i in 0..=10_000 {
            let v = lo - 1.0 + 10.0 * i as f64 / 10_000.0;
            let (got, exact) = (palette.colour(v), viridis((v - lo) / (hi - lo)));
            for c in 0..3 {
                assert!(
                    (got[c] as i32 - exact[c] as i32).abs() <= 1,
                    "{v}: {got:?} against {exact:?}"
                );
            }
        }
        assert_eq!(palette.colour(f64::NAN), viridis(0.0));
        assert_eq!(palette.colour(f64::INFINITY), viridis(1.0));
    }

    #[test]
    fn a_triangle_fills_the_pixel_centres_inside_it_and_no_others() {
        // The right triangle (0, 0), (10, 0), (0, 10): the centre (x + ½, y + ½) is inside
        // when x + y + 1 ≤ 10, i.e. x + y < 10: 55 pixels, each coloured by the value
        // interpolated there (here v = x, a grey ramp).
        let mut canvas = Canvas::new(12, 12);
        let grey = |v: f64| [(10.0 * v).round() as u8; 3];
        canvas.triangle(
            [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]],
            [0.0, 10.0, 0.0],
            &grey,
        );
        for y in 0..12 {
            for x in 0..12 {
                let k = 3 * (y * 12 + x);
                let inside = x + y < 10;
                let expected = if inside {
                    grey(x as f64 + 0.5)
                } else {
                    [255; 3]
                };
                assert_eq!(canvas.rgb[k..k + 3], expected, "pixel ({x}, {y})");
            }
        }
    }
}
