//! Circulation round a body, fixed by the Kutta condition or given: the flow that gives an
//! airfoil its lift.
//!
//! **Why a cut.** Potential flow round a body has one free constant, the circulation Γ: every
//! Γ satisfies Laplace's equation and the wall condition, and Γ = 0 gives no lift at all. With
//! circulation the potential is many-valued: going once round the body adds Γ. potflow lets
//! the potential jump by Γ across a cut from the trailing edge downstream to the far field
//! (the wake, which carries no load in steady potential flow). The cut is a chain of element
//! edges found from angles round a point inside the body ([`wake`]): no mesh change, any mesh
//! that has the body's group.
//!
//! **Formulation.** The potential is u = w + Γ j, where w is continuous in the Quad-8 space
//! and j the unit jump on the elements along the cut (the `post` room's `Jumps`). The Galerkin
//! equations of u, tested with the continuous shape functions, are
//!
//! ```text
//! K w = f − Γ Σₑ Kₑ jₑ          (K the solve's own matrix: SPD, one multigrid set-up)
//! ```
//!
//! and by linearity w = u₀ + Γ u₁: u₀ is the solve without circulation, u₁ solves
//! K u₁ = −Σₑ Kₑ jₑ with the same matrix and hierarchy. Choosing the formulation this way
//! keeps the matrix symmetric and positive definite, adds one CG solve (no second set-up),
//! and makes a polar over angles of attack three solves. (The alternative, the stream
//! function with an unknown constant on the body, needs the body constant as an extra unknown
//! in a bordered system, and lift from ψ needs its normal derivative.)
//!
//! **Far field.** A `stream` condition carries the vortex's own far field: u = stream + Γ a/2π
//! there (a the angle round the point inside the body, [`wake::Ray`]), so u₁ = a/2π on its
//! nodes, and 20 chords suffice. Γ is clockwise positive: v = −∇u turns clockwise round the
//! body, which is the circulation of positive lift in a stream from the left
//! (Kutta-Joukowski: L = ρ U Γ).
//!
//! **Kutta condition.** At a sharp trailing edge the velocity of u₀ and u₁ is singular; the
//! flow leaves the edge smoothly for the one Γ at which the singular mode vanishes. Along the
//! outline (clockwise, fluid on the left) the flow runs towards the edge on both sides, so the
//! tangential derivatives of u at one distance s from the edge on the arriving side and on the
//! leaving side add up to a measure of that mode:
//!
//! ```text
//! D(u, s) = ∂u/∂s|arriving + ∂u/∂s|leaving,    c₁(u) = the s^(λ−1) part of D,
//! Γ = −c₁(u₀) / c₁(u₁ + j)
//! ```
//!
//! with c₁ fitted from D at many distances out to a tenth of the chord ([`kutta`]), where the
//! discrete flow is resolved; the edge's own node, where the first element alone carries the
//! singular mode, left Γ about 0.1 % low on Joukowski sections whatever the mesh size. Where
//! the outline near the edge has too few edges for the fit, D is taken at the edge's node
//! (each derivative the exact one of the quadratic edge at its end).

pub mod kutta;
pub mod outline;
pub mod polar;
pub mod wake;

use std::ops::ControlFlow;

use crate::bc::{AppliedCondition, Condition, Imposed};
use crate::error::{Error, Result};
use crate::mesh::{Mesh, PreparedMesh};
use crate::post::Jumps;
use crate::solver::{BuiltSolver, CgOptions, CgOutcome};
use outline::{LoopEdge, TrailingEdge};
use wake::Ray;

/// How the circulation round a body is fixed.
#[derive(Debug, Clone, PartialEq)]
pub enum CirculationRule {
    /// By the Kutta condition at the trailing edge: the sharpest corner of the outline, or the
    /// outline's corner nearest the point given.
    Kutta { trailing_edge: Option<[f64; 2]> },
    /// Given: Γ (m²/s, clockwise positive).
    Given(f64),
}

/// Circulation round one body: the boundary group that is its outline, and the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CirculationOptions {
    pub group: String,
    pub rule: CirculationRule,
    /// The free stream's Mach number, for the compressibility corrections of the
    /// coefficients (the flow itself is solved incompressible).
    pub mach: Option<f64>,
    /// Angles of attack (degrees) of a polar ([`polar`]); empty for none. Needs the Kutta
    /// condition.
    pub polar: Vec<f64>,
}

impl CirculationOptions {
    /// The option that asked for it, for messages.
    pub fn option(&self) -> &'static str {
        match self.rule {
            CirculationRule::Kutta { .. } => "--kutta",
            CirculationRule::Given(_) => "--circulation",
        }
    }
}

/// The circulation a run found, and where its cut lies.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Circulation {
    /// The body's boundary group.
    pub group: String,
    /// Γ, m²/s, clockwise positive (the circulation of lift in a stream from the left).
    pub circulation: f64,
    /// `kutta` or `given`.
    pub rule: String,
    /// The trailing edge, where the Kutta condition holds (and the cut starts).
    pub trailing_edge: Option<[f64; 2]>,
    /// The angle the fluid turns round at the trailing edge, degrees.
    pub trailing_edge_angle_deg: Option<f64>,
    /// The point of the outline farthest from the trailing edge.
    pub leading_edge: [f64; 2],
    /// Trailing to leading edge, m.
    pub chord: f64,
    /// The chord's other end: the trailing edge, or for a body without one the outline's
    /// first node (the leading edge is the point farthest from it).
    pub chord_end: [f64; 2],
    /// The point inside the body the cut's angles are measured round.
    pub cut_from: [f64; 2],
    /// Elements along the cut.
    pub cut_elements: usize,
    /// CG iterations of the unit circulation's solve.
    pub iterations: usize,
    /// Under the Kutta condition, the distances from the trailing edge at which the fit of
    /// its singular mode sampled the flow ([`kutta`]); absent where the outline near the edge
    /// held too few and the condition was taken at the edge's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kutta_samples: Option<usize>,
    /// `--mach`, for the coefficients' corrections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mach: Option<f64>,
    /// The jumps of u across the cut (Γ times the unit ones), solver numbering.
    #[serde(skip)]
    pub jumps: Jumps,
}

fn fail(input: &Mesh, reason: String) -> Error {
    Error::Mesh {
        source_name: input.source.clone(),
        reason,
    }
}

/// ∂u/∂s on a loop edge at its start (`at_end` false) or end, u being the edge's element's
/// potential (u plus its jumps).
fn edge_derivative(
    mesh: &PreparedMesh,
    e: &LoopEdge,
    u: &[f64],
    jumps: &Jumps,
    at_end: bool,
) -> f64 {
    kutta::derivative(mesh, e, u, jumps, if at_end { 1.0 } else { -1.0 })
}

/// The Kutta condition's D(u) (module docs) on the outline that starts at the trailing edge.
fn kutta_sum(mesh: &PreparedMesh, edges: &[LoopEdge], u: &[f64], jumps: &Jumps) -> f64 {
    let (leaving, arriving) = (&edges[0], &edges[edges.len() - 1]);
    edge_derivative(mesh, arriving, u, jumps, true)
        + edge_derivative(mesh, leaving, u, jumps, false)
}

/// The stream direction of the first stream condition (radians), else 0.
fn stream_angle(applied: &[AppliedCondition]) -> f64 {
    applied
        .iter()
        .find_map(|a| match a.condition {
            Condition::Stream { angle_deg, .. } => Some(angle_deg.to_radians()),
            _ => None,
        })
        .unwrap_or(0.0)
}

/// The unit circulation's solve and what it takes to fix Γ: the first half of
/// [`add_circulation`], kept for a polar ([`polar`]).
#[derive(Debug, Clone)]
pub struct UnitCirculation {
    /// The body's outline, from its trailing edge.
    pub body: outline::Outline,
    /// Where the cut's angles are measured from.
    pub ray: Ray,
    /// The unit jumps across the cut, solver numbering.
    pub unit: Jumps,
    /// u₁ (solver order): K u₁ = −Σₑ Kₑ jₑ with the vortex's far field on stream nodes.
    pub u1: Vec<f64>,
    /// −Σₑ Kₑ jₑ before elimination: the load that Γ = 1 adds.
    pub load: Vec<f64>,
    /// The Kutta condition's measure of u₁ + j ([`UnitCirculation::kutta`]).
    pub d1: f64,
    /// The fit of the trailing edge's singular mode, where the outline allows one.
    pub fit: Option<kutta::KuttaFit>,
    /// u₁'s CG solve.
    pub outcome: CgOutcome,
}

impl UnitCirculation {
    /// The Kutta condition's measure of u (with its jumps): the trailing edge's singular
    /// mode ([`kutta`]), zero when the flow leaves the edge smoothly; linear in u.
    pub fn kutta(&self, mesh: &PreparedMesh, u: &[f64], jumps: &Jumps) -> f64 {
        match &self.fit {
            Some(fit) => fit.singular(mesh, &self.body.edges, u, jumps),
            None => kutta_sum(mesh, &self.body.edges, u, jumps),
        }
    }

    /// Γ under `opts`' rule for the flow `u0` (solver order) without circulation.
    pub fn gamma(&self, mesh: &PreparedMesh, opts: &CirculationOptions, u0: &[f64]) -> Result<f64> {
        match opts.rule {
            CirculationRule::Given(g) => Ok(g),
            CirculationRule::Kutta { .. } => {
                if self.d1 == 0.0 || !self.d1.is_finite() {
                    return Err(Error::Run(format!(
                        "{} {}: a circulation does not change the flow at the trailing edge",
                        opts.option(),
                        opts.group
                    )));
                }
                Ok(-self.kutta(mesh, u0, &Jumps::default()) / self.d1)
            }
        }
    }
}

/// Solves for the unit circulation round `opts.group` with the solve's own matrix and
/// hierarchy (`solver`, built with `imposed` on it); see the module docs.
pub fn unit_circulation(
    input: &Mesh,
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    imposed: &Imposed,
    solver: &BuiltSolver,
    opts: &CirculationOptions,
    cg: CgOptions,
) -> Result<UnitCirculation> {
    let option = opts.option();
    if imposed.robin_p() != 0.0 {
        return Err(fail(
            input,
            format!("{option}: not with a Robin inflow (--robin-p); use velocity conditions"),
        ));
    }
    let trailing = match opts.rule {
        CirculationRule::Kutta {
            trailing_edge: None,
        } => TrailingEdge::Sharpest,
        CirculationRule::Kutta {
            trailing_edge: Some(p),
        } => TrailingEdge::Near(p),
        CirculationRule::Given(_) => TrailingEdge::NotNeeded,
    };
    let body = outline::outline(input, mesh, &opts.group, trailing, option)?;
    let ray = match body.trailing_edge {
        Some(te) => Ray {
            centre: outline::point_behind_trailing_edge(mesh, &body, 0.02 * body.chord()),
            through: te,
        },
        None => {
            let c = outline::centroid(mesh, &body);
            let a = stream_angle(applied);
            Ray {
                centre: c,
                through: [c[0] + a.cos(), c[1] + a.sin()],
            }
        }
    };
    let unit = wake::unit_jumps(mesh, &ray);
    // u₁ on the Dirichlet nodes: the vortex's far field on stream conditions; elsewhere 0,
    // which the cut must not reach.
    let rows = imposed.dirichlet();
    let mut on_stream = vec![false; mesh.nodes()];
    let mut fixed_otherwise = vec![None; mesh.nodes()];
    for a in applied {
        for &k in &a.part.nodes {
            match a.condition {
                Condition::Stream { .. } => on_stream[k as usize] = true,
                Condition::Velocity(_) => {}
                _ => fixed_otherwise[k as usize] = Some(a),
            }
        }
    }
    for (_, j) in &unit.elements {
        for &(k, _) in j {
            if let (Some(a), false) = (fixed_otherwise[k as usize], on_stream[k as usize]) {
                let [x, y] = mesh.xy[k as usize];
                return Err(fail(
                    input,
                    format!(
                        "{option} {}: the wake from ({:.4}, {:.4}) downstream meets {} ({}) at \
                         ({x:.4}, {y:.4}), where u is fixed: the potential jumps by Γ across \
                         the wake, so it must end on a stream far field",
                        opts.group, ray.through[0], ray.through[1], a.on, a.condition
                    ),
                ));
            }
        }
    }
    let values: Vec<f64> = rows
        .nodes()
        .map(|k| {
            if on_stream[k as usize] {
                ray.angle(mesh.xy[k as usize]) / (2.0 * std::f64::consts::PI)
            } else {
                0.0
            }
        })
        .collect();
    let mut rhs = wake::jump_load(mesh, &unit);
    let load = rhs.clone();
    rows.eliminate(&values, &mut rhs);
    let mut u1 = vec![0.0; mesh.nodes()];
    for (k, &g) in rows.nodes().zip(&values) {
        u1[k as usize] = g;
    }
    let outcome = solver.cg(&rhs, &mut u1, cg, &mut |_, _| ControlFlow::Continue(()));
    if !outcome.converged {
        return Err(Error::Run(format!(
            "{option} {}: the unit circulation's solve did not converge: {} iterations, \
             relative residual {:.1e}",
            opts.group, outcome.iterations, outcome.relative_residual
        )));
    }
    // A fit where the edge is sharp (the fluid turns round it by more than half a turn).
    let fit = body
        .fluid_angle_deg
        .filter(|&a| a > 180.0)
        .and_then(|angle| {
            kutta::KuttaFit::new(mesh, &body.edges, angle, kutta::REACH * body.chord())
        });
    let mut unit = UnitCirculation {
        body,
        ray,
        unit,
        u1,
        load,
        d1: 0.0,
        fit,
        outcome,
    };
    unit.d1 = unit.kutta(mesh, &unit.u1, &unit.unit);
    if unit.fit.is_some() && !(unit.d1.is_finite() && unit.d1 != 0.0) {
        // A degenerate outline near the edge (edges of no length): the edge's node instead.
        unit.fit = None;
        unit.d1 = unit.kutta(mesh, &unit.u1, &unit.unit);
    }
    Ok(unit)
}

/// Adds the circulation `opts` asks for to `u` (the solve's u₀, solver order) and its load to
/// `imposed`, solving for the unit circulation with the solve's own matrix and hierarchy
/// ([`unit_circulation`]). Returns what was found and the unit solve.
#[allow(clippy::too_many_arguments)]
pub fn add_circulation(
    input: &Mesh,
    mesh: &PreparedMesh,
    applied: &[AppliedCondition],
    imposed: &mut Imposed,
    solver: &BuiltSolver,
    opts: &CirculationOptions,
    cg: CgOptions,
    u: &mut [f64],
) -> Result<(Circulation, UnitCirculation)> {
    let unit = unit_circulation(input, mesh, applied, imposed, solver, opts, cg)?;
    let gamma = unit.gamma(mesh, opts, u)?;
    for (w, d) in u.iter_mut().zip(&unit.u1) {
        *w += gamma * d;
    }
    imposed.add_load(&unit.load, gamma);
    let body = &unit.body;
    let circulation = Circulation {
        group: opts.group.clone(),
        circulation: gamma,
        rule: match opts.rule {
            CirculationRule::Kutta { .. } => "kutta".into(),
            CirculationRule::Given(_) => "given".into(),
        },
        trailing_edge: body.trailing_edge,
        trailing_edge_angle_deg: body.fluid_angle_deg,
        leading_edge: body.leading_edge,
        chord: body.chord(),
        chord_end: body.chord_end(mesh),
        cut_from: unit.ray.centre,
        cut_elements: unit.unit.elements.len(),
        iterations: unit.outcome.iterations,
        kutta_samples: match opts.rule {
            CirculationRule::Kutta { .. } => unit.fit.as_ref().map(|f| f.samples()),
            CirculationRule::Given(_) => None,
        },
        mach: opts.mach,
        jumps: unit.unit.scaled(gamma),
    };
    Ok((circulation, unit))
}
