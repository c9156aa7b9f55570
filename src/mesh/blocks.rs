//! Multi-block structured Quad-8 meshes: blocks mapped from the unit square, glued where
//! their sides meet, with named boundary groups.
//!
//! Each block is `nx × ny` elements mapped by a smooth function of (s, t) ∈ [0, 1]² that keeps
//! orientation; every lattice point, mid-edge nodes included, is placed by the map, so curved
//! walls carry their mid-edge nodes on the true curve. Blocks that share a side must give it
//! the same number of elements; coincident nodes are merged (to 1e-9 of the domain size).
//! Boundary edges (those of one element only) get the name of their block side: `inlet`,
//! `outlet`, or `wall` when the side is not named.

use std::collections::HashMap;

use super::{BoundaryGroup, IndexWidth, Mesh};

/// Names of the four sides of a block: bottom (t = 0), right (s = 1), top (t = 1), left (s = 0).
pub type Sides = [Option<&'static str>; 4];

/// One mapped block.
pub struct Block {
    pub nx: usize,
    pub ny: usize,
    pub map: Box<dyn Fn(f64, f64) -> [f64; 2]>,
    pub sides: Sides,
}

impl Block {
    /// A block of `nx × ny` elements mapped by `map`, sides named by `sides`.
    pub fn new(
        nx: usize,
        ny: usize,
        sides: Sides,
        map: impl Fn(f64, f64) -> [f64; 2] + 'static,
    ) -> Self {
        Block {
            nx: nx.max(1),
            ny: ny.max(1),
            map: Box::new(map),
            sides,
        }
    }

    /// The axis-aligned rectangle [x0, x1] × [y0, y1].
    pub fn rect(nx: usize, ny: usize, [x0, x1, y0, y1]: [f64; 4], sides: Sides) -> Self {
        Block::new(nx, ny, sides, move |s, t| {
            [x0 + s * (x1 - x0), y0 + t * (y1 - y0)]
        })
    }
}

/// Glues `blocks` into one mesh named `source`.
pub fn assemble(source: &str, blocks: &[Block]) -> Mesh {
    // Positions of every block's lattice.
    let mut points: Vec<[f64; 2]> = Vec::new();
    let mut lattices: Vec<Vec<u32>> = Vec::new();
    for b in blocks {
        let (cols, rows) = (2 * b.nx + 1, 2 * b.ny + 1);
        let mut ids = vec![u32::MAX; cols * rows];
        for i in 0..cols {
            for j in 0..rows {
                if i % 2 == 1 && j % 2 == 1 {
                    continue;
                }
                ids[i * rows + j] = points.len() as u32;
                points.push((b.map)(
                    i as f64 / (cols - 1) as f64,
                    j as f64 / (rows - 1) as f64,
                ));
            }
        }
        lattices.push(ids);
    }
    // Merge coincident points: quantise to a grid finer than any element, look at neighbours.
    let (lo, hi) = points.iter().fold(
        ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    );
    let tol = 1e-9 * (hi[0] - lo[0]).max(hi[1] - lo[1]);
    let cell = |p: [f64; 2]| {
        (
            ((p[0] - lo[0]) / (4.0 * tol)).floor() as i64,
            ((p[1] - lo[1]) / (4.0 * tol)).floor() as i64,
        )
    };
    let mut grid: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
    let mut merged = vec![0u32; points.len()];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (k, &p) in points.iter().enumerate() {
        let (cx, cy) = cell(p);
        let mut found = None;
        'search: for dx in -1..=1 {
            for dy in -1..=1 {
                for &m in grid.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                    let q: [f64; 2] = [x[m as usize], y[m as usize]];
                    if (q[0] - p[0]).abs() <= tol && (q[1] - p[1]).abs() <= tol {
                        found = Some(m);
                        break 'search;
                    }
                }
            }
        }
        merged[k] = found.unwrap_or_else(|| {
            let m = x.len() as u32;
            x.push(p[0]);
            y.push(p[1]);
            grid.entry((cx, cy)).or_default().push(m);
            m
        });
    }
    // Elements and named side edges.
    let mut quad8 = Vec::new();
    let mut side_name: HashMap<[u32; 2], &'static str> = HashMap::new();
    for (b, ids) in blocks.iter().zip(&lattices) {
        let rows = 2 * b.ny + 1;
        let at = |i: usize, j: usize| merged[ids[i * rows + j] as usize];
        for ex in 0..b.nx {
            for ey in 0..b.ny {
                let (i, j) = (2 * ex, 2 * ey);
                quad8.push([
                    at(i, j),
                    at(i + 2, j),
                    at(i + 2, j + 2),
                    at(i, j + 2),
                    at(i + 1, j),
                    at(i + 2, j + 1),
                    at(i + 1, j + 2),
                    at(i, j + 1),
                ]);
            }
        }
        let key = |a: u32, b: u32| if a < b { [a, b] } else { [b, a] };
        for (side, name) in b.sides.iter().enumerate() {
            let Some(name) = name else { continue };
            let n = if side % 2 == 0 { b.nx } else { b.ny };
            for k in 0..n {
                let (a, c) = match side {
                    0 => (at(2 * k, 0), at(2 * k + 2, 0)),
                    1 => (at(2 * b.nx, 2 * k), at(2 * b.nx, 2 * k + 2)),
                    2 => (at(2 * k, 2 * b.ny), at(2 * k + 2, 2 * b.ny)),
                    _ => (at(0, 2 * k), at(0, 2 * k + 2)),
                };
                side_name.insert(key(a, c), name);
            }
        }
    }
    // Boundary edges: the element edges that occur once.
    let mut count: HashMap<[u32; 2], (usize, [u32; 3])> = HashMap::new();
    for el in &quad8 {
        for e in crate::element::EDGES {
            let (a, m, b) = (el[e[0]], el[e[1]], el[e[2]]);
            let k = if a < b { [a, b] } else { [b, a] };
            count.entry(k).or_insert((0, [a, m, b])).0 += 1;
        }
    }
    let mut groups: HashMap<&'static str, Vec<[u32; 3]>> = HashMap::new();
    let mut boundary: Vec<([u32; 2], [u32; 3])> = count
        .into_iter()
        .filter(|(_, (c, _))| *c == 1)
        .map(|(k, (_, e))| (k, e))
        .collect();
    boundary.sort_unstable();
    for (k, e) in boundary {
        groups
            .entry(side_name.get(&k).copied().unwrap_or("wall"))
            .or_default()
            .push(e);
    }
    let mut groups: Vec<BoundaryGroup> = groups
        .into_iter()
        .map(|(name, edges)| BoundaryGroup {
            name: name.to_string(),
            edges,
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Mesh {
        source: source.to_string(),
        x,
        y,
        quad8,
        index_width: IndexWidth::I32,
        groups,
    }
}
