//! `potflow bench`'s tables: the stage table and the thread scaling in Markdown, every
//! figure in CSV.

use super::runner::{BenchResult, ConfigResult, Stat, METRICS, UNITS};

fn cell(s: Option<Stat>, digits: usize) -> String {
    match s {
        Some(s) if !s.median.is_nan() => {
            if s.min == s.max {
                format!("{:.*}", digits, s.median)
            } else {
                format!(
                    "{:.*} ({:.*}–{:.*})",
                    digits, s.median, digits, s.min, digits, s.max
                )
            }
        }
        _ => "—".into(),
    }
}

fn ratio(base: Option<Stat>, this: Option<Stat>) -> String {
    match (base, this) {
        (Some(b), Some(t)) if t.median > 0.0 && !b.median.is_nan() && !t.median.is_nan() => {
            format!("{:.2}×", b.median / t.median)
        }
        _ => "—".into(),
    }
}

/// The stage table, the speedups, and the thread-scaling table, as Markdown.
pub fn markdown(result: &BenchResult) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "potflow {} bench: {} repeats per configuration, alternating; median (min–max); {} host threads.\n",
        result.potflow_version, result.repeat, result.host_threads
    ));
    let m = &result.machine;
    out.push_str(&format!(
        "Machine: {}, {} hardware threads, {} GB, {} {}.\n",
        m.cpu,
        m.cores,
        m.memory_gb.map_or("?".into(), |g| g.to_string()),
        m.os,
        m.arch
    ));
    for m in &result.meshes {
        out.push_str(&format!(
            "\n### {} ({} nodes, {} elements)\n\n",
            m.mesh, m.nodes, m.elements
        ));
        let ran: Vec<&ConfigResult> = m.configs.iter().filter(|c| c.error.is_none()).collect();
        for c in m.configs.iter().filter(|c| c.error.is_some()) {
            out.push_str(&format!(
                "- {} did not run: {}\n",
                c.config.name,
                c.error.as_deref().unwrap_or("")
            ));
        }
        if !ran.is_empty() {
            out.push_str("| | ");
            out.push_str(
                &ran.iter()
                    .map(|c| c.label.clone())
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
            out.push_str(" |\n|---|");
            out.push_str(&"---|".repeat(ran.len()));
            out.push('\n');
            let rows: [(&str, &str, usize); 15] = [
                ("assemble (s)", "assemble", 3),
                ("bc (s)", "bc", 3),
                ("solve (s)", "solve", 3),
                ("post (s)", "post", 3),
                ("post: velocity (s)", "velocity", 3),
                ("post: recovery (s)", "recovery", 3),
                ("post: ψ (s)", "stream_function", 3),
                ("write (s)", "write", 3),
                ("total (s)", "total", 3),
                ("wall (s)", "wall", 3),
                ("CG iterations", "iterations", 0),
                ("peak memory (MiB)", "peak_rss_mb", 0),
                ("GPU memory (MiB)", "gpu_buffer_mb", 1),
                ("first-run overhead (s)", "gpu_setup", 3),
                ("load (s)", "load", 3),
            ];
            for (title, metric, digits) in rows {
                out.push_str(&format!("| {title} |"));
                for c in &ran {
                    let s = c.stat(metric);
                    let gpu_only = matches!(metric, "gpu_setup" | "gpu_buffer_mb");
                    let outputs_only = matches!(metric, "recovery" | "stream_function" | "write");
                    if (gpu_only && !c.config.name.starts_with("gpu"))
                        || (outputs_only && c.config.name != "outputs")
                    {
                        out.push_str(" — |");
                    } else {
                        out.push_str(&format!(" {} |", cell(s, digits)));
                    }
                }
                out.push('\n');
            }
            let base = m
                .configs
                .iter()
                .find(|c| c.config.name == "serial" && c.error.is_none());
            if let Some(base) = base {
                for stage in ["assemble", "bc", "solve", "post", "total"] {
                    out.push_str(&format!("| speedup {stage} vs serial |"));
                    for c in &ran {
                        out.push_str(&format!(" {} |", ratio(base.stat(stage), c.stat(stage))));
                    }
                    out.push('\n');
                }
            }
        }
        let scaled: Vec<&ConfigResult> = m.scaling.iter().filter(|c| c.error.is_none()).collect();
        if !scaled.is_empty() {
            out.push_str("\nThread scaling (CPU backend):\n\n");
            out.push_str("| threads | assemble (s) | speedup | efficiency | post (s) | speedup | efficiency |\n");
            out.push_str("|---|---|---|---|---|---|---|\n");
            let one = scaled[0];
            let t1 = one.threads.max(1) as f64;
            for c in &scaled {
                let t = c.threads.max(1) as f64;
                let mut row = format!("| {} |", c.threads);
                for stage in ["assemble", "post"] {
                    let (b, s) = (one.stat(stage), c.stat(stage));
                    let speed = match (b, s) {
                        (Some(b), Some(s)) if s.median > 0.0 => b.median / s.median,
                        _ => f64::NAN,
                    };
                    row.push_str(&format!(
                        " {} | {:.2}× | {:.0}% |",
                        cell(s, 4),
                        speed,
                        100.0 * speed / (t / t1)
                    ));
                }
                out.push_str(&row);
                out.push('\n');
            }
        }
    }
    out
}

/// One CSV row per mesh, configuration and metric: median, min, max.
pub fn csv(result: &BenchResult) -> String {
    let mut out =
        String::from("mesh,nodes,elements,config,label,threads,metric,unit,median,min,max\n");
    for m in &result.meshes {
        for c in m
            .configs
            .iter()
            .chain(&m.scaling)
            .filter(|c| c.error.is_none())
        {
            for ((metric, unit), s) in METRICS.iter().zip(UNITS).zip(&c.stats) {
                out.push_str(&format!(
                    "\"{}\",{},{},{},\"{}\",{},{},{unit},{},{},{}\n",
                    m.mesh.replace('"', "'"),
                    m.nodes,
                    m.elements,
                    c.config.name,
                    c.label.replace('"', "'"),
                    c.threads,
                    metric,
                    s.median,
                    s.min,
                    s.max
                ));
            }
        }
    }
    out
}
