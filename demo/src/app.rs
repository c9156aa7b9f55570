//! The window: the case and the run on the left, the field in the middle, the figures of each
//! backend on the right (stage table and bars, residual plot, agreement, adapters).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui_plot::{Bar, BarChart, Legend, Line, Plot};
use potflow::gpu::AdapterSummary;
use potflow::mesh::generate::GEOMETRIES;

use crate::field::{self, Camera, FieldData, FieldPaint, Quantity, Style};
use crate::report::Report;
use crate::runner::{
    self, Agreement, Backend, BackendResult, Message, PrecisionChoice, RunMode, RunRequest,
};

/// The case and the run as the window starts with them, and what to do unattended.
#[derive(Debug, Clone)]
pub struct Config {
    pub geometry: String,
    pub nodes: usize,
    /// A mesh file instead of a generated geometry.
    pub mesh: Option<PathBuf>,
    pub mode: RunMode,
    pub precision: PrecisionChoice,
    /// 0: all cores.
    pub threads: usize,
    /// The quantity shown first, and whether the mesh edges and equipotentials are drawn.
    pub quantity: Quantity,
    pub edges: bool,
    pub equipotentials: bool,
    /// Start the run at once.
    pub run_now: bool,
    /// After the run: write the window as a PNG here.
    pub screenshot: Option<PathBuf>,
    /// After the run: write what the window shows as JSON here.
    pub report: Option<PathBuf>,
    /// Close the window once the screenshot and the report are written.
    pub exit_when_done: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            geometry: "venturi".into(),
            nodes: 200_000,
            mesh: None,
            mode: RunMode::Both,
            precision: PrecisionChoice::Auto,
            threads: 0,
            quantity: Quantity::Speed,
            edges: false,
            equipotentials: true,
            run_now: false,
            screenshot: None,
            report: None,
            exit_when_done: false,
        }
    }
}

/// A run in flight.
struct Running {
    rx: Receiver<Message>,
    cancel: Arc<AtomicBool>,
}

/// Where an unattended run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unattended {
    Waiting,
    /// Frames drawn since the field arrived (the paint callback needs one to show it).
    Settling(u32),
    ScreenshotRequested,
    Written,
}

/// The demo window.
pub struct DemoApp {
    config: Config,
    // the case and run as edited in the window
    geometry: String,
    nodes: f64,
    use_file: bool,
    path: String,
    mode: RunMode,
    precision: PrecisionChoice,
    threads: usize,
    // the run
    running: Option<Running>,
    status: String,
    stopped: Option<String>,
    finished: bool,
    loaded: Option<(usize, usize)>,
    groups: Vec<(String, usize)>,
    stage: BTreeMap<Backend, &'static str>,
    residuals: BTreeMap<Backend, Vec<[f64; 2]>>,
    results: Vec<BackendResult>,
    agreement: Vec<Agreement>,
    // the field
    render_state: Option<egui_wgpu::RenderState>,
    field: Option<Arc<FieldData>>,
    field_error: Option<String>,
    /// Why the field cannot be drawn at all here, if it cannot.
    renderer_error: Option<String>,
    camera: Option<Camera>,
    /// Where the field was last drawn: the rectangle (points) and the camera.
    drawn: Option<(egui::Rect, Camera)>,
    style: Style,
    subdivisions: u32,
    adapters: Vec<AdapterSummary>,
    // unattended
    unattended: Unattended,
    screenshot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    /// Set once the report (and screenshot) are written: what was written, or the error.
    pub written: Option<Result<(), String>>,
}

impl DemoApp {
    pub fn new(cc: &eframe::CreationContext<'_>, config: Config) -> Self {
        let render_state = cc.wgpu_render_state.clone();
        let renderer_error = match &render_state {
            Some(state) => field::install(state, 1).err(),
            None => Some("no wgpu render state: the window runs without the wgpu renderer".into()),
        };
        let style = Style {
            quantity: config.quantity,
            edges: config.edges,
            equipotentials: config.equipotentials,
        };
        let mut app = DemoApp {
            geometry: config.geometry.clone(),
            nodes: config.nodes as f64,
            use_file: config.mesh.is_some(),
            path: config
                .mesh
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            mode: config.mode,
            precision: config.precision,
            threads: if config.threads == 0 {
                available_threads()
            } else {
                config.threads
            },
            config,
            running: None,
            status: "ready".into(),
            stopped: None,
            finished: false,
            loaded: None,
            groups: Vec::new(),
            stage: BTreeMap::new(),
            residuals: BTreeMap::new(),
            results: Vec::new(),
            agreement: Vec::new(),
            render_state,
            field: None,
            field_error: None,
            renderer_error,
            camera: None,
            drawn: None,
            style,
            subdivisions: 1,
            adapters: potflow::gpu::list_adapters(),
            unattended: Unattended::Waiting,
            screenshot: Arc::new(Mutex::new(None)),
            written: None,
        };
        if app.config.run_now {
            app.start(&cc.egui_ctx);
        }
        app
    }

    /// The run the controls describe.
    fn request(&self) -> RunRequest {
        RunRequest {
            case: if self.use_file {
                self.path.clone()
            } else {
                format!("{}:{}", self.geometry, self.nodes.round() as usize)
            },
            mode: self.mode,
            precision: self.precision,
            threads: self.threads,
        }
    }

    fn start(&mut self, ctx: &egui::Context) {
        let request = self.request();
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            // Every message wakes the window: one per stage and per CG iteration.
            let send = move |message: Message| {
                if tx.send(message).is_ok() {
                    repaint.request_repaint();
                }
            };
            runner::run(&request, &send, &flag);
        });
        self.running = Some(Running { rx, cancel });
        self.status = format!("running {}", self.request().case);
        self.stopped = None;
        self.finished = false;
        self.loaded = None;
        self.stage.clear();
        self.residuals.clear();
        self.results.clear();
        self.agreement.clear();
    }

    fn poll(&mut self) {
        let Some(running) = &self.running else {
            return;
        };
        let messages: Vec<Message> = running.rx.try_iter().collect();
        let mut end = false;
        for message in messages {
            match message {
                Message::Loaded {
                    nodes,
                    elements,
                    groups,
                } => {
                    self.loaded = Some((nodes, elements));
                    self.groups = groups;
                }
                Message::Stage(b, s) => {
                    self.stage.insert(b, s);
                }
                Message::Residual(b, it, r) => {
                    self.residuals
                        .entry(b)
                        .or_default()
                        .push([it as f64, r.max(1e-300).log10()]);
                }
                Message::Finished(result) => {
                    self.stage.insert(result.backend, "done");
                    self.results.push(*result);
                }
                Message::Field(f) => self.set_field(f),
                Message::Agreement(rows) => self.agreement = rows,
                Message::Stopped(why) => {
                    self.stopped = Some(why.clone());
                    self.status = format!("stopped: {why}");
                    end = true;
                }
                Message::Done => {
                    self.status = "done".into();
                    self.finished = true;
                    end = true;
                }
            }
        }
        if end {
            self.running = None;
        }
    }

    fn set_field(&mut self, f: Arc<FieldData>) {
        self.field_error = match (&self.render_state, &self.renderer_error) {
            (_, Some(why)) => Some(why.clone()),
            (Some(state), None) => field::upload(state, &f).err(),
            (None, None) => Some("no wgpu render state".into()),
        };
        self.camera = None;
        self.field = Some(f);
        if self.unattended == Unattended::Waiting {
            self.unattended = Unattended::Settling(0);
        }
    }

    /// What the window shows, for `--report`.
    pub fn report(&self) -> Report {
        Report::new(
            &self.request(),
            self.loaded,
            &self.results,
            &self.agreement,
            &self.adapters,
            self.style.quantity,
            self.subdivisions,
            self.field.is_some() && self.field_error.is_none(),
            self.stopped.clone(),
        )
    }

    /// Whether the run ended (done or stopped).
    pub fn is_idle(&self) -> bool {
        self.running.is_none()
    }

    pub fn results(&self) -> &[BackendResult] {
        &self.results
    }

    pub fn agreement(&self) -> &[Agreement] {
        &self.agreement
    }

    pub fn field_drawn(&self) -> bool {
        self.field.is_some() && self.field_error.is_none()
    }

    /// The field on screen: its data, the rectangle it was drawn in (points) and the camera.
    pub fn field_on_screen(&self) -> Option<(Arc<FieldData>, egui::Rect, Camera)> {
        let (rect, camera) = self.drawn?;
        Some((self.field.clone()?, rect, camera))
    }

    /// The status line ("done", "stopped: cancelled", ...).
    pub fn status(&self) -> &str {
        &self.status
    }

    fn unattended_step(&mut self, ctx: &egui::Context) {
        let wants_output = self.config.screenshot.is_some() || self.config.report.is_some();
        if !wants_output || self.running.is_some() || self.written.is_some() {
            return;
        }
        let ended = self.finished || self.stopped.is_some();
        if !ended {
            return;
        }
        match self.unattended {
            Unattended::Waiting if self.stopped.is_some() || self.field.is_none() => {
                self.write_outputs(None);
            }
            Unattended::Waiting => {}
            Unattended::Settling(n) if n < 3 => {
                self.unattended = Unattended::Settling(n + 1);
                ctx.request_repaint();
            }
            Unattended::Settling(_) => {
                if self.config.screenshot.is_some() {
                    let slot = self.screenshot.clone();
                    let repaint = ctx.clone();
                    ctx.request_screenshot(move |image| {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(image);
                        }
                        repaint.request_repaint();
                    });
                    self.unattended = Unattended::ScreenshotRequested;
                } else {
                    self.write_outputs(None);
                }
            }
            Unattended::ScreenshotRequested => {
                let image = self.screenshot.lock().ok().and_then(|mut s| s.take());
                match image {
                    Some(image) => self.write_outputs(Some(&image)),
                    None => ctx.request_repaint_after(Duration::from_millis(20)),
                }
            }
            Unattended::Written => {}
        }
        if self.written.is_some() && self.config.exit_when_done {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn write_outputs(&mut self, image: Option<&egui::ColorImage>) {
        let mut result = Ok(());
        if let (Some(path), Some(image)) = (&self.config.screenshot, image) {
            result = crate::report::write_png(path, image);
        }
        if let (Ok(()), Some(path)) = (&result, &self.config.report) {
            let mut report = self.report();
            report.screenshot = self
                .config
                .screenshot
                .as_ref()
                .map(|p| p.display().to_string());
            result = report.write(path);
        }
        if let Some(why) = &self.stopped {
            if result.is_ok() {
                result = Err(format!("the run stopped: {why}"));
            }
        }
        self.unattended = Unattended::Written;
        self.written = Some(result);
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        ui.heading("potflow demo");
        ui.label("2D potential flow, Quad-8 FEM: CPU and GPU side by side");
        ui.separator();
        ui.strong("Case");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.use_file, false, "generated");
            ui.radio_value(&mut self.use_file, true, "mesh file");
        });
        if self.use_file {
            ui.add(egui::TextEdit::singleline(&mut self.path).hint_text("mesh.msh or mesh.h5"));
        } else {
            egui::ComboBox::from_label("geometry")
                .selected_text(self.geometry.clone())
                .show_ui(ui, |ui| {
                    for (g, _) in GEOMETRIES {
                        ui.selectable_value(&mut self.geometry, g.to_string(), g.to_string());
                    }
                });
            ui.add(
                egui::Slider::new(&mut self.nodes, 1e3..=4e6)
                    .logarithmic(true)
                    .integer()
                    .text("nodes"),
            );
        }
        ui.separator();
        ui.strong("Run");
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.mode, RunMode::Cpu, "CPU");
            ui.radio_value(&mut self.mode, RunMode::Gpu, "GPU");
            ui.radio_value(&mut self.mode, RunMode::Both, "both");
        });
        egui::ComboBox::from_label("GPU precision")
            .selected_text(format!("{:?}", self.precision).to_lowercase())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.precision, PrecisionChoice::Auto, "auto");
                ui.selectable_value(&mut self.precision, PrecisionChoice::F64, "f64");
                ui.selectable_value(&mut self.precision, PrecisionChoice::F32, "f32");
            });
        ui.add(egui::Slider::new(&mut self.threads, 1..=available_threads()).text("threads"));
        ui.horizontal(|ui| {
            let running = self.running.is_some();
            if ui.add_enabled(!running, egui::Button::new("Run")).clicked() {
                self.start(ui.ctx());
            }
            if ui
                .add_enabled(running, egui::Button::new("Cancel"))
                .clicked()
            {
                if let Some(r) = &self.running {
                    r.cancel.store(true, Ordering::Relaxed);
                }
            }
        });
        ui.label(&self.status);
        if let Some((nodes, elements)) = self.loaded {
            ui.label(format!("{nodes} nodes, {elements} elements"));
            if self.groups.is_empty() {
                ui.label("no boundary groups: inlet xmin, outlet xmax");
            }
            for (name, edges) in &self.groups {
                ui.label(format!("group \"{name}\": {edges} edges"));
            }
        }
        for (b, s) in &self.stage {
            ui.label(format!("{}: {s}", b.label()));
        }
        ui.separator();
        self.adapter_list(ui);
    }

    fn adapter_list(&self, ui: &mut egui::Ui) {
        ui.strong("GPU adapters");
        if self.adapters.is_empty() {
            ui.label("none: the GPU backend cannot run here");
        }
        for a in &self.adapters {
            ui.label(format!(
                "{} ({}, {}{}), f64: {}, max binding {} MiB, max buffer {} MiB, {} workgroups per dimension",
                a.name,
                a.backend,
                a.device_type,
                if a.software { ", SOFTWARE" } else { "" },
                if a.f64 { "yes" } else { "no" },
                a.max_storage_binding_bytes >> 20,
                a.max_buffer_bytes >> 20,
                a.max_workgroups_per_dimension
            ));
        }
        if let Some(state) = &self.render_state {
            let info = state.adapter.get_info();
            ui.label(format!(
                "window drawn by: {} ({:?})",
                info.name, info.backend
            ));
        }
        for r in &self.results {
            if let Some(a) = &r.adapter {
                ui.label(format!(
                    "kernels ran on: {} ({}, {}), {}; assemble on {}, post on {}",
                    a.name, a.backend, a.device_type, a.precision, r.assemble_ran_on, r.post_ran_on
                ));
            }
        }
    }

    fn figures(&mut self, ui: &mut egui::Ui) {
        ui.strong("Stages (seconds)");
        if self.results.is_empty() {
            ui.label("no results yet");
        } else {
            self.stage_table(ui);
            self.stage_bars(ui);
        }
        ui.separator();
        ui.strong("CG residual");
        let lines: Vec<(Backend, Vec<[f64; 2]>)> = self
            .residuals
            .iter()
            .map(|(b, v)| (*b, v.clone()))
            .collect();
        Plot::new("residual")
            .height(170.0)
            .legend(Legend::default())
            .x_axis_label("iteration")
            .y_axis_label("log10 |r| / |b|")
            .show(ui, |plot| {
                for (b, points) in lines {
                    plot.line(Line::new(b.label(), points));
                }
            });
        ui.separator();
        ui.strong("CPU vs GPU");
        if self.agreement.is_empty() {
            ui.label("after a run on both");
        } else {
            egui::Grid::new("agreement").striped(true).show(ui, |ui| {
                ui.label("quantity");
                ui.label("max rel diff");
                ui.label("tolerance");
                ui.label("");
                ui.end_row();
                for row in &self.agreement {
                    ui.label(&row.quantity);
                    ui.label(format!("{:.2e}", row.max_rel_diff));
                    ui.label(format!("{:.0e}", row.tolerance));
                    ui.label(if row.pass { "agree" } else { "DIFFER" });
                    ui.end_row();
                }
            });
        }
    }

    fn stage_table(&self, ui: &mut egui::Ui) {
        egui::Grid::new("stages").striped(true).show(ui, |ui| {
            // One row: a label, then one cell per backend.
            let row = |ui: &mut egui::Ui, label: &str, cell: &dyn Fn(&BackendResult) -> String| {
                ui.label(label);
                for r in &self.results {
                    ui.label(cell(r));
                }
                ui.end_row();
            };
            // A row that only the GPU has.
            let gpu_only = |f: fn(&BackendResult) -> String| {
                move |r: &BackendResult| match r.backend {
                    Backend::Gpu => f(r),
                    Backend::Cpu => "—".to_string(),
                }
            };
            row(ui, "stage", &|r| r.backend.label().to_string());
            for (k, (stage, _)) in self.results[0].seconds.list().iter().enumerate() {
                row(ui, stage, &|r| format!("{:.3}", r.seconds.list()[k].1));
            }
            row(ui, "CG iterations", &|r| r.iterations.to_string());
            row(
                ui,
                "GPU set-up",
                &gpu_only(|r| format!("{:.3}", r.gpu_setup_seconds)),
            );
            row(
                ui,
                "GPU buffers (MiB)",
                &gpu_only(|r| format!("{:.1}", r.peak_gpu_buffer_mb)),
            );
        });
        if let Some(mb) = potflow::output::report::peak_rss_mb() {
            ui.label(format!(
                "process peak memory: {mb:.0} MiB (window included)"
            ));
        }
        let total = |b: Backend| {
            self.results
                .iter()
                .find(|r| r.backend == b)
                .map(|r| r.seconds.total)
        };
        if let (Some(cpu), Some(gpu)) = (total(Backend::Cpu), total(Backend::Gpu)) {
            let software = self
                .results
                .iter()
                .filter_map(|r| r.adapter.as_ref())
                .any(|a| a.software);
            let text = format!("speedup of the GPU run (total): {:.2}×", cpu / gpu);
            if software {
                ui.colored_label(
                    egui::Color32::from_rgb(220, 120, 0),
                    format!("{text} — meaningless: the GPU is a software device on the same CPU"),
                );
            } else {
                ui.label(text);
            }
        }
    }

    fn stage_bars(&self, ui: &mut egui::Ui) {
        const STAGES: [&str; 6] = ["load", "assemble", "bc", "setup", "iterate", "post"];
        let charts: Vec<BarChart> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let offset = if self.results.len() > 1 {
                    i as f64 * 0.4 - 0.2
                } else {
                    0.0
                };
                let bars = r.seconds.list()[..STAGES.len()]
                    .iter()
                    .enumerate()
                    .map(|(k, (s, v))| Bar::new(k as f64 + offset, *v).width(0.38).name(*s))
                    .collect();
                BarChart::new(r.backend.label(), bars)
            })
            .collect();
        Plot::new("stage bars")
            .height(150.0)
            .legend(Legend::default())
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 1.0, 1.0]))
            .x_axis_formatter(|mark, _| {
                let k = mark.value.round();
                if (mark.value - k).abs() < 1e-6 && (0.0..6.0).contains(&k) {
                    STAGES[k as usize].to_string()
                } else {
                    String::new()
                }
            })
            .y_axis_label("s")
            .show(ui, |plot| {
                for c in charts {
                    plot.bar_chart(c);
                }
            });
    }

    fn field_view(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for q in Quantity::ALL {
                ui.selectable_value(&mut self.style.quantity, q, q.label());
            }
            ui.checkbox(&mut self.style.edges, "mesh edges");
            ui.checkbox(&mut self.style.equipotentials, "equipotentials");
            if ui.button("fit").clicked() {
                self.camera = None;
            }
            ui.label(format!("{} sub-quads per element side", self.subdivisions));
        });
        let Some(field) = self.field.clone() else {
            ui.centered_and_justified(|ui| ui.label("the field appears here after a run"));
            return;
        };
        if let Some(e) = &self.field_error {
            ui.colored_label(egui::Color32::RED, e);
            return;
        }
        let bar_width = 90.0;
        let size = ui.available_size() - egui::vec2(bar_width, 0.0);
        let (rect, response) =
            ui.allocate_exact_size(size.max(egui::vec2(10.0, 10.0)), egui::Sense::drag());
        let mut camera = self
            .camera
            .unwrap_or_else(|| Camera::fit(field.bounds, rect.size()));
        // Pan with a drag, zoom about the pointer with the wheel.
        let drag = response.drag_delta();
        camera.centre[0] -= drag.x / camera.pixels_per_unit;
        camera.centre[1] += drag.y / camera.pixels_per_unit;
        if let Some(pointer) = response.hover_pos() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                let factor = (scroll / 200.0).exp();
                let offset = pointer - rect.center();
                let world = [
                    camera.centre[0] + offset.x / camera.pixels_per_unit,
                    camera.centre[1] - offset.y / camera.pixels_per_unit,
                ];
                camera.pixels_per_unit *= factor;
                camera.centre = [
                    world[0] - offset.x / camera.pixels_per_unit,
                    world[1] + offset.y / camera.pixels_per_unit,
                ];
            }
        }
        self.camera = Some(camera);
        self.drawn = Some((rect, camera));
        let srgb = self
            .render_state
            .as_ref()
            .is_some_and(|s| s.target_format.is_srgb());
        let paint = FieldPaint::new(&field, camera, self.style, rect.size(), srgb);
        self.subdivisions = paint.subdivisions();
        ui.painter()
            .rect_filled(rect, 0.0, egui::Color32::from_gray(30));
        ui.painter()
            .add(egui_wgpu::Callback::new_paint_callback(rect, paint));
        self.colour_bar(
            ui,
            &field,
            egui::Rect::from_min_size(
                rect.right_top() + egui::vec2(10.0, 0.0),
                egui::vec2(bar_width - 10.0, rect.height()),
            ),
        );
    }

    fn colour_bar(&self, ui: &mut egui::Ui, field: &FieldData, area: egui::Rect) {
        let q = self.style.quantity;
        let (lo, hi) = field.ranges[Quantity::ALL.iter().position(|&x| x == q).unwrap_or(0)];
        let bar = egui::Rect::from_min_max(
            area.left_top() + egui::vec2(0.0, 24.0),
            egui::pos2(area.left() + 16.0, area.bottom() - 10.0),
        );
        let painter = ui.painter();
        let steps = 64;
        for k in 0..steps {
            let t0 = k as f32 / steps as f32;
            let t1 = (k + 1) as f32 / steps as f32;
            let r = egui::Rect::from_min_max(
                egui::pos2(bar.left(), bar.bottom() - t1 * bar.height()),
                egui::pos2(bar.right(), bar.bottom() - t0 * bar.height()),
            );
            painter.rect_filled(r, 0.0, field::viridis(0.5 * (t0 + t1)));
        }
        let text_colour = ui.visuals().text_color();
        let font = egui::FontId::proportional(11.0);
        painter.text(
            area.left_top(),
            egui::Align2::LEFT_TOP,
            format!("{} ({})", q.label(), q.unit()),
            font.clone(),
            text_colour,
        );
        for k in 0..=4 {
            let t = k as f32 / 4.0;
            let v = lo + (hi - lo) * t as f64;
            painter.text(
                egui::pos2(bar.right() + 4.0, bar.bottom() - t * bar.height()),
                egui::Align2::LEFT_CENTER,
                format_value(v, hi - lo),
                font.clone(),
                text_colour,
            );
        }
    }
}

/// A tick label with as many decimals as the range needs.
fn format_value(v: f64, span: f64) -> String {
    let decimals = if span > 0.0 {
        (2.0 - span.log10().floor()).clamp(0.0, 8.0) as usize
    } else {
        3
    };
    format!("{v:.decimals$}")
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl eframe::App for DemoApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.poll();
        let ctx = ui.ctx().clone();
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.controls(ui));
            });
        egui::Panel::right("figures")
            .resizable(true)
            .default_size(430.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.figures(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| self.field_view(ui));
        if self.running.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.unattended_step(&ctx);
    }
}
