//! The summary `potflow solve` prints: the mesh, the backend and why, the solver's account,
//! the boundary fluxes, the surfaces, the ranges and the stage table, all read from the
//! report and the outcome.

use potflow::outcome::Outcome;
use potflow::output::report::Report;

/// Prints the summary of a run on stdout.
pub fn print(r: &Report, o: &Outcome) {
    let m = &r.mesh;
    println!("potflow {}: {}", r.potflow_version, m.path);
    println!(
        "  mesh      {} nodes ({} unused), {} elements ({} reoriented), {} nonzeros",
        m.nodes, m.unused_nodes, m.elements, m.reoriented_elements, m.nnz
    );
    match &r.gpu {
        Some(g) => println!(
            "  backend   gpu: {} ({}{}, {}), {} host threads{} [{}]",
            g.adapter,
            g.backend,
            if g.software_device {
                ", software device"
            } else {
                ""
            },
            g.precision,
            r.threads,
            if g.fallbacks.is_empty() {
                String::new()
            } else {
                format!("; finished on the CPU: {}", g.fallbacks.join("; "))
            },
            r.backend_reason
        ),
        None => println!(
            "  backend   cpu ({} threads) [{}]",
            r.threads, r.backend_reason
        ),
    }
    println!(
        "  solver    {}-CG{}{}: {} iterations, relative residual {:.2e} (rtol {:.0e}){}",
        r.solver.name,
        match r.solver.operator_complexity {
            Some(oc) => format!(
                " ({} levels, operator complexity {oc:.2})",
                r.solver.levels.len()
            ),
            None => String::new(),
        },
        match &r.solver.gpu {
            Some(g) => format!(
                " on the GPU in f32, {} f64 residual checks",
                g.outer_iterations
            ),
            None => String::new(),
        },
        r.solver.iterations,
        r.solver.relative_residual,
        r.solver.rtol,
        if r.solver.converged {
            ""
        } else {
            "  NOT CONVERGED"
        }
    );
    let b = &o.boundary;
    if b.by_group {
        for g in &b.groups {
            println!(
                "  bc        {} {}: {} nodes, {} edges; inflow {:.6} m²/s",
                g.on, g.condition, g.nodes, g.edges, g.inflow
            );
        }
        let net: f64 = b.groups.iter().map(|g| g.inflow).sum();
        println!("  balance   net inflow {net:.3e} m²/s (walls carry none)");
    } else {
        println!(
            "  inlet     {}: {} nodes, {} edges; inflow {:.6} m²/s",
            b.inlet, b.inlet_nodes, b.inlet_edges, b.inflow
        );
        println!(
            "  outlet    {}: {} nodes; outflow {:.6} m²/s",
            b.outlet, b.outlet_nodes, b.outflow
        );
    }
    for f in &r.surfaces {
        println!(
            "  surface   {}: length {:.6} m; force ({:.6e}, {:.6e}) N/m; Cx {:.3e}, Cy {:.3e} \
             (U_ref {} m/s, ℓ {:.6} m); rows run {}",
            f.group, f.length, f.fx, f.fy, f.cx, f.cy, f.u_ref, f.reference_length, f.runs
        );
        if let Some(l) = &f.lift {
            let how = match r.circulation.as_ref() {
                Some(c) if c.rule == "kutta" => format!(
                    "the Kutta condition at ({:.6}, {:.6}); the wake cut along {} elements",
                    l.trailing_edge[0] + 0.0,
                    l.trailing_edge[1] + 0.0,
                    c.cut_elements
                ),
                _ => "given".to_string(),
            };
            println!(
                "  lift      {}: Γ {:.6} m²/s ({how}); Cl {:.5} (2Γ/Uc {:.5}), Cd {:.2e}, \
                 Cm(c/4) {:.5} at α {:.3}°, chord {:.6} m",
                f.group, l.circulation, l.cl, l.cl_circulation, l.cd, l.cm_c4, l.alpha, l.chord
            );
            if let Some(c) = &l.compressible {
                println!(
                    "  mach      {}: M {}: Cl {:.5} (Karman-Tsien; Prandtl-Glauert {:.5}), \
                     Cd {:.2e}, Cm(c/4) {:.5}; Cp min {:.4} ({:.4} incompressible), critical {:.4}",
                    f.group,
                    c.mach,
                    c.cl_karman_tsien,
                    c.cl_prandtl_glauert,
                    c.cd_karman_tsien,
                    c.cm_c4_karman_tsien,
                    c.cp_min_karman_tsien,
                    c.cp_min,
                    c.cp_critical
                );
                if c.supercritical {
                    println!(
                        "  note      {}: the corrected minimum Cp {:.4} lies below the critical \
                         {:.4}: the flow reaches the speed of sound there, and no correction of \
                         incompressible flow holds",
                        f.group, c.cp_min_karman_tsien, c.cp_critical
                    );
                }
            }
        }
        // A trailing edge where the Kutta condition holds is no longer singular.
        let kutta_edge = r
            .circulation
            .as_ref()
            .filter(|c| c.rule == "kutta" && c.group == f.group)
            .and_then(|c| c.trailing_edge);
        let singular: Vec<_> = f
            .sharp_edges
            .iter()
            .filter(|e| kutta_edge.is_none_or(|t| (e.x, e.y) != (t[0], t[1])))
            .collect();
        if let Some(sharpest) = singular
            .iter()
            .max_by(|a, b| a.fluid_angle_deg.total_cmp(&b.fluid_angle_deg))
        {
            let count = match singular.len() {
                1 => "a sharp edge".to_string(),
                n => format!("{n} sharp edges, the sharpest"),
            };
            println!(
                "  note      {}: {count} at ({:.6}, {:.6}), where the fluid turns round {:.0}°: \
                 the velocity is singular there, and without circulation (no Kutta condition) \
                 the flow goes round the edge, so the force near it is not physical",
                f.group,
                sharpest.x + 0.0,
                sharpest.y + 0.0,
                sharpest.fluid_angle_deg
            );
        }
    }
    if let Some(p) = &r.polar {
        polar(p);
    }
    let s = &r.solution;
    println!("  u         {:.6} .. {:.6} m²/s", s.u_min, s.u_max);
    let nodal = |lo: Option<f64>, hi: Option<f64>, digits: usize, unit: &str| match (lo, hi) {
        (Some(lo), Some(hi)) => format!("; at the nodes {lo:.digits$} .. {hi:.digits$} {unit}"),
        _ => String::new(),
    };
    println!(
        "  |v|       {:.6} .. {:.6} m/s element means{}",
        s.abs_vel_min,
        s.abs_vel_max,
        nodal(s.nodal_abs_vel_min, s.nodal_abs_vel_max, 6, "m/s")
    );
    println!(
        "  pressure  {:.4} .. {:.4} Pa element means{}",
        s.pressure_min,
        s.pressure_max,
        nodal(s.nodal_pressure_min, s.nodal_pressure_max, 4, "Pa")
    );
    let t = &r.timings;
    println!();
    println!("  stage      seconds");
    for (name, v, note) in [
        ("load", t.load, ""),
        ("assemble", t.assemble, ""),
        ("bc", t.bc, ""),
        ("solve", t.solve, ""),
        ("post", t.post, ""),
        ("total", t.total, "   load to post"),
        ("write", t.write, "   outputs"),
        (
            "wall",
            t.wall,
            "   the whole command: GPU set-up and outputs included",
        ),
    ] {
        println!("  {name:<9} {v:>8.3}{note}");
        if name == "solve" {
            println!(
                "    setup   {:>8.3}\n    iterate {:>8.3}",
                r.solver.setup_seconds, r.solver.iterate_seconds
            );
        }
        if name == "post" {
            println!("    velocity{:>8.3}   element values", t.velocity);
            if t.recovery > 0.0 {
                println!(
                    "    recovery{:>8.3}   nodal velocity, for the outputs",
                    t.recovery
                );
            }
            if let Some(route) = o.nodal.as_ref().and_then(|n| n.stream_route) {
                println!(
                    "    ψ       {:>8.3}   stream function, for the VTU and the streamlines ({}; \
                     at once with the recovery)",
                    t.stream_function,
                    route.describe()
                );
            }
        }
        if name == "total" && !r.surfaces.is_empty() {
            println!("  surfaces  {:>8.3}   --surface groups", t.surfaces);
        }
    }
    if r.gpu.is_some() {
        println!(
            "  gpu_setup {:>8.3}  (device, shaders, pipelines: once per process, not in total)",
            t.gpu_setup
        );
    }
}

/// The polar in two lines: its range and its lift slope, and the angles where a correction
/// for compressibility no longer holds.
fn polar(p: &potflow::lift::polar::Polar) {
    let (first, last) = match (p.points.first(), p.points.last()) {
        (Some(a), Some(b)) => (a, b),
        _ => return,
    };
    let slope = if p.points.len() > 1 && last.alpha != first.alpha {
        format!(
            ", on average {:.5} per degree",
            (last.cl - first.cl) / (last.alpha - first.alpha)
        )
    } else {
        String::new()
    };
    let cd = p.points.iter().map(|q| q.cd.abs()).fold(0.0, f64::max);
    println!(
        "  polar     {}: {} angles of attack, Cl {:.5} at {}° to {:.5} at {}°{slope}; |Cd| at most \
         {:.1e}; one set-up, one more solve ({} iterations)",
        p.group,
        p.points.len(),
        first.cl,
        first.alpha,
        last.cl,
        last.alpha,
        cd,
        p.iterations
    );
    let over: Vec<String> = p
        .points
        .iter()
        .filter(|q| q.compressible.is_some_and(|c| c.supercritical))
        .map(|q| format!("{}", q.alpha))
        .collect();
    if let (false, Some(c)) = (over.is_empty(), first.compressible) {
        println!(
            "  note      {}: at M {} the corrected minimum Cp passes the critical {:.4} at α {}°: \
             no correction of incompressible flow holds there",
            p.group,
            c.mach,
            c.cp_critical,
            over.join(", ")
        );
    }
}
