// Element velocity gradients: one element per invocation. grad u at the 2x2 Gauss points,
// counter-clockwise; the host forms v = -1/4 sum grad u, |v| = mean of the four |grad u| and
// the pressure in f64 (so the kernel needs no square root, which some backends lack in f64).
// CPU twin: element::velocity_gradients; pipeline label "potflow.velocity".

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> coordinates: array<real>;
// 8 per element of the chunk: u at node k minus u at node 0, computed in f64 on the host
// (gpu::layout::element_potentials).
@group(0) @binding(2) var<storage, read> potentials: array<real>;
// 8 per element of the chunk: (gx, gy) at each of the four Gauss points.
@group(0) @binding(3) var<storage, read_write> gradients_out: array<real>;

@compute @workgroup_size(64)
fn velocity_gradients(@builtin(global_invocation_id) gid: vec3<u32>) {
    let local = gid.x;
    if (local >= params.count) {
        return;
    }
    let xy = relative_to_first(local);
    var ue: array<real, 8>;
    for (var k = 0u; k < NODES; k++) {
        ue[k] = potentials[NODES * local + k];
    }
    let out = 8u * local;
    for (var p = 0u; p < 4u; p++) {
        // Counter-clockwise: (-g,-g) (g,-g) (g,g) (-g,g)
        let sx = select(-1.0, 1.0, p == 1u || p == 2u);
        let sy = select(-1.0, 1.0, p >= 2u);
        let g = gradients(real(sx) * GAUSS2_X, real(sy) * GAUSS2_X, xy);
        var grad = vec2<real>(0.0, 0.0);
        for (var k = 0u; k < NODES; k++) {
            grad += g.b[k] * ue[k];
        }
        gradients_out[out + 2u * p] = grad.x;
        gradients_out[out + 2u * p + 1u] = grad.y;
    }
}
