//! The long-lived GPU context: adapter choice, device, pipelines, reusable buffers, and the
//! plumbing that turns wgpu's validation and device errors into `Err`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

use super::shaders::{self, Kernel};
use super::Precision;
use crate::error::{Error, Result};

/// One adapter as `potflow devices` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    /// A software device (lavapipe, llvmpipe, WARP): `--backend auto` passes it over.
    pub software: bool,
    pub driver: String,
    /// Whether the adapter has SHADER_F64.
    pub f64: bool,
    pub max_storage_binding_bytes: u64,
    pub max_buffer_bytes: u64,
    pub max_workgroups_per_dimension: u32,
}

/// Which adapter and precision to use.
#[derive(Debug, Clone, Default)]
pub struct AdapterChoice {
    /// Case-insensitive substring of the adapter name (`--adapter`; else WGPU_ADAPTER_NAME).
    pub name: Option<String>,
    /// `None`: f64 where the adapter has it, else f32.
    pub precision: Option<Precision>,
    /// Elements per dispatch, below the device's own limit (`--chunk-elements`).
    pub chunk_elements: Option<usize>,
    /// Refuse software devices (lavapipe, llvmpipe, WARP) unless the adapter is named: what
    /// `--backend auto` asks for, since on the same cores the CPU path is faster and smaller.
    pub hardware_only: bool,
}

/// The wgpu backends potflow asks for: Vulkan, Metal and DX12, or what WGPU_BACKEND names.
/// OpenGL is left out unless asked for: merely enabled, wgpu's GL backend brings up EGL, and
/// with Mesa's llvmpipe behind it child processes aborted at exit with glibc's "corrupted
/// size vs. prev_size" (gfx-rs/wgpu#3250, #4285), after their work was done.
fn backends() -> wgpu::Backends {
    wgpu::Backends::PRIMARY.with_env()
}

fn instance() -> wgpu::Instance {
    // Honours WGPU_BACKEND and the other wgpu environment variables.
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = backends();
    wgpu::Instance::new(descriptor)
}

fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        wgpu::DeviceType::IntegratedGpu => "integrated GPU",
        wgpu::DeviceType::VirtualGpu => "virtual GPU",
        wgpu::DeviceType::Cpu => "software device",
        wgpu::DeviceType::Other => "other",
    }
}

/// Preference order: discrete > integrated > virtual > other > software.
fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

fn summary(a: &wgpu::Adapter) -> AdapterSummary {
    let info = a.get_info();
    let limits = a.limits();
    AdapterSummary {
        name: info.name.clone(),
        backend: info.backend.to_string(),
        device_type: device_type_name(info.device_type).to_string(),
        software: info.device_type == wgpu::DeviceType::Cpu,
        driver: format!("{} {}", info.driver, info.driver_info)
            .trim()
            .to_string(),
        f64: a.features().contains(wgpu::Features::SHADER_F64),
        max_storage_binding_bytes: limits.max_storage_buffer_binding_size,
        max_buffer_bytes: limits.max_buffer_size,
        max_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
    }
}

/// Every adapter wgpu sees, best first.
pub fn list_adapters() -> Vec<AdapterSummary> {
    sorted_adapters().iter().map(summary).collect()
}

fn sorted_adapters() -> Vec<wgpu::Adapter> {
    let inst = instance();
    let mut adapters = pollster::block_on(inst.enumerate_adapters(backends()));
    adapters.sort_by_key(|a| rank(a.get_info().device_type));
    adapters
}

/// Runs `f` inside error scopes for validation, out-of-memory and internal errors (a shader a
/// backend cannot compile is an internal error) and returns the first error caught, named by
/// `what`, instead of leaving it to the uncaptured-error handler.
pub(crate) fn scoped<T>(device: &wgpu::Device, what: &str, f: impl FnOnce() -> T) -> Result<T> {
    let internal = device.push_error_scope(wgpu::ErrorFilter::Internal);
    let memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let value = f();
    // Scopes pop in the reverse order of their pushes.
    let errors = [validation, memory, internal].map(|scope| pollster::block_on(scope.pop()));
    match errors.into_iter().flatten().next() {
        Some(e) => Err(Error::Gpu(format!("{what}: {e}"))),
        None => Ok(value),
    }
}

/// The most elements one dispatch can take: the largest per-element binding (64 slot values,
/// or 64 u32 indices, never larger) must fit the storage binding limit, and one invocation
/// per element in workgroups of 64 must fit the workgroup count limit.
fn device_chunk_limit(limits: &wgpu::Limits, precision: Precision) -> usize {
    let max_binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    let by_binding = (max_binding / (64 * precision.bytes() as u64)) as usize;
    let by_workgroups = limits.max_compute_workgroups_per_dimension as usize * 64;
    by_binding.min(by_workgroups).max(1)
}

/// Elements per dispatch for a mesh of `elements` elements, with `limit` the most a dispatch
/// may take: the limit itself where it was asked for (`forced`), else the CPU assembly's
/// chunks ([`crate::assembly::chunk_elements`]: at most 16, none below 65,536 elements)
/// within it. The host holds a chunk's slots three times at once (the staging buffer, its
/// copy, and the slots decoded to f64), and a device's limit alone may cover the whole mesh:
/// 8.4M elements, or 4.3 GB of f64 slots, on a binding of 4 GiB.
pub fn dispatch_chunk(elements: usize, limit: usize, forced: bool) -> usize {
    if forced {
        limit
    } else {
        limit.min(crate::assembly::chunk_elements(elements))
    }
    .max(1)
}

/// Device, queue, pipelines and buffers, built once and reused for every dispatch.
pub struct GpuContext {
    pub(crate) info: wgpu::AdapterInfo,
    pub(crate) precision: Precision,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) pipelines: HashMap<&'static str, (wgpu::ComputePipeline, wgpu::BindGroupLayout)>,
    /// The most elements per dispatch: the device's limit, or `--chunk-elements` within it.
    pub(crate) chunk_elements: usize,
    /// Whether `chunk_elements` was asked for (then every mesh gets it) or is the device's
    /// limit (then a mesh gets the CPU assembly's chunks within it, [`GpuContext::chunk_for`]).
    pub(crate) chunk_forced: bool,
    pub(crate) max_binding: u64,
    /// The most elements one dispatch may take on this device ([`device_chunk_limit`]).
    pub(crate) max_chunk_elements: usize,
    buffers: Mutex<HashMap<&'static str, wgpu::Buffer>>,
    /// Held for a whole kernel call: the reusable buffers serve one call at a time.
    pub(crate) in_use: Mutex<()>,
    lost: Arc<AtomicBool>,
    allocated: AtomicU64,
    /// The most `allocated` has been.
    peak: AtomicU64,
    /// Seconds spent building the context: the first-run overhead.
    pub setup_seconds: f64,
}

/// Binding kinds of a kernel's bind group, in binding order.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Uniform,
    Read,
    Write,
}

fn bindings(kernel: Kernel) -> &'static [Slot] {
    use Slot::*;
    match kernel {
        // params, coordinates, elements, values, rows, cols
        Kernel::Stiffness => &[Uniform, Read, Read, Write, Write, Write],
        // params, coordinates, potentials, gradients
        Kernel::Velocity => &[Uniform, Read, Read, Write],
    }
}

impl GpuContext {
    /// Picks an adapter, opens a device and compiles both pipelines.
    pub fn new(choice: &AdapterChoice) -> Result<Self> {
        let start = Instant::now();
        let name = choice
            .name
            .clone()
            .or_else(|| std::env::var("WGPU_ADAPTER_NAME").ok())
            .map(|n| n.to_lowercase());
        let all = sorted_adapters();
        if all.is_empty() {
            return Err(Error::Gpu(
                "no adapter found (wgpu sees no Vulkan, Metal or DX12 device; on Linux, install \
                 a Vulkan driver such as mesa-vulkan-drivers)"
                    .into(),
            ));
        }
        let adapter = match &name {
            Some(n) => all
                .iter()
                .find(|a| a.get_info().name.to_lowercase().contains(n))
                .ok_or_else(|| {
                    let names: Vec<String> = all.iter().map(|a| a.get_info().name).collect();
                    Error::Gpu(format!(
                        "no adapter name contains {n:?}; adapters: {}",
                        names.join(", ")
                    ))
                })?,
            None if choice.hardware_only => all
                .iter()
                .find(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
                .ok_or_else(|| {
                    let names: Vec<String> = all.iter().map(|a| a.get_info().name).collect();
                    Error::Gpu(format!(
                        "no hardware GPU: {} {} a software device, slower than the CPU path \
                         on the same cores (--backend gpu uses it)",
                        names.join(", "),
                        if names.len() == 1 { "is" } else { "are" }
                    ))
                })?,
            None => &all[0],
        };
        let info = adapter.get_info();
        let has_f64 = adapter.features().contains(wgpu::Features::SHADER_F64);
        let precision = match choice.precision {
            Some(Precision::F64) if !has_f64 => {
                return Err(Error::Gpu(format!(
                    "{} has no f64 shader support (SHADER_F64); use --precision f32 or auto",
                    info.name
                )))
            }
            Some(p) => p,
            None if has_f64 => Precision::F64,
            None => Precision::F32,
        };
        let required_features = match precision {
            Precision::F64 => wgpu::Features::SHADER_F64,
            Precision::F32 => wgpu::Features::empty(),
        };
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("potflow"),
            required_features,
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| Error::Gpu(format!("cannot open {}: {e}", info.name)))?;

        let lost = Arc::new(AtomicBool::new(false));
        {
            let lost = lost.clone();
            device.set_device_lost_callback(move |reason, msg| {
                log::warn!("GPU device lost ({reason:?}): {msg}");
                lost.store(true, Ordering::SeqCst);
            });
        }
        device.on_uncaptured_error(Arc::new(|e: wgpu::Error| {
            log::error!("uncaptured GPU error: {e}")
        }));

        let mut pipelines = HashMap::new();
        for kernel in Kernel::ALL {
            let pipeline = scoped(&device, &format!("{} pipeline", kernel.label()), || {
                build_pipeline(&device, kernel, precision)
            })?;
            pipelines.insert(kernel.label(), pipeline);
        }

        let max_binding = (limits.max_storage_buffer_binding_size).min(limits.max_buffer_size);
        let max_chunk_elements = device_chunk_limit(&limits, precision);
        let chunk_elements = choice
            .chunk_elements
            .map_or(max_chunk_elements, |c| c.clamp(1, max_chunk_elements));
        log::info!(
            "GPU: {} ({:?}, {}), {precision}, chunks of {chunk_elements} elements",
            info.name,
            info.backend,
            device_type_name(info.device_type)
        );
        Ok(GpuContext {
            info,
            precision,
            device,
            queue,
            pipelines,
            chunk_elements,
            chunk_forced: choice.chunk_elements.is_some(),
            max_binding,
            max_chunk_elements,
            buffers: Mutex::new(HashMap::new()),
            in_use: Mutex::new(()),
            lost,
            allocated: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            setup_seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The precision the kernels run in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The adapter's name.
    pub fn adapter_name(&self) -> &str {
        &self.info.name
    }

    /// The backend name (Vulkan, Metal, Dx12).
    pub fn backend_name(&self) -> String {
        self.info.backend.to_string()
    }

    /// Whether the adapter is a software device (e.g. lavapipe).
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// "discrete GPU", "integrated GPU", "software device", ...
    pub fn device_type_name(&self) -> &'static str {
        device_type_name(self.info.device_type)
    }

    /// The most elements per dispatch (the device's limit, or `--chunk-elements`).
    pub fn chunk_elements(&self) -> usize {
        self.chunk_elements
    }

    /// Elements per dispatch for a mesh of `elements` elements ([`dispatch_chunk`]).
    pub fn chunk_for(&self, elements: usize) -> usize {
        dispatch_chunk(elements, self.chunk_elements, self.chunk_forced)
    }

    /// The most bytes of GPU buffers the context has held at once.
    pub fn buffer_bytes(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Destroys the device as a driver reset would, so that every later GPU call fails: the
    /// fault that tests inject to check the fallback and its report.
    pub fn simulate_device_loss(&self) {
        self.lost.store(true, Ordering::SeqCst);
        self.device.destroy();
    }

    /// "name (backend, type, precision)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {}, {})",
            self.info.name,
            self.info.backend,
            device_type_name(self.info.device_type),
            self.precision
        )
    }

    /// Serialises kernel calls from several threads (they share the reusable buffers).
    pub(crate) fn exclusive(&self) -> Result<std::sync::MutexGuard<'_, ()>> {
        self.in_use
            .lock()
            .map_err(|_| Error::Gpu("a previous GPU call panicked".into()))
    }

    /// A buffer of at least `size` bytes under `name`, reused across calls.
    pub(crate) fn buffer(
        &self,
        name: &'static str,
        size: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer> {
        let mut cache = self
            .buffers
            .lock()
            .map_err(|_| Error::Gpu("buffer cache poisoned".into()))?;
        if let Some(b) = cache.get(name) {
            if b.size() >= size && b.usage() == usage {
                return Ok(b.clone());
            }
        }
        if let Some(old) = cache.remove(name) {
            self.allocated.fetch_sub(old.size(), Ordering::Relaxed);
            old.destroy();
        }
        let size = size.max(16).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        let buffer = scoped(
            &self.device,
            &format!("cannot allocate {size} bytes for {name}"),
            || {
                self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(name),
                    size,
                    usage,
                    mapped_at_creation: false,
                })
            },
        )?;
        let now = self.allocated.fetch_add(size, Ordering::Relaxed) + size;
        self.peak.fetch_max(now, Ordering::Relaxed);
        cache.insert(name, buffer.clone());
        Ok(buffer)
    }

    /// Encodes one dispatch of `kernel` over `count` elements with `buffers` bound in order,
    /// copies `(source, staging, bytes)` pairs for readback, submits and waits; returns the
    /// staging contents.
    pub(crate) fn dispatch(
        &self,
        kernel: Kernel,
        buffers: &[&wgpu::Buffer],
        count: usize,
        readback: &[(&wgpu::Buffer, &wgpu::Buffer, u64)],
    ) -> Result<Vec<Vec<u8>>> {
        self.check_alive()?;
        let (pipeline, layout) = &self.pipelines[kernel.label()];
        scoped(&self.device, kernel.label(), || {
            self.encode_and_submit(kernel, pipeline, layout, buffers, count, readback)
        })?;
        let mut out = Vec::with_capacity(readback.len());
        for (_, staging, bytes) in readback {
            out.push(self.read_back(staging, *bytes)?);
        }
        Ok(out)
    }

    /// Binds `buffers`, dispatches `count` invocations and copies the readback pairs.
    fn encode_and_submit(
        &self,
        kernel: Kernel,
        pipeline: &wgpu::ComputePipeline,
        layout: &wgpu::BindGroupLayout,
        buffers: &[&wgpu::Buffer],
        count: usize,
        readback: &[(&wgpu::Buffer, &wgpu::Buffer, u64)],
    ) {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.label()),
            layout,
            entries: &entries,
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(kernel.label()),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel.label()),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(count.div_ceil(64) as u32, 1, 1);
        }
        for (src, staging, bytes) in readback {
            encoder.copy_buffer_to_buffer(src, 0, staging, 0, *bytes);
        }
        self.queue.submit([encoder.finish()]);
    }

    pub(crate) fn read_back(&self, staging: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>> {
        let (tx, rx) = mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, 0..bytes, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: None,
            })
            .map_err(|e| Error::Gpu(format!("waiting for the GPU: {e}")))?;
        self.check_alive()?;
        rx.recv()
            .map_err(|_| Error::Gpu("readback never completed".into()))?
            .map_err(|e| Error::Gpu(format!("readback failed: {e}")))?;
        let data = staging
            .get_mapped_range(0..bytes)
            .map_err(|e| Error::Gpu(format!("readback failed: {e}")))?
            .to_vec();
        staging.unmap();
        Ok(data)
    }

    pub(crate) fn check_alive(&self) -> Result<()> {
        if self.lost.load(Ordering::SeqCst) {
            Err(Error::Gpu("the GPU device was lost".into()))
        } else {
            Ok(())
        }
    }
}

fn build_pipeline(
    device: &wgpu::Device,
    kernel: Kernel,
    precision: Precision,
) -> (wgpu::ComputePipeline, wgpu::BindGroupLayout) {
    compute_pipeline(
        device,
        kernel.label(),
        kernel.entry_point(),
        shaders::source(kernel, precision),
        bindings(kernel),
    )
}

/// A compute pipeline of `source`'s `entry_point` with one bind group of `slots`, in
/// binding order.
pub(crate) fn compute_pipeline(
    device: &wgpu::Device,
    label: &str,
    entry_point: &str,
    source: String,
    slots: &[Slot],
) -> (wgpu::ComputePipeline, wgpu::BindGroupLayout) {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let entries: Vec<wgpu::BindGroupLayoutEntry> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| wgpu::BindGroupLayoutEntry {
            binding: i as u32,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: match slot {
                    Slot::Uniform => wgpu::BufferBindingType::Uniform,
                    Slot::Read => wgpu::BufferBindingType::Storage { read_only: true },
                    Slot::Write => wgpu::BufferBindingType::Storage { read_only: false },
                },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        })
        .collect();
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &entries,
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: Some(entry_point),
        compilation_options: Default::default(),
        cache: None,
    });
    (pipeline, layout)
}

#[cfg(test)]
mod tests {
    use super::dispatch_chunk;

    #[test]
    fn a_mesh_gets_the_cpu_chunks_within_the_device_limit_unless_a_chunk_was_asked_for() {
        // A 2M-node mesh (680k elements) on a 4 GiB binding: 65,536 per dispatch, not all.
        assert_eq!(dispatch_chunk(680_000, 8_388_608, false), 65_536);
        // 20M nodes: a sixteenth of the elements each.
        assert_eq!(dispatch_chunk(6_800_000, 8_388_608, false), 425_000);
        // A device limit below the CPU's chunk wins.
        assert_eq!(dispatch_chunk(680_000, 10_000, false), 10_000);
        // `--chunk-elements`: as asked, within the limit (clamped where it is set).
        assert_eq!(dispatch_chunk(680_000, 200_000, true), 200_000);
    }
}
