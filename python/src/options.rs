//! The options of `potflow.solve` (and `assemble`, `check`), one dict with the CLI's names
//! (`rtol`, `inlet_velocity`, `bc`, `kutta`, ...), checked against the CLI's ranges with the
//! same messages. An unknown key is an error, so the Python half cannot drift from this one.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use potflow::bc::{BoundaryOptions, BoundarySpec, GroupCondition};
use potflow::element::PressureModel;
use potflow::lift::{CirculationOptions, CirculationRule};
use potflow::settings::{Backend, PrecisionChoice, RunSettings, SolveOn};
use potflow::solve::SolveOptions;
use potflow::solver::{CgOptions, SolverKind};

use crate::errors::invalid;

/// Everything a run needs apart from the mesh.
pub struct Request {
    pub opts: SolveOptions,
    pub settings: RunSettings,
    /// Groups whose surface quantities go into the report.
    pub surfaces: Vec<String>,
    pub u_ref: Option<f64>,
}

const KEYS: &[&str] = &[
    "bc",
    "inlet",
    "outlet",
    "inlet_velocity",
    "robin_p",
    "p0",
    "rho",
    "rtol",
    "max_iter",
    "solver",
    "bc_tol",
    "backend",
    "adapter",
    "precision",
    "solve_on",
    "threads",
    "surfaces",
    "u_ref",
    "kutta",
    "trailing_edge",
    "circulation",
    "mach",
    "alpha",
    "psi",
];

/// A number as a user would write it (the CLI's `readable`).
fn readable(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e7).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn in_range(name: &str, v: f64, lo: f64, hi: f64, what: &str) -> PyResult<f64> {
    if !(v.is_finite() && v >= lo && v <= hi) {
        return Err(invalid(format!(
            "{name} must be {what}, got {}",
            readable(v)
        )));
    }
    Ok(v)
}

fn get<'py, T: FromPyObjectOwned<'py>>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<T>> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => {
            let value: PyResult<T> = v.extract::<T>().map_err(Into::into);
            value.map(Some).map_err(|e| invalid(format!("{key}: {e}")))
        }
        _ => Ok(None),
    }
}

fn choice<T: Copy>(
    key: &str,
    value: Option<String>,
    table: &[(&str, T)],
    default: T,
) -> PyResult<T> {
    match value {
        None => Ok(default),
        Some(v) => table
            .iter()
            .find(|(name, _)| *name == v)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = table.iter().map(|t| t.0).collect();
                invalid(format!(
                    "{key} must be one of {}, got {v:?}",
                    names.join(", ")
                ))
            }),
    }
}

/// The request `d` describes, every value checked.
pub fn request(d: &Bound<'_, PyDict>) -> PyResult<Request> {
    for key in d.keys() {
        let key: String = key.extract()?;
        if !KEYS.contains(&key.as_str()) {
            return Err(invalid(format!("unknown option {key:?}")));
        }
    }
    let rtol = in_range(
        "rtol",
        get(d, "rtol")?.unwrap_or(1e-8),
        1e-12,
        0.1,
        "between 1e-12 and 0.1",
    )?;
    let inlet_velocity: f64 = get(d, "inlet_velocity")?.unwrap_or(2.5);
    in_range(
        "inlet_velocity",
        inlet_velocity.abs(),
        1e-9,
        1e6,
        "a velocity with 1e-9 ≤ |v| ≤ 1e6 m/s",
    )?;
    let robin_p = in_range(
        "robin_p",
        get(d, "robin_p")?.unwrap_or(0.0),
        0.0,
        1e9,
        "between 0 and 1e9 1/m (a negative p makes the system indefinite)",
    )?;
    let p0: f64 = get(d, "p0")?.unwrap_or(PressureModel::default().p0);
    in_range("p0", p0.abs(), 0.0, 1e12, "a pressure with |p0| ≤ 1e12 Pa")?;
    let rho = in_range(
        "rho",
        get(d, "rho")?.unwrap_or(PressureModel::default().rho),
        1e-9,
        1e6,
        "a density between 1e-9 and 1e6 kg/m³",
    )?;
    let max_iter: i64 = get(d, "max_iter")?.unwrap_or(100_000);
    if max_iter < 1 {
        return Err(invalid(format!(
            "max_iter must be at least 1, got {max_iter}"
        )));
    }
    let bc_tol = in_range(
        "bc_tol",
        get(d, "bc_tol")?.unwrap_or(1e-9),
        1e-15,
        0.1,
        "between 1e-15 and 0.1 (relative to the mesh's larger side)",
    )?;
    let conditions: Vec<GroupCondition> = get::<Vec<(String, String)>>(d, "bc")?
        .unwrap_or_default()
        .into_iter()
        .map(|(group, condition)| {
            format!("{group}={condition}")
                .parse()
                .map_err(|e: String| invalid(format!("bc {e}")))
        })
        .collect::<PyResult<_>>()?;
    let spec = |key: &str| -> PyResult<Option<BoundarySpec>> {
        Ok(get::<String>(d, key)?.map(|s| s.parse().expect("infallible")))
    };
    let (inlet, outlet) = (spec("inlet")?, spec("outlet")?);
    if !conditions.is_empty() && (inlet.is_some() || outlet.is_some()) {
        return Err(invalid(
            "bc replaces inlet and outlet: give the inlet and the outlet in bc too",
        ));
    }
    if !conditions.is_empty() && robin_p != 0.0 {
        return Err(invalid(
            "robin_p applies to the inlet, not to bc conditions",
        ));
    }
    let solver = choice(
        "solver",
        get(d, "solver")?,
        &[("amg", SolverKind::Amg), ("jacobi", SolverKind::Jacobi)],
        SolverKind::Amg,
    )?;
    let threads: Option<i64> = get(d, "threads")?;
    if let Some(t) = threads {
        if !(1..=1024).contains(&t) {
            return Err(invalid(format!(
                "threads must be between 1 and 1024, got {t}"
            )));
        }
    }
    let settings = RunSettings {
        backend: choice(
            "backend",
            get(d, "backend")?,
            &[
                ("auto", Backend::Auto),
                ("cpu", Backend::Cpu),
                ("gpu", Backend::Gpu),
            ],
            Backend::Auto,
        )?,
        adapter: get(d, "adapter")?,
        precision: choice(
            "precision",
            get(d, "precision")?,
            &[
                ("auto", PrecisionChoice::Auto),
                ("f32", PrecisionChoice::F32),
                ("f64", PrecisionChoice::F64),
            ],
            PrecisionChoice::Auto,
        )?,
        threads: threads.map(|t| t as usize),
        chunk_elements: None,
        solve_on: choice(
            "solve_on",
            get(d, "solve_on")?,
            &[("host", SolveOn::Host), ("gpu", SolveOn::Gpu)],
            SolveOn::Host,
        )?,
    };
    let psi = get::<bool>(d, "psi")?.unwrap_or(true);
    let u_ref: Option<f64> = get(d, "u_ref")?;
    if let Some(u) = u_ref {
        in_range(
            "u_ref",
            u,
            f64::MIN_POSITIVE,
            1e6,
            "a speed between 0 and 1e6 m/s",
        )?;
    }
    let mut surfaces: Vec<String> = get(d, "surfaces")?.unwrap_or_default();
    let circulation = circulation(d)?;
    if let Some(c) = &circulation {
        if !surfaces.contains(&c.group) {
            surfaces.push(c.group.clone());
        }
    }
    Ok(Request {
        opts: SolveOptions {
            bc: BoundaryOptions {
                inlet,
                outlet,
                inlet_velocity,
                robin_p,
                bc_tol,
                conditions,
            },
            solver,
            pressure: PressureModel { p0, rho },
            cg: CgOptions {
                rtol,
                max_iter: max_iter as usize,
            },
            nodal_velocity: psi,
            stream_function: psi,
            circulation,
        },
        settings,
        surfaces,
        u_ref,
    })
}

/// `kutta`, `trailing_edge`, `circulation`, `mach` and `alpha`: the circulation round a body.
fn circulation(d: &Bound<'_, PyDict>) -> PyResult<Option<CirculationOptions>> {
    let kutta: Option<String> = get(d, "kutta")?;
    let given: Option<(String, f64)> = get(d, "circulation")?;
    let trailing_edge: Option<(f64, f64)> = get(d, "trailing_edge")?;
    let mach: Option<f64> = get(d, "mach")?;
    let polar: Vec<f64> = get(d, "alpha")?.unwrap_or_default();
    if let Some(m) = mach {
        in_range("mach", m, 0.0, 0.95, "a Mach number between 0 and 0.95")?;
    }
    if polar.len() > potflow::lift::polar::MAX_ANGLES {
        return Err(invalid(format!(
            "alpha: {} angles; a polar takes at most {}",
            polar.len(),
            potflow::lift::polar::MAX_ANGLES
        )));
    }
    if let Some(a) = polar.iter().find(|a| a.is_nan() || a.abs() > 90.0) {
        return Err(invalid(format!(
            "alpha: {a}° lies outside -90..90 (the trailing edge would lead)"
        )));
    }
    let needs = |what: &str, needed: &str| invalid(format!("{what} needs {needed} too"));
    match (kutta, given) {
        (Some(_), Some(_)) => Err(invalid(
            "kutta and circulation both fix the circulation: give one of them",
        )),
        (Some(group), None) => Ok(Some(CirculationOptions {
            group,
            rule: CirculationRule::Kutta {
                trailing_edge: trailing_edge.map(|(x, y)| [x, y]),
            },
            mach,
            polar,
        })),
        (None, Some((group, gamma))) => {
            in_range(
                "circulation",
                gamma.abs(),
                0.0,
                1e9,
                "a circulation with |Γ| ≤ 1e9 m²/s",
            )?;
            if trailing_edge.is_some() {
                return Err(needs("trailing_edge", "kutta"));
            }
            if !polar.is_empty() {
                return Err(needs("alpha", "kutta"));
            }
            Ok(Some(CirculationOptions {
                group,
                rule: CirculationRule::Given(gamma),
                mach,
                polar,
            }))
        }
        (None, None) => {
            if trailing_edge.is_some() {
                return Err(needs("trailing_edge", "kutta"));
            }
            if mach.is_some() {
                return Err(needs("mach", "kutta (or circulation)"));
            }
            if !polar.is_empty() {
                return Err(needs("alpha", "kutta"));
            }
            Ok(None)
        }
    }
}
