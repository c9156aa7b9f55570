//! Field plots as PNG: `velocity.png` (|v|), `potential.png` (u with equipotentials) and
//! `pressure.png`.
//!
//! The field is rasterised by potflow itself, element by element: each Quad-8 is cut into a
//! k × k grid in (ξ, η), with k growing with the element's size on screen, and every grid point
//! placed through the shape functions, so curved elements are drawn curved. Sub-quads become
//! two triangles, filled at pixel centres (the potential interpolated linearly inside each
//! triangle, element fields constant). Equipotentials are the level crossings of the same
//! triangles. Title, axes and the labelled colorbar are drawn with plotters and an embedded
//! DejaVu Sans font (no system fonts needed). Colormap: viridis.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::element::{shape, NODES};
use crate::error::{Error, Result};
use crate::mesh::Mesh;
use crate::solve::Outcome;

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

/// Viridis, sampled at ten evenly spaced points (matplotlib's values).
const VIRIDIS: [[u8; 3]; 10] = [
    [0x44, 0x01, 0x54],
    [0x48, 0x28, 0x78],
    [0x3e, 0x49, 0x89],
    [0x31, 0x68, 0x8e],
    [0x26, 0x82, 0x8e],
    [0x1f, 0x9e, 0x89],
    [0x35, 0xb7, 0x79],
    [0x6e, 0xce, 0x58],
    [0xb5, 0xde, 0x2b],
    [0xfd, 0xe7, 0x25],
];

/// Viridis at t ∈ [0, 1], linearly interpolated between the samples.
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    std::array::from_fn(|c| (a[c] as f64 + f * (b[c] as f64 - a[c] as f64)).round() as u8)
}

/// An RGB raster.
struct Canvas {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Canvas {
            w,
            h,
            rgb: vec![255; w * h * 3],
        }
    }

    fn put(&mut self, x: usize, y: usize, c: [u8; 3]) {
        let k = 3 * (y * self.w + x);
        self.rgb[k..k + 3].copy_from_slice(&c);
    }

    fn blend(&mut self, x: i64, y: i64, c: [u8; 3], alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let k = 3 * (y as usize * self.w + x as usize);
        for (dst, &src) in self.rgb[k..k + 3].iter_mut().zip(&c) {
            let old = *dst as f64;
            *dst = (old + alpha * (src as f64 - old)).round() as u8;
        }
    }

    /// Fills the triangle `p` (pixel coordinates) at pixel centres; the value at a pixel is the
    /// linear interpolation of `v`, coloured by `color`.
    fn triangle(&mut self, p: [[f64; 2]; 3], v: [f64; 3], color: &dyn Fn(f64) -> [u8; 3]) {
        let area =
            (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
        if area == 0.0 || !area.is_finite() {
            return;
        }
        let x0 = p
            .iter()
            .map(|q| q[0])
            .fold(f64::INFINITY, f64::min)
            .floor()
            .max(0.0) as usize;
        let x1 = (p
            .iter()
            .map(|q| q[0])
            .fold(f64::NEG_INFINITY, f64::max)
            .ceil() as usize)
            .min(self.w);
        let y0 = p
            .iter()
            .map(|q| q[1])
            .fold(f64::INFINITY, f64::min)
            .floor()
            .max(0.0) as usize;
        let y1 = (p
            .iter()
            .map(|q| q[1])
            .fold(f64::NEG_INFINITY, f64::max)
            .ceil() as usize)
            .min(self.h);
        let edge = |a: [f64; 2], b: [f64; 2], x: f64, y: f64| {
            (b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1])
        };
        for py in y0..y1 {
            let y = py as f64 + 0.5;
            for px in x0..x1 {
                let x = px as f64 + 0.5;
                let w0 = edge(p[1], p[2], x, y) / area;
                let w1 = edge(p[2], p[0], x, y) / area;
                let w2 = 1.0 - w0 - w1;
                // A hair of overlap (1e-9 of the triangle) so that rounding never leaves a pixel
                // centre on a shared edge outside both triangles.
                if w0 >= -1e-9 && w1 >= -1e-9 && w2 >= -1e-9 {
                    let c = color(w0 * v[0] + w1 * v[1] + w2 * v[2]);
                    self.put(px, py, c);
                }
            }
        }
    }

    /// A line from a to b, one pixel wide, blended with `alpha`.
    fn line(&mut self, a: [f64; 2], b: [f64; 2], c: [u8; 3], alpha: f64) {
        let steps = (b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
            self.blend(x.floor() as i64, y.floor() as i64, c, alpha);
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
    fn new(mesh: &Mesh, width: usize) -> Self {
        let bbox = mesh_bbox(mesh);
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

/// Range of the values the plot shows (elements' values, or used nodes' values).
fn range(field: Field, mesh: &Mesh, outcome: &Outcome) -> (f64, f64) {
    let (v, nodal) = values(field, outcome);
    let fold = |it: &mut dyn Iterator<Item = f64>| {
        it.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        })
    };
    if nodal {
        fold(&mut mesh.quad8.iter().flatten().map(|&k| v[k as usize]))
    } else {
        fold(&mut v.iter().copied())
    }
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

/// Rasterises the field into the plot area.
fn draw_field(
    canvas: &mut Canvas,
    layout: &Layout,
    field: Field,
    mesh: &Mesh,
    outcome: &Outcome,
    lo: f64,
    hi: f64,
) {
    let span = if hi > lo { hi - lo } else { 1.0 };
    let color = move |v: f64| viridis((v - lo) / span);
    let (vals, nodal) = values(field, outcome);
    let nodal_velocity = outcome.nodal.as_ref().map(|n| &n.velocity);
    // Contours: equipotentials on the potential, streamlines (ψ = const) on the velocity.
    let contoured: Option<&[f64]> = match (field, &outcome.nodal) {
        (Field::Potential, _) => Some(&outcome.u),
        (Field::Velocity, Some(n)) => Some(&n.stream_function),
        _ => None,
    };
    let levels: Vec<f64> = match contoured {
        Some(c) => {
            let (clo, chi) = mesh
                .quad8
                .iter()
                .flatten()
                .map(|&k| c[k as usize])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(x), b.max(x))
                });
            ticks(clo, chi, 16)
                .0
                .into_iter()
                .filter(|&l| l > clo && l < chi)
                .collect()
        }
        None => Vec::new(),
    };
    let mut contours: Vec<([f64; 2], [f64; 2])> = Vec::new();
    for (e, el) in mesh.quad8.iter().enumerate() {
        let xy: [[f64; 2]; NODES] = el.map(|k| [mesh.x[k as usize], mesh.y[k as usize]]);
        let px: Vec<[f64; 2]> = xy.iter().map(|p| layout.pixel(p[0], p[1])).collect();
        let extent = px.iter().fold(0.0f64, |m, p| {
            m.max((p[0] - px[0][0]).abs()).max((p[1] - px[0][1]).abs())
        });
        let k = ((extent / 6.0).ceil() as usize).clamp(1, 16);
        // Grid of (k+1)² points: position and value.
        let mut grid = Vec::with_capacity((k + 1) * (k + 1));
        for j in 0..=k {
            for i in 0..=k {
                let (xi, eta) = (
                    -1.0 + 2.0 * i as f64 / k as f64,
                    -1.0 + 2.0 * j as f64 / k as f64,
                );
                let n = shape(xi, eta);
                let x: f64 = (0..NODES).map(|a| n[a] * xy[a][0]).sum();
                let y: f64 = (0..NODES).map(|a| n[a] * xy[a][1]).sum();
                let v = match (field, nodal_velocity) {
                    // The magnitude of the interpolated vector, not an interpolated magnitude.
                    (Field::Velocity, Some(vel)) => {
                        let (vx, vy) = (0..NODES).fold((0.0, 0.0), |(x, y), a| {
                            let w = vel[el[a] as usize];
                            (x + n[a] * w[0], y + n[a] * w[1])
                        });
                        vx.hypot(vy)
                    }
                    _ if nodal => (0..NODES).map(|a| n[a] * vals[el[a] as usize]).sum(),
                    _ => vals[e],
                };
                let c =
                    contoured.map_or(0.0, |c| (0..NODES).map(|a| n[a] * c[el[a] as usize]).sum());
                grid.push((layout.pixel(x, y), v, c));
            }
        }
        let at = |i: usize, j: usize| grid[j * (k + 1) + i];
        for j in 0..k {
            for i in 0..k {
                let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
                for tri in [[a, b, c], [a, c, d]] {
                    canvas.triangle(tri.map(|t| t.0), tri.map(|t| t.1), &color);
                    for &level in &levels {
                        if let Some(seg) = crossing(tri.map(|t| (t.0, t.2)), level) {
                            contours.push(seg);
                        }
                    }
                }
            }
        }
    }
    for (a, b) in contours {
        canvas.line(a, b, [20, 20, 20], 0.7);
    }
}

/// Where the linear function on a triangle crosses `level`, as a segment.
fn crossing(tri: [([f64; 2], f64); 3], level: f64) -> Option<([f64; 2], [f64; 2])> {
    let mut pts = Vec::with_capacity(2);
    for (p, q) in [(tri[0], tri[1]), (tri[1], tri[2]), (tri[2], tri[0])] {
        let (dp, dq) = (p.1 - level, q.1 - level);
        if (dp < 0.0) != (dq < 0.0) {
            let t = dp / (dp - dq);
            pts.push([
                p.0[0] + t * (q.0[0] - p.0[0]),
                p.0[1] + t * (q.0[1] - p.0[1]),
            ]);
        }
    }
    (pts.len() == 2).then(|| (pts[0], pts[1]))
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
    width: usize,
) -> Result<()> {
    register_font();
    let layout = Layout::new(mesh, width.max(400));
    let (lo, hi) = range(field, mesh, outcome);
    let mut canvas = Canvas::new(layout.width, layout.height);
    draw_field(&mut canvas, &layout, field, mesh, outcome, lo, hi);

    // Colorbar gradient, into the raster as well.
    let bar_x = (layout.left + layout.plot_w + 40.0 * layout.s) as usize;
    let (bar_top, bar_h) = (layout.top, layout.plot_h.max(1.0));
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
            bar_top - 16.0 * k,
            16.0 * k,
            centre(HPos::Center, VPos::Center),
        ))?;
        root.present()?;
        Ok(())
    })();
    match result {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            plot_error(path, e)
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
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

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(viridis(1.0), [0xfd, 0xe7, 0x25]);
    }
}
