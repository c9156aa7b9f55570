// Element stiffness: one element per invocation, Ke = sum over 3x3 Gauss points of
// w det J B^T B, written to the element's 64 COO slots (slot 8i + j = Ke[i][j]).
// CPU twin: element::stiffness_element; pipeline label "potflow.stiffness".

@group(0) @binding(0) var<uniform> params: ChunkParams;
@group(0) @binding(1) var<storage, read> coordinates: array<real>;
// 8 per element of the chunk: solver node numbers, for the slots' rows and columns.
@group(0) @binding(2) var<storage, read> elements: array<u32>;
@group(0) @binding(3) var<storage, read_write> values: array<real>;
// Global row and column of every slot, written when params.write_indices != 0.
@group(0) @binding(4) var<storage, read_write> rows: array<u32>;
@group(0) @binding(5) var<storage, read_write> cols: array<u32>;

@compute @workgroup_size(64)
fn stiffness_element(@builtin(global_invocation_id) gid: vec3<u32>) {
    let local = gid.x;
    if (local >= params.count) {
        return;
    }
    let xy = relative_to_first(local);
    var k: array<real, 64>;
    for (var gj = 0u; gj < 3u; gj++) {
        for (var gi = 0u; gi < 3u; gi++) {
            let g = gradients(GAUSS3_X[gi], GAUSS3_X[gj], xy);
            let wd = GAUSS3_W[gi] * GAUSS3_W[gj] * g.det;
            for (var i = 0u; i < NODES; i++) {
                for (var j = 0u; j < NODES; j++) {
                    k[NODES * i + j] += wd * dot(g.b[i], g.b[j]);
                }
            }
        }
    }
    // Zero row sums exactly (constants are in the null space): see element::zero_row_sums.
    for (var i = 0u; i < NODES; i++) {
        var off: real = 0.0;
        for (var j = 0u; j < NODES; j++) {
            if (j != i) {
                off += k[NODES * i + j];
            }
        }
        k[NODES * i + i] = -off;
    }
    let base = 64u * local;
    for (var s = 0u; s < 64u; s++) {
        values[base + s] = k[s];
    }
    if (params.write_indices != 0u) {
        for (var i = 0u; i < NODES; i++) {
            for (var j = 0u; j < NODES; j++) {
                rows[base + NODES * i + j] = elements[NODES * local + i];
                cols[base + NODES * i + j] = elements[NODES * local + j];
            }
        }
    }
}
