// Dot products that stay on the device, in a fixed order: dot_partials has each of a fixed
// number of workgroups (the dispatch is always DOT_GROUPS) sum a fixed set of entries, then
// a fixed tree in workgroup memory; dot_finish sums the partials the same way into one
// scalar. The same input gives the same bits on every run. CPU twin: dot_f32
// (src/gpu/solve/twins.rs).

struct DotParams {
    n: u32,
    // where dot_finish writes
    slot: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: DotParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> scalars: array<f32>;

var<workgroup> tree: array<f32, 256>;

fn reduce_tree(t: u32) {
    for (var half = 128u; half > 0u; half = half >> 1u) {
        workgroupBarrier();
        if (t < half) {
            tree[t] = tree[t] + tree[t + half];
        }
    }
    workgroupBarrier();
}

@compute @workgroup_size(256)
fn dot_partials(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let stride = groups.x * 256u;
    var s = 0.0;
    for (var i = wid.x * 256u + lid.x; i < params.n; i += stride) {
        s = fma(a[i], b[i], s);
    }
    tree[lid.x] = s;
    reduce_tree(lid.x);
    if (lid.x == 0u) {
        partials[wid.x] = tree[0];
    }
}

// One workgroup: the 256 partials of dot_partials.
@compute @workgroup_size(256)
fn dot_finish(@builtin(local_invocation_id) lid: vec3<u32>) {
    tree[lid.x] = partials[lid.x];
    reduce_tree(lid.x);
    if (lid.x == 0u) {
        scalars[params.slot] = tree[0];
    }
}
