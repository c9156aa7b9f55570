//! Boundary conditions.
//!
//! Where the inlet and the outlet are is a [`BoundarySpec`]: a coordinate rule (`xmin`,
//! `xmax`, `ymin`, `ymax`: nodes within tol of that extreme of the bounding box, the
//! reference's rule being inlet = xmin, outlet = xmax) or the name of a boundary group of the
//! mesh (a Gmsh physical curve).
//!
//! - **Inlet** (natural, Robin): with a coordinate rule, an element edge (end, mid, end)
//!   is an inlet edge when its three nodes are inlet nodes; with a group, the group's edges.
//!   Each inlet edge receives
//!   `Hₑ = p ∫ N Nᵀ ds` into the matrix and `Pₑ = γ ∫ N ds` into the right-hand side
//!   ([`crate::element::robin_edge`]); the reference uses p = 0, γ = the inflow velocity.
//! - **Outlet** (essential): nodes with |x − xmax| < tol get u = 0, imposed exactly by
//!   elimination: a Dirichlet row keeps its diagonal `Kᵢᵢ` and gets `bᵢ = Kᵢᵢ gᵢ`; its column is
//!   moved to the right-hand side (`bⱼ −= Kⱼᵢ gᵢ`) and zeroed. The matrix stays symmetric
//!   positive definite and `u = g` holds exactly on those nodes.
//! - **Conditions by group** (`--bc`, [`GroupCondition`]): the same two mechanisms on any
//!   number of groups: `velocity:V` is an inlet with γ = V, `potential:U` and `stream:U@A`
//!   fix u by elimination (to U, or to the stream's potential at each node). The flux through
//!   each is its Robin load or the sum of its nodes' reactions ([`DirichletRows::reactions`]).
//! - Every connected piece of the mesh must hold a Dirichlet node, else the system is singular.

use rayon::prelude::*;

use crate::assembly::pattern::split_lengths;
use crate::assembly::Matrix;
use crate::element::{robin_edge, EDGES, NODES};
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

/// Adds the Robin terms of `edges` into the matrix values and the right-hand side (the inflow
/// they carry, which depends on u when p > 0, is [`robin_inflow`]).
pub fn apply_robin(
    mesh: &PreparedMesh,
    a: &mut Matrix,
    b: &mut [f64],
    edges: &[[u32; 3]],
    p: f64,
    gamma: f64,
) {
    let mut updates = Vec::new();
    for edge in edges {
        let xy = edge.map(|k| mesh.xy[k as usize]);
        let (h, f) = robin_edge(&xy, p, gamma);
        for r in 0..3 {
            b[edge[r] as usize] += f[r];
            if p != 0.0 {
                for c in 0..3 {
                    // Edge nodes share an element, so the matrix has every pair.
                    if let Some(pos) = position(a, edge[r] as usize, edge[c]) {
                        updates.push((pos, h[r][c]));
                    }
                }
            }
        }
    }
    let values = a.data_mut();
    for (pos, v) in updates {
        values[pos] += v;
    }
}

/// Where entry (row, col) lies in the matrix's value array, if it is stored.
fn position(a: &Matrix, row: usize, col: u32) -> Option<usize> {
    let indptr = a.indptr();
    let (s, e) = (indptr.index(row) as usize, indptr.index(row + 1) as usize);
    a.indices()[s..e].binary_search(&col).ok().map(|p| s + p)
}

/// The volume inflow through the Robin edges once u is known: `Σₑ 1ᵀ(Pₑ − Hₑ uₑ)`, the
/// integral of ∂u/∂n = γ − p u over the inlet (per unit depth). With p = 0 it is `Σ Pₑ`.
pub fn robin_inflow(mesh: &PreparedMesh, edges: &[[u32; 3]], p: f64, gamma: f64, u: &[f64]) -> f64 {
    edges
        .iter()
        .map(|edge| {
            let (h, f) = robin_edge(&edge.map(|k| mesh.xy[k as usize]), p, gamma);
            (0..3)
                .map(|r| f[r] - (0..3).map(|c| h[r][c] * u[edge[c] as usize]).sum::<f64>())
                .sum::<f64>()
        })
        .sum()
}

/// What elimination removed from the Dirichlet rows, kept to compute the boundary reaction
/// (the flux through the Dirichlet boundary) after the solve.
#[derive(Debug, Clone, Default)]
pub struct DirichletRows {
    /// (row, original entries as (column, value)) for every Dirichlet node.
    rows: Vec<(u32, Vec<(u32, f64)>)>,
}

/// Imposes `u[nodes[k]] = values[k]` exactly by elimination (see the module docs).
pub fn apply_dirichlet(
    a: &mut Matrix,
    b: &mut [f64],
    nodes: &[u32],
    values: &[f64],
) -> DirichletRows {
    let n = a.rows();
    let mut g = vec![f64::NAN; n];
    for (&i, &v) in nodes.iter().zip(values) {
        g[i as usize] = v;
    }
    let (ap, ai, ax) = (a.indptr().into_raw_storage(), a.indices(), a.data());
    let saved = DirichletRows {
        rows: nodes
            .iter()
            .map(|&i| {
                let (s, e) = (ap[i as usize] as usize, ap[i as usize + 1] as usize);
                (i, (s..e).map(|k| (ai[k], ax[k])).collect())
            })
            .collect(),
    };
    // The matrix taken apart, so that rows can be updated in place, blocks of rows in
    // parallel, without copying its pattern.
    let shape = a.shape();
    let (indptr, indices, mut data) = std::mem::replace(a, Matrix::zero((0, 0))).into_raw_storage();
    const ROWS: usize = 4096;
    let lengths = (0..n.div_ceil(ROWS))
        .map(|blk| (indptr[((blk + 1) * ROWS).min(n)] - indptr[blk * ROWS]) as usize);
    split_lengths(&mut data, lengths)
        .into_par_iter()
        .zip(b.par_chunks_mut(ROWS))
        .enumerate()
        .for_each(|(blk, (block_values, block_b))| {
            let offset = indptr[blk * ROWS] as usize;
            for (k, bi) in block_b.iter_mut().enumerate() {
                let i = blk * ROWS + k;
                let (s, e) = (indptr[i] as usize, indptr[i + 1] as usize);
                let (cols, row) = (&indices[s..e], &mut block_values[s - offset..e - offset]);
                if !g[i].is_nan() {
                    let mut diag = 0.0;
                    for (v, &c) in row.iter_mut().zip(cols) {
                        if c as usize == i {
                            diag = *v;
                        } else {
                            *v = 0.0;
                        }
                    }
                    *bi = diag * g[i];
                } else {
                    for (v, &c) in row.iter_mut().zip(cols) {
                        let gc = g[c as usize];
                        if !gc.is_nan() {
                            *bi -= *v * gc;
                            *v = 0.0;
                        }
                    }
                }
            }
        });
    *a = Matrix::new(shape, indptr, indices, data);
    saved
}

/// Checks that every connected piece of the mesh holds at least one Dirichlet node.
pub fn check_pieces_anchored(mesh: &PreparedMesh, dirichlet: &[u32]) -> Result<()> {
    let mut parent = pieces(mesh);
    let mut anchored = vec![false; mesh.nodes()];
    for &d in dirichlet {
        let r = find(&mut parent, d);
        anchored[r as usize] = true;
    }
    for (e, el) in mesh.elements.iter().enumerate() {
        let r = find(&mut parent, el[0]);
        if !anchored[r as usize] {
            let size = (0..mesh.nodes() as u32)
                .filter(|&i| find(&mut parent, i) == r)
                .count();
            return Err(Error::Singular {
                source_name: String::new(),
                reason: format!(
                    "the mesh piece containing element {e} ({size} nodes) touches no outlet node, \
                     so its potential is undetermined"
                ),
            });
        }
    }
    Ok(())
}

fn find(p: &mut [u32], mut i: u32) -> u32 {
    while p[i as usize] != i {
        p[i as usize] = p[p[i as usize] as usize];
        i = p[i as usize];
    }
    i
}

/// Union-find over nodes, joined through elements: nodes of one connected piece share a root.
fn pieces(mesh: &PreparedMesh) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..mesh.nodes() as u32).collect();
    for el in &mesh.elements {
        let r0 = find(&mut parent, el[0]);
        for &k in &el[1..NODES] {
            let r = find(&mut parent, k);
            parent[r as usize] = r0;
        }
    }
    parent
}

/// The first node of every connected piece of the mesh.
pub fn piece_representatives(mesh: &PreparedMesh) -> Vec<u32> {
    let mut parent = pieces(mesh);
    let mut seen = std::collections::HashSet::new();
    (0..mesh.nodes() as u32)
        .filter(|&i| seen.insert(find(&mut parent, i)))
        .collect()
}

/// What a boundary condition imposes on its part of the boundary (`--bc NAME=KIND:VALUE`).
///
/// ```text
/// velocity:V     inflow normal velocity V (m/s): ∂u/∂n = V, a flux V per unit length in
/// potential:U    u = U (m²/s)
/// stream:U@A     u = −U (x cos A + y sin A): the potential of a uniform stream of speed U (m/s)
///                in the direction A (degrees, default 0), for far-field boundaries
/// ```
///
/// With v = −∇u, velocity:V makes v · n = −V on the boundary (n outward): V > 0 flows in.
/// Walls are every boundary edge without a condition (∂u/∂n = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    Velocity(f64),
    Potential(f64),
    Stream { speed: f64, angle_deg: f64 },
}

impl Condition {
    /// The imposed u at a point, for the essential conditions.
    pub fn potential_at(&self, [x, y]: [f64; 2]) -> Option<f64> {
        match *self {
            Condition::Velocity(_) => None,
            Condition::Potential(u) => Some(u),
            Condition::Stream { speed, angle_deg } => {
                let a = angle_deg.to_radians();
                Some(-speed * (x * a.cos() + y * a.sin()))
            }
        }
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Velocity(v) => write!(f, "velocity:{v}"),
            Condition::Potential(u) => write!(f, "potential:{u}"),
            Condition::Stream { speed, angle_deg } => write!(f, "stream:{speed}@{angle_deg}"),
        }
    }
}

/// One `--bc`: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCondition {
    pub on: BoundarySpec,
    pub condition: Condition,
}

impl std::str::FromStr for GroupCondition {
    type Err = String;

    /// `NAME=velocity:V`, `NAME=potential:U`, `NAME=stream:U` or `NAME=stream:U@ANGLE`; NAME is
    /// a boundary group or xmin, xmax, ymin, ymax.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let usage = "expected NAME=velocity:V, NAME=potential:U or NAME=stream:U[@ANGLE]";
        let (name, rest) = s.split_once('=').ok_or_else(|| format!("`{s}`: {usage}"))?;
        let (kind, value) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{s}`: {usage}"))?;
        if name.is_empty() {
            return Err(format!("`{s}`: the boundary name is empty"));
        }
        let number = |v: &str, what: &str| -> std::result::Result<f64, String> {
            match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= 1e12 => Ok(x),
                _ => Err(format!(
                    "`{s}`: {what} `{v}` is not a finite number of at most 1e12"
                )),
            }
        };
        let condition = match kind {
            "velocity" => Condition::Velocity(number(value, "the velocity")?),
            "potential" => Condition::Potential(number(value, "the potential")?),
            "stream" => {
                let (speed, angle) = match value.split_once('@') {
                    Some((u, a)) => (number(u, "the speed")?, number(a, "the angle")?),
                    None => (number(value, "the speed")?, 0.0),
                };
                Condition::Stream {
                    speed,
                    angle_deg: angle,
                }
            }
            other => return Err(format!("`{s}`: unknown condition `{other}`; {usage}")),
        };
        Ok(GroupCondition {
            on: name
                .parse()
                .unwrap_or_else(|e: std::convert::Infallible| match e {}),
            condition,
        })
    }
}

/// A condition with the part of the boundary it selects.
#[derive(Debug, Clone)]
pub struct AppliedCondition {
    pub on: BoundarySpec,
    pub condition: Condition,
    pub part: BoundaryPart,
}

/// The essential (Dirichlet) nodes of `applied`, each once, as (node, value, index of the
/// first condition that fixes it). A node that two conditions fix to values differing by more
/// than round-off is an error naming both.
pub fn essential_nodes(
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    source: &str,
) -> Result<Vec<(u32, f64, usize)>> {
    let mut value: Vec<Option<(f64, usize)>> = vec![None; mesh.nodes()];
    for (c, a) in applied.iter().enumerate() {
        for &k in &a.part.nodes {
            let Some(u) = a.condition.potential_at(mesh.xy[k as usize]) else {
                continue;
            };
            match value[k as usize] {
                Some((v, other)) if (v - u).abs() > 1e-9 * v.abs().max(u.abs()).max(1.0) => {
                    let [x, y] = mesh.xy[k as usize];
                    return Err(Error::Mesh {
                        source_name: source.into(),
                        reason: format!(
                            "the node at ({x}, {y}) lies on {} ({}) and on {} ({}), which fix u to \
                             {v} and {u}",
                            applied[other].on, applied[other].condition, a.on, a.condition
                        ),
                    });
                }
                Some(_) => {}
                None => value[k as usize] = Some((u, c)),
            }
        }
    }
    Ok(value
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|(u, c)| (k as u32, u, c)))
        .collect())
}

impl DirichletRows {
    /// The flux entering the domain through each Dirichlet node: `(K u − f)ᵢ` with the
    /// original row of K and `f` the natural load on that row (what elimination removed),
    /// given node by node in the order the nodes were eliminated.
    pub fn reactions(&self, u: &[f64], load: &[f64]) -> Vec<(u32, f64)> {
        self.rows
            .iter()
            .zip(load)
            .map(|((i, row), f)| {
                let ku: f64 = row.iter().map(|&(j, v)| v * u[j as usize]).sum();
                (*i, ku - f)
            })
            .collect()
    }
}
