//! The field view: u, |v| or p on the mesh, drawn by the GPU through egui-wgpu's paint
//! callback with the render pipeline of `field.wgsl`.
//!
//! The host uploads the elements once per result (26 f32 per element, see the shader); a
//! frame uploads only the view (48 bytes). Pan, zoom and the choice of quantity never touch
//! the element buffer, so they cost a draw call whatever the mesh size.

use std::sync::Arc;

use egui_wgpu::wgpu;
use egui_wgpu::wgpu::util::DeviceExt;

/// Floats per element in the storage buffer.
pub const FLOATS_PER_ELEMENT: usize = 26;

/// What the field view can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Quantity {
    Potential,
    Speed,
    Pressure,
}

impl Quantity {
    pub const ALL: [Quantity; 3] = [Quantity::Potential, Quantity::Speed, Quantity::Pressure];

    pub fn label(self) -> &'static str {
        match self {
            Quantity::Potential => "u",
            Quantity::Speed => "|v|",
            Quantity::Pressure => "p",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Potential => "m²/s",
            Quantity::Speed => "m/s",
            Quantity::Pressure => "Pa",
        }
    }

    fn index(self) -> u32 {
        match self {
            Quantity::Potential => 0,
            Quantity::Speed => 1,
            Quantity::Pressure => 2,
        }
    }
}

/// A solved field ready for drawing: the element data and the ranges of the quantities.
pub struct FieldData {
    /// FLOATS_PER_ELEMENT per element, coordinates relative to `origin`.
    pub floats: Vec<f32>,
    pub elements: usize,
    /// The mesh's centre, subtracted from the coordinates before rounding to f32.
    pub origin: [f64; 2],
    /// Bounding box relative to `origin`: [xmin, xmax, ymin, ymax].
    pub bounds: [f32; 4],
    /// (min, max) of u, |v|, p.
    pub ranges: [(f64, f64); 3],
    /// What the view frames first, relative to `origin`: the bounding box, or a window round
    /// a lifting body.
    pub frame: [f32; 4],
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

impl FieldData {
    /// The field of one solve: the mesh in its input order, the nodal u, |v| and p per element.
    pub fn new(mesh: &potflow::mesh::Mesh, u: &[f64], abs_vel: &[f64], pressure: &[f64]) -> Self {
        let bb = potflow::mesh::bounding_box(
            mesh.x
                .iter()
                .copied()
                .zip(mesh.y.iter().copied())
                .map(|(x, y)| [x, y]),
        );
        let origin = [0.5 * (bb[0] + bb[1]), 0.5 * (bb[2] + bb[3])];
        let mut floats = Vec::with_capacity(mesh.quad8.len() * FLOATS_PER_ELEMENT);
        for (e, nodes) in mesh.quad8.iter().enumerate() {
            for &n in nodes {
                floats.push((mesh.x[n as usize] - origin[0]) as f32);
            }
            for &n in nodes {
                floats.push((mesh.y[n as usize] - origin[1]) as f32);
            }
            for &n in nodes {
                floats.push(u[n as usize] as f32);
            }
            floats.push(abs_vel[e] as f32);
            floats.push(pressure[e] as f32);
        }
        let used: Vec<bool> = {
            let mut used = vec![false; mesh.x.len()];
            for nodes in &mesh.quad8 {
                for &n in nodes {
                    used[n as usize] = true;
                }
            }
            used
        };
        let ranges = [
            range(u.iter().zip(&used).filter(|(_, &k)| k).map(|(&v, _)| v)),
            range(abs_vel.iter().copied()),
            range(pressure.iter().copied()),
        ];
        let bounds = [
            (bb[0] - origin[0]) as f32,
            (bb[1] - origin[0]) as f32,
            (bb[2] - origin[1]) as f32,
            (bb[3] - origin[1]) as f32,
        ];
        FieldData {
            floats,
            elements: mesh.quad8.len(),
            origin,
            bounds,
            ranges,
            frame: bounds,
        }
    }

    /// Adds each element's own jump of u across a wake cut (input numbering), so that the
    /// elements along the cut show their own continuous potential, not a ramp of Γ.
    pub fn add_jumps(&mut self, mesh: &potflow::mesh::Mesh, jumps: &potflow::post::Jumps) {
        for (e, j) in &jumps.elements {
            let (Some(nodes), Some(floats)) = (
                mesh.quad8.get(*e as usize),
                self.floats
                    .chunks_exact_mut(FLOATS_PER_ELEMENT)
                    .nth(*e as usize),
            ) else {
                continue;
            };
            for (k, node) in nodes.iter().enumerate() {
                if let Some((_, amount)) = j.iter().find(|(n, _)| n == node) {
                    floats[16 + k] += *amount as f32;
                }
            }
        }
    }

    /// Frames `window` (mesh coordinates) first instead of the whole domain; u's colours and
    /// equipotentials then span the u of the elements in the window (a far field's u spans
    /// 40 chords' worth of potential, which would leave one equipotential near the body).
    pub fn frame_window(&mut self, window: Option<[f64; 4]>) {
        let Some([x0, x1, y0, y1]) = window else {
            return;
        };
        let o = self.origin;
        let frame = [
            (x0 - o[0]) as f32,
            (x1 - o[0]) as f32,
            (y0 - o[1]) as f32,
            (y1 - o[1]) as f32,
        ];
        self.frame = frame;
        let inside =
            |x: f32, y: f32| x >= frame[0] && x <= frame[1] && y >= frame[2] && y <= frame[3];
        let u = self
            .floats
            .chunks_exact(FLOATS_PER_ELEMENT)
            .filter(|e| (0..8).any(|k| inside(e[k], e[8 + k])))
            .flat_map(|e| e[16..24].iter().map(|&v| f64::from(v)));
        let (lo, hi) = range(u);
        if lo < hi {
            self.ranges[0] = (lo, hi);
        }
    }

    /// The mean element's side, from the bounding box's area.
    pub fn typical_element_size(&self) -> f32 {
        let [x0, x1, y0, y1] = self.bounds;
        ((x1 - x0) * (y1 - y0) / self.elements.max(1) as f32).sqrt()
    }
}

/// Pan and zoom: the world point at the centre of the view and the pixels per world unit.
#[derive(Debug, Clone, Copy)]
pub struct Camera {
    pub centre: [f32; 2],
    pub pixels_per_unit: f32,
}

impl Camera {
    /// The whole domain in a view of `size` pixels, with a margin.
    pub fn fit(bounds: [f32; 4], size: egui::Vec2) -> Self {
        let [x0, x1, y0, y1] = bounds;
        let sx = size.x / (x1 - x0).max(1e-30);
        let sy = size.y / (y1 - y0).max(1e-30);
        Camera {
            centre: [0.5 * (x0 + x1), 0.5 * (y0 + y1)],
            pixels_per_unit: 0.95 * sx.min(sy),
        }
    }
}

/// Display options of the field view.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub quantity: Quantity,
    pub edges: bool,
    pub equipotentials: bool,
}

/// The uniform block `View` of the shader.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    centre: [f32; 2],
    scale: [f32; 2],
    lo: f32,
    hi: f32,
    quantity: u32,
    subdivisions: u32,
    flags: u32,
    contour_step: f32,
    _pad: [f32; 2],
}

/// Sub-quads per element side: enough that an element's curved edges look curved where it
/// is large on screen (about 6 pixels per sub-quad), one where it is a few pixels.
pub fn subdivisions(element_pixels: f32) -> u32 {
    ((element_pixels / 6.0).ceil() as u32).clamp(1, 16)
}

/// The GPU objects, kept in egui-wgpu's callback resources.
pub struct FieldRenderer {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    uniform: wgpu::Buffer,
    /// The element buffer and its bind group, once a field is uploaded.
    bound: Option<(wgpu::Buffer, wgpu::BindGroup, u32)>,
}

impl FieldRenderer {
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat, msaa_samples: u32) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("potflow-demo field"),
            source: wgpu::ShaderSource::Wgsl(shader_source().into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("field"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::VERTEX,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: true },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("field"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("field"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("field_vertex"),
                buffers: &[],
                compilation_options: Default::default(),
            },
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("field_fragment"),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
                compilation_options: Default::default(),
            }),
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState {
                count: msaa_samples.max(1),
                ..Default::default()
            },
            multiview_mask: None,
            cache: None,
        });
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("field view"),
            size: std::mem::size_of::<ViewUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        FieldRenderer {
            pipeline,
            layout,
            uniform,
            bound: None,
        }
    }

    /// Uploads a field, replacing the one before. Errors where the device cannot hold it.
    pub fn upload(&mut self, device: &wgpu::Device, field: &FieldData) -> Result<(), String> {
        let bytes = (field.floats.len() * 4) as u64;
        let limit = device.limits().max_storage_buffer_binding_size;
        if bytes > limit {
            self.bound = None;
            return Err(format!(
                "the field needs {} MiB, more than this device binds in one buffer ({} MiB)",
                bytes >> 20,
                limit >> 20
            ));
        }
        let buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("field elements"),
            contents: bytemuck::cast_slice(&field.floats),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("field"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: self.uniform.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: buffer.as_entire_binding(),
                },
            ],
        });
        self.bound = Some((buffer, bind_group, field.elements as u32));
        Ok(())
    }
}

/// One frame's draw of the field: the view it needs, handed to egui-wgpu.
pub struct FieldPaint {
    view: ViewUniform,
}

impl FieldPaint {
    /// The draw for a view rectangle of `size` points at `pixels_per_point`.
    pub fn new(
        field: &FieldData,
        camera: Camera,
        style: Style,
        size: egui::Vec2,
        srgb_target: bool,
    ) -> Self {
        let q = style.quantity;
        // p is stored near p0 ≈ 1e5 Pa in f32: steps of 8e-3 Pa, thousands of colour levels
        // over a dynamic range of a few Pa.
        let (lo, hi) = field.ranges[q.index() as usize];
        let element_pixels = field.typical_element_size() * camera.pixels_per_unit;
        let (ulo, uhi) = field.ranges[0];
        let flags = u32::from(style.edges)
            | (u32::from(style.equipotentials) << 1)
            | (u32::from(srgb_target) << 2);
        FieldPaint {
            view: ViewUniform {
                centre: camera.centre,
                scale: [
                    2.0 * camera.pixels_per_unit / size.x.max(1.0),
                    2.0 * camera.pixels_per_unit / size.y.max(1.0),
                ],
                lo: lo as f32,
                hi: hi as f32,
                quantity: q.index(),
                subdivisions: subdivisions(element_pixels),
                flags,
                contour_step: ((uhi - ulo) / 20.0) as f32,
                _pad: [0.0; 2],
            },
        }
    }

    pub fn subdivisions(&self) -> u32 {
        self.view.subdivisions
    }
}

impl egui_wgpu::CallbackTrait for FieldPaint {
    fn prepare(
        &self,
        _device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(renderer) = resources.get::<FieldRenderer>() {
            queue.write_buffer(&renderer.uniform, 0, bytemuck::bytes_of(&self.view));
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(renderer) = resources.get::<FieldRenderer>() else {
            return;
        };
        let Some((_, bind_group, elements)) = &renderer.bound else {
            return;
        };
        let k = self.view.subdivisions;
        pass.set_pipeline(&renderer.pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        pass.draw(0..6 * k * k, 0..*elements);
    }
}

/// viridis on the host (the library's table, as the shader has it), for the colour bar.
pub fn viridis(t: f32) -> egui::Color32 {
    let [r, g, b] = potflow::output::colormap::viridis(t as f64);
    egui::Color32::from_rgb(r, g, b)
}

/// The field shader: the library's viridis, then `field.wgsl`.
pub fn shader_source() -> String {
    potflow::output::colormap::viridis_wgsl() + include_str!("field.wgsl")
}

/// The largest difference of one 8-bit channel between `colour` and `rgb`: how colours are
/// compared (the host's viridis against matplotlib's, a drawn pixel against its value).
pub fn channel_difference(colour: egui::Color32, rgb: [u8; 3]) -> u8 {
    [colour.r(), colour.g(), colour.b()]
        .iter()
        .zip(&rgb)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap_or(0)
}

/// Puts the renderer into `state`'s callback resources. The vertex shader reads the elements
/// from a storage buffer, which OpenGL-class adapters (wgpu's GL backend, WebGL) cannot do:
/// there the field is not drawn, and the error says why (the solves run all the same).
pub fn install(state: &egui_wgpu::RenderState, msaa_samples: u32) -> Result<(), String> {
    let vertex_storage = state
        .adapter
        .get_downlevel_capabilities()
        .flags
        .contains(wgpu::DownlevelFlags::VERTEX_STORAGE)
        && state.device.limits().max_storage_buffers_per_shader_stage > 0;
    if !vertex_storage {
        let info = state.adapter.get_info();
        return Err(format!(
            "{} ({:?}) cannot read storage buffers in vertex shaders: the field is not drawn \
             on this adapter",
            info.name, info.backend
        ));
    }
    let renderer = FieldRenderer::new(&state.device, state.target_format, msaa_samples);
    state.renderer.write().callback_resources.insert(renderer);
    Ok(())
}

/// Uploads `field` into the renderer installed in `state`.
pub fn upload(state: &egui_wgpu::RenderState, field: &Arc<FieldData>) -> Result<(), String> {
    let mut renderer = state.renderer.write();
    match renderer.callback_resources.get_mut::<FieldRenderer>() {
        Some(r) => r.upload(&state.device, field),
        None => Err("the field renderer is not installed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdivision_follows_the_element_size_on_screen_within_bounds() {
        assert_eq!(subdivisions(0.5), 1);
        assert_eq!(subdivisions(6.0), 1);
        assert_eq!(subdivisions(7.0), 2);
        assert_eq!(subdivisions(60.0), 10);
        assert_eq!(subdivisions(1e6), 16);
        let sizes = [1.0, 5.0, 13.0, 40.0, 90.0, 200.0];
        assert!(sizes
            .windows(2)
            .all(|w| subdivisions(w[0]) <= subdivisions(w[1])));
    }

    #[test]
    fn field_data_holds_every_element_and_the_ranges_of_used_nodes() {
        let mut mesh = potflow::mesh::generate::by_name("channel", 200).unwrap();
        // An unused node far away with a huge u must move neither the box's use nor u's range.
        mesh.x.push(1e3);
        mesh.y.push(1e3);
        let n = mesh.x.len();
        let mut u: Vec<f64> = mesh.x.iter().map(|x| 2.0 * x).collect();
        u[n - 1] = 1e9;
        let e = mesh.quad8.len();
        let speed: Vec<f64> = (0..e).map(|i| i as f64).collect();
        let pressure = vec![101_325.0; e];
        let f = FieldData::new(&mesh, &u, &speed, &pressure);
        assert_eq!(f.elements, e);
        assert_eq!(f.floats.len(), e * FLOATS_PER_ELEMENT);
        assert_eq!(f.ranges[0], (0.0, 16.0)); // u = 2x on the 8-long channel
        assert_eq!(f.ranges[1], (0.0, (e - 1) as f64));
        // Element 3's node 5: its x relative to the origin, its u; its |v| and p at the end.
        let node = mesh.quad8[3][5] as usize;
        let row = &f.floats[3 * FLOATS_PER_ELEMENT..4 * FLOATS_PER_ELEMENT];
        assert_eq!(row[5], (mesh.x[node] - f.origin[0]) as f32);
        assert_eq!(row[8 + 5], (mesh.y[node] - f.origin[1]) as f32);
        assert_eq!(row[16 + 5], u[node] as f32);
        assert_eq!((row[24], row[25]), (3.0, 101_325.0));
    }

    #[test]
    fn a_wake_jump_lands_on_its_element_and_a_frame_narrows_u() {
        let mesh = potflow::mesh::generate::by_name("channel", 200).unwrap();
        let u: Vec<f64> = mesh.x.iter().map(|x| 2.0 * x).collect();
        let e = mesh.quad8.len();
        let mut f = FieldData::new(&mesh, &u, &vec![1.0; e], &vec![0.0; e]);
        // Element 2 gets +0.5 on its node 6 only (listed by node number, in any order).
        let nodes = mesh.quad8[2];
        let mut jump = nodes.map(|n| (n, 0.0));
        jump[6].1 = 0.5;
        jump.swap(0, 6);
        f.add_jumps(
            &mesh,
            &potflow::post::Jumps {
                elements: vec![(2, jump)],
            },
        );
        let row = &f.floats[2 * FLOATS_PER_ELEMENT..3 * FLOATS_PER_ELEMENT];
        assert_eq!(row[16 + 6], (u[nodes[6] as usize] + 0.5) as f32);
        assert_eq!(row[16 + 5], u[nodes[5] as usize] as f32);
        // A window over x in [1, 2] frames u = 2x there, widened by the elements that reach in.
        f.frame_window(Some([1.0, 2.0, -10.0, 10.0]));
        let (lo, hi) = f.ranges[0];
        assert!(
            lo > 0.5 && lo <= 2.0 && (4.0..6.0).contains(&hi),
            "{lo} {hi}"
        );
        assert_eq!(f.frame[0], (1.0 - f.origin[0]) as f32);
    }

    #[test]
    fn the_field_shader_is_valid_wgsl_with_both_entry_points() {
        // naga, the compiler wgpu runs on every backend, validates it here without a device.
        use egui_wgpu::wgpu::naga;
        let module = naga::front::wgsl::parse_str(&shader_source()).unwrap();
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&module)
        .unwrap();
        let names: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["field_vertex", "field_fragment"]);
    }

    #[test]
    fn the_host_colour_map_is_viridis() {
        // matplotlib's viridis at 0, ½ and 1: #440154, #21918c, #fde725. The ten-sample table
        // is exact at the ends and within 2/255 halfway; a wrong sample is off by far more.
        for (t, want) in [
            (0.0, [0x44, 0x01, 0x54]),
            (0.5, [0x21, 0x91, 0x8c]),
            (1.0, [0xfd, 0xe7, 0x25]),
        ] {
            let c = viridis(t);
            let off = channel_difference(c, want);
            assert!(off <= 4, "t = {t}: {c:?} vs {want:?}");
        }
    }
}
