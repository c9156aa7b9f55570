//! Quantities on a boundary group: the surface velocity, the pressure coefficient and the
//! pressure force (`potflow solve --surface NAME`).
//!
//! Along each quadratic edge (end, mid, end), oriented counter-clockwise round its element so
//! that the fluid lies on its left and n = (dy, −dx)/|dx| points out of the fluid:
//!
//! ```text
//! tangential velocity   v_t = −∂uₕ/∂s            (exact derivative of the quadratic uₕ)
//! normal velocity       v_n = 0 on a wall, −V on a velocity:V boundary, the recovered
//!                       nodal velocity · n on a boundary where u is fixed
//! |v| = √(v_t² + v_n²),  p = p0 − ½ρ|v|²,  Cp = 1 − (|v| / U_ref)²
//! force on the body     F = ∮ p n ds   (3-point Gauss per edge; n points into the body)
//! coefficients          C = F / (½ ρ U_ref² ℓ),  ℓ = the group's extent across the stream
//! ```
//!
//! The tangential derivative of uₕ converges like ∇uₕ (h²), so the surface velocity does not
//! suffer from the one-value-per-element velocity's O(h). Nodes where two edges meet get the
//! mean of the two edges' values.
//!
//! A sharp edge is a node where the curve turns away from the fluid by more than
//! [`SHARP_TURN_DEG`], so that the fluid turns round an angle α > 180° (270° at a square's
//! corner, nearly 360° at an airfoil's trailing edge). There potential flow's velocity grows
//! like r^(π/α − 1) without bound, and without circulation (a Kutta condition) the flow goes
//! round the edge instead of leaving it: the pressure force on such a body is not physical.

use std::collections::HashMap;

pub mod lift;
pub use lift::{LiftCoefficients, LiftInput};

use crate::element::{edge_shape, PressureModel, EDGES, GAUSS3_W, GAUSS3_X};
use crate::error::{Error, Result};
use crate::mesh::Mesh;
use crate::post::Jumps;

/// The normal velocity on the surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NormalVelocity {
    /// A wall: no flow through it.
    Wall,
    /// A velocity:V boundary: V flows in.
    Inflow(f64),
    /// u is fixed there: take the normal component of the recovered nodal velocity.
    Recovered,
}

/// One surface node in arc-length order.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SurfaceRow {
    pub arc_length: f64,
    pub x: f64,
    pub y: f64,
    pub abs_vel: f64,
    pub cp: f64,
    pub pressure: f64,
}

/// A surface group's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Surface {
    pub group: String,
    /// Its length, m.
    pub length: f64,
    /// The pressure force on it, N per metre of depth.
    pub fx: f64,
    pub fy: f64,
    /// fx, fy over ½ ρ U_ref² ℓ.
    pub cx: f64,
    pub cy: f64,
    pub u_ref: f64,
    /// ℓ: the group's extent across the stream, m.
    pub reference_length: f64,
    /// Which way the rows run: along the edges with the fluid on the left, so clockwise
    /// round a body and counter-clockwise round the domain; a closed curve ends with its
    /// first row again at s = its length, so a plot of Cp against s closes.
    pub runs: String,
    /// Where the fluid turns round a sharp edge and the velocity is singular.
    pub sharp_edges: Vec<SharpEdge>,
    /// A body with circulation: its lift, drag and moment coefficients.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub lift: Option<LiftCoefficients>,
    #[serde(skip)]
    pub rows: Vec<SurfaceRow>,
}

/// A node of a surface where the fluid turns round a sharp edge.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SharpEdge {
    pub x: f64,
    pub y: f64,
    /// The angle the fluid turns round, degrees (above 180).
    pub fluid_angle_deg: f64,
}

/// How far the curve must turn away from the fluid at a node, degrees, to make a sharp edge.
/// A smooth curve meshed with quadratic edges turns by far less between edges (the tangent
/// jumps by O(h²)); a square's corner turns by 90°.
pub const SHARP_TURN_DEG: f64 = 30.0;

/// The sharp edges along the chains of edges (each chain in order, oriented with the fluid on
/// the left; a closed chain's last edge meets its first).
fn sharp_edges(
    edges: &[[u32; 3]],
    chains: &[Vec<usize>],
    xy: impl Fn(u32) -> [f64; 2],
) -> Vec<SharpEdge> {
    let tangent = |e: &[u32; 3], s: f64| {
        let pts = e.map(&xy);
        let (_, j, n) = geometry(&pts, s);
        // The normal (dy, −dx)/j turned back into the tangent (dx, dy)/j.
        debug_assert!(j > 0.0);
        [-n[1], n[0]]
    };
    let mut out = Vec::new();
    for chain in chains {
        let closed = chain.len() > 1 && edges[chain[0]][0] == edges[chain[chain.len() - 1]][2];
        let pairs = chain.windows(2).map(|w| (w[0], w[1]));
        let wrap = closed.then(|| (chain[chain.len() - 1], chain[0]));
        for (a, b) in pairs.chain(wrap) {
            let (t_in, t_out) = (tangent(&edges[a], 1.0), tangent(&edges[b], -1.0));
            let cross = t_in[0] * t_out[1] - t_in[1] * t_out[0];
            let dot = t_in[0] * t_out[0] + t_in[1] * t_out[1];
            // Positive: a left turn, towards the fluid. The fluid turns round 180° − turn.
            let turn = cross.atan2(dot).to_degrees();
            if turn < -SHARP_TURN_DEG {
                let [x, y] = xy(edges[b][0]);
                out.push(SharpEdge {
                    x,
                    y,
                    fluid_angle_deg: 180.0 - turn,
                });
            }
        }
    }
    out
}

/// The group's edges as (end, mid, end) input nodes, oriented counter-clockwise round their
/// element, each with its element.
fn oriented_edges(mesh: &Mesh, group: &str) -> Result<Vec<([u32; 3], u32)>> {
    let fail = |reason: String| Error::Mesh {
        source_name: mesh.source.clone(),
        reason,
    };
    let g = mesh
        .groups
        .iter()
        .find(|g| g.name == group)
        .ok_or_else(|| fail(format!("--surface: no boundary group \"{group}\"")))?;
    let key = |e: &[u32; 3]| (e[0].min(e[2]), e[0].max(e[2]), e[1]);
    let wanted: HashMap<(u32, u32, u32), usize> = g
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| (key(e), i))
        .collect();
    let mut out: Vec<Option<([u32; 3], u32)>> = vec![None; g.edges.len()];
    for (index, el) in mesh.quad8.iter().enumerate() {
        // Signed area of the corner polygon: negative for a clockwise element.
        let c: Vec<[f64; 2]> = (0..4)
            .map(|k| [mesh.x[el[k] as usize], mesh.y[el[k] as usize]])
            .collect();
        let area: f64 = (0..4)
            .map(|k| c[k][0] * c[(k + 1) % 4][1] - c[(k + 1) % 4][0] * c[k][1])
            .sum();
        for local in EDGES {
            let mut e = local.map(|k| el[k]);
            if let Some(&i) = wanted.get(&key(&e)) {
                if area < 0.0 {
                    e.swap(0, 2);
                }
                out[i] = Some((e, index as u32));
            }
        }
    }
    out.into_iter()
        .zip(&g.edges)
        .map(|(e, orig)| {
            e.ok_or_else(|| {
                fail(format!(
                    "--surface {group}: edge {orig:?} is no element's edge"
                ))
            })
        })
        .collect()
}

/// Position, arc-length rate |dx/ds| and outward normal (unit) at s on an edge.
fn geometry(xy: &[[f64; 2]; 3], s: f64) -> ([f64; 2], f64, [f64; 2]) {
    let (n, dn) = edge_shape(s);
    let p = [0, 1].map(|c| (0..3).map(|k| n[k] * xy[k][c]).sum::<f64>());
    let d = [0, 1].map(|c| (0..3).map(|k| dn[k] * xy[k][c]).sum::<f64>());
    let j = d[0].hypot(d[1]);
    (p, j, [d[1] / j, -d[0] / j])
}

/// What to compute on a group, beyond the mesh and the fields.
#[derive(Debug, Clone, Copy)]
pub struct SurfaceSpec<'a> {
    pub group: &'a str,
    pub normal: NormalVelocity,
    pub model: PressureModel,
    /// The speed Cp and the coefficients refer to, m/s.
    pub u_ref: f64,
    /// The stream's direction, degrees: orients ℓ, lift and drag.
    pub stream_angle_deg: f64,
    /// The potential's jumps across a wake cut (input numbering), where there is one.
    pub jumps: Option<&'a Jumps>,
    /// The body's circulation and chord, for its lift coefficients (a `--kutta` or
    /// `--circulation` group).
    pub lift: Option<LiftInput>,
}

/// The surface quantities of `group`. `nodal` is the recovered nodal velocity (input order),
/// needed for [`NormalVelocity::Recovered`]; `stream_angle_deg` orients ℓ.
#[allow(clippy::too_many_arguments)]
pub fn surface(
    mesh: &Mesh,
    u: &[f64],
    nodal: Option<&[[f64; 2]]>,
    group: &str,
    normal: NormalVelocity,
    model: PressureModel,
    u_ref: f64,
    stream_angle_deg: f64,
) -> Result<Surface> {
    let spec = SurfaceSpec {
        group,
        normal,
        model,
        u_ref,
        stream_angle_deg,
        jumps: None,
        lift: None,
    };
    surface_with(mesh, u, nodal, &spec)
}

/// The surface quantities of `spec.group`, with a cut's jumps and a body's lift where the
/// spec has them.
pub fn surface_with(
    mesh: &Mesh,
    u: &[f64],
    nodal: Option<&[[f64; 2]]>,
    spec: &SurfaceSpec,
) -> Result<Surface> {
    let SurfaceSpec {
        group,
        normal,
        model,
        u_ref,
        stream_angle_deg,
        ..
    } = *spec;
    let tagged = oriented_edges(mesh, group)?;
    let edges: Vec<[u32; 3]> = tagged.iter().map(|t| t.0).collect();
    let owner: Vec<u32> = tagged.iter().map(|t| t.1).collect();
    let jumps = spec.jumps.map(|j| j.by_element()).unwrap_or_default();
    let xy = |k: u32| [mesh.x[k as usize], mesh.y[k as usize]];
    // u on edge i's nodes: its element's potential.
    let edge_u = |i: usize| {
        let j = jumps.get(&owner[i]);
        edges[i].map(|k| u[k as usize] + j.and_then(|j| j.get(&k)).copied().unwrap_or(0.0))
    };
    // |v| at s on edge i.
    let speed = |i: usize, s: f64| -> f64 {
        let e = &edges[i];
        let pts = e.map(xy);
        let ue = edge_u(i);
        let (n, dn) = edge_shape(s);
        let (_, j, nrm) = geometry(&pts, s);
        let dudl: f64 = (0..3).map(|k| dn[k] * ue[k]).sum::<f64>() / j;
        let vt = -dudl;
        let vn = match normal {
            NormalVelocity::Wall => 0.0,
            NormalVelocity::Inflow(v) => -v,
            NormalVelocity::Recovered => nodal.map_or(0.0, |vel| {
                let v = [0, 1].map(|c| (0..3).map(|k| n[k] * vel[e[k] as usize][c]).sum::<f64>());
                v[0] * nrm[0] + v[1] * nrm[1]
            }),
        };
        vt.hypot(vn)
    };
    let length_between = |pts: &[[f64; 2]; 3], a: f64, b: f64| -> f64 {
        GAUSS3_X
            .iter()
            .zip(&GAUSS3_W)
            .map(|(&g, &w)| {
                let s = a + (b - a) * 0.5 * (g + 1.0);
                0.5 * (b - a) * w * geometry(pts, s).1
            })
            .sum()
    };
    // Force, moment about the quarter chord (where there is a chord) and length by Gauss.
    let pivot = spec.lift.map_or([0.0, 0.0], |l| l.quarter_chord());
    let (mut fx, mut fy, mut mz, mut length) = (0.0, 0.0, 0.0, 0.0);
    let mach = spec.lift.and_then(|l| l.mach);
    let mut kt = lift::CpIntegral::default();
    for (i, e) in edges.iter().enumerate() {
        let pts = e.map(xy);
        for (&s, &w) in GAUSS3_X.iter().zip(&GAUSS3_W) {
            let (p, j, n) = geometry(&pts, s);
            let v = speed(i, s);
            let pressure = model.pressure(v);
            if let Some(m) = mach {
                let cp = lift::karman_tsien(1.0 - (v / u_ref).powi(2), m);
                let d = [w * j * cp * n[0], w * j * cp * n[1]];
                kt.force[0] += d[0];
                kt.force[1] += d[1];
                kt.moment += (p[0] - pivot[0]) * d[1] - (p[1] - pivot[1]) * d[0];
            }
            let (dfx, dfy) = (w * j * pressure * n[0], w * j * pressure * n[1]);
            fx += dfx;
            fy += dfy;
            mz += (p[0] - pivot[0]) * dfy - (p[1] - pivot[1]) * dfx;
            length += w * j;
        }
    }
    // Chains: follow each edge's end to the edge starting there.
    let starts: HashMap<u32, usize> = edges.iter().enumerate().map(|(i, e)| (e[0], i)).collect();
    let ends: std::collections::HashSet<u32> = edges.iter().map(|e| e[2]).collect();
    let mut used = vec![false; edges.len()];
    let mut order: Vec<Vec<usize>> = Vec::new();
    let heads: Vec<usize> = (0..edges.len())
        .filter(|&i| !ends.contains(&edges[i][0]))
        .chain(0..edges.len())
        .collect();
    for head in heads {
        if used[head] {
            continue;
        }
        let mut chain = vec![head];
        used[head] = true;
        let mut at = edges[head][2];
        while let Some(&next) = starts.get(&at) {
            if used[next] {
                break;
            }
            used[next] = true;
            chain.push(next);
            at = edges[next][2];
        }
        order.push(chain);
    }
    if let Some(te) = spec.lift.and_then(|l| l.trailing_edge) {
        lift::start_at(&mut order, &edges, &xy, te);
    }
    let mut rows = Vec::with_capacity(2 * edges.len() + order.len());
    let mut arc = 0.0;
    let row = |k: u32, arc: f64, v: f64| {
        let [x, y] = xy(k);
        SurfaceRow {
            arc_length: arc,
            x,
            y,
            abs_vel: v,
            cp: 1.0 - (v / u_ref).powi(2),
            pressure: model.pressure(v),
        }
    };
    let mut runs: Option<String> = None;
    for chain in &order {
        let chain_start = rows.len();
        let closed = edges[chain[0]][0] == edges[*chain.last().unwrap_or(&chain[0])][2];
        for (c, &i) in chain.iter().enumerate() {
            let e = &edges[i];
            let pts = e.map(xy);
            // The start node: the mean of this edge and the one before it, if any.
            let before = if c > 0 {
                Some(chain[c - 1])
            } else if closed {
                chain.last().copied()
            } else {
                None
            };
            let v0 = match before {
                Some(b) => 0.5 * (speed(i, -1.0) + speed(b, 1.0)),
                None => speed(i, -1.0),
            };
            rows.push(row(e[0], arc, v0));
            rows.push(row(
                e[1],
                arc + length_between(&pts, -1.0, 0.0),
                speed(i, 0.0),
            ));
            arc += length_between(&pts, -1.0, 1.0);
        }
        if closed {
            if let Some(&first) = rows.get(chain_start) {
                rows.push(SurfaceRow {
                    arc_length: arc,
                    ..first
                });
            }
        } else if let Some(&last) = chain.last() {
            let e = &edges[last];
            rows.push(row(e[2], arc, speed(last, 1.0)));
        }
        let start = rows.get(chain_start).copied();
        if let (None, Some(first)) = (&runs, start) {
            // The shoelace sign of the chain's nodes: positive counter-clockwise.
            let twice_area: f64 = rows[chain_start..]
                .windows(2)
                .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
                .sum();
            let way = match (closed, twice_area < 0.0) {
                (true, true) => "clockwise",
                (true, false) => "counter-clockwise",
                (false, _) => "along the curve with the fluid on the left",
            };
            runs = Some(format!(
                "{way} from ({:.6}, {:.6}){}",
                first.x + 0.0,
                first.y + 0.0,
                if closed {
                    "; the last row repeats the first at s = the length"
                } else {
                    ""
                }
            ));
        }
    }
    let a = stream_angle_deg.to_radians();
    let across = |k: u32| {
        let [x, y] = xy(k);
        -x * a.sin() + y * a.cos()
    };
    let (lo, hi) = edges
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &k| {
            (l.min(across(k)), h.max(across(k)))
        });
    let reference_length = hi - lo;
    let q = 0.5 * model.rho * u_ref * u_ref * reference_length;
    let sharp_edges = sharp_edges(&edges, &order, xy);
    let cp_min = rows.iter().map(|r| r.cp).fold(f64::INFINITY, f64::min);
    let lift = spec.lift.map(|l| {
        let mut c = l.coefficients(
            [fx, fy],
            mz,
            0.5 * model.rho * u_ref * u_ref,
            u_ref,
            stream_angle_deg,
        );
        c.compressible = l.compressible(kt, c.cl, cp_min, stream_angle_deg);
        c
    });
    Ok(Surface {
        group: group.into(),
        length,
        fx,
        fy,
        cx: fx / q,
        cy: fy / q,
        u_ref,
        reference_length,
        runs: runs.unwrap_or_default(),
        sharp_edges,
        lift,
        rows,
    })
}

/// The surface's rows as CSV with a header naming units; a body with circulation gains x/c
/// and the side of each row, and with a Mach number the Karman-Tsien Cp.
pub fn csv(s: &Surface) -> String {
    let mut out = String::from("arc_length_m,x_m,y_m,abs_vel_m_per_s,cp,pressure_pa");
    let chord = s.lift.map(|l| lift::chord_positions(&s.rows, &l));
    let mach = s.lift.and_then(|l| l.compressible).map(|c| c.mach);
    if chord.is_some() {
        out.push_str(",x_over_c,side");
    }
    if mach.is_some() {
        out.push_str(",cp_karman_tsien");
    }
    out.push('\n');
    for (i, r) in s.rows.iter().enumerate() {
        out.push_str(&format!(
            "{:.12e},{:.12e},{:.12e},{:.12e},{:.12e},{:.12e}",
            r.arc_length, r.x, r.y, r.abs_vel, r.cp, r.pressure
        ));
        if let Some(c) = &chord {
            out.push_str(&format!(",{:.12e},{}", c[i].0, c[i].1));
        }
        if let Some(m) = mach {
            out.push_str(&format!(",{:.12e}", lift::karman_tsien(r.cp, m)));
        }
        out.push('\n');
    }
    out
}
