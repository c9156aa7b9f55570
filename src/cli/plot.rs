//! The plot options of `potflow solve`: where the PNGs go and how they are drawn.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use potflow::output::png::{Field, PlotStyle, RangeChoice};

#[derive(Debug, Args, Default)]
pub struct PlotArgs {
    /// Write velocity.png, potential.png and pressure.png into this directory.
    #[arg(long, value_name = "DIR")]
    pub png: Option<PathBuf>,
    /// Width of the PNG plots in pixels.
    #[arg(
        long,
        default_value_t = 1600,
        value_name = "PIXELS",
        allow_negative_numbers = true
    )]
    pub png_width: i64,
    /// Colour range of the plots (repeatable): `robust` (the default: a thin tail that would
    /// stretch the scale, such as a corner singularity, is clipped at the area-weighted 0.1 %
    /// or 99.9 % quantile and marked by a triangle on the colour bar), `full` (the smallest
    /// and largest value) or MIN,MAX. Alone it sets every plot, except that MIN,MAX
    /// alone sets the velocity plot; FIELD=SPEC (velocity, potential, pressure) sets one.
    #[arg(long = "range", value_name = "SPEC", allow_hyphen_values = true)]
    pub ranges: Vec<String>,
    /// Draw the window x0,x1,y0,y1 (metres), or `all` for the whole domain. Default: the
    /// whole domain, or with --kutta/--circulation a window round the body.
    #[arg(long, value_name = "X0,X1,Y0,Y1|all", allow_hyphen_values = true)]
    pub view: Option<String>,
}

impl PlotArgs {
    /// The plot style these options ask for, each option checked.
    pub fn style(&self) -> Result<PlotStyle> {
        if self.png_width < 400 || self.png_width > 20_000 {
            bail!(
                "--png-width must be between 400 and 20000 pixels, got {}",
                self.png_width
            );
        }
        let mut style = PlotStyle {
            width: self.png_width as usize,
            ..PlotStyle::default()
        };
        for spec in &self.ranges {
            let (fields, choice) = parse_range(spec)?;
            for f in fields {
                style.ranges[f.index()] = choice;
            }
        }
        style.view = match self.view.as_deref() {
            Some("all") => None,
            other => other.map(parse_view).transpose()?,
        };
        Ok(style)
    }

    /// Whether `--view all` asks for the whole domain even round a lifting body.
    pub fn whole_domain(&self) -> bool {
        self.view.as_deref() == Some("all")
    }
}

/// Finite numbers separated by commas, `count` of them, for the option `option`.
/// (`text` is the option's whole value, for the message; `numbers` the part that holds them.)
fn numbers(option: &str, text: &str, numbers: &str, count: usize, form: &str) -> Result<Vec<f64>> {
    let parts: Vec<&str> = numbers.split(',').map(str::trim).collect();
    if parts.len() != count {
        bail!("{option} {text}: expected {form}");
    }
    parts
        .iter()
        .map(|p| match p.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => bail!("{option} {text}: '{p}' is not a finite number (expected {form})"),
        })
        .collect()
}

/// `--range SPEC`: the fields it sets and their range.
pub fn parse_range(spec: &str) -> Result<(Vec<Field>, RangeChoice)> {
    let (fields, value) = match spec.split_once('=') {
        Some((name, value)) => match Field::ALL.iter().find(|f| f.name() == name.trim()) {
            Some(&f) => (Some(vec![f]), value.trim()),
            None => bail!(
                "--range {spec}: unknown plot '{name}' (expected velocity, potential or pressure)"
            ),
        },
        None => (None, spec.trim()),
    };
    let choice = match value {
        "robust" => RangeChoice::Robust,
        "full" => RangeChoice::Full,
        _ if value.contains(',') => {
            let v = numbers("--range", spec, value, 2, "robust, full or MIN,MAX")?;
            if v[0] >= v[1] {
                bail!("--range {spec}: MIN must be below MAX");
            }
            RangeChoice::Fixed(v[0], v[1])
        }
        _ => bail!("--range {spec}: expected robust, full or MIN,MAX (e.g. --range 0,3)"),
    };
    let fields = fields.unwrap_or_else(|| match choice {
        RangeChoice::Fixed(..) => vec![Field::Velocity],
        _ => Field::ALL.to_vec(),
    });
    Ok((fields, choice))
}

/// `--view x0,x1,y0,y1`.
pub fn parse_view(text: &str) -> Result<[f64; 4]> {
    let v = numbers("--view", text, text, 4, "x0,x1,y0,y1 in metres")?;
    if v[0] >= v[1] || v[2] >= v[3] {
        bail!("--view {text}: expected x0 < x1 and y0 < y1");
    }
    Ok([v[0], v[1], v[2], v[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_specs() {
        let (f, c) = parse_range("full").unwrap();
        assert_eq!((f.len(), c), (3, RangeChoice::Full));
        let (f, c) = parse_range("0,3").unwrap();
        assert_eq!(
            (f, c),
            (vec![Field::Velocity], RangeChoice::Fixed(0.0, 3.0))
        );
        let (f, c) = parse_range("pressure=-5,2.5").unwrap();
        assert_eq!(
            (f, c),
            (vec![Field::Pressure], RangeChoice::Fixed(-5.0, 2.5))
        );
        for bad in ["3,0", "speed=full", "wide", "1,nan", "1,2,3"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn view_specs() {
        assert_eq!(parse_view("-1,2,-0.5,0.5").unwrap(), [-1.0, 2.0, -0.5, 0.5]);
        for bad in ["0,1,0", "1,0,0,1", "0,1,x,2"] {
            assert!(parse_view(bad).is_err(), "{bad}");
        }
    }
}
