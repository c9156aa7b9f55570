//! The command line: clap definitions and one file per command. Each command module holds its
//! options (`Args`), its `run` and its printing; [`options`] holds what several share.

mod bench;
mod check;
mod devices;
mod generate;
mod info;
mod options;
mod plot;
mod solve;
mod summary;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// 2D potential flow on Quad-8 meshes: element kernels on the GPU (wgpu) or the CPU (rayon),
/// conjugate gradients with algebraic multigrid on the host.
#[derive(Debug, Parser)]
#[command(
    name = "potflow",
    version,
    about,
    arg_required_else_help = true,
    after_help = "Start with `potflow solve venturi:50000` (a generated mesh), or \
                  `potflow solve MESH.msh` for a Gmsh file."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Solve a mesh (a Gmsh .msh file, a reference-layout .h5 file, or GEOMETRY:NODES) and
    /// report; with no MESH, the built-in venturi case.
    Solve(solve::SolveArgs),
    /// List the GPU adapters wgpu sees: backend, type, f64 support, limits; with
    /// --bandwidth, each one's memory bandwidth measured by a copy kernel.
    Devices(devices::DevicesArgs),
    /// Run both kernels and the whole solve on the GPU and the CPU and compare them.
    Check(check::CheckArgs),
    /// Stage tables for CPU serial, CPU parallel and GPU, and thread scaling.
    Bench(bench::BenchArgs),
    /// Generate a mesh of one of the built-in geometries (.msh with named groups, or .h5).
    Generate(generate::GenerateArgs),
    /// Describe a mesh: sizes, bounding box, boundary groups, inlet/outlet, element quality.
    Info(info::InfoArgs),
}

/// Parses the command line and runs the command.
pub fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Solve(args) => solve::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Check(args) => check::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Info(args) => info::run(args),
    }
}
