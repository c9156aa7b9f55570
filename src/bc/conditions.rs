//! What a condition imposes ([`Condition`]), its `--bc` form ([`GroupCondition`]), and the
//! essential nodes of a list of applied conditions.

use super::select::{BoundaryPart, BoundarySpec};
use crate::error::{Error, Result};
use crate::mesh::PreparedMesh;

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
                _ if kind == "stream" && v.contains(':') => Err(format!(
                    "`{s}`: the angle follows `@`: NAME=stream:U@ANGLE (e.g. stream:1@10)"
                )),
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
