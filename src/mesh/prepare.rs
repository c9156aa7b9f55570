//! From the mesh as given to the mesh the solver works on.
//!
//! - every coordinate finite, no node repeated within an element;
//! - det J checked at the nine 3×3 Gauss points: all positive is a counter-clockwise element;
//!   all negative is a clockwise one, reoriented with [`crate::element::REVERSED`] and counted;
//!   zero or a change of sign is a degenerate or self-overlapping element, an error naming it;
//! - nodes used by no element are dropped from the unknowns (their potential is reported as 0);
//! - the remaining nodes are renumbered by reverse Cuthill-McKee ([`rcm_order`]), so that
//!   nodes sharing an element get nearby numbers whatever order the file had: the matrix
//!   becomes banded and every sweep over it walks memory almost in order.
//!
//! Elements keep the input's order, so element results need no mapping back; nodal results
//! are mapped back through [`PreparedMesh::input_node`].

use rayon::prelude::*;

use super::Mesh;
use crate::element::{det_j_at_gauss, NODES, REVERSED};
use crate::error::{Error, Result};

/// The solver's view of a mesh: used nodes only, every element counter-clockwise.
#[derive(Debug, Clone)]
pub struct PreparedMesh {
    /// Coordinates of the solver's nodes.
    pub xy: Vec<[f64; 2]>,
    /// Elements in the input's order, in solver node numbers, counter-clockwise.
    pub elements: Vec<[u32; NODES]>,
    /// Input node index of every solver node.
    pub input_node: Vec<u32>,
    /// Solver node of every input node (`u32::MAX` for unused nodes).
    pub solver_node: Vec<u32>,
    /// Number of nodes in the input, used or not.
    pub input_nodes: usize,
    /// How many elements were clockwise and have been reoriented.
    pub reoriented: usize,
    /// Which elements were clockwise in the input, to rebuild `elements` in
    /// [`PreparedMesh::restore_geometry`].
    clockwise: Vec<bool>,
}

/// How an element's det J behaves at the Gauss points.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Orientation {
    CounterClockwise,
    Clockwise,
    Degenerate { min: f64, max: f64 },
}

fn orientation(xy: &[[f64; 2]; NODES]) -> Orientation {
    let dets = det_j_at_gauss(xy);
    let min = dets.iter().copied().fold(f64::INFINITY, f64::min);
    let max = dets.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // det J is a quarter of a local area: compare it with the element's extent squared.
    let [x0, x1, y0, y1] = super::bounding_box(xy.iter().copied());
    let extent = (x1 - x0).max(y1 - y0);
    let tiny = 1e-12 * extent * extent;
    if min > tiny {
        Orientation::CounterClockwise
    } else if max < -tiny {
        Orientation::Clockwise
    } else {
        Orientation::Degenerate { min, max }
    }
}

/// Node → element adjacency in CSR form: the elements of node `i` are
/// `elems[ptr[i]..ptr[i+1]]`, ascending.
pub fn node_elements(n: usize, elements: &[[u32; NODES]]) -> (Vec<u32>, Vec<u32>) {
    node_adjacency(n, elements, |e, _| e as u32)
}

/// Node → element adjacency in CSR form with an entry of choice: node `i`'s entries are
/// `entry(e, a)` for every element e that holds it as its local node a, elements ascending,
/// in `[ptr[i]..ptr[i+1]]`.
pub fn node_adjacency(
    n: usize,
    elements: &[[u32; NODES]],
    entry: impl Fn(usize, usize) -> u32,
) -> (Vec<u32>, Vec<u32>) {
    let mut ptr = vec![0u32; n + 1];
    for el in elements {
        for &k in el {
            ptr[k as usize + 1] += 1;
        }
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    let mut fill = ptr.clone();
    let mut entries = vec![0u32; ptr[n] as usize];
    for (e, el) in elements.iter().enumerate() {
        for (a, &k) in el.iter().enumerate() {
            entries[fill[k as usize] as usize] = entry(e, a);
            fill[k as usize] += 1;
        }
    }
    (ptr, entries)
}

/// Reverse Cuthill-McKee order of the nodes used by `elements` (unused nodes are left out):
/// the returned list gives, for each new number, the old node.
///
/// Breadth-first search over "shares an element", each connected piece started from a
/// pseudo-peripheral node (the far end of a BFS from a node of least degree), neighbours
/// visited by increasing degree; the order is then reversed. Degree here is the number of
/// elements at a node, a cheap and faithful proxy for its number of neighbours.
pub fn rcm_order(n: usize, elements: &[[u32; NODES]]) -> Vec<u32> {
    let (ptr, elems) = node_elements(n, elements);
    let degree = |i: usize| ptr[i + 1] - ptr[i];
    let mut visited = vec![false; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut neighbours: Vec<u32> = Vec::new();
    // BFS from `start`, appending to `out` and marking `visited`; returns the last node reached.
    let mut bfs = |start: usize, visited: &mut [bool], out: &mut Vec<u32>| -> u32 {
        let first = out.len();
        visited[start] = true;
        out.push(start as u32);
        let mut head = first;
        while head < out.len() {
            let i = out[head] as usize;
            head += 1;
            neighbours.clear();
            for &e in &elems[ptr[i] as usize..ptr[i + 1] as usize] {
                for &k in &elements[e as usize] {
                    if !visited[k as usize] {
                        visited[k as usize] = true;
                        neighbours.push(k);
                    }
                }
            }
            neighbours.sort_unstable_by_key(|&k| (degree(k as usize), k));
            out.extend_from_slice(&neighbours);
        }
        out[out.len() - 1]
    };
    let mut scratch = Vec::new();
    let mut probed = vec![false; n];
    let mut by_degree: Vec<u32> = (0..n as u32).filter(|&i| degree(i as usize) > 0).collect();
    by_degree.sort_by_key(|&i| (degree(i as usize), i));
    for &seed in &by_degree {
        if visited[seed as usize] {
            continue;
        }
        // Pseudo-peripheral start: the last node of a BFS from the seed.
        scratch.clear();
        let far = bfs(seed as usize, &mut probed, &mut scratch);
        bfs(far as usize, &mut visited, &mut order);
    }
    order.reverse();
    order
}

/// Coordinates of the solver's nodes, `input_node[s]` being solver node s's input node.
fn solver_xy(mesh: &Mesh, input_node: &[u32]) -> Vec<[f64; 2]> {
    input_node
        .iter()
        .map(|&i| [mesh.x[i as usize], mesh.y[i as usize]])
        .collect()
}

/// The mesh's elements in solver node numbers, the clockwise ones reoriented.
fn solver_elements(mesh: &Mesh, solver_node: &[u32], clockwise: &[bool]) -> Vec<[u32; NODES]> {
    mesh.quad8
        .iter()
        .zip(clockwise)
        .map(|(el, &cw)| {
            let el = el.map(|k| solver_node[k as usize]);
            if cw {
                REVERSED.map(|k| el[k])
            } else {
                el
            }
        })
        .collect()
}

impl PreparedMesh {
    /// Validates `mesh` and builds the solver's numbering. Errors name the element or node.
    pub fn prepare(mesh: &Mesh) -> Result<Self> {
        let n = mesh.nodes();
        let src = || mesh.source.clone();
        if mesh.y.len() != n {
            return Err(Error::Mesh {
                source_name: src(),
                reason: format!("{} x values but {} y values", n, mesh.y.len()),
            });
        }
        if mesh.quad8.len() as u64 > super::MAX_ELEMENTS || n as u64 > super::MAX_NODES {
            return Err(Error::Mesh {
                source_name: src(),
                reason: format!(
                    "{} nodes and {} elements: potflow's limits are {} nodes and {} elements \
                     (32-bit indices)",
                    n,
                    mesh.quad8.len(),
                    super::MAX_NODES,
                    super::MAX_ELEMENTS
                ),
            });
        }
        if mesh.quad8.is_empty() {
            return Err(Error::Mesh {
                source_name: src(),
                reason: "the mesh has no elements".into(),
            });
        }
        if let Some(i) = (0..n).find(|&i| !mesh.x[i].is_finite() || !mesh.y[i].is_finite()) {
            return Err(Error::Mesh {
                source_name: src(),
                reason: format!(
                    "node {i} has a non-finite coordinate ({}, {})",
                    mesh.x[i], mesh.y[i]
                ),
            });
        }
        for (e, el) in mesh.quad8.iter().enumerate() {
            if let Some(&bad) = el.iter().find(|&&k| k as usize >= n) {
                return Err(Error::Element {
                    source_name: src(),
                    element: e,
                    reason: format!("node index {bad} is outside 0..{n}"),
                });
            }
            for a in 0..NODES {
                if el[a + 1..].contains(&el[a]) {
                    return Err(Error::Element {
                        source_name: src(),
                        element: e,
                        reason: format!("node {} appears more than once in {:?}", el[a], el),
                    });
                }
            }
        }

        let orientations: Vec<Orientation> = (0..mesh.elements())
            .into_par_iter()
            .map(|e| orientation(&mesh.element_xy(e)))
            .collect();
        if let Some((e, Orientation::Degenerate { min, max })) = orientations
            .iter()
            .enumerate()
            .find(|(_, o)| matches!(o, Orientation::Degenerate { .. }))
        {
            return Err(Error::Element {
                source_name: src(),
                element: e,
                reason: format!(
                    "degenerate or self-overlapping: det J ranges from {min:.3e} to {max:.3e} over \
                     its Gauss points (it must keep one sign and not vanish); nodes {:?}",
                    mesh.quad8[e]
                ),
            });
        }

        // Used nodes in reverse Cuthill-McKee order.
        let input_node = rcm_order(n, &mesh.quad8);
        let mut solver_node = vec![u32::MAX; n];
        for (s, &i) in input_node.iter().enumerate() {
            solver_node[i as usize] = s as u32;
        }
        let xy = solver_xy(mesh, &input_node);
        let clockwise: Vec<bool> = orientations
            .iter()
            .map(|o| *o == Orientation::Clockwise)
            .collect();
        let elements = solver_elements(mesh, &solver_node, &clockwise);
        Ok(PreparedMesh {
            xy,
            elements,
            input_node,
            solver_node,
            input_nodes: n,
            reoriented: clockwise.iter().filter(|&&c| c).count(),
            clockwise,
        })
    }

    /// Frees the coordinates and the elements (at 2M nodes 54 MB) while the solver does not
    /// need them: between the assembly and the post stage, where the linear solver's set-up and
    /// iterations make the run's memory peak. [`PreparedMesh::restore_geometry`] rebuilds them.
    pub fn set_geometry_aside(&mut self) {
        self.xy = Vec::new();
        self.elements = Vec::new();
    }

    /// Rebuilds, exactly, what [`PreparedMesh::set_geometry_aside`] freed, from the mesh
    /// this was prepared from.
    pub fn restore_geometry(&mut self, mesh: &Mesh) {
        self.xy = solver_xy(mesh, &self.input_node);
        self.elements = solver_elements(mesh, &self.solver_node, &self.clockwise);
    }

    /// Number of solver nodes (the used ones).
    pub fn nodes(&self) -> usize {
        self.input_node.len()
    }

    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.clockwise.len()
    }

    /// Input nodes used by no element.
    pub fn unused_nodes(&self) -> usize {
        self.input_nodes - self.nodes()
    }

    /// Coordinates of element `e`'s nodes, counter-clockwise.
    pub fn element_xy(&self, e: usize) -> [[f64; 2]; NODES] {
        self.elements[e].map(|k| self.xy[k as usize])
    }

    /// A nodal field in the input's node order; unused nodes get 0, as in the reference.
    pub fn to_input_order(&self, field: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.input_nodes];
        for (s, &i) in self.input_node.iter().enumerate() {
            out[i as usize] = field[s];
        }
        out
    }

    /// Per element, min det J / max det J over the nine Gauss points: 1 for a parallelogram,
    /// towards 0 as the element distorts (the usual Jacobian-ratio quality measure).
    pub fn jacobian_ratios(&self) -> Vec<f64> {
        (0..self.elements())
            .into_par_iter()
            .map(|e| {
                let d = det_j_at_gauss(&self.element_xy(e));
                let (lo, hi) = d.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
                lo / hi
            })
            .collect()
    }

    /// Bounding box `[xmin, xmax, ymin, ymax]` of the solver's nodes.
    pub fn bounding_box(&self) -> [f64; 4] {
        super::bounding_box(self.xy.iter().copied())
    }
}
