//! Run settings: where the element kernels run, on which adapter, in what precision, with how
//! many host threads and in what chunks. The CLI and the demo fill in one [`RunSettings`];
//! the pipeline records what actually ran in [`Ran`], which the summary and the report read.

use crate::error::Result;

use crate::gpu::{AdapterChoice, GpuContext, Precision};

/// Where the element kernels run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Backend {
    /// A hardware GPU (discrete, then integrated) if there is one, else the CPU. Software
    /// devices such as lavapipe are slower than the CPU path and are used only when asked for.
    #[default]
    Auto,
    /// The CPU (rayon).
    Cpu,
    /// A GPU adapter through wgpu, software devices included; an error when there is none.
    Gpu,
}

/// Precision of the GPU kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionChoice {
    /// f64 where the adapter has SHADER_F64, else f32.
    #[default]
    Auto,
    F32,
    F64,
}

impl PrecisionChoice {
    /// The precision asked for (`None`: the adapter's best).
    pub fn precision(self) -> Option<Precision> {
        match self {
            PrecisionChoice::Auto => None,
            PrecisionChoice::F32 => Some(Precision::F32),
            PrecisionChoice::F64 => Some(Precision::F64),
        }
    }
}

/// Where the linear system is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SolveOn {
    /// CG and the V-cycle on the host in f64 (the reference).
    #[default]
    Host,
    /// CG and the V-cycle on the GPU that runs the kernels, in f32, inside a defect
    /// correction in f64 on the host (the AMG set-up stays on the host).
    Gpu,
}

/// Everything that says how a run runs, apart from the problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSettings {
    pub backend: Backend,
    /// Case-insensitive part of the adapter's name (else WGPU_ADAPTER_NAME); naming one also
    /// allows a software device under [`Backend::Auto`].
    pub adapter: Option<String>,
    pub precision: PrecisionChoice,
    /// Host worker threads; `None`: all cores.
    pub threads: Option<usize>,
    /// Elements per GPU dispatch, below the device's own limit; `None`: the CPU assembly's
    /// chunks within that limit.
    pub chunk_elements: Option<usize>,
    /// Where the linear system is solved.
    pub solve_on: SolveOn,
}

impl RunSettings {
    /// The adapter choice; `hardware_only` refuses software devices unless one is named.
    pub fn adapter_choice(&self, hardware_only: bool) -> AdapterChoice {
        AdapterChoice {
            name: self.adapter.clone(),
            precision: self.precision.precision(),
            chunk_elements: self.chunk_elements,
            hardware_only,
        }
    }

    /// The GPU context these settings ask for (`None`: the CPU), and why: the summary and
    /// the report carry the reason. Only [`Backend::Gpu`] fails when no adapter is usable.
    pub fn gpu(&self) -> Result<(Option<GpuContext>, String)> {
        if self.backend == Backend::Cpu && self.solve_on == SolveOn::Gpu {
            return Err(crate::Error::Option(
                "--solve-on gpu solves on the GPU that runs the kernels: it needs --backend \
                 gpu or auto, not cpu"
                    .into(),
            ));
        }
        match self.backend {
            Backend::Cpu => Ok((None, "--backend cpu".into())),
            Backend::Gpu => Ok((
                Some(GpuContext::new(&self.adapter_choice(false))?),
                "--backend gpu".into(),
            )),
            Backend::Auto => match GpuContext::new(&self.adapter_choice(true)) {
                Ok(ctx) => {
                    let why = format!("auto: {} found", ctx.device_type_name());
                    Ok((Some(ctx), why))
                }
                Err(crate::Error::Gpu(why)) => Ok((None, format!("auto: {why}"))),
                Err(e) => Ok((None, format!("auto: {e}"))),
            },
        }
    }

    /// Where the kernels run with `ctx` (the context [`Self::gpu`] gave): under
    /// [`Backend::Auto`] a GPU failure finishes the stage on the CPU.
    pub fn kernels<'a>(&self, ctx: Option<&'a GpuContext>) -> Kernels<'a> {
        match ctx {
            Some(ctx) => Kernels::Gpu {
                ctx,
                fallback: self.backend == Backend::Auto,
                solve: self.solve_on == SolveOn::Gpu,
            },
            None => Kernels::Cpu,
        }
    }
}

/// What a run actually ran on, as the pipeline records it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Ran {
    /// Worker threads of the pool the run ran in.
    pub threads: usize,
    /// Elements per GPU dispatch (`None`: the kernels ran on the CPU).
    pub chunk_elements: Option<usize>,
}

/// Where the element kernels run.
#[derive(Clone, Copy)]
pub enum Kernels<'a> {
    /// rayon on the host.
    Cpu,
    /// A GPU context; with `fallback`, a GPU failure (lost device, allocation failure) warns
    /// and finishes the stage on the CPU instead of failing the run; with `solve`, the
    /// linear system is solved there too.
    Gpu {
        ctx: &'a GpuContext,
        fallback: bool,
        solve: bool,
    },
}

impl Kernels<'_> {
    /// The GPU the solve runs on, if it runs on one.
    pub fn solve_gpu(&self) -> Option<&GpuContext> {
        match self {
            Kernels::Gpu {
                ctx, solve: true, ..
            } => Some(ctx),
            _ => None,
        }
    }

    /// Elements per GPU dispatch for a mesh of `elements` (`None` on the CPU).
    pub fn chunk_elements(&self, elements: usize) -> Option<usize> {
        match self {
            Kernels::Cpu => None,
            Kernels::Gpu { ctx, .. } => Some(ctx.chunk_for(elements)),
        }
    }

    /// Runs `gpu` on the GPU, or `cpu` on the CPU; returns the value and where it ran, and
    /// records a fallback with its reason in `fallbacks`.
    pub(crate) fn run<T>(
        &self,
        stage: &str,
        fallbacks: &mut Vec<String>,
        gpu: impl FnOnce(&GpuContext) -> Result<T>,
        cpu: impl FnOnce() -> T,
    ) -> Result<(T, &'static str)> {
        match self {
            Kernels::Cpu => Ok((cpu(), "cpu")),
            Kernels::Gpu { ctx, fallback, .. } => match gpu(ctx) {
                Ok(v) => Ok((v, "gpu")),
                Err(e) if *fallback => {
                    log::warn!("{stage} on the GPU failed ({e}); finishing on the CPU");
                    fallbacks.push(format!("{stage}: {e}"));
                    Ok((cpu(), "cpu"))
                }
                Err(e) => Err(e),
            },
        }
    }
}
