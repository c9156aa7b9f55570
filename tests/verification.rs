//! Verification ladder: patch test, convergence rates against an exact harmonic solution,
//! serial = parallel assembly, mass balance.

mod common;

use common::distorted_channel;
use potflow::assembly::assemble;
use potflow::assembly::{stiffness_slots, CsrPattern};
use potflow::bc::BoundaryOptions;
use potflow::element::{gauss3x3, gradients, shape, NODES, SLOTS};
use potflow::mesh::{generate, PreparedMesh};
use potflow::settings::Kernels;
use potflow::solve::{self, SolveOptions};
use potflow::solver::{CgOptions, SolverKind};

fn tight() -> SolveOptions {
    SolveOptions {
        cg: CgOptions {
            rtol: 1e-13,
            max_iter: 100_000,
        },
        ..SolveOptions::default()
    }
}

#[test]
fn the_geometry_set_aside_during_the_solve_comes_back_exactly() {
    // A shuffled mesh (random numbering, every other element clockwise): the rebuilt
    // coordinates and elements are the prepared ones, reorientation and RCM order included.
    let mesh = distorted_channel(12, 5, 3.0, 1.0, 0.3, 7);
    let mut prepared = PreparedMesh::prepare(&mesh).unwrap();
    assert!(prepared.reoriented > 0);
    let (xy, elements) = (prepared.xy.clone(), prepared.elements.clone());
    prepared.set_geometry_aside();
    assert!(prepared.xy.is_empty() && prepared.elements.is_empty());
    assert_eq!(
        prepared.nodes(),
        xy.len(),
        "the counts stay while set aside"
    );
    assert_eq!(prepared.elements(), elements.len());
    prepared.restore_geometry(&mesh);
    assert_eq!(prepared.xy, xy);
    assert_eq!(prepared.elements, elements);
}

#[test]
fn patch_test_reproduces_the_linear_solution_on_a_distorted_shuffled_mesh() {
    // Straight-sided isoparametric Quad-8 elements contain every linear field, so with an
    // inflow flux g at x = 0 and u = 0 at x = L the discrete solution is u = g (L − x),
    // v = (g, 0) exactly, up to round-off and the CG tolerance (1e-13).
    let (length, g) = (3.0, 2.5);
    let mesh = distorted_channel(12, 5, length, 1.0, 0.3, 7);
    let out = solve::run(&mesh, &tight(), Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    assert!(
        out.reoriented_elements > 0,
        "the shuffled mesh has clockwise elements"
    );
    for (i, &u) in out.u.iter().enumerate() {
        let exact = g * (length - mesh.x[i]);
        assert!(
            (u - exact).abs() < 1e-10,
            "node {i}: u = {u}, exact {exact}"
        );
    }
    for (e, v) in out.fields.vel.iter().enumerate() {
        assert!(
            (v[0] - g).abs() < 1e-10 && v[1].abs() < 1e-10,
            "element {e}: v = {v:?}"
        );
        assert!((out.fields.abs_vel[e] - g).abs() < 1e-10);
    }
    // Mass balance: the flux in is g × height; the Dirichlet reaction gives it back.
    assert!((out.boundary.inflow - g).abs() < 1e-12);
    assert!((out.boundary.outflow - g).abs() < 1e-10);
}

#[test]
fn robin_inlet_gives_the_exact_solution_and_a_balanced_report() {
    // With ∂u/∂n = γ − p u on the inlet (x = 0), u = 0 at x = L and walls elsewhere, the
    // solution is linear: u = a (L − x) with a = γ / (1 + p L). The flux through the inlet is
    // a × height, not γ × height: the report's inflow must account for the Robin term.
    let (length, gamma, p) = (3.0, 2.5, 1.0);
    let a = gamma / (1.0 + p * length);
    let mesh = distorted_channel(12, 5, length, 1.0, 0.3, 8);
    let base = tight();
    let opts = SolveOptions {
        bc: BoundaryOptions {
            robin_p: p,
            ..base.bc.clone()
        },
        ..base
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    for (i, &u) in out.u.iter().enumerate() {
        let exact = a * (length - mesh.x[i]);
        assert!(
            (u - exact).abs() < 1e-10,
            "node {i}: u = {u}, exact {exact}"
        );
    }
    let b = &out.boundary;
    assert!(
        (b.inflow - a).abs() < 1e-10 && (b.outflow - a).abs() < 1e-10,
        "inflow {}, outflow {}, exact {a}",
        b.inflow,
        b.outflow
    );
}

#[test]
fn inlet_and_outlet_on_ymin_and_ymax() {
    // The distorted channel turned on its side (x and y swapped): inflow through y = 0, u = 0
    // at y = L, so u = γ (L − y) and v = (0, γ).
    let (length, g) = (3.0, 2.5);
    let mut mesh = distorted_channel(12, 5, length, 1.0, 0.3, 9);
    std::mem::swap(&mut mesh.x, &mut mesh.y);
    let opts = SolveOptions {
        bc: BoundaryOptions {
            inlet: Some(potflow::bc::BoundarySpec::YMin),
            outlet: Some(potflow::bc::BoundarySpec::YMax),
            ..BoundaryOptions::default()
        },
        ..tight()
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    for (i, &u) in out.u.iter().enumerate() {
        let exact = g * (length - mesh.y[i]);
        assert!(
            (u - exact).abs() < 1e-10,
            "node {i}: u = {u}, exact {exact}"
        );
    }
    for (e, v) in out.fields.vel.iter().enumerate() {
        assert!(
            v[0].abs() < 1e-10 && (v[1] - g).abs() < 1e-10,
            "element {e}: v = {v:?}"
        );
    }
    assert_eq!(out.boundary.inlet, "ymin");
    assert!((out.boundary.inflow - g).abs() < 1e-12);
    assert!((out.boundary.outflow - g).abs() < 1e-10);
}

/// L2 errors of u and of grad u against `exact` (value, gradient), by 3×3 Gauss.
fn l2_errors(
    mesh: &PreparedMesh,
    u: &[f64],
    exact: impl Fn(f64, f64) -> (f64, [f64; 2]),
) -> (f64, f64) {
    let (mut eu, mut ev) = (0.0, 0.0);
    for e in 0..mesh.elements() {
        let xy = mesh.element_xy(e);
        let ue: [f64; NODES] = mesh.elements[e].map(|k| u[k as usize]);
        for (xi, eta, w) in gauss3x3() {
            let n = shape(xi, eta);
            let (b, det) = gradients(xi, eta, &xy);
            let x: f64 = (0..NODES).map(|k| n[k] * xy[k][0]).sum();
            let y: f64 = (0..NODES).map(|k| n[k] * xy[k][1]).sum();
            let uh: f64 = (0..NODES).map(|k| n[k] * ue[k]).sum();
            let gx: f64 = (0..NODES).map(|k| b[0][k] * ue[k]).sum();
            let gy: f64 = (0..NODES).map(|k| b[1][k] * ue[k]).sum();
            let (ux, [dx, dy]) = exact(x, y);
            eu += w * det * (uh - ux).powi(2);
            ev += w * det * ((gx - dx).powi(2) + (gy - dy).powi(2));
        }
    }
    (eu.sqrt(), ev.sqrt())
}

/// Least-squares slope of log(err) against log(h).
fn fitted_rate(h: &[f64], err: &[f64]) -> f64 {
    let lx: Vec<f64> = h.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = err.iter().map(|v| v.ln()).collect();
    let n = lx.len() as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// u = eˣ sin y (harmonic) imposed on the whole boundary of the unit square meshed n × n,
/// solved through the general Dirichlet interface to rtol 1e-14: the mesh and uₕ.
fn harmonic_on_unit_square(n: usize) -> (PreparedMesh, Vec<f64>) {
    harmonic_imposed(
        PreparedMesh::prepare(&generate::channel(n, n, 1.0, 1.0)).unwrap(),
        1.0,
    )
}

/// u = eˣ sin y imposed on the boundary of `mesh`, the rectangle [0, width] × [0, 1], and
/// solved through the general Dirichlet interface to rtol 1e-14: the mesh and uₕ.
fn harmonic_imposed(mesh: PreparedMesh, width: f64) -> (PreparedMesh, Vec<f64>) {
    let on_boundary = |p: &[f64; 2]| p[0] == 0.0 || p[0] == width || p[1] == 0.0 || p[1] == 1.0;
    let nodes: Vec<u32> = (0..mesh.nodes() as u32)
        .filter(|&i| on_boundary(&mesh.xy[i as usize]))
        .collect();
    let values: Vec<f64> = nodes
        .iter()
        .map(|&i| {
            let [x, y] = mesh.xy[i as usize];
            x.exp() * y.sin()
        })
        .collect();
    let (u, outcome) = solve::solve_dirichlet(
        &mesh,
        &nodes,
        &values,
        SolverKind::Jacobi,
        CgOptions {
            rtol: 1e-14,
            max_iter: 100_000,
        },
    )
    .unwrap();
    assert!(outcome.converged);
    (mesh, u)
}

#[test]
fn convergence_rates_for_an_exact_harmonic_solution() {
    // u = eˣ sin y is harmonic; impose it on the whole boundary of the unit square through the
    // general Dirichlet interface. Quad-8 on rectangles: ‖u − uₕ‖ ~ h³, ‖∇(u − uₕ)‖ ~ h².
    let exact = |x: f64, y: f64| (x.exp() * y.sin(), [x.exp() * y.sin(), x.exp() * y.cos()]);
    let (mut hs, mut eus, mut evs) = (vec![], vec![], vec![]);
    for n in [4, 8, 16, 32] {
        let (mesh, u) = harmonic_on_unit_square(n);
        let (eu, ev) = l2_errors(&mesh, &u, exact);
        hs.push(1.0 / n as f64);
        eus.push(eu);
        evs.push(ev);
    }
    let (ru, rv) = (fitted_rate(&hs, &eus), fitted_rate(&hs, &evs));
    eprintln!("L2(u) errors {eus:?} rate {ru:.3}; L2(grad u) errors {evs:?} rate {rv:.3}");
    assert!(
        (ru - 3.0).abs() < 0.05,
        "u converges at rate {ru}, expected 3"
    );
    assert!(
        (rv - 2.0).abs() < 0.05,
        "grad u converges at rate {rv}, expected 2"
    );
}

#[test]
fn serial_and_parallel_assembly_give_identical_matrices() {
    let mesh = PreparedMesh::prepare(&distorted_channel(40, 20, 4.0, 1.0, 0.25, 11)).unwrap();
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let serial = pool(1).install(|| assemble(&mesh).matrix);
    for threads in [2, 3, 7] {
        let parallel = pool(threads).install(|| assemble(&mesh).matrix);
        assert_eq!(serial.indptr(), parallel.indptr());
        assert_eq!(serial.indices(), parallel.indices());
        let same_bits = serial
            .data()
            .iter()
            .zip(parallel.data())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same_bits, "{threads} threads changed a value");
    }
}

#[test]
fn chunked_assembly_sums_each_entry_in_element_order_whatever_the_chunks() {
    // The reference: every slot added into a map keyed by (row, column), element after
    // element. The CSR assembly must have exactly these entries, with the same bits, for any
    // chunk size: a dropped, doubled or misplaced slot, or a different summation order, fails.
    let mesh = PreparedMesh::prepare(&distorted_channel(17, 9, 3.0, 1.0, 0.3, 5)).unwrap();
    let slots = stiffness_slots(&mesh);
    let mut reference = std::collections::BTreeMap::new();
    for (el, k) in mesh.elements.iter().zip(slots.chunks_exact(SLOTS)) {
        for (a, &row) in el.iter().enumerate() {
            for (b, &col) in el.iter().enumerate() {
                *reference.entry((row, col)).or_insert(0.0) += k[NODES * a + b];
            }
        }
    }
    let pattern = CsrPattern::new(mesh.nodes(), &mesh.elements);
    for chunk in [1, 4, 37, mesh.elements()] {
        let mut values = pattern.zero_values();
        for (c, part) in slots.chunks(chunk * SLOTS).enumerate() {
            pattern.add_slots(&mesh.elements, c * chunk, part, &mut values);
        }
        let matrix = pattern.clone().into_matrix(values);
        let entries: Vec<((u32, u32), f64)> = matrix
            .outer_iterator()
            .enumerate()
            .flat_map(|(i, row)| {
                row.iter()
                    .map(move |(j, &v)| ((i as u32, j as u32), v))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(entries.len(), reference.len(), "chunks of {chunk}");
        for ((key, v), (ref_key, ref_v)) in entries.iter().zip(&reference) {
            assert_eq!(key, ref_key, "chunks of {chunk}: pattern");
            assert_eq!(
                v.to_bits(),
                ref_v.to_bits(),
                "chunks of {chunk}: entry {key:?}"
            );
        }
    }
}

#[test]
fn scatter_keeps_the_assembled_matrix_symmetric_with_zero_row_sums() {
    // Each element matrix is symmetric with zero row sums by construction; this checks the
    // CSR pattern and the slot scatter, which would break both by misplacing or dropping a
    // slot.
    let mesh = PreparedMesh::prepare(&distorted_channel(10, 6, 2.0, 1.0, 0.3, 3)).unwrap();
    let a = assemble(&mesh).matrix;
    let dense = a.to_dense();
    let scale = dense.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for i in 0..a.rows() {
        let row: f64 = dense.row(i).sum();
        assert!(row.abs() < 1e-13 * scale);
        for j in 0..a.cols() {
            assert!((dense[[i, j]] - dense[[j, i]]).abs() < 1e-14 * scale);
        }
    }
}

#[test]
fn disconnected_piece_without_outlet_is_reported_singular() {
    // Two channels side by side in y, only the first reaching x = xmax.
    let mut mesh = generate::channel(4, 2, 2.0, 1.0);
    let other = generate::channel(2, 2, 1.0, 1.0);
    let offset = mesh.nodes() as u32;
    mesh.x.extend(other.x.iter());
    mesh.y.extend(other.y.iter().map(|y| y + 5.0));
    mesh.quad8
        .extend(other.quad8.iter().map(|el| el.map(|k| k + offset)));
    let err = solve::run(
        &mesh,
        &SolveOptions::default(),
        Kernels::Cpu,
        0.0,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("singular"), "{err}");
}

#[test]
fn recovered_nodal_velocity_is_exact_for_a_linear_potential_on_a_distorted_mesh() {
    // The projection of a constant gradient is that constant: the constants are in the Quad-8
    // space. Through the whole pipeline (nodal_velocity on), on a distorted shuffled mesh with
    // clockwise elements: v = (g, 0) at every used node, |v| = g, p = p0 − ½ρg², up to the
    // mass solves' stopping point (relative residual 1e-10, times the scaled mass matrix's
    // condition number, well below 1e3: 1e-7 of g).
    let (length, g) = (3.0, 2.5);
    let mesh = distorted_channel(12, 5, length, 1.0, 0.3, 7);
    let opts = SolveOptions {
        nodal_velocity: true,
        ..tight()
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    let nodal = out.nodal.as_ref().expect("recovered");
    assert_eq!(nodal.velocity.len(), mesh.x.len());
    let p = opts.pressure.p0 - 0.5 * opts.pressure.rho * g * g;
    for (i, v) in nodal.velocity.iter().enumerate() {
        assert!(
            (v[0] - g).abs() < 1e-7 * g && v[1].abs() < 1e-7 * g,
            "node {i}: v = {v:?}"
        );
        assert!((nodal.abs_vel[i] - g).abs() < 1e-7 * g);
        // p moves by ρ |v| δ|v|: 1.225 × 2.5 × 2.5e-7 ≈ 8e-7 Pa at most.
        assert!((nodal.pressure[i] - p).abs() < 1e-6);
    }
    // Without the option nothing is recovered (and nothing is paid for).
    let plain = solve::run(&mesh, &tight(), Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    assert!(plain.nodal.is_none());
}

#[test]
fn recovered_velocity_converges_faster_than_the_element_values() {
    // u = eˣ sin y on the unit square, imposed on the boundary; v = −∇u. In L2 the element
    // velocity (one value per element, as the reference reports it) converges like h, the L2
    // projection of −∇uₕ onto the nodes like h² (the rate of ∇uₕ itself).
    let exact_v = |x: f64, y: f64| [-x.exp() * y.sin(), -x.exp() * y.cos()];
    let (mut hs, mut e_elem, mut e_nodal) = (vec![], vec![], vec![]);
    for n in [4, 8, 16, 32] {
        let (mesh, u) = harmonic_on_unit_square(n);
        let nodal = potflow::recovery::nodal_velocity(&mesh, &u).unwrap();
        let elem = potflow::post::velocity_cpu(&mesh, &u, Default::default());
        let (mut ee, mut en) = (0.0, 0.0);
        for e in 0..mesh.elements() {
            let xy = mesh.element_xy(e);
            let el = mesh.elements[e];
            for (xi, eta, w) in gauss3x3() {
                let nf = shape(xi, eta);
                let (_, det) = gradients(xi, eta, &xy);
                let x: f64 = (0..NODES).map(|k| nf[k] * xy[k][0]).sum();
                let y: f64 = (0..NODES).map(|k| nf[k] * xy[k][1]).sum();
                let v = exact_v(x, y);
                let vn = [0, 1].map(|c| {
                    (0..NODES)
                        .map(|k| nf[k] * nodal[el[k] as usize][c])
                        .sum::<f64>()
                });
                let ve = elem.vel[e];
                ee += w * det * ((ve[0] - v[0]).powi(2) + (ve[1] - v[1]).powi(2));
                en += w * det * ((vn[0] - v[0]).powi(2) + (vn[1] - v[1]).powi(2));
            }
        }
        hs.push(1.0 / n as f64);
        e_elem.push(ee.sqrt());
        e_nodal.push(en.sqrt());
    }
    let (re, rn) = (fitted_rate(&hs, &e_elem), fitted_rate(&hs, &e_nodal));
    eprintln!("element velocity: {e_elem:?} rate {re:.3}; recovered: {e_nodal:?} rate {rn:.3}");
    assert!(
        (re - 1.0).abs() < 0.1,
        "element values converge at {re}, expected 1"
    );
    assert!(
        rn > 1.9,
        "the recovered velocity converges at {rn}, expected 2 or more"
    );
    assert!(e_nodal[3] < 0.01 * e_elem[3]);
}

/// u = eˣ sin y imposed on the boundary of the rectangle [0, 3] × [0, 1] (`distorted`: its
/// interior corners moved by up to 0.3 of a cell, elements shuffled, half of them clockwise)
/// or of the unit square, meshed n × n, solved to rtol 1e-14: the mesh and uₕ.
fn harmonic_on(n: usize, distorted: bool) -> (PreparedMesh, Vec<f64>) {
    if !distorted {
        return harmonic_on_unit_square(n);
    }
    let mesh = PreparedMesh::prepare(&distorted_channel(3 * n, n, 3.0, 1.0, 0.3, 11)).unwrap();
    harmonic_imposed(mesh, 3.0)
}

/// ‖a − b‖ in L2 for two nodal vector fields (`b`: None for the exact v = −∇(eˣ sin y)).
fn l2_distance(mesh: &PreparedMesh, a: &[[f64; 2]], b: Option<&[[f64; 2]]>) -> f64 {
    let mut sum = 0.0;
    for e in 0..mesh.elements() {
        let xy = mesh.element_xy(e);
        let el = mesh.elements[e];
        for (xi, eta, w) in gauss3x3() {
            let nf = shape(xi, eta);
            let (_, det) = gradients(xi, eta, &xy);
            let at = |f: &[[f64; 2]], c: usize| {
                (0..NODES)
                    .map(|k| nf[k] * f[el[k] as usize][c])
                    .sum::<f64>()
            };
            let (x, y) = (
                (0..NODES).map(|k| nf[k] * xy[k][0]).sum::<f64>(),
                (0..NODES).map(|k| nf[k] * xy[k][1]).sum::<f64>(),
            );
            let other = match b {
                Some(b) => [at(b, 0), at(b, 1)],
                None => [-x.exp() * y.sin(), -x.exp() * y.cos()],
            };
            sum += w * det.abs() * ((at(a, 0) - other[0]).powi(2) + (at(a, 1) - other[1]).powi(2));
        }
    }
    sum.sqrt()
}

#[test]
fn the_recovery_s_stopping_point_leaves_the_discretisation_error_alone() {
    // The run's recovery starts from the nodal average of −∇uₕ and stops when its residual has
    // fallen by recovery::REDUCTION. Against the projection solved to round-off (a residual
    // cut by 1e-12, floored at 1e-10 of the right-hand side), on the square and on a
    // distorted, shuffled rectangle, from coarse to fine: the run's field is within 1% of the
    // discretisation error of the exact projection, so its error is that error.
    use potflow::post::Jumps;
    use potflow::recovery::{nodal_velocity, nodal_velocity_to};
    for distorted in [false, true] {
        for n in [4, 8, 16, 32] {
            let (mesh, u) = harmonic_on(n, distorted);
            let exact = nodal_velocity_to(&mesh, &u, &Jumps::default(), 1e-12).unwrap();
            let start = nodal_velocity_to(&mesh, &u, &Jumps::default(), 1.0).unwrap();
            let run = nodal_velocity(&mesh, &u).unwrap();
            let error = l2_distance(&mesh, &exact, None);
            let (algebraic, from_start) = (
                l2_distance(&mesh, &run, Some(&exact)),
                l2_distance(&mesh, &start, Some(&exact)),
            );
            eprintln!(
                "distorted {distorted}, n {n}: error {error:.3e}; the start is {:.3} of it \
                 away, the run {:.2e}",
                from_start / error,
                algebraic / error
            );
            assert!(algebraic < 0.01 * error, "n {n}: {algebraic} vs {error}");
        }
    }
}

#[test]
fn the_path_integrated_start_of_psi_is_within_the_discretisation_error() {
    // u = eˣ sin y has ψ = eˣ cos y (∇ψ = (u_y, −u_x)). ψ's CG in a run starts from ψ
    // integrated along element edges: on the square and on a distorted, shuffled rectangle
    // its distance from ψ (up to a constant, the largest at any node, relative to ψ's range)
    // is about 1e-3 at 8 × 8 and shrinks like h² (h^1.6 on the distorted mesh), and
    // for a linear potential it is exact (the midpoint rule integrates a constant gradient
    // along a quadratic edge exactly).
    use potflow::recovery::path::path_integrated;
    use std::collections::HashMap;
    for distorted in [false, true] {
        let mut errors = Vec::new();
        for n in [8, 16] {
            let (mesh, u) = harmonic_on(n, distorted);
            let guess = path_integrated(&mesh, &u, &HashMap::new());
            let diff: Vec<f64> = (0..mesh.nodes())
                .map(|k| guess[k] - mesh.xy[k][0].exp() * mesh.xy[k][1].cos())
                .collect();
            let mean = diff.iter().sum::<f64>() / diff.len() as f64;
            let psi = |k: usize| mesh.xy[k][0].exp() * mesh.xy[k][1].cos();
            let range = (0..mesh.nodes()).map(psi).fold(f64::NEG_INFINITY, f64::max)
                - (0..mesh.nodes()).map(psi).fold(f64::INFINITY, f64::min);
            errors.push(diff.iter().fold(0.0f64, |m, d| m.max((d - mean).abs())) / range);
        }
        // Measured 1.0e-3 → 2.5e-4 on the square (h²), 1.1e-3 → 3.5e-4 distorted (h^1.6).
        eprintln!("distorted {distorted}: path-integrated ψ off by {errors:?} of its range");
        assert!(errors[0] < 2e-3, "{errors:?}");
        assert!(errors[1] < 0.4 * errors[0], "{errors:?}");
    }
    let mesh = PreparedMesh::prepare(&distorted_channel(12, 5, 3.0, 1.0, 0.3, 7)).unwrap();
    let u: Vec<f64> = mesh.xy.iter().map(|p| 2.5 * (3.0 - p[0])).collect();
    let guess = path_integrated(&mesh, &u, &HashMap::new());
    let offset = guess[0] - 2.5 * mesh.xy[0][1];
    for (k, g) in guess.iter().enumerate() {
        assert!(
            (g - 2.5 * mesh.xy[k][1] - offset).abs() < 1e-12,
            "node {k}: {g}"
        );
    }
}

/// Solves `mesh` with the given `--bc` conditions to rtol 1e-10 (AMG-CG stalls on round-off
/// before 1e-13 on meshes of tens of thousands of nodes).
fn solve_with(mesh: &potflow::mesh::Mesh, conditions: &[&str]) -> potflow::outcome::Outcome {
    let opts = SolveOptions {
        bc: BoundaryOptions {
            conditions: conditions.iter().map(|c| c.parse().unwrap()).collect(),
            ..BoundaryOptions::default()
        },
        cg: CgOptions {
            rtol: 1e-10,
            max_iter: 1_000,
        },
        ..SolveOptions::default()
    };
    let out = solve::run(mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    assert!(out.cg.converged, "{:?}", out.cg);
    out
}

#[test]
fn cylinder_in_a_uniform_stream_matches_the_analytic_surface_pressure() {
    // Potential flow past a cylinder of radius R in a uniform stream U: on the surface
    // |v| = 2U|sin θ|, Cp = 1 − 4 sin²θ, and no force (d'Alembert). The far field at 40 R holds
    // the stream's potential, which the exact annulus solution u = −U (r + R²/r) cos θ / (1 +
    // (R/R∞)²) turns into a surface speed 0.06% low: Cp within 0.01 of the infinite-domain
    // formula is the check, and against the annulus solution the error must fall like
    // h² under refinement.
    let (radius, far): (f64, f64) = (0.5, 20.0);
    let annulus = 1.0 / (1.0 + (radius / far).powi(2));
    let model = potflow::element::PressureModel::default();
    let mut errors = Vec::new();
    for nodes in [5_000, 20_000, 80_000] {
        let mesh = generate::by_name("cylinder_in_stream", nodes).unwrap();
        let out = solve_with(&mesh, &["farfield=stream:1"]);
        // The far field carries as much in as out.
        let net: f64 = out.boundary.groups.iter().map(|g| g.inflow).sum();
        assert!(net.abs() < 1e-6, "net inflow {net}");
        let s = potflow::surface::surface(
            &mesh,
            &out.u,
            None,
            "cylinder",
            potflow::surface::NormalVelocity::Wall,
            model,
            1.0,
            0.0,
        )
        .unwrap();
        assert!(
            (s.length - 2.0 * std::f64::consts::PI * radius).abs() < 1e-6,
            "{}",
            s.length
        );
        assert!((s.reference_length - 2.0 * radius).abs() < 1e-3 * radius);
        let (mut worst_infinite, mut worst_annulus) = (0.0f64, 0.0f64);
        for r in &s.rows {
            let sin = r.y.atan2(r.x).sin();
            worst_infinite = worst_infinite.max((r.cp - (1.0 - 4.0 * sin * sin)).abs());
            let v = 2.0 * annulus * sin.abs();
            worst_annulus = worst_annulus.max((r.cp - (1.0 - v * v)).abs());
        }
        eprintln!(
            "{nodes}: {} surface nodes, Cp off by {worst_infinite:.2e} (infinite), \
             {worst_annulus:.2e} (annulus); Cx {:.1e}, Cy {:.1e}",
            s.rows.len(),
            s.cx,
            s.cy
        );
        assert!(
            s.cx.abs() < 1e-3 && s.cy.abs() < 1e-3,
            "d'Alembert: {} {}",
            s.cx,
            s.cy
        );
        errors.push((worst_infinite, worst_annulus));
    }
    assert!(errors[2].0 < 0.01, "{errors:?}");
    // Nodes ×4 halve h: the error against the annulus solution drops by about 4 per step.
    assert!(
        errors[1].1 < 0.4 * errors[0].1 && errors[2].1 < 0.4 * errors[1].1,
        "{errors:?}"
    );
}

#[test]
fn two_outlets_at_different_potentials_split_the_flow_as_the_1d_solution_says() {
    // The t_junction: inflow 1 m/s through its inlet (x = 0, height 1), the main outlet
    // (x = 6) at u = 0, the branch's closed top (y = 3) opened as a second outlet at u = U.
    // Far from the junction the flow is 1-D in each leg: a leg of length L carrying q has a
    // potential drop q L. With the junction's potential u_j, the main leg carries u_j / 3 (it
    // runs from x = 3 to 6) and the branch (u_j − U) / 2 (from y = 1 to 3); the split depends
    // on U, and the fluxes balance whatever it is.
    let mesh = generate::by_name("t_junction", 30_000).unwrap();
    let base = solve_with(
        &mesh,
        &["inlet=velocity:1", "outlet=potential:0", "ymax=potential:0"],
    );
    let shifted = solve_with(
        &mesh,
        &["inlet=velocity:1", "outlet=potential:0", "ymax=potential:1"],
    );
    for out in [&base, &shifted] {
        let net: f64 = out.boundary.groups.iter().map(|g| g.inflow).sum();
        assert!(net.abs() < 1e-7, "net inflow {net}");
        assert!((out.boundary.groups[0].inflow - 1.0).abs() < 1e-12);
    }
    // Raising the branch's potential by 1 moves flow from it to the main outlet: by linearity
    // the change is the same as driving the two outlets against each other, and in the 1-D
    // picture that is 1 / (3 + 2) = 0.2 m²/s through the legs in series; the junction region
    // adds a little resistance, so the measured shift lies within 15% of it.
    let shift = shifted.boundary.groups[1].inflow - base.boundary.groups[1].inflow;
    let branch_shift = shifted.boundary.groups[2].inflow - base.boundary.groups[2].inflow;
    eprintln!(
        "raising the branch outlet by 1 moves {:.4} m²/s to the main outlet",
        -shift
    );
    assert!((shift + branch_shift).abs() < 1e-7);
    assert!(
        (-shift - 0.2).abs() < 0.15 * 0.2,
        "main outlet gains {}",
        -shift
    );
}

#[test]
fn surface_normals_point_out_of_the_fluid_and_forces_integrate_the_pressure() {
    // Uniform flow γ = 2.5 along the 8 × 1 channel: p is constant, so the pressure force on the
    // outlet (x = 8) is p · 1 in +x and on the inlet (x = 0) p · 1 in −x. The inlet's speed
    // comes from its inflow condition, the outlet's from the recovered velocity's normal part.
    let mesh = generate::by_name("channel", 3_000).unwrap();
    let opts = SolveOptions {
        nodal_velocity: true,
        cg: CgOptions {
            rtol: 1e-10,
            max_iter: 1_000,
        },
        ..SolveOptions::default()
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    let gamma = opts.bc.inlet_velocity;
    let p = opts.pressure.pressure(gamma);
    let nodal = out.nodal.as_ref().map(|n| n.velocity.as_slice());
    use potflow::surface::{surface, NormalVelocity};
    let outlet = surface(
        &mesh,
        &out.u,
        nodal,
        "outlet",
        NormalVelocity::Recovered,
        opts.pressure,
        gamma,
        0.0,
    )
    .unwrap();
    let inlet = surface(
        &mesh,
        &out.u,
        nodal,
        "inlet",
        NormalVelocity::Inflow(gamma),
        opts.pressure,
        gamma,
        0.0,
    )
    .unwrap();
    for (s, sign) in [(&outlet, 1.0), (&inlet, -1.0)] {
        assert!((s.length - 1.0).abs() < 1e-12);
        assert!(
            (s.fx - sign * p).abs() < 1e-6 * p,
            "{}: fx {} vs {}",
            s.group,
            s.fx,
            sign * p
        );
        assert!(s.fy.abs() < 1e-6 * p);
        for r in &s.rows {
            assert!((r.abs_vel - gamma).abs() < 1e-8, "{}: {r:?}", s.group);
            assert!(r.cp.abs() < 1e-8);
        }
        // Rows run along the edge chain: arc length from 0 to the length, by the nodes.
        assert_eq!(s.rows[0].arc_length, 0.0);
        assert!((s.rows.last().unwrap().arc_length - 1.0).abs() < 1e-12);
        assert!(s.rows.windows(2).all(|w| w[1].arc_length > w[0].arc_length));
    }
}

#[test]
fn the_stream_function_is_constant_on_walls_and_measures_the_flow_between_them() {
    // The channel with a cylinder: inflow 2.5 m/s through its unit-high inlet. ψ must be
    // constant along the bottom wall, the top wall and the cylinder, the top and bottom walls
    // must differ by the flow between them (2.5 m²/s), and ∇ψ ⟂ v: all to discretisation
    // order (ψ's wall values come from a natural condition), so each error is small and
    // shrinks when the mesh is refined (4× the nodes, h / 2).
    let mut orthogonality = Vec::new();
    let mut wall_errors = Vec::new();
    for nodes in [5_000, 20_000] {
        let mesh = generate::by_name("channel_with_cylinder", nodes).unwrap();
        let prepared = PreparedMesh::prepare(&mesh).unwrap();
        let out = solve::run(
            &mesh,
            &SolveOptions {
                cg: CgOptions {
                    rtol: 1e-11,
                    max_iter: 1_000,
                },
                ..SolveOptions::default()
            },
            Kernels::Cpu,
            0.0,
            &mut |_| {},
        )
        .unwrap();
        let u: Vec<f64> = prepared
            .input_node
            .iter()
            .map(|&i| out.u[i as usize])
            .collect();
        let psi = potflow::recovery::stream_function(&prepared, &u).unwrap();
        let on = |pred: &dyn Fn(f64, f64) -> bool| -> (f64, f64) {
            (0..prepared.nodes())
                .filter(|&k| pred(prepared.xy[k][0], prepared.xy[k][1]))
                .map(|k| psi[k])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let bottom = on(&|_, y| y == 0.0);
        let top = on(&|_, y| y == 1.0);
        let cylinder = on(&|x, y| ((x - 1.0).hypot(y - 0.5) - 0.15).abs() < 1e-9);
        let flow = 2.5;
        // The worst of: ψ's spread along each wall, the top-bottom difference against the
        // flow, and the cylinder against the centre value (half the flow passes on each side).
        let error = [
            bottom.1 - bottom.0,
            top.1 - top.0,
            cylinder.1 - cylinder.0,
            ((top.0 - bottom.0).abs() - flow).abs(),
            (cylinder.0 - 0.5 * (top.0 + bottom.0)).abs(),
        ]
        .into_iter()
        .fold(0.0f64, f64::max)
            / flow;
        wall_errors.push(error);
        let mut cos_sum = 0.0;
        let mut count = 0.0;
        for e in 0..prepared.elements() {
            let xy = prepared.element_xy(e);
            let el = prepared.elements[e];
            for (xi, eta, _) in gauss3x3() {
                let (d, _) = gradients(xi, eta, &xy);
                let g = |f: &[f64], c: usize| {
                    (0..NODES).map(|k| d[c][k] * f[el[k] as usize]).sum::<f64>()
                };
                let (v, gp) = ([-g(&u, 0), -g(&u, 1)], [g(&psi, 0), g(&psi, 1)]);
                let norm = v[0].hypot(v[1]) * gp[0].hypot(gp[1]);
                if norm > 0.0 {
                    cos_sum += ((v[0] * gp[0] + v[1] * gp[1]) / norm).abs();
                    count += 1.0;
                }
            }
        }
        orthogonality.push(cos_sum / count);
    }
    eprintln!("mean |cos(∇ψ, v)|: {orthogonality:?}; walls, relative to the flow: {wall_errors:?}");
    assert!(wall_errors[0] < 1e-3, "{wall_errors:?}");
    assert!(wall_errors[1] < 0.5 * wall_errors[0], "{wall_errors:?}");
    assert!(orthogonality[0] < 1e-2, "{orthogonality:?}");
    assert!(
        orthogonality[1] < 0.5 * orthogonality[0],
        "{orthogonality:?}"
    );
}

#[test]
fn the_run_s_stream_function_agrees_with_the_neumann_problem() {
    // Within a run ψ is solved with the potential's own matrix and hierarchy, its values on
    // the potential's Dirichlet nodes integrated along the boundary (dψ/ds = v·n, the
    // recovered velocity where u is fixed); the Neumann problem, solved on its own, is the
    // reference. They are two discretisations of one ψ: they differ near the Dirichlet
    // boundary by the error of v·n there, O(h²), so the difference (relative to ψ's range,
    // the flow through the domain) must be small and shrink as h halves (4× the nodes). On
    // every generated geometry, a far field and `--bc` conditions among them.
    let cases: [(&str, &[&str]); 10] = [
        ("channel", &[]),
        ("venturi", &[]),
        ("backward_step", &[]),
        ("elbow_90", &[]),
        ("s_bend", &[]),
        ("t_junction", &[]),
        ("y_tube", &[]),
        ("channel_with_cylinder", &[]),
        ("cylinder_in_stream", &["farfield=stream:1@10"]),
        ("venturi", &["xmin=velocity:2", "xmax=potential:0"]),
    ];
    for (geometry, bc) in cases {
        let mut errors = Vec::new();
        for nodes in [5_000, 20_000] {
            let mesh = generate::by_name(geometry, nodes).unwrap();
            let prepared = PreparedMesh::prepare(&mesh).unwrap();
            let opts = SolveOptions {
                cg: CgOptions {
                    rtol: 1e-11,
                    max_iter: 1_000,
                },
                stream_function: true,
                bc: BoundaryOptions {
                    conditions: bc.iter().map(|s| s.parse().unwrap()).collect(),
                    ..BoundaryOptions::default()
                },
                ..SolveOptions::default()
            };
            let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
            let nodal = out.nodal.as_ref().unwrap();
            assert_eq!(
                nodal.stream_route,
                Some(potflow::recovery::StreamRoute::SolvesHierarchy),
                "{geometry}: ψ was not solved from the boundary"
            );
            let run = nodal.stream_function.clone().unwrap();
            let u: Vec<f64> = prepared
                .input_node
                .iter()
                .map(|&i| out.u[i as usize])
                .collect();
            let reference = prepared
                .to_input_order(&potflow::recovery::stream_function(&prepared, &u).unwrap());
            let used: Vec<usize> = prepared.input_node.iter().map(|&i| i as usize).collect();
            let range = used
                .iter()
                .map(|&i| reference[i])
                .fold(f64::NEG_INFINITY, f64::max)
                - used
                    .iter()
                    .map(|&i| reference[i])
                    .fold(f64::INFINITY, f64::min);
            let offset =
                used.iter().map(|&i| run[i] - reference[i]).sum::<f64>() / used.len() as f64;
            let error = used
                .iter()
                .map(|&i| (run[i] - reference[i] - offset).abs())
                .fold(0.0f64, f64::max)
                / range;
            errors.push(error);
        }
        eprintln!("{geometry}: ψ differences {errors:?}");
        // Measured 1e-8 to 5e-5 (2026-12-04). The floor is algebraic: both solves stop at a
        // relative residual of 1e-8, so differences below 1e-6 need not shrink.
        assert!(errors.iter().all(|&e| e < 1e-4), "{geometry}: {errors:?}");
        assert!(
            errors[1] < 0.5 * errors[0] || errors[1] < 1e-6,
            "{geometry}: {errors:?}"
        );
    }
}

#[test]
fn where_the_boundary_does_not_fix_psi_the_run_solves_the_neumann_problem() {
    // A Robin inflow changes the matrix, so ψ cannot borrow it: the run falls back to the
    // Neumann problem with a set-up of its own, and its ψ is that problem's.
    let mesh = generate::by_name("venturi", 3_000).unwrap();
    let prepared = PreparedMesh::prepare(&mesh).unwrap();
    let opts = SolveOptions {
        stream_function: true,
        bc: BoundaryOptions {
            robin_p: 0.5,
            ..BoundaryOptions::default()
        },
        ..tight()
    };
    let out = solve::run(&mesh, &opts, Kernels::Cpu, 0.0, &mut |_| {}).unwrap();
    let nodal = out.nodal.as_ref().unwrap();
    assert_eq!(
        nodal.stream_route,
        Some(potflow::recovery::StreamRoute::OwnSetUp)
    );
    let u: Vec<f64> = prepared
        .input_node
        .iter()
        .map(|&i| out.u[i as usize])
        .collect();
    let reference =
        prepared.to_input_order(&potflow::recovery::stream_function(&prepared, &u).unwrap());
    let run = nodal.stream_function.as_ref().unwrap();
    let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // Two solves of one system to 1e-8: they agree far below ψ's scale.
    for (a, b) in run.iter().zip(&reference) {
        assert!((a - b).abs() < 1e-6 * scale, "{a} against {b}");
    }
}
