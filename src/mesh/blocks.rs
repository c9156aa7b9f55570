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

/// Merges coincident points: quantised to a grid finer than any element (to 1e-9 of the
/// domain size), a point is looked up among its neighbours in that grid.
struct Merger {
    lo: [f64; 2],
    tol: f64,
    grid: HashMap<(i64, i64), Vec<u32>>,
    points: Vec<[f64; 2]>,
}

impl Merger {
    /// A merger for points within the bounding box of `points`.
    fn new(points: &[[f64; 2]]) -> Self {
        let [x0, x1, y0, y1] = super::bounding_box(points.iter().copied());
        Merger {
            lo: [x0, y0],
            tol: 1e-9 * (x1 - x0).max(y1 - y0),
            grid: HashMap::new(),
            points: Vec::new(),
        }
    }

    /// Adds `p`, known to coincide with no other point, without registering it for lookups.
    fn push(&mut self, p: [f64; 2]) -> u32 {
        self.points.push(p);
        (self.points.len() - 1) as u32
    }

    /// The index of `p` among the distinct points, adding it if it is new.
    fn insert(&mut self, p: [f64; 2]) -> u32 {
        let cell = (
            ((p[0] - self.lo[0]) / (4.0 * self.tol)).floor() as i64,
            ((p[1] - self.lo[1]) / (4.0 * self.tol)).floor() as i64,
        );
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &m in self
                    .grid
                    .get(&(cell.0 + dx, cell.1 + dy))
                    .into_iter()
                    .flatten()
                {
                    let q = self.points[m as usize];
                    if (q[0] - p[0]).abs() <= self.tol && (q[1] - p[1]).abs() <= self.tol {
                        return m;
                    }
                }
            }
        }
        let m = self.points.len() as u32;
        self.points.push(p);
        self.grid.entry(cell).or_default().push(m);
        m
    }
}

/// The number of nodes [`assemble`] would give, without building the mesh: interior lattice
/// points are all distinct, so only the points on block sides need merging. Cost grows with
/// the blocks' perimeters, not their areas.
pub fn count_nodes(blocks: &[Block]) -> usize {
    let mut interior = 0;
    let mut side_points = Vec::new();
    for b in blocks {
        let (cols, rows) = (2 * b.nx + 1, 2 * b.ny + 1);
        interior += cols * rows - b.nx * b.ny - (2 * cols + 2 * rows - 4);
        let at = |i: usize, j: usize| {
            (b.map)(i as f64 / (cols - 1) as f64, j as f64 / (rows - 1) as f64)
        };
        for i in 0..cols {
            side_points.push(at(i, 0));
            side_points.push(at(i, rows - 1));
        }
        for j in 1..rows - 1 {
            side_points.push(at(0, j));
            side_points.push(at(cols - 1, j));
        }
    }
    let mut merger = Merger::new(&side_points);
    for &p in &side_points {
        merger.insert(p);
    }
    interior + merger.points.len()
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
    // Only points on block sides can coincide; interior points are distinct as they are.
    let mut merger = Merger::new(&points);
    let mut merged = vec![0u32; points.len()];
    for (b, ids) in blocks.iter().zip(&lattices) {
        let (cols, rows) = (2 * b.nx + 1, 2 * b.ny + 1);
        for i in 0..cols {
            for j in 0..rows {
                let k = ids[i * rows + j];
                if k == u32::MAX {
                    continue;
                }
                let on_side = i == 0 || j == 0 || i == cols - 1 || j == rows - 1;
                merged[k as usize] = if on_side {
                    merger.insert(points[k as usize])
                } else {
                    merger.push(points[k as usize])
                };
            }
        }
    }
    let (x, y): (Vec<f64>, Vec<f64>) = merger.points.iter().map(|p| (p[0], p[1])).unzip();
    // Elements, and the edges on block sides (in the orientation of their element).
    let mut quad8 = Vec::new();
    let mut side_edges: Vec<([u32; 3], Option<&'static str>)> = Vec::new();
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
        let (tx, ty) = (2 * b.nx, 2 * b.ny);
        for k in 0..b.nx {
            let i = 2 * k;
            side_edges.push(([at(i, 0), at(i + 1, 0), at(i + 2, 0)], b.sides[0]));
            side_edges.push(([at(i + 2, ty), at(i + 1, ty), at(i, ty)], b.sides[2]));
        }
        for k in 0..b.ny {
            let j = 2 * k;
            side_edges.push(([at(tx, j), at(tx, j + 1), at(tx, j + 2)], b.sides[1]));
            side_edges.push(([at(0, j + 2), at(0, j + 1), at(0, j)], b.sides[3]));
        }
    }
    // Boundary edges: side edges that no other block shares.
    let key = |e: &[u32; 3]| {
        if e[0] < e[2] {
            [e[0], e[2]]
        } else {
            [e[2], e[0]]
        }
    };
    let mut count: HashMap<[u32; 2], usize> = HashMap::new();
    for (e, _) in &side_edges {
        *count.entry(key(e)).or_default() += 1;
    }
    let mut boundary: Vec<([u32; 2], [u32; 3], &'static str)> = side_edges
        .iter()
        .filter(|(e, _)| count[&key(e)] == 1)
        .map(|(e, name)| (key(e), *e, name.unwrap_or("wall")))
        .collect();
    boundary.sort_unstable();
    let mut groups: HashMap<&'static str, Vec<[u32; 3]>> = HashMap::new();
    for (_, e, name) in boundary {
        groups.entry(name).or_default().push(e);
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
