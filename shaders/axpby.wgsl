// y = a x + b y, f32, with the coefficients given (axpby) or a coefficient read from the
// device's scalars (axpby_scalar: CG's α and β stay on the device). With b = 0, y is not
// read (it may hold anything). CPU twin: axpby (src/gpu/solve/twins.rs).

struct AxpbyParams {
    n: u32,
    // axpby_scalar: which scalar, and whether it scales x (0) or y (1)
    slot: u32,
    a: f32,
    b: f32,
}

@group(0) @binding(0) var<uniform> params: AxpbyParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> scalars: array<f32>;

fn update(i: u32, a: f32, b: f32) {
    if (b == 0.0) {
        y[i] = a * x[i];
    } else {
        y[i] = fma(a, x[i], b * y[i]);
    }
}

@compute @workgroup_size(256)
fn axpby(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.n; i += stride) {
        update(i, params.a, params.b);
    }
}

// slot's low 16 bits: the scalar; bit 16: it multiplies b (else a).
@compute @workgroup_size(256)
fn axpby_scalar(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let s = scalars[params.slot & 0xffffu];
    var a = params.a * s;
    var b = params.b;
    if ((params.slot >> 16u) != 0u) {
        a = params.a;
        b = params.b * s;
    }
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.n; i += stride) {
        update(i, a, b);
    }
}
