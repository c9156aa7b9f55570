//! Field plots as PNG: `velocity.png` (|v|), `potential.png` (u with equipotentials) and
//! `pressure.png`.
//!
//! The field is rasterised by potflow itself, element by element: each Quad-8 is cut into a
//! k × k grid in (ξ, η), with k growing with the element's size on screen, and every grid point
//! placed through the shape functions, so curved elements are drawn curved. Sub-quads become
//! two triangles, filled at pixel centres (the potential interpolated linearly inside each
//! triangle, element fields constant). Equipotentials are the level crossings of the same
//! triangles. Title, axes and the labelled colorbar are drawn with plotters and an embedded
//! DejaVu Sans font (no system fonts needed). Colormap: viridis, over the range `scale`
//! chooses (robust quantiles by default, clipped ends marked with triangles). A view window
//! (`--view x0,x1,y0,y1`) frames part of the domain; the field is clipped to the frame.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

mod chord;
mod frame;
mod polar;
mod raster;
mod scale;

pub use chord::{cp_file_name, write_cp_png};
pub use frame::body_window;
pub use polar::write_polar_png;
pub use scale::{colour_range, weighted_quantiles, ColourRange, RangeChoice};

use super::colormap::viridis;
use crate::element::NODES;
use crate::error::{Error, Result};
use crate::mesh::Mesh;
use crate::outcome::Outcome;
use raster::{draw_field, Canvas};

/// The three plotted fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Velocity,
    Potential,
    Pressure,
}

impl Field {
    /// All fields, in file order.
    pub const ALL: [Field; 3] = [Field::Velocity, Field::Potential, Field::Pressure];

    /// The field's place in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used on the command line (`--range velocity=0,3`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Velocity => "velocity",
            Field::Potential => "potential",
            Field::Pressure => "pressure",
        }
    }

    /// The file name in the output directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Field::Velocity => "velocity.png",
            Field::Potential => "potential.png",
            Field::Pressure => "pressure.png",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Field::Velocity => "velocity magnitude |v|",
            Field::Potential => "velocity potential u, with equipotentials",
            Field::Pressure => "pressure p = p0 - rho |v|^2 / 2",
        }
    }

    /// The colour bar's label: symbol and unit, with the offset subtracted from the ticks.
    fn colorbar_label(self, offset: f64) -> String {
        let (symbol, unit) = match self {
            Field::Velocity => ("|v|", "m/s"),
            Field::Potential => ("u", "m²/s"),
            Field::Pressure => ("p", "Pa"),
        };
        if offset == 0.0 {
            format!("{symbol} ({unit})")
        } else {
            format!("{symbol} − {offset} ({unit})")
        }
    }
}

/// How the plots are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotStyle {
    /// Image width in pixels.
    pub width: usize,
    /// The colour range of each field, in [`Field::ALL`] order.
    pub ranges: [RangeChoice; 3],
    /// The window drawn, `[x0, x1, y0, y1]`; the mesh's bounding box when `None`.
    pub view: Option<[f64; 4]>,
}

impl Default for PlotStyle {
    fn default() -> Self {
        PlotStyle {
            width: 1600,
            ranges: [RangeChoice::Robust; 3],
            view: None,
        }
    }
}

/// Where things go on the image.
struct Layout {
    width: usize,
    height: usize,
    /// Plot area: left, top, width, height in pixels.
    left: f64,
    top: f64,
    plot_w: f64,
    plot_h: f64,
    /// Pixels per metre (equal in x and y).
    scale: f64,
    bbox: [f64; 4],
    /// Text and margin scale: 1 up to 1600 pixels, growing with the larger side beyond, so
    /// that labels stay readable on large and tall images.
    s: f64,
}

impl Layout {
    fn new(mesh: &Mesh, width: usize, view: Option<[f64; 4]>) -> Self {
        let bbox = view.unwrap_or_else(|| mesh_bbox(mesh));
        let (dx, dy) = (
            (bbox[1] - bbox[0]).max(1e-300),
            (bbox[3] - bbox[2]).max(1e-300),
        );
        // The larger side the plot will have, for the text scale.
        let estimate = (width as f64)
            .max((width as f64 - 300.0).max(100.0) * dy / dx)
            .min(2.0 * width as f64);
        let s = (estimate / 1600.0).clamp(1.0, 2.5);
        let (left, right, top, bottom) = (100.0 * s, 200.0 * s, 70.0 * s, 70.0 * s);
        let mut plot_w = (width as f64 - left - right).max(100.0);
        let mut scale = plot_w / dx;
        let mut plot_h = dy * scale;
        // A tall domain: limit the height to twice the width, narrowing the plot instead.
        if plot_h > 2.0 * width as f64 {
            plot_h = 2.0 * width as f64;
            scale = plot_h / dy;
            plot_w = dx * scale;
        }
        let drawn_h = plot_h.max(260.0 * s);
        Layout {
            width,
            height: (top + drawn_h + bottom).ceil() as usize,
            left,
            top: top + 0.5 * (drawn_h - plot_h),
            plot_w,
            plot_h,
            scale,
            bbox,
            s,
        }
    }

    /// The plot area in whole pixels: x0, x1, y0, y1 (exclusive ends).
    fn clip(&self) -> [usize; 4] {
        [
            self.left.floor() as usize,
            (self.left + self.plot_w).ceil() as usize,
            self.top.floor() as usize,
            (self.top + self.plot_h).ceil() as usize,
        ]
    }

    fn pixel(&self, x: f64, y: f64) -> [f64; 2] {
        [
            self.left + (x - self.bbox[0]) * self.scale,
            self.top + (self.bbox[3] - y) * self.scale,
        ]
    }
}

/// Bounding box of the nodes used by elements.
fn mesh_bbox(mesh: &Mesh) -> [f64; 4] {
    crate::mesh::bounding_box(
        mesh.quad8
            .iter()
            .flatten()
            .map(|&k| [mesh.x[k as usize], mesh.y[k as usize]]),
    )
}

/// Tick positions: about `n` round numbers (1, 2, 5 × 10ᵏ) in [lo, hi], and the decimals to
/// print them with.
pub fn ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    let range = hi - lo;
    if range.is_nan() || range <= 0.0 || !range.is_finite() {
        return (vec![lo], 3);
    }
    let raw = range / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| range / s <= n as f64)
        .unwrap_or(10.0 * mag);
    // Within a millionth of a step of a round value counts as on it, so that the ends of a
    // domain whose coordinates are round only to display precision (0.99999994, 3e-17)
    // get their ticks.
    let slack = 1e-6;
    let first = (lo / step - slack).ceil() * step;
    let decimals = (-(step.log10().floor())).max(0.0) as usize;
    let mut t = Vec::new();
    let mut v = first;
    while v <= hi + slack * step {
        t.push(if v.abs() < 1e-12 * step { 0.0 } else { v });
        v += step;
    }
    (t, decimals)
}

/// A round offset to subtract from colour-bar ticks when the values sit far from zero
/// compared with their spread (a pressure of 101305…101329 Pa reads as p − 101300: 5…29),
/// else 0.
pub fn tick_offset(lo: f64, hi: f64) -> f64 {
    let spread = hi - lo;
    let degenerate = spread.is_nan() || spread <= 0.0;
    if degenerate || lo.signum() != hi.signum() || lo.abs().min(hi.abs()) < 50.0 * spread {
        return 0.0;
    }
    let unit = 10f64.powf(spread.log10().ceil());
    (lo / unit).floor() * unit
}

/// The field's values: per node for the potential, per element otherwise.
/// The values a plot is drawn from, and whether they are nodal (interpolated with the shape
/// functions) or one per element. |v| and p are nodal where the run recovered the nodal
/// velocity (`SolveOptions::nodal_velocity`, set by the CLI whenever it draws plots).
fn values(field: Field, outcome: &Outcome) -> (&[f64], bool) {
    match (field, &outcome.nodal) {
        (Field::Potential, _) => (&outcome.u, true),
        (Field::Velocity, Some(n)) => (&n.abs_vel, true),
        (Field::Pressure, Some(n)) => (&n.pressure, true),
        (Field::Velocity, None) => (&outcome.fields.abs_vel, false),
        (Field::Pressure, None) => (&outcome.fields.pressure, false),
    }
}

/// The colour range of the plot: over the elements inside the view, each value weighted with
/// the area it stands for (an element's area, or an eighth of it per node).
fn range(
    field: Field,
    mesh: &Mesh,
    outcome: &Outcome,
    choice: RangeChoice,
    view: Option<[f64; 4]>,
) -> ColourRange {
    let (v, nodal) = values(field, outcome);
    let per = if nodal { NODES } else { 1 };
    let capacity = per * mesh.elements();
    let (mut vals, mut weights) = (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
    for e in 0..mesh.elements() {
        let xy = mesh.element_xy(e);
        if view.is_some_and(|w| !overlaps(&xy, w)) {
            continue;
        }
        let area = corner_area(&xy);
        if nodal {
            vals.extend(mesh.quad8[e].iter().map(|&k| v[k as usize]));
        } else {
            vals.push(v[e]);
        }
        weights.extend(std::iter::repeat_n(area / per as f64, per));
    }
    colour_range(&vals, &weights, choice)
}

/// The area of the quadrilateral through an element's corner nodes (a weight, not a
/// quadrature).
fn corner_area(xy: &[[f64; 2]; NODES]) -> f64 {
    let s: f64 = (0..4)
        .map(|i| {
            let (a, b) = (xy[i], xy[(i + 1) % 4]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    0.5 * s.abs()
}

/// Whether the element's nodes' bounding box meets the window `[x0, x1, y0, y1]`.
pub(super) fn overlaps(xy: &[[f64; 2]; NODES], w: [f64; 4]) -> bool {
    let b = crate::mesh::bounding_box(xy.iter().copied());
    b[0] <= w[1] && b[1] >= w[0] && b[2] <= w[3] && b[3] >= w[2]
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_err()
        {
            log::warn!("cannot load the embedded font; plots will have no text");
        }
    });
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: path.into(),
        reason: format!("cannot draw the plot: {e}"),
    }
}

/// Renders `field` to the PNG file `path` (through a temporary name), `width` pixels wide.
pub fn write_png(
    path: &Path,
    field: Field,
    case: &str,
    mesh: &Mesh,
    outcome: &Outcome,
    style: &PlotStyle,
) -> Result<()> {
    register_font();
    let layout = Layout::new(mesh, style.width.max(400), style.view);
    let started = std::time::Instant::now();
    let scale = range(
        field,
        mesh,
        outcome,
        style.ranges[field.index()],
        style.view,
    );
    log::debug!(
        "{}: colour range in {:?}",
        field.file_name(),
        started.elapsed()
    );
    let (lo, hi) = (scale.lo, scale.hi);
    let mut canvas = Canvas::new(layout.width, layout.height);
    canvas.clip = layout.clip();
    let started = std::time::Instant::now();
    draw_field(&mut canvas, &layout, field, mesh, outcome, lo, hi);
    log::debug!("{}: drawn in {:?}", field.file_name(), started.elapsed());

    // Colorbar gradient, into the raster as well; a clipped end gets a triangle in the
    // colour of that end, and the bar gives it room.
    let bar_x = (layout.left + layout.plot_w + 40.0 * layout.s) as usize;
    let bar_w = 28.0 * layout.s;
    let tip = 22.0 * layout.s;
    let bar_top = layout.top + if scale.above { tip } else { 0.0 };
    let bar_h =
        (layout.plot_h - if scale.below { tip } else { 0.0 } - (bar_top - layout.top)).max(1.0);
    canvas.clip = [0, canvas.w, 0, canvas.h];
    let (left, right) = (bar_x as f64, bar_x as f64 + bar_w);
    let mid = 0.5 * (left + right);
    if scale.above {
        let (base, apex) = (bar_top, bar_top - tip);
        let c = viridis(1.0);
        canvas.triangle([[left, base], [right, base], [mid, apex]], [0.0; 3], &|_| c);
    }
    if scale.below {
        let (base, apex) = (bar_top + bar_h, bar_top + bar_h + tip);
        let c = viridis(0.0);
        canvas.triangle([[left, base], [right, base], [mid, apex]], [0.0; 3], &|_| c);
    }
    for py in bar_top as usize..(bar_top + bar_h) as usize {
        let t = 1.0 - (py as f64 + 0.5 - bar_top) / bar_h;
        let c = viridis(t);
        for px in bar_x..(bar_x + (28.0 * layout.s) as usize).min(canvas.w) {
            if py < canvas.h {
                canvas.put(px, py, c);
            }
        }
    }

    let tmp = temporary_png(path);
    let started = std::time::Instant::now();
    let result = (|| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let mut backend = BitMapBackend::new(&tmp, (layout.width as u32, layout.height as u32));
        backend.blit_bitmap(
            (0, 0),
            (layout.width as u32, layout.height as u32),
            &canvas.rgb,
        )?;
        let root = backend.into_drawing_area();
        let k = layout.s;
        let font = |size: f64| ("sans-serif", size).into_font();
        let text = |s: &str, x: f64, y: f64, size: f64, pos: Pos| {
            Text::new(
                s.to_string(),
                (x as i32, y as i32),
                font(size).color(&BLACK).pos(pos),
            )
        };
        let centre = |h, v| Pos::new(h, v);
        root.draw(&text(
            &format!("{case}: {}", field.title()),
            layout.width as f64 / 2.0,
            28.0 * k,
            26.0 * k,
            centre(HPos::Center, VPos::Center),
        ))?;
        // Frame and axes.
        let (l, t, w, h) = (layout.left, layout.top, layout.plot_w, layout.plot_h);
        root.draw(&Rectangle::new(
            [
                (l as i32 - 1, t as i32 - 1),
                ((l + w).ceil() as i32, (t + h).ceil() as i32),
            ],
            ShapeStyle::from(&RGBColor(90, 90, 90)).stroke_width(1),
        ))?;
        let [x0, x1, y0, y1] = layout.bbox;
        let (xt, xd) = ticks(x0, x1, ((w / (140.0 * k)) as usize).clamp(2, 12));
        for v in xt {
            let px = layout.pixel(v, y0)[0];
            root.draw(&PathElement::new(
                vec![
                    (px as i32, (t + h) as i32),
                    (px as i32, (t + h + 6.0 * k) as i32),
                ],
                BLACK,
            ))?;
            root.draw(&text(
                &format!("{v:.xd$}"),
                px,
                t + h + 18.0 * k,
                16.0 * k,
                centre(HPos::Center, VPos::Center),
            ))?;
        }
        root.draw(&text(
            "x (m)",
            l + w / 2.0,
            t + h + 44.0 * k,
            17.0 * k,
            centre(HPos::Center, VPos::Center),
        ))?;
        let (yt, yd) = ticks(y0, y1, ((h / 90.0) as usize).clamp(4, 12));
        for v in yt {
            let py = layout.pixel(x0, v)[1];
            root.draw(&PathElement::new(
                vec![((l - 6.0 * k) as i32, py as i32), (l as i32, py as i32)],
                BLACK,
            ))?;
            root.draw(&text(
                &format!("{v:.yd$}"),
                l - 10.0 * k,
                py,
                16.0 * k,
                centre(HPos::Right, VPos::Center),
            ))?;
        }
        root.draw(&text(
            "y (m)",
            24.0 * k,
            t + h / 2.0,
            17.0 * k,
            centre(HPos::Center, VPos::Center),
        ))?;
        // Colorbar frame, ticks, label.
        let bx = bar_x as f64;
        root.draw(&Rectangle::new(
            [
                (bx as i32, bar_top as i32),
                ((bx + 28.0 * k) as i32, (bar_top + bar_h) as i32),
            ],
            ShapeStyle::from(&BLACK).stroke_width(1),
        ))?;
        let off = tick_offset(lo, hi);
        let (ct, cd) = ticks(lo - off, hi - off, ((bar_h / 50.0) as usize).clamp(2, 10));
        for v in ct {
            let at = v + off;
            let py = bar_top + bar_h * (1.0 - if hi > lo { (at - lo) / (hi - lo) } else { 0.5 });
            root.draw(&PathElement::new(
                vec![
                    ((bx + 28.0 * k) as i32, py as i32),
                    ((bx + 34.0 * k) as i32, py as i32),
                ],
                BLACK,
            ))?;
            root.draw(&text(
                &format!("{v:.cd$}"),
                bx + 38.0 * k,
                py,
                15.0 * k,
                centre(HPos::Left, VPos::Center),
            ))?;
        }
        root.draw(&text(
            &field.colorbar_label(off),
            bx + 14.0 * k,
            layout.top - 16.0 * k,
            16.0 * k,
            centre(HPos::Center, VPos::Center),
        ))?;
        root.present()?;
        Ok(())
    })();
    log::debug!(
        "{}: labelled and encoded in {:?}",
        field.file_name(),
        started.elapsed()
    );
    settle(&tmp, path, result)
}

/// Renames the drawn plot `tmp` to `path`, or removes it where drawing failed.
fn settle(
    tmp: &Path,
    path: &Path,
    result: std::result::Result<(), Box<dyn std::error::Error>>,
) -> Result<()> {
    match result {
        Ok(()) => std::fs::rename(tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(tmp);
            plot_error(path, e)
        }),
        Err(e) => {
            let _ = std::fs::remove_file(tmp);
            Err(plot_error(path, e))
        }
    }
}

/// A temporary name that still ends in `.png` (the encoder goes by the extension).
fn temporary_png(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{stem}.{}.tmp.png", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        let (t, d) = ticks(101305.7, 101328.8, 6);
        assert_eq!(d, 0);
        assert!(t.iter().all(|&v| (101305.7..=101328.8).contains(&v)));
        assert!(t.windows(2).all(|w| (w[1] - w[0] - 5.0).abs() < 1e-9));
        let (t, d) = ticks(0.0, 1.2, 6);
        assert_eq!((t.len(), d), (7, 1));
        // Domain edges round only to display precision still get their ticks.
        let (t, _) = ticks(3.061616997868383e-17, 1.0, 6);
        assert_eq!((t[0], *t.last().unwrap()), (0.0, 1.0));
        let (t, _) = ticks(-0.99999994, 0.99999994, 5);
        assert_eq!((t[0], *t.last().unwrap()), (-1.0, 1.0));
        // Pressure far from zero: ticks relative to a round offset.
        assert_eq!(tick_offset(101305.7, 101328.8), 101300.0);
        assert_eq!(tick_offset(0.1, 5.6), 0.0);
        assert_eq!(tick_offset(-3.0, 4.0), 0.0);
    }
}
