//! The window's panels: the controls, the adapter list, each backend's figures (stage table
//! and bars, residual plot, agreement), and the field view with its colour bar.

use egui_plot::{Bar, BarChart, Legend, Line, Plot};

use super::*;
use crate::field::FieldPaint;

impl DemoApp {
    pub(super) fn controls(&mut self, ui: &mut egui::Ui) {
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
                    let names = GEOMETRIES.iter().map(|g| g.0).chain(BODIES);
                    for g in names {
                        ui.selectable_value(&mut self.geometry, g.to_string(), g);
                    }
                });
            ui.add(
                egui::Slider::new(&mut self.nodes, 1e3..=4e6)
                    .logarithmic(true)
                    .integer()
                    .text("nodes"),
            );
        }
        ui.add(egui::Slider::new(&mut self.alpha_deg, -10.0..=15.0).text("angle of attack (°)"))
            .on_hover_text("The stream's angle on a mesh with a group `farfield` (the cylinder and the NACA sections); round a group `airfoil`, the circulation of the Kutta condition gives lift");
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
        let mut on_gpu = self.solve_on == SolveOn::Gpu;
        ui.checkbox(&mut on_gpu, "GPU backend solves on the GPU too")
            .on_hover_text("CG and the multigrid V-cycle on the GPU (f32 inside an f64 defect correction), so the speedup covers the whole run");
        self.solve_on = if on_gpu { SolveOn::Gpu } else { SolveOn::Host };
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
                    "kernels ran on: {} ({}, {}), {}; assemble on {}, solve on {}, post on {}",
                    a.name,
                    a.backend,
                    a.device_type,
                    a.precision,
                    r.assemble_ran_on,
                    r.solve_ran_on,
                    r.post_ran_on
                ));
            }
        }
    }

    pub(super) fn figures(&mut self, ui: &mut egui::Ui) {
        ui.strong("Stages (seconds)");
        if self.results.is_empty() {
            ui.label("no results yet");
        } else {
            self.stage_table(ui);
            self.stage_bars(ui);
        }
        if let Some(l) = self.results.last().and_then(|r| r.lift) {
            ui.separator();
            ui.strong("Lift (Kutta condition)");
            ui.label(format!(
                "α {:.2}°: cl {:.4} (2Γ/Uc {:.4}), cd {:.1e}, cm(c/4) {:.4}, Γ {:.4} m²/s",
                l.alpha, l.cl, l.cl_circulation, l.cd, l.cm_c4, l.circulation
            ));
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

    pub(super) fn field_view(&mut self, ui: &mut egui::Ui) {
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
            .unwrap_or_else(|| Camera::fit(field.frame, rect.size()));
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
