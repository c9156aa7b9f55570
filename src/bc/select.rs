//! Where a boundary is: a [`BoundarySpec`] (a coordinate rule or a group) and the nodes and
//! edges it selects on a mesh ([`BoundaryPart`]).

use crate::element::EDGES;
use crate::error::{Error, Result};
use crate::mesh::{BoundaryGroup, PreparedMesh};

/// Where a boundary is: an extreme of the bounding box, or a named group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundarySpec {
    XMin,
    XMax,
    YMin,
    YMax,
    Group(String),
}

impl std::str::FromStr for BoundarySpec {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "xmin" => BoundarySpec::XMin,
            "xmax" => BoundarySpec::XMax,
            "ymin" => BoundarySpec::YMin,
            "ymax" => BoundarySpec::YMax,
            name => BoundarySpec::Group(name.to_string()),
        })
    }
}

impl std::fmt::Display for BoundarySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoundarySpec::XMin => f.write_str("xmin"),
            BoundarySpec::XMax => f.write_str("xmax"),
            BoundarySpec::YMin => f.write_str("ymin"),
            BoundarySpec::YMax => f.write_str("ymax"),
            BoundarySpec::Group(n) => write!(f, "group \"{n}\""),
        }
    }
}

/// The coordinate rules' tolerance in metres: `relative` times the bounding box's larger
/// side, and never below a few units in the last place of the coordinates (a mesh far from
/// the origin has no finer resolution).
pub fn absolute_tolerance(mesh: &PreparedMesh, relative: f64) -> f64 {
    let [x0, x1, y0, y1] = mesh.bounding_box();
    let extent = (x1 - x0).max(y1 - y0);
    let magnitude = [x0, x1, y0, y1].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    (relative * extent).max(8.0 * f64::EPSILON * magnitude)
}

/// Checks that every line of a group (solver numbering in `edges`, input numbering in
/// `input` for messages) is an element edge, its middle node in the middle, and lies on the
/// boundary (an edge of exactly one element).
fn check_group_edges(
    mesh: &PreparedMesh,
    name: &str,
    input: &[[u32; 3]],
    edges: &[[u32; 3]],
) -> std::result::Result<(), String> {
    let key = |a: u32, b: u32| ((a.min(b) as u64) << 32) | a.max(b) as u64;
    let mut in_group = vec![false; mesh.nodes()];
    for &k in edges.iter().flatten() {
        in_group[k as usize] = true;
    }
    // Element edges between group nodes: (ends) -> (middle node, elements sharing it).
    let mut element_edges: std::collections::HashMap<u64, (u32, u32)> =
        std::collections::HashMap::new();
    for el in &mesh.elements {
        for e in EDGES {
            let [a, m, b] = e.map(|k| el[k]);
            if in_group[a as usize] && in_group[b as usize] {
                element_edges.entry(key(a, b)).or_insert((m, 0)).1 += 1;
            }
        }
    }
    for (line, &[a, m, b]) in input.iter().zip(edges) {
        match element_edges.get(&key(a, b)) {
            Some(&(mid, 1)) if mid == m && a != b => {}
            Some(&(mid, _)) if mid == m && a != b => {
                return Err(format!(
                    "group \"{name}\": the line through nodes {line:?} runs inside the domain \
                     (two elements share it); an inlet or outlet must lie on the boundary"
                ))
            }
            _ => {
                return Err(format!(
                    "group \"{name}\": the line through nodes {line:?} is not an element edge \
                     with its middle node in the middle (lines are end, middle, end)"
                ))
            }
        }
    }
    Ok(())
}

/// One side of the boundary as found: its nodes and its edges (solver numbering).
#[derive(Debug, Clone, Default)]
pub struct BoundaryPart {
    pub nodes: Vec<u32>,
    pub edges: Vec<[u32; 3]>,
}

impl BoundarySpec {
    /// The default inlet: the group named `inlet` when the mesh has one, else the reference's
    /// rule x = xmin.
    pub fn default_inlet(groups: &[BoundaryGroup]) -> Self {
        Self::group_or(groups, "inlet", BoundarySpec::XMin)
    }

    /// The default outlet: the group named `outlet` when the mesh has one, else x = xmax.
    pub fn default_outlet(groups: &[BoundaryGroup]) -> Self {
        Self::group_or(groups, "outlet", BoundarySpec::XMax)
    }

    fn group_or(groups: &[BoundaryGroup], name: &str, rule: BoundarySpec) -> Self {
        if groups.iter().any(|g| g.name == name) {
            BoundarySpec::Group(name.to_string())
        } else {
            rule
        }
    }

    /// The nodes and edges this spec selects on `mesh`.
    pub fn select(
        &self,
        mesh: &PreparedMesh,
        groups: &[BoundaryGroup],
        source: &str,
        tol: f64,
    ) -> Result<BoundaryPart> {
        let [xmin, xmax, ymin, ymax] = mesh.bounding_box();
        let (axis, target) = match self {
            BoundarySpec::XMin => (0, xmin),
            BoundarySpec::XMax => (0, xmax),
            BoundarySpec::YMin => (1, ymin),
            BoundarySpec::YMax => (1, ymax),
            BoundarySpec::Group(name) => {
                let group = groups.iter().find(|g| &g.name == name).ok_or_else(|| Error::Mesh {
                    source_name: source.into(),
                    reason: if groups.is_empty() {
                        format!("no boundary group \"{name}\": the mesh has no named groups (use xmin, xmax, ymin or ymax)")
                    } else {
                        format!(
                            "no boundary group \"{name}\"; the groups are: {}",
                            groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    },
                })?;
                let mut edges = Vec::with_capacity(group.edges.len());
                for e in &group.edges {
                    let mapped = e.map(|k| {
                        mesh.solver_node
                            .get(k as usize)
                            .copied()
                            .unwrap_or(u32::MAX)
                    });
                    if mapped.contains(&u32::MAX) {
                        return Err(Error::Mesh {
                            source_name: source.into(),
                            reason: format!("group \"{name}\" has an edge {e:?} whose nodes belong to no element"),
                        });
                    }
                    edges.push(mapped);
                }
                check_group_edges(mesh, name, &group.edges, &edges).map_err(|reason| {
                    Error::Mesh {
                        source_name: source.into(),
                        reason,
                    }
                })?;
                let mut nodes: Vec<u32> = edges.iter().flatten().copied().collect();
                nodes.sort_unstable();
                nodes.dedup();
                return Ok(BoundaryPart { nodes, edges });
            }
        };
        let tol = absolute_tolerance(mesh, tol);
        let nodes: Vec<u32> = (0..mesh.nodes() as u32)
            .filter(|&i| (mesh.xy[i as usize][axis] - target).abs() < tol)
            .collect();
        let mut on = vec![false; mesh.nodes()];
        for &i in &nodes {
            on[i as usize] = true;
        }
        Ok(BoundaryPart {
            edges: edges_where(mesh, &on),
            nodes,
        })
    }
}

/// The inlet and outlet found on a mesh.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// How the inlet was selected.
    pub inlet_spec: BoundarySpec,
    /// How the outlet was selected.
    pub outlet_spec: BoundarySpec,
    /// Solver nodes on the inlet line.
    pub inlet_nodes: Vec<u32>,
    /// Inlet edges as solver nodes (end, mid, end).
    pub inlet_edges: Vec<[u32; 3]>,
    /// Solver nodes on the outlet line.
    pub outlet_nodes: Vec<u32>,
}

/// Element edges whose three nodes all satisfy `on`.
pub fn edges_where(mesh: &PreparedMesh, on: &[bool]) -> Vec<[u32; 3]> {
    mesh.elements
        .iter()
        .flat_map(|el| EDGES.iter().map(move |e| e.map(|k| el[k])))
        .filter(|e| e.iter().all(|&k| on[k as usize]))
        .collect()
}

impl Boundary {
    /// The reference's rule: inlet at x = xmin, outlet at x = xmax, within `tol`.
    pub fn by_x_extremes(mesh: &PreparedMesh, source: &str, tol: f64) -> Result<Self> {
        Self::from_specs(
            mesh,
            &[],
            &BoundarySpec::XMin,
            &BoundarySpec::XMax,
            source,
            tol,
        )
    }

    /// Inlet and outlet as `inlet` and `outlet` select them. The inlet needs at least one
    /// edge (a flux enters through edges), the outlet at least one node.
    pub fn from_specs(
        mesh: &PreparedMesh,
        groups: &[BoundaryGroup],
        inlet: &BoundarySpec,
        outlet: &BoundarySpec,
        source: &str,
        tol: f64,
    ) -> Result<Self> {
        let i = inlet.select(mesh, groups, source, tol)?;
        let o = outlet.select(mesh, groups, source, tol)?;
        if i.edges.is_empty() {
            return Err(Error::NoBoundary {
                source_name: source.into(),
                which: "inlet",
                rule: format!(
                    "{inlet}: no element edge has all three nodes on it ({} node(s) within {tol:e})",
                    i.nodes.len()
                ),
            });
        }
        let inlet_set: std::collections::HashSet<u32> = i.nodes.iter().copied().collect();
        if o.nodes.is_empty() || o.nodes.iter().all(|n| inlet_set.contains(n)) {
            return Err(Error::NoBoundary {
                source_name: source.into(),
                which: "outlet",
                rule: format!("{outlet}: no node found apart from the inlet's (tolerance {tol:e})"),
            });
        }
        Ok(Boundary {
            inlet_spec: inlet.clone(),
            outlet_spec: outlet.clone(),
            inlet_nodes: i.nodes,
            inlet_edges: i.edges,
            outlet_nodes: o.nodes,
        })
    }
}
