//! `potflow-demo`: the window, or with --screenshot / --report an unattended run that writes
//! what the window shows and exits.

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use clap::Parser;
use potflow::settings::{PrecisionChoice, SolveOn};
use potflow_demo::field::Quantity;
use potflow_demo::runner::RunMode;
use potflow_demo::{Config, DemoApp};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "potflow's desktop demo: CPU and GPU side by side, the field drawn by the GPU"
)]
struct Args {
    /// Generated geometry (`potflow generate --list`)
    #[arg(long, default_value = "venturi")]
    geometry: String,
    /// Nodes of the generated mesh
    #[arg(long, default_value_t = 200_000)]
    nodes: usize,
    /// A mesh file (.msh or .h5) instead of a generated geometry
    #[arg(long)]
    mesh: Option<PathBuf>,
    /// Backends to run
    #[arg(long, value_enum)]
    run: Option<RunMode>,
    /// GPU kernel precision
    #[arg(long, value_enum, default_value = "auto")]
    precision: PrecisionChoice,
    /// Where the GPU backend solves the linear system: host, or gpu (CG and the multigrid
    /// on the GPU too, so the speedup covers the whole run)
    #[arg(long, value_enum, default_value = "host")]
    solve_on: SolveOn,
    /// Host threads (default: all cores)
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Angle of attack in degrees, for a case in a far field (cylinder_in_stream, nacaXXXX,
    /// or a mesh with a group `farfield`); round a group `airfoil`, with lift
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    alpha: f64,
    /// Run the case, write the window as PNG here, then exit
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Run the case, write what the window shows as JSON here, then exit
    #[arg(long)]
    report: Option<PathBuf>,
    /// The quantity shown first
    #[arg(long, value_enum, default_value = "speed")]
    quantity: Quantity,
    /// Draw the mesh edges
    #[arg(long)]
    edges: bool,
    /// Window size in points, WIDTHxHEIGHT
    #[arg(long, default_value = "1600x900")]
    size: String,
}

fn parse_size(s: &str) -> Result<[f32; 2]> {
    let (w, h) = s
        .split_once('x')
        .ok_or_else(|| anyhow!("--size: expected WIDTHxHEIGHT, got `{s}`"))?;
    let parse = |v: &str| -> Result<f32> {
        let v: f32 = v
            .parse()
            .map_err(|_| anyhow!("--size: `{v}` is not a number"))?;
        if (200.0..=10_000.0).contains(&v) {
            Ok(v)
        } else {
            Err(anyhow!("--size: {v} is outside 200..10000"))
        }
    };
    Ok([parse(w)?, parse(h)?])
}

fn main() {
    potflow::gpu::quiet_vulkan_device_select();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(e) = run() {
        eprintln!("potflow-demo: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = Args::parse();
    let size = parse_size(&args.size)?;
    let unattended = args.screenshot.is_some() || args.report.is_some();
    let config = Config {
        geometry: args.geometry,
        nodes: args.nodes,
        mesh: args.mesh,
        mode: args.run.unwrap_or(RunMode::Both),
        precision: args.precision,
        solve_on: args.solve_on,
        threads: args.threads,
        alpha_deg: args.alpha,
        quantity: args.quantity,
        edges: args.edges,
        equipotentials: true,
        run_now: unattended || args.run.is_some(),
        screenshot: args.screenshot,
        report: args.report,
        exit_when_done: unattended,
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size(size)
            .with_title("potflow demo"),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    let outcome = std::sync::Arc::new(std::sync::Mutex::new(None));
    let sink = outcome.clone();
    eframe::run_native(
        "potflow demo",
        options,
        Box::new(move |cc| {
            Ok(Box::new(Recorder {
                app: DemoApp::new(cc, config),
                sink,
            }))
        }),
    )
    .map_err(|e| anyhow!("window: {e}"))?;
    let written = outcome.lock().ok().and_then(|mut o| o.take());
    match written {
        Some(Err(e)) => Err(anyhow!("{e}")),
        _ => Ok(()),
    }
}

/// Passes the app's outcome out of eframe, which owns the app.
struct Recorder {
    app: DemoApp,
    sink: std::sync::Arc<std::sync::Mutex<Option<Result<(), String>>>>,
}

impl eframe::App for Recorder {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.app.ui(ui, frame);
        if let Some(w) = &self.app.written {
            if let Ok(mut s) = self.sink.lock() {
                *s = Some(w.clone());
            }
        }
    }
}
