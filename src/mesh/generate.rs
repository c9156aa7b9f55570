//! Structured Quad-8 meshes from a smooth map of the unit square.
//!
//! The lattice of a block of `nx × ny` Quad-8 elements is the `(2nx+1) × (2ny+1)` grid of
//! half-steps without the element centres (odd, odd). Every lattice point, mid-edge nodes
//! included, is placed by evaluating the map at its parameter, so mid-edge nodes lie on the
//! true curve of a curved wall. A block numbers its lattice column by column (x slowest);
//! [`by_name`] then renumbers the assembled mesh by reverse Cuthill-McKee.

use std::sync::Arc;

use super::airfoil::{self, Naca4, Outline};
use super::blocks::{assemble, count_nodes, Block};
use super::Mesh;

/// A block of `nx × ny` elements mapped from (s, t) ∈ [0, 1]² by `map`, which must be
/// orientation preserving (counter-clockwise in, counter-clockwise out).
pub fn mapped_block(
    source: impl Into<String>,
    nx: usize,
    ny: usize,
    map: impl Fn(f64, f64) -> [f64; 2] + 'static,
) -> Mesh {
    assemble(&source.into(), &[Block::new(nx, ny, [None; 4], map)])
}

/// Node count of an `nx × ny` Quad-8 block.
pub fn block_nodes(nx: usize, ny: usize) -> usize {
    (2 * nx + 1) * (2 * ny + 1) - nx * ny
}

/// A straight channel `[0, length] × [0, height]` of `nx × ny` elements.
pub fn channel(nx: usize, ny: usize, length: f64, height: f64) -> Mesh {
    mapped_block(format!("channel {nx}x{ny}"), nx, ny, move |s, t| {
        [length * s, height * t]
    })
}

/// Half-width of the venturi channel: 1 far from the throat, 0.5 at x = 4.
pub fn venturi_half_width(x: f64) -> f64 {
    1.0 - 0.5 * (-(x - 4.0) * (x - 4.0)).exp()
}

/// The venturi geometry (see [`GEOMETRIES`]) with about `target_nodes` nodes.
pub fn venturi(target_nodes: usize) -> Mesh {
    by_name("venturi", target_nodes).unwrap_or_default()
}

/// The geometries [`by_name`] knows, with a line of description each. Every one carries the
/// named groups `inlet`, `outlet`, `wall` (and `cylinder` where there is one), which solve
/// uses by default; every inlet lies on x = xmin and every outlet but the elbow's on x = xmax.
pub const GEOMETRIES: [(&str, &str); 8] = [
    ("channel", "straight channel 8 x 1"),
    ("venturi", "channel 8 x 2 narrowing smoothly to half its width at x = 4"),
    ("backward_step", "channel of height 0.5 opening at x = 2 onto a channel of height 1, to x = 8"),
    (
        "elbow_90",
        "the reference's elbow: inlet x = 0, y in [0.5, 1]; a bend round a quarter circle of radius \
         0.5 inside the unit square; a leg down to y = -1 whose bottom is the group `outlet` (a \
         .h5 file has no groups: there the x = xmax rule picks the outer wall x = 1, as the \
         reference's elbow_90 mesh does)",
    ),
    ("s_bend", "channel of width 1 whose centreline rises smoothly by 1.5 over x in [0, 8]"),
    ("t_junction", "channel 6 x 1 with a closed side branch x in [2, 3] rising to y = 3"),
    ("y_tube", "channel 2 x 1.2 splitting round a blunt divider into two branches to x = 3"),
    ("channel_with_cylinder", "channel 4 x 1 with a cylinder of radius 0.15 at (1, 0.5): an O-grid"),
];

/// Flows round bodies: a far field to hold a uniform stream with `--bc farfield=stream:U`,
/// and no inlet or outlet (the default conditions do not apply to them).
pub const STREAM_GEOMETRIES: [(&str, &str); 2] = [
    (
        "cylinder_in_stream",
        "a cylinder of radius 0.5 at the origin in a circular far field of radius 20 (40 R): an \
         O-grid graded geometrically outwards, groups `cylinder` and `farfield`; solve with \
         --bc farfield=stream:U",
    ),
    (
        "naca0012",
        "the NACA 0012 section, and any other NACA 4-digit one by its name (naca2412, ...): \
         chord 1 from (0, 0) to (1, 0), \
         closed sharp trailing edge, in a far field of 20 chords: an O-grid graded towards both \
         edges, groups `airfoil` and `farfield`; solve with --bc farfield=stream:U@ALPHA \
         --kutta airfoil",
    ),
];

/// Every geometry [`by_name`] knows: the channels, then the flows round bodies (`naca0012`
/// standing for every NACA 4-digit section).
pub fn all_geometries() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    GEOMETRIES.iter().chain(STREAM_GEOMETRIES.iter())
}

/// Whether [`by_name`] knows `geometry`: one of [`all_geometries`], or `naca` and four digits.
pub fn is_known(geometry: &str) -> bool {
    all_geometries().any(|g| g.0 == geometry) || Naca4::parse(geometry).is_some()
}

const IN: Option<&str> = Some("inlet");
const OUT: Option<&str> = Some("outlet");
const CYL: Option<&str> = Some("cylinder");

fn n(len: f64, m: f64) -> usize {
    ((len * m).round() as usize).max(1)
}

/// The blocks of `geometry` at `m` elements per unit length.
fn blocks(geometry: &str, m: f64) -> Option<Vec<Block>> {
    use std::f64::consts::PI;
    Some(match geometry {
        "channel" => vec![Block::rect(
            n(8.0, m),
            n(1.0, m),
            [0.0, 8.0, 0.0, 1.0],
            [None, OUT, None, IN],
        )],
        "venturi" => vec![Block::new(
            n(8.0, m),
            n(2.0, m),
            [None, OUT, None, IN],
            |s, t| {
                let x = 8.0 * s;
                [x, venturi_half_width(x) * (2.0 * t - 1.0)]
            },
        )],
        "backward_step" => {
            let (a, b) = (n(0.5, m), n(6.0, m));
            vec![
                Block::rect(n(2.0, m), a, [0.0, 2.0, 0.5, 1.0], [None, None, None, IN]),
                Block::rect(b, a, [2.0, 8.0, 0.0, 0.5], [None, OUT, None, None]),
                Block::rect(b, a, [2.0, 8.0, 0.5, 1.0], [None, OUT, None, None]),
            ]
        }
        "elbow_90" => {
            let (nt, nr) = (n(1.6, m), n(0.5, m));
            vec![
                // s: angle from 90° down to 0°; t: from the circle r = 0.5 out to the square.
                Block::new(nt, nr, [None, None, None, IN], |s, t| {
                    let th = 0.5 * PI * (1.0 - s);
                    let (c, sn) = (th.cos(), th.sin());
                    let outer = 1.0 / c.max(sn);
                    let r = 0.5 + t * (outer - 0.5);
                    [r * c, r * sn]
                }),
                Block::rect(
                    nr,
                    n(1.0, m),
                    [0.5, 1.0, -1.0, 0.0],
                    [OUT, None, None, None],
                ),
            ]
        }
        "s_bend" => vec![Block::new(
            n(9.0, m),
            n(1.0, m),
            [None, OUT, None, IN],
            |s, t| {
                let x = 8.0 * s;
                let yc = 1.5 * (s - (2.0 * PI * s).sin() / (2.0 * PI));
                [x, yc + t - 0.5]
            },
        )],
        "t_junction" => {
            let (w, h) = (n(1.0, m), n(1.0, m));
            vec![
                Block::rect(n(2.0, m), h, [0.0, 2.0, 0.0, 1.0], [None, None, None, IN]),
                Block::rect(w, h, [2.0, 3.0, 0.0, 1.0], [None; 4]),
                Block::rect(n(3.0, m), h, [3.0, 6.0, 0.0, 1.0], [None, OUT, None, None]),
                Block::rect(w, n(2.0, m), [2.0, 3.0, 1.0, 3.0], [None; 4]),
            ]
        }
        "y_tube" => {
            let (a, b, l, r) = (n(0.45, m), n(0.3, m), n(2.0, m), n(1.0, m));
            vec![
                Block::rect(l, a, [0.0, 2.0, 0.0, 0.45], [None, None, None, IN]),
                Block::rect(l, b, [0.0, 2.0, 0.45, 0.75], [None, None, None, IN]),
                Block::rect(l, a, [0.0, 2.0, 0.75, 1.2], [None, None, None, IN]),
                Block::rect(r, a, [2.0, 3.0, 0.0, 0.45], [None, OUT, None, None]),
                Block::rect(r, a, [2.0, 3.0, 0.75, 1.2], [None, OUT, None, None]),
            ]
        }
        "channel_with_cylinder" => {
            let (q, nr, s) = (n(0.8, m), n(0.3, m), n(0.1, m));
            let (nl, nrt) = (n(0.6, m), n(2.6, m));
            let (cx, cy, rad) = (1.0, 0.5, 0.15);
            // The square [0.6, 1.4] x [0.1, 0.9] round the cylinder, its sides counter-clockwise
            // with the angles of their end corners.
            let sides = [
                ([0.6, 0.1], [1.4, 0.1], 1.25 * PI, 1.75 * PI),
                ([1.4, 0.1], [1.4, 0.9], -0.25 * PI, 0.25 * PI),
                ([1.4, 0.9], [0.6, 0.9], 0.25 * PI, 0.75 * PI),
                ([0.6, 0.9], [0.6, 0.1], 0.75 * PI, 1.25 * PI),
            ];
            let mut v: Vec<Block> = sides
                .into_iter()
                .map(|(a, b, ta, tb)| {
                    Block::new(q, nr, [None, None, CYL, None], move |s, t| {
                        let th = ta + s * (tb - ta);
                        let sq = [a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])];
                        let ci = [cx + rad * th.cos(), cy + rad * th.sin()];
                        [(1.0 - t) * sq[0] + t * ci[0], (1.0 - t) * sq[1] + t * ci[1]]
                    })
                })
                .collect();
            for (ny, y0, y1) in [(s, 0.0, 0.1), (q, 0.1, 0.9), (s, 0.9, 1.0)] {
                v.push(Block::rect(
                    nl,
                    ny,
                    [0.0, 0.6, y0, y1],
                    [None, None, None, IN],
                ));
                v.push(Block::rect(
                    nrt,
                    ny,
                    [1.4, 4.0, y0, y1],
                    [None, OUT, None, None],
                ));
                if ny == s {
                    v.push(Block::rect(q, ny, [0.6, 1.4, y0, y1], [None; 4]));
                }
            }
            v
        }
        "cylinder_in_stream" => {
            // θ runs clockwise with s so that (s, t) keeps its orientation; r grows
            // geometrically from R to 40 R, so that cells stay about square: Δr/r = Δθ.
            let (radius, far): (f64, f64) = (0.5, 20.0);
            let nt = n(PI, m);
            let nr = n(0.5 * (far / radius).ln(), m);
            vec![Block::new(
                nt,
                nr,
                [Some("cylinder"), None, Some("farfield"), None],
                move |s, t| {
                    let th = -2.0 * PI * s;
                    let r = radius * (far / radius).powf(t);
                    [r * th.cos(), r * th.sin()]
                },
            )]
        }
        other => airfoil::blocks(Arc::new(Naca4::parse(other)?), airfoil::FARFIELD_CHORDS, m),
    })
}

/// A generated mesh of `geometry` with about `nodes` nodes (within 10% from about 1,000 nodes
/// up; tests/generator.rs checks it from 2,000), nodes numbered by reverse Cuthill-McKee.
pub fn by_name(geometry: &str, nodes: usize) -> Option<Mesh> {
    let mut mesh = sized(geometry, nodes, &|m| blocks(geometry, m))?;
    mesh.source = format!("generated {geometry}");
    Some(mesh)
}

/// An airfoil mesh round `outline` (named `name`) with the far field at `farfield` chords
/// from mid-chord and about `nodes` nodes.
pub fn airfoil(name: &str, outline: Arc<dyn Outline>, farfield: f64, nodes: usize) -> Option<Mesh> {
    let mut mesh = sized(name, nodes, &|m| {
        Some(airfoil::blocks(outline.clone(), farfield, m))
    })?;
    mesh.source = format!("generated {name}");
    Some(mesh)
}

/// The mesh of `blocks` at the density that gives about `nodes` nodes.
fn sized(geometry: &str, nodes: usize, blocks: &dyn Fn(f64) -> Option<Vec<Block>>) -> Option<Mesh> {
    // Node counts grow like m²: fit a quadratic through three small meshes, solve for m, then
    // correct once by the square root of the ratio actually reached.
    let count = |m: f64| blocks(m).map(|b| count_nodes(&b) as f64);
    let ms = [2.0, 4.0, 8.0];
    let c: Vec<f64> = ms.iter().map(|&m| count(m)).collect::<Option<_>>()?;
    // c(m) = a m² + b m + d
    let a = ((c[2] - c[1]) / 4.0 - (c[1] - c[0]) / 2.0) / 4.0;
    let b = (c[1] - c[0]) / 2.0 - 6.0 * a;
    let d = c[0] - 4.0 * a - 2.0 * b;
    let target = nodes as f64;
    let mut m = if a > 0.0 {
        (-b + (b * b - 4.0 * a * (d - target)).max(0.0).sqrt()) / (2.0 * a)
    } else {
        target.sqrt()
    };
    m = m.max(0.5);
    // Element counts per block are rounded, so the count is a step function of m: correct
    // by the square root of the ratio reached, a few times, and keep the closest.
    let count_at = |m: f64| count(m).unwrap_or(f64::INFINITY);
    let mut best = (f64::INFINITY, m);
    for _ in 0..8 {
        let reached = count_at(m);
        let miss = (reached - target).abs() / target;
        if miss < best.0 {
            best = (miss, m);
        }
        if miss <= 0.03 {
            break;
        }
        m *= (target / reached).sqrt() * if reached > target { 0.99 } else { 1.01 };
    }
    if best.0 > 0.05 {
        // Coarse meshes move in big steps: scan around the best m for the closest count.
        let centre = best.1;
        for k in 0..=40 {
            let m = centre * (0.8 + 0.01 * k as f64);
            let miss = (count_at(m) - target).abs() / target;
            if miss < best.0 {
                best = (miss, m);
            }
        }
    }
    Some(assemble_rcm(geometry, &blocks(best.1)?))
}

/// [`assemble`] with the nodes renumbered by reverse Cuthill-McKee.
fn assemble_rcm(geometry: &str, blocks: &[Block]) -> Mesh {
    let mut mesh = assemble(geometry, blocks);
    let order = super::prepare::rcm_order(mesh.nodes(), &mesh.quad8);
    let mut new = vec![0u32; mesh.nodes()];
    for (k, &old) in order.iter().enumerate() {
        new[old as usize] = k as u32;
    }
    let (x, y) = (
        order.iter().map(|&o| mesh.x[o as usize]).collect(),
        order.iter().map(|&o| mesh.y[o as usize]).collect(),
    );
    mesh.x = x;
    mesh.y = y;
    for el in mesh.quad8.iter_mut() {
        *el = el.map(|k| new[k as usize]);
    }
    for g in mesh.groups.iter_mut() {
        for e in g.edges.iter_mut() {
            *e = e.map(|k| new[k as usize]);
        }
    }
    mesh
}

/// The built-in case of `potflow solve` with no mesh: a venturi channel of about 50k nodes.
pub fn default_case() -> Mesh {
    venturi(50_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_counts_match_formula() {
        let m = channel(3, 2, 3.0, 2.0);
        assert_eq!(m.nodes(), block_nodes(3, 2));
        assert_eq!(m.elements(), 6);
        let v = venturi(50_000);
        assert!(
            (v.nodes() as f64 - 50_000.0).abs() < 0.05 * 50_000.0,
            "{}",
            v.nodes()
        );
    }
}
