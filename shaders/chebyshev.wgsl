// Chebyshev smoothing in D⁻¹A on the GPU, f32: the host's Chebyshev::smooth
// (src/solver/amg/chebyshev.rs) step by step, each step's vector updates fused.
//
//   chebyshev_begin  r = D⁻¹ (b − A x) (zero start: r = D⁻¹ b), d = r / θ, x += d (x = d)
//   chebyshev_step   r −= D⁻¹ (A d), d = c1 d + c2 r, x += d      (A d from the spmv kernel)

struct ChebyshevParams {
    n: u32,
    zero_start: u32,
    // 1/θ in chebyshev_begin; c1 in chebyshev_step
    c1: f32,
    // c2 in chebyshev_step
    c2: f32,
}

@group(0) @binding(0) var<uniform> params: ChebyshevParams;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> ad: array<f32>;
@group(0) @binding(3) var<storage, read> inv_diag: array<f32>;
@group(0) @binding(4) var<storage, read_write> r: array<f32>;
@group(0) @binding(5) var<storage, read_write> d: array<f32>;
@group(0) @binding(6) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(256)
fn chebyshev_begin(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.n; i += stride) {
        var ri = inv_diag[i] * b[i];
        if (params.zero_start == 0u) {
            ri = inv_diag[i] * (b[i] - ad[i]);
        }
        let di = ri * params.c1;
        r[i] = ri;
        d[i] = di;
        if (params.zero_start == 0u) {
            x[i] = x[i] + di;
        } else {
            x[i] = di;
        }
    }
}

@compute @workgroup_size(256)
fn chebyshev_step(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.n; i += stride) {
        let ri = r[i] - inv_diag[i] * ad[i];
        let di = params.c1 * d[i] + params.c2 * ri;
        r[i] = ri;
        d[i] = di;
        x[i] = x[i] + di;
    }
}
