// y = c_ax (A x) + c_z z over one block of A's rows, f32: the sparse product of the GPU solve
// (the operators, the prolongation and the restriction by Pᵀ). One invocation per row, the
// row summed in stored order; a grid-stride loop covers any block in one dispatch. The block's
// row pointers start at 0 (its own values and indices); y and z are whole vectors, entered at
// the block's first row. CPU twin: CsrF32::spmv (src/solver/amg/export.rs).
//
// The operators are multiplied in difference form, (A x)ᵢ = Σⱼ aᵢⱼ (xⱼ − xᵢ) + sᵢ xᵢ with sᵢ
// the row's sum (given, from the exact values where the host has them): a Laplacian's rows
// sum to zero, and for a smooth x the plain sum Σ aᵢⱼ xⱼ cancels to a small fraction of its
// terms, which f32 would round away (an error of about ε κ(A) instead of ε h⁻¹ relative).
// With `difference` 0 (the transfers), the plain sum.

struct SpmvParams {
    rows: u32,
    first_row: u32,
    c_ax: f32,
    c_z: f32,
    difference: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: SpmvParams;
@group(0) @binding(1) var<storage, read> indptr: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
// The block's row sums (difference form).
@group(0) @binding(7) var<storage, read> row_sums: array<f32>;

@compute @workgroup_size(256)
fn spmv(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.rows; i += stride) {
        let row = params.first_row + i;
        var s = 0.0;
        if (params.difference != 0u) {
            let xi = x[row];
            for (var k = indptr[i]; k < indptr[i + 1u]; k += 1u) {
                s = fma(values[k], x[indices[k]] - xi, s);
            }
            s = fma(row_sums[i], xi, s);
        } else {
            for (var k = indptr[i]; k < indptr[i + 1u]; k += 1u) {
                s = fma(values[k], x[indices[k]], s);
            }
        }
        var out = params.c_ax * s;
        if (params.c_z != 0.0) {
            out = fma(params.c_z, z[row], out);
        }
        y[row] = out;
    }
}
