//! `polar.png`: a body's polar, cl against α (from the pressure, with the circulation's
//! 2Γ/(U c) as rings) beside cm_c4 against α; with `--mach`, the Karman-Tsien cl too and the
//! supercritical angles marked.

use std::path::Path;

use plotters::prelude::*;

use super::{register_font, settle, temporary_png};
use crate::error::Result;
use crate::lift::polar::Polar;

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 700;
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(214, 96, 20);
const RED: RGBColor = RGBColor(200, 30, 30);

/// The range of `values`, widened by 8% (and to a unit around a single value).
fn padded(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return -1.0..1.0;
    }
    let pad = if hi > lo { 0.08 * (hi - lo) } else { 0.5 };
    (lo - pad)..(hi + pad)
}

type Panel<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// One panel: `series` (label, colour, values at each α, drawn as a line or as rings).
fn panel(
    area: &Panel,
    title: &str,
    y_label: &str,
    alpha: &[f64],
    series: &[(&str, RGBColor, Vec<f64>, bool)],
    marked: &[bool],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let x = padded(alpha.iter().copied());
    let y = padded(series.iter().flat_map(|s| s.2.iter().copied()));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc("angle of attack α (degrees)")
        .y_desc(y_label)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 20))
        .draw()?;
    for (label, colour, values, line) in series {
        let points: Vec<(f64, f64)> = alpha.iter().copied().zip(values.iter().copied()).collect();
        let colour = *colour;
        let drawn = if *line {
            chart.draw_series(std::iter::once(PathElement::new(
                points.clone(),
                colour.stroke_width(3),
            )))?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))?
        } else {
            chart.draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 7, colour.stroke_width(2))),
            )?
        };
        drawn
            .label(*label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
    }
    // Angles where a Karman-Tsien peak passes the critical Cp: a red cross on the axis.
    let base = chart.y_range().start;
    chart.draw_series(
        alpha
            .iter()
            .zip(marked)
            .filter(|m| *m.1)
            .map(|(&a, _)| Cross::new((a, base), 8, RED.stroke_width(3))),
    )?;
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

/// Draws `polar` to the PNG file `path` (through a temporary name).
pub fn write_polar_png(path: &Path, case: &str, polar: &Polar) -> Result<()> {
    register_font();
    let tmp = temporary_png(path);
    let p = &polar.points;
    let alpha: Vec<f64> = p.iter().map(|q| q.alpha).collect();
    let marked: Vec<bool> = p
        .iter()
        .map(|q| q.compressible.is_some_and(|c| c.supercritical))
        .collect();
    let result = (|| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(&tmp, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(
            &format!("{case}: polar of {}", polar.group),
            ("sans-serif", 30),
        )?;
        let (left, right) = root.split_horizontally(WIDTH / 2);
        let mut lift = vec![
            (
                "cl (pressure)",
                BLUE,
                p.iter().map(|q| q.cl).collect(),
                true,
            ),
            (
                "cl_circulation (2Γ/Uc)",
                ORANGE,
                p.iter().map(|q| q.cl_circulation).collect::<Vec<_>>(),
                false,
            ),
        ];
        if let Some(c) = p.first().and_then(|q| q.compressible) {
            lift.push((
                if c.mach > 0.0 {
                    "cl Karman-Tsien"
                } else {
                    "cl"
                },
                RED,
                p.iter()
                    .map(|q| q.compressible.map_or(q.cl, |c| c.cl_karman_tsien))
                    .collect(),
                true,
            ));
        }
        panel(&left, "lift", "cl", &alpha, &lift, &marked)?;
        let moment = [("cm_c4", BLUE, p.iter().map(|q| q.cm_c4).collect(), true)];
        panel(
            &right,
            "moment about c/4",
            "cm_c4",
            &alpha,
            &moment,
            &marked,
        )?;
        root.present()?;
        Ok(())
    })();
    settle(&tmp, path, result)
}
