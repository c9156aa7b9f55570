//! `cp_GROUP.png`: the pressure coefficient along the chord of a body with circulation, the
//! aerodynamicist's plot: −Cp upwards (suction up), the upper side and the lower side against
//! x/c; with `--mach`, the Karman-Tsien Cp and the critical Cp too.

use std::path::Path;

use plotters::prelude::*;

use super::{register_font, settle, temporary_png};
use crate::error::Result;
use crate::surface::lift::{chord_positions, karman_tsien};
use crate::surface::Surface;

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(214, 96, 20);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// The file name of `group`'s plot.
pub fn cp_file_name(group: &str) -> String {
    format!("cp_{group}.png")
}

/// Draws −Cp against x/c for `surface` (which must have lift coefficients; nothing is drawn
/// otherwise) to the PNG file `path`, through a temporary name.
pub fn write_cp_png(path: &Path, case: &str, surface: &Surface) -> Result<()> {
    let Some(lift) = surface.lift else {
        return Ok(());
    };
    register_font();
    let positions = chord_positions(&surface.rows, &lift);
    let side = |which: &str, cp: &dyn Fn(f64) -> f64| -> Vec<(f64, f64)> {
        surface
            .rows
            .iter()
            .zip(&positions)
            .filter(|(_, p)| p.1 == which || p.1 == "leading_edge")
            .map(|(r, p)| (p.0, -cp(r.cp)))
            .collect()
    };
    let plain = |cp: f64| cp;
    let mut series = vec![
        ("upper side", BLUE, side("upper", &plain)),
        ("lower side", ORANGE, side("lower", &plain)),
    ];
    let mach = lift.compressible.map(|c| (c.mach, c.cp_critical));
    if let Some((m, _)) = mach {
        let corrected = move |cp: f64| karman_tsien(cp, m);
        series.push(("upper, Karman-Tsien", GREY, side("upper", &corrected)));
        series.push(("lower, Karman-Tsien", GREY, side("lower", &corrected)));
    }
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.1))
        .chain(mach.map(|m| -m.1))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let pad = 0.06 * (hi - lo).max(1e-6);
    let tmp = temporary_png(path);
    let result = (|| -> std::result::Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(&tmp, (1400, 800)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{case}: {} at α {:.2}°, cl {:.4}",
                    surface.group, lift.alpha, lift.cl
                ),
                ("sans-serif", 28),
            )
            .margin(24)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.05f64..1.05f64, (lo - pad)..(hi + pad))?;
        chart
            .configure_mesh()
            .x_desc("x/c")
            .y_desc("−Cp")
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .draw()?;
        for (i, (label, colour, points)) in series.into_iter().enumerate() {
            let style = if i < 2 {
                colour.stroke_width(3)
            } else {
                colour.stroke_width(1)
            };
            chart
                .draw_series(std::iter::once(PathElement::new(points, style)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        if let Some((m, critical)) = mach {
            let style = BLACK.stroke_width(1);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(-0.05, -critical), (1.05, -critical)],
                    style,
                )))?
                .label(format!("critical at M {m}: −Cp* {:.3}", -critical))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        root.present()?;
        Ok(())
    })();
    settle(&tmp, path, result)
}
