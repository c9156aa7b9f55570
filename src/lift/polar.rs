//! A polar: a body's coefficients over a list of angles of attack, from one mesh, one
//! multigrid set-up and three solves.
//!
//! Where every condition is one uniform stream (speed U towards α₀) and the rest of the
//! boundary is wall, the flow is linear in the stream's two components and in Γ. With u₀ the
//! run's own solve, u₉₀ the same problem with the stream turned by 90° (the same matrix and
//! hierarchy; only the values on the far field differ) and u₁ the unit circulation ([`super`]):
//!
//! ```text
//! θ = α − α₀
//! u(α) = cos θ u₀ + sin θ u₉₀ + Γ(α) (u₁ + j)
//! Γ(α) = −(cos θ D(u₀) + sin θ D(u₉₀)) / D(u₁ + j)      (the Kutta condition, D linear)
//! ```
//!
//! Each angle then costs one pass round the body's surface ([`crate::surface`]), so a polar
//! of any length costs about three solves. It equals separate solves at each angle up to
//! their CG tolerance (tests/polar.rs compares them with both run to rtol 1e-12).

use crate::bc::{AppliedCondition, Condition, DirichletRows};
use crate::element::PressureModel;
use crate::error::{Error, Result};
use crate::mesh::{Mesh, PreparedMesh};
use crate::post::Jumps;
use crate::solver::{BuiltSolver, CgOptions};
use crate::surface::lift::Compressible;
use crate::surface::{surface_with, LiftInput, NormalVelocity, SurfaceSpec};
use std::ops::ControlFlow;

use super::{CirculationOptions, CirculationRule, UnitCirculation};

/// The most angles one polar takes.
pub const MAX_ANGLES: usize = 10_000;

/// One angle of attack's coefficients (as in the body's surface entry of the report).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PolarPoint {
    /// The stream's direction, degrees (the angle of attack of a chord along x).
    pub alpha: f64,
    /// Γ, m²/s, clockwise positive.
    pub circulation: f64,
    /// From the pressure force, perpendicular to the stream.
    pub cl: f64,
    /// 2Γ/(U c).
    pub cl_circulation: f64,
    pub cd: f64,
    pub cm_c4: f64,
    /// With `--mach`: the corrected coefficients.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub compressible: Option<Compressible>,
}

/// A polar round one body.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Polar {
    pub group: String,
    /// The stream's speed, the coefficients' reference, m/s.
    pub u_ref: f64,
    /// The run's own stream direction α₀, degrees.
    pub stream_angle_deg: f64,
    /// CG iterations of the turned stream's solve (u₉₀).
    pub iterations: usize,
    pub points: Vec<PolarPoint>,
}

/// What a polar needs from the run.
pub struct PolarRun<'a> {
    pub input: &'a Mesh,
    pub mesh: &'a PreparedMesh,
    pub applied: &'a [AppliedCondition],
    /// The solve's eliminated rows.
    pub rows: &'a DirichletRows,
    pub solver: &'a BuiltSolver,
    pub cg: CgOptions,
    pub pressure: PressureModel,
}

fn refuse(input: &Mesh, reason: String) -> Error {
    Error::Mesh {
        source_name: input.source.clone(),
        reason: format!("--alpha: {reason}"),
    }
}

/// The one stream every condition imposes: (speed, angle in degrees); an error where another
/// condition would not turn with it.
fn the_stream(run: &PolarRun, group: &str) -> Result<(f64, f64)> {
    let mut stream = None;
    for a in run.applied {
        match a.condition {
            Condition::Stream { speed, angle_deg } => match stream {
                None => stream = Some((speed, angle_deg)),
                Some(s) if s == (speed, angle_deg) => {}
                Some((s, d)) => {
                    return Err(refuse(
                        run.input,
                        format!(
                            "{} has stream:{}@{} and another far field stream:{s}@{d}: a \
                             polar turns one uniform stream",
                            a.on, speed, angle_deg
                        ),
                    ))
                }
            },
            other => {
                return Err(refuse(
                    run.input,
                    format!(
                        "{} has {other}, which does not turn with the stream: a polar needs \
                         stream far fields and walls only",
                        a.on
                    ),
                ))
            }
        }
        if a.on.to_string() == group {
            return Err(refuse(
                run.input,
                format!("the body {group} carries a condition: it must be a wall"),
            ));
        }
    }
    match stream {
        Some((u, a)) if u != 0.0 => Ok((u, a)),
        _ => Err(refuse(
            run.input,
            "a polar needs a stream far field (--bc NAME=stream:U)".into(),
        )),
    }
}

/// The polar at `opts.polar`'s angles. `u0` is the run's solve without circulation (solver
/// order) and `unit` its unit circulation.
pub fn sweep(
    run: &PolarRun,
    opts: &CirculationOptions,
    unit: &UnitCirculation,
    u0: &[f64],
) -> Result<Polar> {
    let PolarRun { input, mesh, .. } = *run;
    if !matches!(opts.rule, CirculationRule::Kutta { .. }) {
        return Err(refuse(
            input,
            "a polar fixes each angle's circulation by the Kutta condition: give --kutta".into(),
        ));
    }
    let (speed, alpha0) = the_stream(run, &opts.group)?;
    // u₉₀: the stream turned by 90°, on the same matrix and hierarchy.
    let turned = Condition::Stream {
        speed,
        angle_deg: alpha0 + 90.0,
    };
    let rows = run.rows;
    let values: Vec<f64> = rows
        .nodes()
        .map(|k| turned.potential_at(mesh.xy[k as usize]).unwrap_or(0.0))
        .collect();
    let mut rhs = vec![0.0; mesh.nodes()];
    rows.eliminate(&values, &mut rhs);
    let mut u90 = vec![0.0; mesh.nodes()];
    for (k, &g) in rows.nodes().zip(&values) {
        u90[k as usize] = g;
    }
    let outcome = run.solver.cg(
        &rhs,
        &mut u90,
        run.cg,
        &mut |_, _| ControlFlow::Continue(()),
    );
    if !outcome.converged {
        return Err(Error::Run(format!(
            "--alpha: the turned stream's solve did not converge: {} iterations, relative \
             residual {:.1e}",
            outcome.iterations, outcome.relative_residual
        )));
    }
    let none = Jumps::default();
    let d0 = unit.kutta(mesh, u0, &none);
    let d90 = unit.kutta(mesh, &u90, &none);
    let body = &unit.body;
    let far_end = body.chord_end(mesh);
    let points = opts
        .polar
        .iter()
        .map(|&alpha| {
            let (s, c) = (alpha - alpha0).to_radians().sin_cos();
            let gamma = -(c * d0 + s * d90) / unit.d1;
            let u: Vec<f64> = (0..mesh.nodes())
                .map(|k| c * u0[k] + s * u90[k] + gamma * unit.u1[k])
                .collect();
            let jumps = unit.unit.scaled(gamma).renumbered(&mesh.input_node);
            let lift = LiftInput {
                circulation: gamma,
                leading_edge: body.leading_edge,
                trailing_edge: body.trailing_edge,
                far_end,
                mach: opts.mach,
            };
            let surface = surface_with(
                input,
                &mesh.to_input_order(&u),
                None,
                &SurfaceSpec {
                    group: &opts.group,
                    normal: NormalVelocity::Wall,
                    model: run.pressure,
                    u_ref: speed.abs(),
                    stream_angle_deg: alpha,
                    jumps: Some(&jumps),
                    lift: Some(lift),
                },
            )?;
            let l = surface.lift.ok_or_else(|| {
                Error::Run(format!("--alpha: no coefficients for {}", opts.group))
            })?;
            Ok(PolarPoint {
                alpha,
                circulation: gamma,
                cl: l.cl,
                cl_circulation: l.cl_circulation,
                cd: l.cd,
                cm_c4: l.cm_c4,
                compressible: l.compressible,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Polar {
        group: opts.group.clone(),
        u_ref: speed.abs(),
        stream_angle_deg: alpha0,
        iterations: outcome.iterations,
        points,
    })
}

/// The polar as CSV, one angle per row, with the report's names (and units in the header).
pub fn csv(polar: &Polar) -> String {
    let mach = polar
        .points
        .first()
        .is_some_and(|p| p.compressible.is_some());
    let mut out = String::from("alpha_deg,circulation_m2_per_s,cl,cl_circulation,cd,cm_c4");
    if mach {
        out.push_str(
            ",mach,cl_prandtl_glauert,cl_karman_tsien,cd_karman_tsien,cm_c4_karman_tsien,\
             cp_min,cp_min_karman_tsien,cp_critical,supercritical",
        );
    }
    out.push('\n');
    for p in &polar.points {
        out.push_str(&format!(
            "{},{:.12e},{:.12e},{:.12e},{:.12e},{:.12e}",
            p.alpha, p.circulation, p.cl, p.cl_circulation, p.cd, p.cm_c4
        ));
        if let Some(c) = p.compressible {
            out.push_str(&format!(
                ",{},{:.12e},{:.12e},{:.12e},{:.12e},{:.12e},{:.12e},{:.12e},{}",
                c.mach,
                c.cl_prandtl_glauert,
                c.cl_karman_tsien,
                c.cd_karman_tsien,
                c.cm_c4_karman_tsien,
                c.cp_min,
                c.cp_min_karman_tsien,
                c.cp_critical,
                c.supercritical
            ));
        }
        out.push('\n');
    }
    out
}
