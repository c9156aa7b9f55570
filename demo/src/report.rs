//! What the window shows, as JSON (`--report`), and the window as PNG (`--screenshot`).

use std::path::Path;

use potflow::gpu::AdapterSummary;

use crate::field::Quantity;
use crate::runner::{Agreement, Backend, BackendResult, RunRequest};

/// The speedup of the GPU run over the CPU run, and whether it means anything.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Speedup {
    /// CPU total / GPU total.
    pub total: f64,
    /// False where the GPU is a software device running on the same cores as the CPU path.
    pub meaningful: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub potflow_demo: String,
    pub case: String,
    pub mode: crate::runner::RunMode,
    pub precision: potflow::settings::PrecisionChoice,
    pub solve_on: potflow::settings::SolveOn,
    pub nodes: Option<usize>,
    pub elements: Option<usize>,
    pub backends: Vec<BackendResult>,
    pub speedup: Option<Speedup>,
    pub agreement: Vec<Agreement>,
    pub adapters: Vec<AdapterSummary>,
    /// The quantity on screen, the sub-quads per element side, and whether the field is drawn.
    pub shown: Quantity,
    pub subdivisions: u32,
    pub field_drawn: bool,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    pub screenshot: Option<String>,
}

fn total(results: &[BackendResult], b: Backend) -> Option<f64> {
    Some(results.iter().find(|r| r.backend == b)?.seconds.total)
}

impl Report {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        request: &RunRequest,
        loaded: Option<(usize, usize)>,
        results: &[BackendResult],
        agreement: &[Agreement],
        adapters: &[AdapterSummary],
        shown: Quantity,
        subdivisions: u32,
        field_drawn: bool,
        stopped: Option<String>,
    ) -> Self {
        let speedup = match (total(results, Backend::Cpu), total(results, Backend::Gpu)) {
            (Some(cpu), Some(gpu)) if gpu > 0.0 => Some(Speedup {
                total: cpu / gpu,
                meaningful: !results
                    .iter()
                    .filter_map(|r| r.adapter.as_ref())
                    .any(|a| a.software),
            }),
            _ => None,
        };
        Report {
            potflow_demo: env!("CARGO_PKG_VERSION").into(),
            case: request.case.clone(),
            mode: request.mode,
            precision: request.precision,
            solve_on: request.solve_on,
            nodes: loaded.map(|l| l.0),
            elements: loaded.map(|l| l.1),
            backends: results.to_vec(),
            speedup,
            agreement: agreement.to_vec(),
            adapters: adapters.to_vec(),
            shown,
            subdivisions,
            field_drawn,
            stopped,
            screenshot: None,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Writes `image` as an 8-bit RGBA PNG.
pub fn write_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    let [w, h] = image.size;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| fail(&e))?;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    writer.write_image_data(&bytes).map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))
}
