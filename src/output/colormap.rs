//! The one colour map of every picture potflow draws: viridis, as ten samples of matplotlib's
//! table, linearly interpolated. The PNG plots read [`viridis`]; the demo's field shader gets
//! the same table and interpolation as WGSL from [`viridis_wgsl`], so there is one copy.

/// Viridis, sampled at ten evenly spaced points (matplotlib's values).
pub const VIRIDIS: [[u8; 3]; 10] = [
    [0x44, 0x01, 0x54],
    [0x48, 0x28, 0x78],
    [0x3e, 0x49, 0x89],
    [0x31, 0x68, 0x8e],
    [0x26, 0x82, 0x8e],
    [0x1f, 0x9e, 0x89],
    [0x35, 0xb7, 0x79],
    [0x6e, 0xce, 0x58],
    [0xb5, 0xde, 0x2b],
    [0xfd, 0xe7, 0x25],
];

/// Viridis at t ∈ [0, 1] (NaN: 0), linearly interpolated between the samples.
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    std::array::from_fn(|c| (a[c] as f64 + f * (b[c] as f64 - a[c] as f64)).round() as u8)
}

/// `fn viridis(t: f32) -> vec3<f32>` in WGSL: [`viridis`] over [`VIRIDIS`], in linear
/// 0..1 channels (no rounding to 8 bits), for a shader to prepend.
pub fn viridis_wgsl() -> String {
    let samples: Vec<String> = VIRIDIS
        .iter()
        .map(|c| {
            format!(
                "vec3<f32>({:.6}, {:.6}, {:.6})",
                c[0] as f32 / 255.0,
                c[1] as f32 / 255.0,
                c[2] as f32 / 255.0
            )
        })
        .collect();
    format!(
        "// viridis, generated from potflow::output::colormap::VIRIDIS.\n\
         fn viridis(t: f32) -> vec3<f32> {{\n    \
             var table = array<vec3<f32>, {n}>(\n        {samples}\n    );\n    \
             let x = clamp(t, 0.0, 1.0) * {last}.0;\n    \
             let i = min(u32(floor(x)), {below}u);\n    \
             return mix(table[i], table[i + 1u], x - f32(i));\n\
         }}\n",
        n = VIRIDIS.len(),
        samples = samples.join(",\n        "),
        last = VIRIDIS.len() - 1,
        below = VIRIDIS.len() - 2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_middle() {
        assert_eq!(viridis(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(viridis(1.0), [0xfd, 0xe7, 0x25]);
        assert_eq!(viridis(f64::NAN), [0x44, 0x01, 0x54]);
        // Halfway between samples 4 and 5.
        assert_eq!(viridis(0.5), [0x23, 0x90, 0x8c]);
    }

    #[test]
    fn the_wgsl_table_is_the_rust_table() {
        let wgsl = viridis_wgsl();
        for c in VIRIDIS {
            let v = format!(
                "vec3<f32>({:.6}, {:.6}, {:.6})",
                c[0] as f32 / 255.0,
                c[1] as f32 / 255.0,
                c[2] as f32 / 255.0
            );
            assert!(wgsl.contains(&v), "{v} missing from\n{wgsl}");
        }
    }
}
