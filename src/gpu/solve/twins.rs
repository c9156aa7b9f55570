//! The CPU twins of the GPU solve's kernels, in f32 and in the kernels' order of operations,
//! for tests that run each kernel against its twin. (The sparse product's twin is
//! `CsrF32::spmv`.)

/// y = a x + b y (`shaders/axpby.wgsl`); with b = 0, y is not read.
pub fn axpby(a: f32, x: &[f32], b: f32, y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if b == 0.0 {
            a * x
        } else {
            a.mul_add(x, b * *y)
        };
    }
}

/// Σ aᵢ bᵢ as `shaders/dot.wgsl` forms it: `groups` workgroups of 256 lanes, lane t of group
/// g summing entries g·256 + t, then every `groups`·256 further; each group's 256 lane sums
/// added by a halving tree; the groups' sums added by the same tree (256 of them).
pub fn dot_f32(a: &[f32], b: &[f32], groups: usize) -> f32 {
    let tree = |mut v: Vec<f32>| {
        let mut half = v.len() / 2;
        while half > 0 {
            for t in 0..half {
                v[t] += v[t + half];
            }
            half /= 2;
        }
        v[0]
    };
    let stride = groups * 256;
    let partials: Vec<f32> = (0..groups)
        .map(|g| {
            let lanes = (0..256)
                .map(|t| {
                    let mut s = 0f32;
                    let mut i = g * 256 + t;
                    while i < a.len() {
                        s = a[i].mul_add(b[i], s);
                        i += stride;
                    }
                    s
                })
                .collect();
            tree(lanes)
        })
        .collect();
    tree(partials)
}

/// x = M b, M dense row-major n × n (`shaders/dense.wgsl`).
pub fn dense_matvec(m: &[f32], b: &[f32], x: &mut [f32]) {
    let n = b.len();
    for (i, xi) in x.iter_mut().enumerate().take(n) {
        let mut s = 0f32;
        for j in 0..n {
            s = m[i * n + j].mul_add(b[j], s);
        }
        *xi = s;
    }
}

/// The vectors a Chebyshev kernel updates.
pub struct ChebyshevVectors<'a> {
    pub r: &'a mut [f32],
    pub d: &'a mut [f32],
    pub x: &'a mut [f32],
}

/// `chebyshev_begin` (`shaders/chebyshev.wgsl`): r = D⁻¹ (b − A x) (zero start: D⁻¹ b),
/// d = r / θ, x += d (zero start: x = d); `ad` is A x.
pub fn chebyshev_begin(
    zero_start: bool,
    inv_theta: f32,
    b: &[f32],
    ad: &[f32],
    inv_diag: &[f32],
    v: ChebyshevVectors,
) {
    for i in 0..b.len() {
        let r = if zero_start {
            inv_diag[i] * b[i]
        } else {
            inv_diag[i] * (b[i] - ad[i])
        };
        let d = r * inv_theta;
        v.r[i] = r;
        v.d[i] = d;
        v.x[i] = if zero_start { d } else { v.x[i] + d };
    }
}

/// `chebyshev_step`: r −= D⁻¹ (A d), d = c1 d + c2 r, x += d; `ad` is A d.
pub fn chebyshev_step(c1: f32, c2: f32, ad: &[f32], inv_diag: &[f32], v: ChebyshevVectors) {
    for i in 0..ad.len() {
        let r = v.r[i] - inv_diag[i] * ad[i];
        let d = c1 * v.d[i] + c2 * r;
        v.r[i] = r;
        v.d[i] = d;
        v.x[i] += d;
    }
}

/// `cg_scalars` (`shaders/cg.wgsl`) on the slots rz, pq, α, rz_new, β: mode 0 forms α, mode 1
/// forms β and moves rz_new into rz.
pub fn cg_scalars(mode: u32, s: &mut [f32]) {
    if mode == 0 {
        s[2] = if s[1] != 0.0 { s[0] / s[1] } else { 0.0 };
    } else {
        s[4] = if s[0] != 0.0 { s[3] / s[0] } else { 0.0 };
        s[0] = s[3];
    }
}
