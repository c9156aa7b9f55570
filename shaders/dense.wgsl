// x = M b with M dense (n × n, row-major), f32: the coarsest level's solve with its inverse
// (a few hundred unknowns). One invocation per row, the row summed in order. CPU twin:
// dense_matvec (src/gpu/solve/twins.rs).

struct DenseParams {
    n: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: DenseParams;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64)
fn dense_matvec(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.n) {
        return;
    }
    var s = 0.0;
    for (var j = 0u; j < params.n; j += 1u) {
        s = fma(m[i * params.n + j], b[j], s);
    }
    x[i] = s;
}
