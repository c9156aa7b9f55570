//! The `bc` stage: the options' one list of conditions, found on the mesh, imposed on the
//! system, and the flux through each once u is known.

use std::collections::HashMap;

use super::apply::{apply_dirichlet, apply_robin, robin_inflow, DirichletRows};
use super::conditions::{essential_nodes, AppliedCondition, Condition, GroupCondition};
use super::select::{Boundary, BoundaryPart, BoundarySpec};
use crate::error::{Error, Result};
use crate::mesh::pieces::check_pieces_anchored;
use crate::mesh::{BoundaryGroup, PreparedMesh};
use crate::sparse::Matrix;

/// The boundary options of a solve.
#[derive(Debug, Clone)]
pub struct BoundaryOptions {
    /// Where the inflow enters; `None`: the mesh's group `inlet` if it has one, else the
    /// reference's rule x = xmin ([`BoundarySpec::default_inlet`]).
    pub inlet: Option<BoundarySpec>,
    /// Where u = 0; `None`: the mesh's group `outlet` if it has one, else x = xmax.
    pub outlet: Option<BoundarySpec>,
    /// Inflow velocity γ through the inlet edges in m/s (the reference's 2.5): ∂u/∂n = γ with
    /// n the outward normal, so v·(−n) = γ since v = −∇u. The volume inflow per unit depth is
    /// γ times the inlet's length (m²/s). Not used under `--bc`.
    pub inlet_velocity: f64,
    /// Robin coefficient p on the inlet edges (0: pure flux, the reference's use).
    pub robin_p: f64,
    /// Tolerance of the coordinate rules, relative to the mesh's larger side
    /// ([`super::absolute_tolerance`]).
    pub bc_tol: f64,
    /// Boundary conditions by group (`--bc`); empty: the inlet and the outlet above.
    pub conditions: Vec<GroupCondition>,
}

impl Default for BoundaryOptions {
    fn default() -> Self {
        BoundaryOptions {
            inlet: None,
            outlet: None,
            inlet_velocity: 2.5,
            robin_p: 0.0,
            bc_tol: 1e-9,
            conditions: Vec::new(),
        }
    }
}

/// The conditions of a run, built once: what bc imposes, what the surfaces, the summary, the
/// report and the HDF5 attributes read.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    /// Every condition, in the order they are applied: the `--bc` ones, or the inlet
    /// (`velocity:γ`) and the outlet (`potential:0`).
    pub list: Vec<GroupCondition>,
    /// Whether they came from `--bc`.
    pub by_group: bool,
    /// The Robin coefficient p on the velocity conditions' edges.
    pub robin_p: f64,
}

impl BoundaryOptions {
    /// The conditions for a mesh with `groups`: the `--bc` list, or the inlet and the outlet
    /// (the options' own, or the defaults: groups `inlet`/`outlet` where the mesh has them,
    /// else xmin/xmax).
    pub fn conditions(&self, groups: &[BoundaryGroup]) -> Conditions {
        let by_group = !self.conditions.is_empty();
        let list = if by_group {
            self.conditions.clone()
        } else {
            let inlet = self
                .inlet
                .clone()
                .unwrap_or_else(|| BoundarySpec::default_inlet(groups));
            let outlet = self
                .outlet
                .clone()
                .unwrap_or_else(|| BoundarySpec::default_outlet(groups));
            vec![
                GroupCondition {
                    on: inlet,
                    condition: Condition::Velocity(self.inlet_velocity),
                },
                GroupCondition {
                    on: outlet,
                    condition: Condition::Potential(0.0),
                },
            ]
        };
        Conditions {
            list,
            by_group,
            robin_p: self.robin_p,
        }
    }
}

impl Conditions {
    /// The inlet's velocity γ of a run without `--bc` (`None` under `--bc`, where no single
    /// inlet velocity applies).
    pub fn inlet_velocity(&self) -> Option<f64> {
        match self.list.first() {
            Some(GroupCondition {
                condition: Condition::Velocity(v),
                ..
            }) if !self.by_group => Some(*v),
            _ => None,
        }
    }

    /// The condition on `spec`, if one holds there.
    pub fn on(&self, spec: &BoundarySpec) -> Option<Condition> {
        self.list
            .iter()
            .find(|c| &c.on == spec)
            .map(|c| c.condition)
    }
}

/// Finds every condition's part of the boundary on `mesh`. Without `--bc` the inlet needs an
/// edge and the outlet a node of its own; with it, every condition needs nodes (a velocity,
/// edges) and one must fix u. Every mesh piece must hold a node where u is fixed.
pub fn find(
    conditions: &Conditions,
    mesh: &PreparedMesh,
    groups: &[BoundaryGroup],
    source: &str,
    tol: f64,
) -> Result<Vec<AppliedCondition>> {
    // The inlet and the outlet of a run without --bc (BoundaryOptions::conditions makes
    // exactly these two), with their own checks; any other list is taken group by group.
    if let (false, [inlet, outlet]) = (conditions.by_group, &conditions.list[..]) {
        let b = Boundary::from_specs(mesh, groups, &inlet.on, &outlet.on, source, tol)?;
        check_pieces_anchored(mesh, &b.outlet_nodes).map_err(|e| e.in_mesh(source))?;
        return Ok(vec![
            AppliedCondition {
                on: b.inlet_spec,
                condition: inlet.condition,
                part: BoundaryPart {
                    nodes: b.inlet_nodes,
                    edges: b.inlet_edges,
                },
            },
            AppliedCondition {
                on: b.outlet_spec,
                condition: outlet.condition,
                part: BoundaryPart {
                    nodes: b.outlet_nodes,
                    edges: Vec::new(),
                },
            },
        ]);
    }
    let mut applied = Vec::with_capacity(conditions.list.len());
    for gc in &conditions.list {
        let part = gc.on.select(mesh, groups, source, tol)?;
        let velocity = matches!(gc.condition, Condition::Velocity(_));
        if part.nodes.is_empty() || (velocity && part.edges.is_empty()) {
            return Err(Error::NoBoundary {
                source_name: source.into(),
                which: "boundary",
                rule: format!(
                    "--bc {}: {} node(s) and no element edge found there",
                    gc.on,
                    part.nodes.len()
                ),
            });
        }
        applied.push(AppliedCondition {
            on: gc.on.clone(),
            condition: gc.condition,
            part,
        });
    }
    let essential = essential_nodes(mesh, &applied, source)?;
    if essential.is_empty() {
        return Err(Error::Mesh {
            source_name: source.into(),
            reason: "no --bc fixes u (potential:U or stream:U): with velocities alone the \
                     potential is determined only up to a constant"
                .into(),
        });
    }
    let nodes: Vec<u32> = essential.iter().map(|e| e.0).collect();
    check_pieces_anchored(mesh, &nodes).map_err(|e| e.in_mesh(source))?;
    Ok(applied)
}

/// What the `bc` stage keeps to compute the boundary fluxes once u is known.
pub struct Imposed {
    /// The natural load on the eliminated rows: the right-hand side there before elimination.
    load: Vec<f64>,
    /// The eliminated rows.
    dirichlet: DirichletRows,
    /// Each essential node with the index of the condition that fixed it.
    owners: Vec<(u32, usize)>,
    robin_p: f64,
}

/// Imposes `applied` on the system: the inflow of every velocity condition on its edges, then
/// the essential conditions by elimination.
pub fn impose(
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    robin_p: f64,
    matrix: &mut Matrix,
    rhs: &mut [f64],
    source: &str,
) -> Result<Imposed> {
    for a in applied {
        if let Condition::Velocity(v) = a.condition {
            apply_robin(mesh, matrix, rhs, &a.part.edges, robin_p, v);
        }
    }
    let essential = essential_nodes(mesh, applied, source)?;
    let nodes: Vec<u32> = essential.iter().map(|e| e.0).collect();
    let values: Vec<f64> = essential.iter().map(|e| e.1).collect();
    let load = nodes.iter().map(|&i| rhs[i as usize]).collect();
    let dirichlet = apply_dirichlet(matrix, rhs, &nodes, &values);
    Ok(Imposed {
        load,
        dirichlet,
        owners: essential.iter().map(|e| (e.0, e.2)).collect(),
        robin_p,
    })
}

/// The boundary as found and the flux through it (volume rates per unit depth, m²/s).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BoundaryReport {
    /// The inlet as selected: `xmin`, `group "inlet"`, ...
    pub inlet: String,
    /// The outlet as selected.
    pub outlet: String,
    pub inlet_nodes: usize,
    pub inlet_edges: usize,
    pub outlet_nodes: usize,
    /// Flux entering through the inlet: Σ Pₑ, less Σ Hₑ u with a Robin term.
    pub inflow: f64,
    /// Flux leaving through the outlet: the Dirichlet reaction.
    pub outflow: f64,
    /// Whether the conditions came from `--bc` ([`Conditions::by_group`]).
    pub by_group: bool,
    /// Every condition with the flux through its part of the boundary; with `--bc` the
    /// fields above sum the velocity conditions (inlet) and the essential ones (outlet).
    pub groups: Vec<GroupFlux>,
}

/// One boundary condition and the volume flux through it (m²/s per unit depth).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GroupFlux {
    /// Where: `group "farfield"`, `xmin`, ...
    pub on: String,
    /// What: `velocity:2.5`, `potential:0`, `stream:1@0`.
    pub condition: String,
    pub nodes: usize,
    pub edges: usize,
    /// Flux into the domain through it (negative: out of it). The inflows of all conditions
    /// sum to zero up to the CG tolerance: walls carry none.
    pub inflow: f64,
}

impl Imposed {
    /// The eliminated rows, for another right-hand side on the same matrix.
    pub fn dirichlet(&self) -> &DirichletRows {
        &self.dirichlet
    }

    /// Adds `scale` times `extra` (a load on every node) to the natural load of the eliminated
    /// rows, so that the reactions count it: a cut's jumps load the far field's rows.
    pub fn add_load(&mut self, extra: &[f64], scale: f64) {
        for (f, i) in self.load.iter_mut().zip(self.dirichlet.nodes()) {
            *f += scale * extra[i as usize];
        }
    }

    /// The Robin coefficient the velocity conditions put into the matrix.
    pub fn robin_p(&self) -> f64 {
        self.robin_p
    }

    /// The stiffness matrix K as assembled, from the matrix the conditions were imposed on
    /// (`a`, same pattern): the eliminated rows and columns put back, the Robin terms of the
    /// velocity conditions taken out. The stream function's Neumann problem has this matrix.
    pub fn unimposed(
        &self,
        mesh: &PreparedMesh,
        applied: &[AppliedCondition],
        mut a: Matrix,
    ) -> Matrix {
        self.dirichlet.restore(&mut a);
        if self.robin_p != 0.0 {
            let mut unused = vec![0.0; a.rows()];
            for c in applied {
                if let Condition::Velocity(v) = c.condition {
                    // The Robin matrix is linear in p: adding it with −p takes it out.
                    apply_robin(mesh, &mut a, &mut unused, &c.part.edges, -self.robin_p, v);
                }
            }
        }
        a
    }

    /// The flux through every condition's part of the boundary, and the totals.
    pub fn report(
        &self,
        mesh: &PreparedMesh,
        applied: &[AppliedCondition],
        by_group: bool,
        u: &[f64],
    ) -> BoundaryReport {
        let mut inflow = vec![0.0; applied.len()];
        let owner: HashMap<u32, usize> = self.owners.iter().copied().collect();
        for (node, r) in self.dirichlet.reactions(u, &self.load) {
            if let Some(&c) = owner.get(&node) {
                inflow[c] += r;
            }
        }
        for (c, a) in applied.iter().enumerate() {
            if let Condition::Velocity(v) = a.condition {
                inflow[c] = robin_inflow(mesh, &a.part.edges, self.robin_p, v, u);
            }
        }
        let groups: Vec<GroupFlux> = applied
            .iter()
            .zip(&inflow)
            .map(|(a, &q)| GroupFlux {
                on: a.on.to_string(),
                condition: a.condition.to_string(),
                nodes: a.part.nodes.len(),
                edges: a.part.edges.len(),
                inflow: q,
            })
            .collect();
        let is_velocity = |g: &&GroupFlux| g.condition.starts_with("velocity");
        let names = |velocity: bool| {
            groups
                .iter()
                .filter(|g| is_velocity(g) == velocity)
                .map(|g| g.on.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sum = |velocity: bool, f: &dyn Fn(&GroupFlux) -> f64| {
            groups
                .iter()
                .filter(|g| is_velocity(g) == velocity)
                .map(f)
                .sum()
        };
        BoundaryReport {
            inlet: names(true),
            outlet: names(false),
            inlet_nodes: sum(true, &|g| g.nodes as f64) as usize,
            inlet_edges: sum(true, &|g| g.edges as f64) as usize,
            outlet_nodes: self.owners.len(),
            inflow: sum(true, &|g| g.inflow),
            outflow: -sum(false, &|g| g.inflow),
            by_group,
            groups,
        }
    }
}
