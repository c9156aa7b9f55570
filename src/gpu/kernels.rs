//! Chunked dispatch of the two kernels and readback into host arrays. The host code after
//! this point (adding slots into the CSR values, element fields) is the same as for the CPU
//! kernels.

use wgpu::BufferUsages as U;

use super::context::GpuContext;
use super::layout::{decode, element_coordinates, element_potentials, ChunkParams};
use super::shaders::Kernel;
use super::Precision;
use crate::assembly::CsrPattern;
use crate::element::{velocity_from_gradients, zero_row_sums, PressureModel, SLOTS};
use crate::error::{Error, Result};
use crate::mesh::PreparedMesh;
use crate::post::ElementFields;

const STORAGE_IN: U = U::STORAGE.union(U::COPY_DST);
const STORAGE_OUT: U = U::STORAGE.union(U::COPY_SRC);
const STAGING: U = U::MAP_READ.union(U::COPY_DST);

/// COO slots with their global rows and columns, as the stiffness kernel writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct CooSlots {
    pub values: Vec<f64>,
    pub rows: Vec<u32>,
    pub cols: Vec<u32>,
}

/// Takes one chunk of the stiffness kernel's output: its first element, its slot values
/// (f64), and, when asked for, each slot's row and column.
type SlotSink<'s> = dyn FnMut(usize, &[f64], Option<(&[u32], &[u32])>) + 's;

impl GpuContext {
    /// Forces the number of elements per dispatch (at most the device's own limit).
    pub fn set_chunk_elements(&mut self, n: usize) {
        self.chunk_elements = n.clamp(1, self.max_chunk_elements);
        self.chunk_forced = true;
    }

    /// The dispatches for a mesh of `e` elements: the largest chunk, which the buffers are
    /// sized for (not the device's largest), and each chunk's first element and count.
    fn chunks(&self, e: usize) -> (u64, impl Iterator<Item = (usize, usize)>) {
        let step = self.chunk_for(e);
        let largest = step.min(e).max(1) as u64;
        let each = (0..e)
            .step_by(step)
            .map(move |first| (first, step.min(e - first)));
        (largest, each)
    }

    fn upload(&self, name: &'static str, bytes: &[u8], usage: U) -> Result<wgpu::Buffer> {
        if bytes.len() as u64 > self.max_binding {
            return Err(Error::Gpu(format!(
                "{name} needs {} bytes, more than the adapter's largest storage binding ({} bytes)",
                bytes.len(),
                self.max_binding
            )));
        }
        let buffer = self.buffer(name, bytes.len() as u64, usage)?;
        super::context::scoped(&self.device, &format!("writing {name}"), || {
            self.queue.write_buffer(&buffer, 0, bytes)
        })?;
        Ok(buffer)
    }

    /// The parameters and the element-relative coordinates of one chunk, the input both
    /// kernels share.
    fn chunk_inputs(
        &self,
        mesh: &PreparedMesh,
        first: usize,
        count: usize,
        write_indices: bool,
    ) -> Result<(wgpu::Buffer, wgpu::Buffer)> {
        let params = ChunkParams {
            count: count as u32,
            write_indices: u32::from(write_indices),
            pad0: 0,
            pad1: 0,
        };
        let params = self.upload(
            "params",
            bytemuck::bytes_of(&params),
            U::UNIFORM | U::COPY_DST,
        )?;
        let coordinates = self.upload(
            "coordinates",
            &element_coordinates(mesh, first, count, self.precision),
            STORAGE_IN,
        )?;
        Ok((params, coordinates))
    }

    /// The stiffness kernel: every element's 64 slot values (f64 on the host), all at once
    /// (for comparing kernels; the assembly goes chunk by chunk, [`Self::stiffness_values`]).
    pub fn stiffness_slots(&self, mesh: &PreparedMesh) -> Result<Vec<f64>> {
        let mut values = Vec::with_capacity(mesh.elements() * SLOTS);
        self.stiffness(mesh, false, &mut |_, chunk, _| values.extend(chunk))?;
        Ok(values)
    }

    /// The stiffness kernel writing values and each slot's global row and column.
    pub fn stiffness_coo(&self, mesh: &PreparedMesh) -> Result<CooSlots> {
        let mut out = CooSlots {
            values: Vec::with_capacity(mesh.elements() * SLOTS),
            rows: Vec::new(),
            cols: Vec::new(),
        };
        self.stiffness(mesh, true, &mut |_, values, indices| {
            out.values.extend(values);
            if let Some((rows, cols)) = indices {
                out.rows.extend_from_slice(rows);
                out.cols.extend_from_slice(cols);
            }
        })?;
        Ok(out)
    }

    /// The stiffness matrix's values on `pattern`: each chunk's slots are added into them as
    /// it comes back from the device ([`CsrPattern::add_slots`]).
    pub fn stiffness_values(&self, mesh: &PreparedMesh, pattern: &CsrPattern) -> Result<Vec<f64>> {
        let mut values = pattern.zero_values();
        self.stiffness(mesh, false, &mut |first, slots, _| {
            pattern.add_slots(&mesh.elements, first, slots, &mut values)
        })?;
        Ok(values)
    }

    /// Runs the stiffness kernel chunk by chunk and hands each chunk to `sink` (the rows and
    /// columns with `with_indices`).
    fn stiffness(
        &self,
        mesh: &PreparedMesh,
        with_indices: bool,
        sink: &mut SlotSink,
    ) -> Result<()> {
        let _guard = self.exclusive()?;
        let p = self.precision.bytes() as u64;
        // Buffers sized for the chunks this mesh needs, not the device's largest.
        let (chunk, chunks) = self.chunks(mesh.elements());
        let index_bytes = if with_indices {
            chunk * SLOTS as u64 * 4
        } else {
            16
        };
        let values = self.buffer("stiffness.values", chunk * SLOTS as u64 * p, STORAGE_OUT)?;
        let rows = self.buffer("stiffness.rows", index_bytes, STORAGE_OUT)?;
        let cols = self.buffer("stiffness.cols", index_bytes, STORAGE_OUT)?;
        let staging_values = self.buffer("staging.values", chunk * SLOTS as u64 * p, STAGING)?;
        let staging_rows = self.buffer("staging.rows", index_bytes, STAGING)?;
        let staging_cols = self.buffer("staging.cols", index_bytes, STAGING)?;

        for (first, count) in chunks {
            let (params, coordinates) = self.chunk_inputs(mesh, first, count, with_indices)?;
            // The node numbers, for the slots' rows and columns.
            let elements: Vec<u32> = mesh.elements[first..first + count]
                .iter()
                .flatten()
                .copied()
                .collect();
            let elements = self.upload("elements", bytemuck::cast_slice(&elements), STORAGE_IN)?;
            let value_bytes = count as u64 * SLOTS as u64 * p;
            let index_bytes = count as u64 * SLOTS as u64 * 4;
            let mut readback = vec![(&values, &staging_values, value_bytes)];
            if with_indices {
                readback.push((&rows, &staging_rows, index_bytes));
                readback.push((&cols, &staging_cols, index_bytes));
            }
            let data = self.dispatch(
                Kernel::Stiffness,
                &[&params, &coordinates, &elements, &values, &rows, &cols],
                count,
                &readback,
            )?;
            let mut values = decode(&data[0], self.precision);
            if self.precision == Precision::F32 {
                // Redo the zero row sums in f64 from the f32 off-diagonals: the f32 rounding
                // of the diagonal would otherwise act as a source scaling with |u| (see
                // element::zero_row_sums); this way it stays a perturbation of the gradients.
                for k in values.chunks_exact_mut(SLOTS) {
                    let k: &mut [f64; SLOTS] =
                        k.try_into().map_err(|_| Error::Gpu("slot chunk".into()))?;
                    zero_row_sums(k);
                }
            }
            let indices = with_indices.then(|| {
                let rows: &[u32] = bytemuck::cast_slice(&data[1]);
                let cols: &[u32] = bytemuck::cast_slice(&data[2]);
                (rows, cols)
            });
            sink(first, &values, indices);
        }
        Ok(())
    }

    /// The velocity kernel: the Gauss-point gradients of every element from `u` (solver order)
    /// on the GPU, then velocity, |v| and pressure from them on the host in f64.
    pub fn velocity(
        &self,
        mesh: &PreparedMesh,
        u: &[f64],
        model: PressureModel,
    ) -> Result<ElementFields> {
        let _guard = self.exclusive()?;
        let p = self.precision.bytes() as u64;
        let (chunk, chunks) = self.chunks(mesh.elements());
        let fields = self.buffer("velocity.gradients", chunk * 8 * p, STORAGE_OUT)?;
        let staging = self.buffer("staging.gradients", chunk * 8 * p, STAGING)?;
        let mut out = ElementFields::default();
        for (first, count) in chunks {
            let (params, coordinates) = self.chunk_inputs(mesh, first, count, false)?;
            let potentials = self.upload(
                "potentials",
                &element_potentials(mesh, u, first, count, self.precision),
                STORAGE_IN,
            )?;
            let data = self.dispatch(
                Kernel::Velocity,
                &[&params, &coordinates, &potentials, &fields],
                count,
                &[(&fields, &staging, count as u64 * 8 * p)],
            )?;
            for g in decode(&data[0], self.precision).chunks_exact(8) {
                let v = velocity_from_gradients(
                    &[[g[0], g[1]], [g[2], g[3]], [g[4], g[5]], [g[6], g[7]]],
                    model,
                );
                out.vel.push(v.vel);
                out.abs_vel.push(v.abs_vel);
                out.pressure.push(v.pressure);
            }
        }
        Ok(out)
    }
}
