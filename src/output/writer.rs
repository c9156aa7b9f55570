//! Each output format behind one small interface: a [`Writer`] names the files it makes for
//! its target (a file, or a directory for the plots and the surface tables) and writes them
//! from a finished [`Run`] through [`Staged`], so a run's outputs appear together or not at
//! all.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::png::{cp_file_name, write_cp_png, write_png, write_polar_png, Field, PlotStyle};
use super::report::Report;
use super::{hdf5, vtu, write_atomically, Staged};
use crate::error::{Error, Result};
use crate::mesh::Mesh;
use crate::outcome::Outcome;
use crate::solve::SolveOptions;
use crate::surface::{self, Surface};

/// What the writers read: a finished run and what was derived from it.
pub struct Run<'a> {
    pub mesh: &'a Mesh,
    pub outcome: &'a Outcome,
    pub opts: &'a SolveOptions,
    /// The case's name in plot titles.
    pub case: &'a str,
    /// How the plots are drawn.
    pub plot: &'a PlotStyle,
    /// The `--surface` groups' quantities.
    pub surfaces: &'a [Surface],
    /// The report, once the other outputs are written (it records the time they took).
    pub report: Option<&'a Report>,
}

/// One output format. The writers of a run write at the same time, each from its own thread.
pub trait Writer: Send + Sync {
    /// The files this writer makes for `target`.
    fn files(&self, target: &Path) -> Vec<PathBuf>;
    /// Writes them, each to the staging path `staged` gives for it.
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()>;
    /// Whether it is written after all the others (the report, which times them).
    fn last(&self) -> bool {
        false
    }
    /// The file extensions of its format (none: it writes a directory).
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether it draws on the recovered nodal velocity ([`crate::recovery`]), which the
    /// solve computes only when an output needs it.
    fn needs_nodal_velocity(&self) -> bool {
        false
    }
    /// Whether it draws on the stream function ψ, computed only when an output needs it.
    fn needs_stream_function(&self) -> bool {
        false
    }
}

/// The JSON report (`--json`).
pub struct JsonReport;

/// The results in the reference HDF5 layout (`--output`).
pub struct Hdf5Results;

/// The VTK XML unstructured grid for ParaView (`--vtu`).
pub struct VtuFile;

/// velocity.png, potential.png and pressure.png in a directory (`--png`).
pub struct PngPlots;

/// surface_GROUP.csv for each `--surface` group, in a directory.
pub struct SurfaceCsv {
    pub groups: Vec<String>,
}

impl Writer for JsonReport {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        vec![target.to_path_buf()]
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        let report = run.report.ok_or_else(|| Error::Output {
            path: target.into(),
            reason: "the report is written after the other outputs".into(),
        })?;
        write_atomically(&staged.stage(target), report.to_json().as_bytes())
    }
    fn last(&self) -> bool {
        true
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }
}

impl Writer for Hdf5Results {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        vec![target.to_path_buf()]
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        hdf5::write_results(&staged.stage(target), run.mesh, run.outcome, run.opts)
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["h5", "hdf5"]
    }
}

impl Writer for VtuFile {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        vec![target.to_path_buf()]
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        vtu::write_vtu(&staged.stage(target), run.mesh, run.outcome)
    }
    fn needs_nodal_velocity(&self) -> bool {
        true
    }
    fn needs_stream_function(&self) -> bool {
        true
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["vtu"]
    }
}

impl Writer for PngPlots {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        Field::ALL
            .iter()
            .map(|f| target.join(f.file_name()))
            .collect()
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        // The three plots are drawn at once.
        Field::ALL.par_iter().try_for_each(|&field| {
            let path = staged.stage(&target.join(field.file_name()));
            write_png(&path, field, run.case, run.mesh, run.outcome, run.plot)
        })
    }
    fn needs_nodal_velocity(&self) -> bool {
        true
    }
    fn needs_stream_function(&self) -> bool {
        true
    }
}

/// The body with circulation: Cp along its chord, `cp_GROUP.png` in the output directory.
pub struct CpPlot {
    pub group: String,
}

impl Writer for CpPlot {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        vec![target.join(cp_file_name(&self.group))]
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        match run.surfaces.iter().find(|s| s.group == self.group) {
            Some(s) => {
                let path = staged.stage(&target.join(cp_file_name(&self.group)));
                write_cp_png(&path, run.case, s)
            }
            None => Ok(()),
        }
    }
}

/// `--alpha`: polar.csv and polar.png in the output directory.
pub struct PolarFiles;

impl Writer for PolarFiles {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        vec![target.join("polar.csv"), target.join("polar.png")]
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        let Some(polar) = &run.outcome.polar else {
            return Ok(());
        };
        let path = staged.stage(&target.join("polar.csv"));
        write_atomically(&path, crate::lift::polar::csv(polar).as_bytes())?;
        let path = staged.stage(&target.join("polar.png"));
        write_polar_png(&path, run.case, polar)
    }
}

impl Writer for SurfaceCsv {
    fn files(&self, target: &Path) -> Vec<PathBuf> {
        self.groups
            .iter()
            .map(|g| target.join(format!("surface_{g}.csv")))
            .collect()
    }
    fn write(&self, run: &Run, target: &Path, staged: &Staged) -> Result<()> {
        for s in run.surfaces {
            let path = staged.stage(&target.join(format!("surface_{}.csv", s.group)));
            write_atomically(&path, surface::csv(s).as_bytes())?;
        }
        Ok(())
    }
    fn needs_nodal_velocity(&self) -> bool {
        true
    }
}
