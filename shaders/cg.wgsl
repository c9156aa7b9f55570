// CG's scalar steps on the device, one invocation: the host's cg (src/solver/cg.rs) keeps
// them in f64 registers; here they stay in the scalars buffer, so an iteration needs no
// round trip. Slots: 0 rz, 1 pq, 2 α, 3 rz_new, 4 β, 5 rr.
//
//   mode 0: α = rz / pq                 (0 where pq is 0: a breakdown stops nothing here,
//   mode 1: β = rz_new / rz, rz = rz_new  the host sees the residual stall and says so)

struct CgParams {
    mode: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: CgParams;
@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;

@compute @workgroup_size(1)
fn cg_scalars() {
    if (params.mode == 0u) {
        let pq = scalars[1];
        var alpha = 0.0;
        if (pq != 0.0) {
            alpha = scalars[0] / pq;
        }
        scalars[2] = alpha;
    } else {
        let rz = scalars[0];
        var beta = 0.0;
        if (rz != 0.0) {
            beta = scalars[3] / rz;
        }
        scalars[4] = beta;
        scalars[0] = scalars[3];
    }
}
