// The device's copy bandwidth: dst = src, one vec4<f32> per step of a grid-stride loop, so
// any length runs in one dispatch within the workgroup limit. CPU twin: `copy_from_slice`
// (src/gpu/bandwidth.rs).

struct CopyParams {
    // vec4s to copy
    count: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: CopyParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn copy_vec4(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    for (var i = gid.x; i < params.count; i += stride) {
        dst[i] = src[i];
    }
}
