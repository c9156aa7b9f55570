// The solved field on the curved Quad-8 mesh, drawn without a vertex buffer.
//
// One instance per element; its vertices tile the reference square [-1, 1]² with k × k
// sub-quads (two triangles each), k chosen on the host from the elements' size on screen. Each
// vertex is placed with the element's eight shape functions, so curved edges stay curved, and
// carries u interpolated the same way: the drawn u is the finite element solution itself.
// |v| and p are one value per element, as the solver computes them.
//
// elements: 26 floats per element: x₀..x₇ and y₀..y₇ relative to the view origin (f32),
// u₀..u₇, |v|, p. Node order as in potflow::element: corners 0-3 counter-clockwise, then the
// mid-edge nodes 4:(0-1) 5:(1-2) 6:(2-3) 7:(3-0).

struct View {
    // clip = (xy − centre) · scale
    centre: vec2<f32>,
    scale: vec2<f32>,
    // colour range of the shown quantity
    lo: f32,
    hi: f32,
    // 0: u, 1: |v|, 2: p
    quantity: u32,
    // sub-quads per element side
    subdivisions: u32,
    // bit 0: mesh edges; bit 1: equipotentials; bit 2: the target is sRGB (write linear)
    flags: u32,
    // spacing of the equipotentials in u
    contour_step: f32,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> elements: array<f32>;

const FLOATS_PER_ELEMENT: u32 = 26u;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) u: f32,
    @location(1) @interpolate(flat) element_value: f32,
    @location(2) local: vec2<f32>,
};

// Quad-8 (serendipity) shape functions at (ξ, η).
fn shape(xi: f32, eta: f32) -> array<f32, 8> {
    var n: array<f32, 8>;
    n[0] = 0.25 * (1.0 - xi) * (1.0 - eta) * (-xi - eta - 1.0);
    n[1] = 0.25 * (1.0 + xi) * (1.0 - eta) * (xi - eta - 1.0);
    n[2] = 0.25 * (1.0 + xi) * (1.0 + eta) * (xi + eta - 1.0);
    n[3] = 0.25 * (1.0 - xi) * (1.0 + eta) * (-xi + eta - 1.0);
    n[4] = 0.5 * (1.0 - xi * xi) * (1.0 - eta);
    n[5] = 0.5 * (1.0 + xi) * (1.0 - eta * eta);
    n[6] = 0.5 * (1.0 - xi * xi) * (1.0 + eta);
    n[7] = 0.5 * (1.0 - xi) * (1.0 - eta * eta);
    return n;
}

@vertex
fn field_vertex(@builtin(vertex_index) vi: u32, @builtin(instance_index) e: u32) -> VertexOut {
    let k = view.subdivisions;
    let cell = vi / 6u;
    let corner = vi % 6u;
    // Two triangles per sub-quad: (0,0) (1,0) (1,1) and (0,0) (1,1) (0,1).
    var offsets = array<vec2<u32>, 6>(
        vec2<u32>(0u, 0u), vec2<u32>(1u, 0u), vec2<u32>(1u, 1u),
        vec2<u32>(0u, 0u), vec2<u32>(1u, 1u), vec2<u32>(0u, 1u),
    );
    let ij = vec2<u32>(cell % k, cell / k) + offsets[corner];
    let local = vec2<f32>(ij) / f32(k) * 2.0 - 1.0;
    let n = shape(local.x, local.y);
    let base = e * FLOATS_PER_ELEMENT;
    var xy = vec2<f32>(0.0, 0.0);
    var u = 0.0;
    for (var a = 0u; a < 8u; a = a + 1u) {
        xy = xy + n[a] * vec2<f32>(elements[base + a], elements[base + 8u + a]);
        u = u + n[a] * elements[base + 16u + a];
    }
    var out: VertexOut;
    out.clip = vec4<f32>((xy - view.centre) * view.scale, 0.0, 1.0);
    out.u = u;
    out.element_value = elements[base + select(24u, 25u, view.quantity == 2u)];
    out.local = local;
    return out;
}

// viridis(t) is prepended from the library's table (potflow::output::colormap).

@fragment
fn field_fragment(in: VertexOut) -> @location(0) vec4<f32> {
    var value = in.u;
    if (view.quantity > 0u) {
        value = in.element_value;
    }
    let t = clamp((value - view.lo) / max(view.hi - view.lo, 1e-30), 0.0, 1.0);
    var colour = viridis(t);
    if ((view.flags & 2u) != 0u && view.contour_step > 0.0) {
        // Equipotentials: lines of constant u, one pixel wide whatever the zoom.
        let f = in.u / view.contour_step;
        let distance = abs(fract(f + 0.5) - 0.5) / max(fwidth(f), 1e-12);
        colour = mix(vec3<f32>(1.0, 1.0, 1.0), colour, clamp(distance, 0.0, 1.0));
    }
    if ((view.flags & 1u) != 0u) {
        // Element edges: where the local coordinates reach ±1.
        let edge = 1.0 - max(abs(in.local.x), abs(in.local.y));
        let w = max(fwidth(in.local.x), fwidth(in.local.y));
        colour = mix(vec3<f32>(0.1, 0.1, 0.1), colour, clamp(edge / max(w, 1e-12), 0.0, 1.0));
    }
    if ((view.flags & 4u) != 0u) {
        colour = pow(max(colour, vec3<f32>(0.0)), vec3<f32>(2.2));
    }
    return vec4<f32>(colour, 1.0);
}
