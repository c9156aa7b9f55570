//! A body's outline from its boundary group: the closed loop of its edges in order, its
//! trailing edge, its chord, and a point inside it near the trailing edge.

use std::collections::HashMap;

use crate::element::{edge_shape, EDGES};
use crate::error::{Error, Result};
use crate::mesh::{Mesh, PreparedMesh};

/// One edge of the loop: (end, mid, end) solver nodes with the fluid on the left, and its
/// element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopEdge {
    pub nodes: [u32; 3],
    pub element: u32,
}

/// A body's closed outline, the edges in order (clockwise round the body: the fluid on the
/// left), starting with the edge that leaves the trailing edge where there is one.
#[derive(Debug, Clone)]
pub struct Outline {
    pub edges: Vec<LoopEdge>,
    /// The trailing edge: the first edge's start.
    pub trailing_edge: Option<[f64; 2]>,
    /// The point of the outline farthest from the trailing edge (or from the first node).
    pub leading_edge: [f64; 2],
    /// The angle the fluid turns round at the trailing edge, degrees.
    pub fluid_angle_deg: Option<f64>,
}

/// Where the trailing edge is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrailingEdge {
    /// At the sharpest corner, which must be sharp.
    Sharpest,
    /// At the corner nearest this point.
    Near([f64; 2]),
    /// Nowhere in particular (a circulation given, no Kutta condition).
    NotNeeded,
}

impl Outline {
    /// The distance from the trailing to the leading edge (without a trailing edge, the
    /// outline's largest extent from its first node).
    pub fn chord(&self) -> f64 {
        let l = self.leading_edge;
        let t = self.trailing_edge.unwrap_or(l);
        (t[0] - l[0]).hypot(t[1] - l[1])
    }

    /// The chord's other end: the trailing edge, or without one the outline's first node.
    pub fn chord_end(&self, mesh: &PreparedMesh) -> [f64; 2] {
        self.trailing_edge
            .unwrap_or(mesh.xy[self.edges[0].nodes[0] as usize])
    }
}

fn fail(mesh: &Mesh, reason: String) -> Error {
    Error::Mesh {
        source_name: mesh.source.clone(),
        reason,
    }
}

/// The unit tangent of an edge at s ∈ [−1, 1], along its direction.
pub fn tangent(mesh: &PreparedMesh, e: &[u32; 3], s: f64) -> [f64; 2] {
    let (_, dn) = edge_shape(s);
    let d = [0, 1].map(|c| {
        (0..3)
            .map(|k| dn[k] * mesh.xy[e[k] as usize][c])
            .sum::<f64>()
    });
    let l = d[0].hypot(d[1]);
    [d[0] / l, d[1] / l]
}

/// The loop of `group`'s edges, oriented and in order, with the trailing edge at the node
/// nearest `trailing_edge` where it is given, else at the sharpest corner. `option` names the
/// option in messages.
pub fn outline(
    input: &Mesh,
    mesh: &PreparedMesh,
    group: &str,
    trailing_edge: TrailingEdge,
    option: &str,
) -> Result<Outline> {
    let g = input
        .groups
        .iter()
        .find(|g| g.name == group)
        .ok_or_else(|| {
            fail(
                input,
                format!(
                    "{option} {group}: no such boundary group (the groups: {})",
                    input
                        .groups
                        .iter()
                        .map(|g| g.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    let key = |a: u32, m: u32, b: u32| (a.min(b), a.max(b), m);
    let wanted: std::collections::HashSet<(u32, u32, u32)> = g
        .edges
        .iter()
        .map(|e| e.map(|k| mesh.solver_node[k as usize]))
        .map(|e| key(e[0], e[1], e[2]))
        .collect();
    let mut edges = Vec::with_capacity(wanted.len());
    for (i, el) in mesh.elements.iter().enumerate() {
        for [a, m, b] in EDGES {
            if wanted.contains(&key(el[a], el[m], el[b])) {
                edges.push(LoopEdge {
                    nodes: [el[a], el[m], el[b]],
                    element: i as u32,
                });
            }
        }
    }
    if edges.len() != wanted.len() || edges.len() < 3 {
        return Err(fail(
            input,
            format!(
                "{option} {group}: the group's {} edges are not the boundary of one body \
                 ({} of them are element edges)",
                wanted.len(),
                edges.len()
            ),
        ));
    }
    // Order: each edge's end is the next one's start, all round.
    let starting: HashMap<u32, usize> = edges
        .iter()
        .enumerate()
        .map(|(i, e)| (e.nodes[0], i))
        .collect();
    let mut order = vec![0usize];
    let mut at = edges[0].nodes[2];
    while at != edges[0].nodes[0] {
        match starting.get(&at) {
            Some(&next) if order.len() < edges.len() => {
                order.push(next);
                at = edges[next].nodes[2];
            }
            _ => break,
        }
    }
    if order.len() != edges.len() || at != edges[0].nodes[0] {
        return Err(fail(
            input,
            format!(
                "{option} {group}: the group's edges do not form one closed curve round a body"
            ),
        ));
    }
    let edges: Vec<LoopEdge> = order.into_iter().map(|i| edges[i]).collect();
    let xy = |k: u32| mesh.xy[k as usize];
    // The fluid angle at each corner where edge i − 1 meets edge i.
    let n = edges.len();
    let fluid_angle = |i: usize| {
        let t_in = tangent(mesh, &edges[(i + n - 1) % n].nodes, 1.0);
        let t_out = tangent(mesh, &edges[i].nodes, -1.0);
        let cross = t_in[0] * t_out[1] - t_in[1] * t_out[0];
        let dot = t_in[0] * t_out[0] + t_in[1] * t_out[1];
        180.0 - cross.atan2(dot).to_degrees()
    };
    let te = match trailing_edge {
        TrailingEdge::NotNeeded => None,
        TrailingEdge::Near(p) => (0..n).min_by(|&a, &b| {
            let d = |i: usize| {
                let q = xy(edges[i].nodes[0]);
                (q[0] - p[0]).hypot(q[1] - p[1])
            };
            d(a).total_cmp(&d(b))
        }),
        TrailingEdge::Sharpest => {
            let sharpest = (0..n)
                .max_by(|&a, &b| fluid_angle(a).total_cmp(&fluid_angle(b)))
                .unwrap_or(0);
            let angle = fluid_angle(sharpest);
            if angle < 180.0 + crate::surface::SHARP_TURN_DEG {
                return Err(fail(
                    input,
                    format!(
                        "{option} {group}: no sharp trailing edge on the outline (the sharpest \
                         corner turns the fluid round {angle:.0}°); give one with \
                         --trailing-edge X,Y"
                    ),
                ));
            }
            Some(sharpest)
        }
    };
    let fluid_angle_deg = te.map(fluid_angle);
    let mut edges = edges;
    edges.rotate_left(te.unwrap_or(0));
    let first = xy(edges[0].nodes[0]);
    let leading_edge = farthest_point(mesh, &edges, first);
    Ok(Outline {
        fluid_angle_deg,
        edges,
        trailing_edge: te.map(|_| first),
        leading_edge,
    })
}

/// A point inside the body near its trailing edge: the midpoint of the two points of the
/// outline at arc length `distance` from the trailing edge, one on each side. For a wedge
/// or a cusp it lies on the bisector, inside.
pub fn point_behind_trailing_edge(
    mesh: &PreparedMesh,
    outline: &Outline,
    distance: f64,
) -> [f64; 2] {
    let start = mesh.xy[outline.edges[0].nodes[0] as usize];
    let walk = |nodes: &mut dyn Iterator<Item = u32>| {
        let mut last = start;
        let mut travelled = 0.0;
        for k in nodes {
            let p = mesh.xy[k as usize];
            let step = (p[0] - last[0]).hypot(p[1] - last[1]);
            if travelled + step >= distance && step > 0.0 {
                let w = (distance - travelled) / step;
                return [
                    last[0] + w * (p[0] - last[0]),
                    last[1] + w * (p[1] - last[1]),
                ];
            }
            travelled += step;
            last = p;
        }
        last
    };
    let forward = walk(&mut outline.edges.iter().flat_map(|e| [e.nodes[1], e.nodes[2]]));
    let backward = walk(
        &mut outline
            .edges
            .iter()
            .rev()
            .flat_map(|e| [e.nodes[1], e.nodes[0]]),
    );
    [
        0.5 * (forward[0] + backward[0]),
        0.5 * (forward[1] + backward[1]),
    ]
}

/// The area centroid of the outline's corner polygon.
pub fn centroid(mesh: &PreparedMesh, outline: &Outline) -> [f64; 2] {
    let pts: Vec<[f64; 2]> = outline
        .edges
        .iter()
        .flat_map(|e| [e.nodes[0], e.nodes[1]])
        .map(|k| mesh.xy[k as usize])
        .collect();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        let cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
    }
    [cx / (3.0 * a), cy / (3.0 * a)]
}

/// The point of the outline's curve farthest from `from`: each quadratic edge sampled at 65
/// points, so that a leading edge between nodes is found to a small fraction of an edge.
fn farthest_point(mesh: &PreparedMesh, edges: &[LoopEdge], from: [f64; 2]) -> [f64; 2] {
    let mut best = (f64::NEG_INFINITY, from);
    for e in edges {
        for k in 0..=64 {
            let s = -1.0 + 2.0 * k as f64 / 64.0;
            let (n, _) = edge_shape(s);
            let p = [0, 1].map(|c| {
                (0..3)
                    .map(|j| n[j] * mesh.xy[e.nodes[j] as usize][c])
                    .sum::<f64>()
            });
            let d = (p[0] - from[0]).hypot(p[1] - from[1]);
            if d > best.0 {
                best = (d, p);
            }
        }
    }
    best.1
}
