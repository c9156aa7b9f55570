//! The window: the case and the run on the left, the field in the middle, the figures of each
//! backend on the right (stage table and bars, residual plot, agreement, adapters).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use potflow::gpu::AdapterSummary;
use potflow::mesh::generate::GEOMETRIES;

/// The cases round a body in a far field the geometry list offers after the channels: a
/// cylinder, and sections that lift (the Kutta condition at their trailing edge).
pub const BODIES: [&str; 4] = ["cylinder_in_stream", "naca0012", "naca2412", "naca4412"];
use potflow::settings::{PrecisionChoice, SolveOn};

use crate::field::{self, Camera, FieldData, Quantity, Style};
use crate::report::Report;
use crate::runner::{self, Agreement, Backend, BackendResult, Message, RunMode, RunRequest};

mod panels;

/// The case and the run as the window starts with them, and what to do unattended.
#[derive(Debug, Clone)]
pub struct Config {
    pub geometry: String,
    pub nodes: usize,
    /// A mesh file instead of a generated geometry.
    pub mesh: Option<PathBuf>,
    pub mode: RunMode,
    pub precision: PrecisionChoice,
    /// Where the GPU backend solves the system.
    pub solve_on: SolveOn,
    /// 0: all cores.
    pub threads: usize,
    /// The angle of attack of a case in a far field (group `farfield`), degrees.
    pub alpha_deg: f64,
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
            solve_on: SolveOn::Host,
            threads: 0,
            alpha_deg: 4.0,
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
    solve_on: SolveOn,
    threads: usize,
    alpha_deg: f64,
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
            solve_on: config.solve_on,
            threads: if config.threads == 0 {
                available_threads()
            } else {
                config.threads
            },
            alpha_deg: config.alpha_deg,
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
            solve_on: self.solve_on,
            threads: self.threads,
            alpha_deg: self.alpha_deg,
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
