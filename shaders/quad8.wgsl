// Quad-8 serendipity element: Gauss tables, shape derivatives, Jacobian, gradients.
// Shared by stiffness.wgsl and velocity.wgsl; the Rust side prepends `alias real = f32;` or
// `alias real = f64;` and then this file. CPU twins: src/element.rs, same function names.
//
//   3 ───── 6 ───── 2     corners 0-3 counter-clockwise,
//   │               │     mid-edge nodes 4:(0-1) 5:(1-2) 6:(2-3) 7:(3-0)
//   7               5
//   │               │
//   0 ───── 4 ───── 1
//
// Every kernel that includes this file declares
//   coordinates: array<real>  16 per element of the current chunk: (x, y) of nodes 0-7
//                             minus node 0's, computed in f64 on the host

const NODES: u32 = 8u;

// Per-dispatch parameters, the same for both kernels. Twin of gpu::layout::ChunkParams.
struct ChunkParams {
    count: u32,
    write_indices: u32,
    pad0: u32,
    pad1: u32,
}

// Natural coordinates of the eight nodes.
const NODE_XI = array<vec2<f32>, 8>(
    vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    vec2<f32>(0.0, -1.0), vec2<f32>(1.0, 0.0), vec2<f32>(0.0, 1.0), vec2<f32>(-1.0, 0.0),
);

// 3-point Gauss-Legendre rule.
const GAUSS3_X = array<real, 3>(-0.7745966692414834, 0.0, 0.7745966692414834);
const GAUSS3_W = array<real, 3>(0.5555555555555556, 0.8888888888888888, 0.5555555555555556);
// 2-point rule abscissa 1/sqrt(3).
const GAUSS2_X: real = 0.5773502691896258;

// (dN/dxi, dN/deta) of the eight shape functions at (xi, eta).
fn shape_derivatives(xi: real, eta: real) -> array<vec2<real>, 8> {
    var d: array<vec2<real>, 8>;
    for (var i = 0u; i < NODES; i++) {
        let a = real(NODE_XI[i].x);
        let b = real(NODE_XI[i].y);
        if (a != 0.0 && b != 0.0) {
            d[i] = vec2<real>(
                0.25 * a * (1.0 + eta * b) * (2.0 * xi * a + eta * b),
                0.25 * b * (1.0 + xi * a) * (xi * a + 2.0 * eta * b),
            );
        } else if (a == 0.0) {
            d[i] = vec2<real>(-xi * (1.0 + eta * b), 0.5 * (1.0 - xi * xi) * b);
        } else {
            d[i] = vec2<real>(0.5 * a * (1.0 - eta * eta), -eta * (1.0 + xi * a));
        }
    }
    return d;
}

// Physical gradients B = J^-1 dN/dxi and det J at one point.
struct Gradients {
    b: array<vec2<real>, 8>,
    det: real,
}

fn gradients(xi: real, eta: real, xy: array<vec2<real>, 8>) -> Gradients {
    let dn = shape_derivatives(xi, eta);
    // J = [[dx/dxi, dy/dxi], [dx/deta, dy/deta]]
    var j00: real = 0.0;
    var j01: real = 0.0;
    var j10: real = 0.0;
    var j11: real = 0.0;
    for (var k = 0u; k < NODES; k++) {
        j00 += dn[k].x * xy[k].x;
        j01 += dn[k].x * xy[k].y;
        j10 += dn[k].y * xy[k].x;
        j11 += dn[k].y * xy[k].y;
    }
    var g: Gradients;
    g.det = j00 * j11 - j01 * j10;
    let inv = 1.0 / g.det;
    for (var k = 0u; k < NODES; k++) {
        g.b[k] = vec2<real>(
            inv * (j11 * dn[k].x - j01 * dn[k].y),
            inv * (-j10 * dn[k].x + j00 * dn[k].y),
        );
    }
    return g;
}

// Node coordinates of chunk element `local`, relative to its first node (computed in f64
// on the host: see gpu::layout::element_coordinates).
fn relative_to_first(local: u32) -> array<vec2<real>, 8> {
    var xy: array<vec2<real>, 8>;
    for (var k = 0u; k < NODES; k++) {
        xy[k] = vec2<real>(coordinates[16u * local + 2u * k], coordinates[16u * local + 2u * k + 1u]);
    }
    return xy;
}
