//! Every stitched shader parses and validates with naga in both precisions; no GPU needed.

use potflow::gpu::shaders::{source, validate, Kernel};
use potflow::gpu::Precision;

#[test]
fn stitched_shaders_validate_in_both_precisions() {
    for kernel in Kernel::ALL {
        for precision in [Precision::F32, Precision::F64] {
            if let Err(e) = validate(kernel, precision) {
                panic!("{} in {precision}:\n{e}", kernel.label());
            }
        }
    }
}

/// The last path segment of a function item's type name: the function's own name.
fn fn_name<F>(f: &F) -> &'static str {
    let full = std::any::type_name_of_val(f);
    full.rsplit("::").next().unwrap_or(full)
}

#[test]
fn entry_points_are_named_after_their_cpu_twins() {
    // shaders/stiffness.wgsl <-> "potflow.stiffness" <-> entry point stiffness_element <->
    // element::stiffness_element, and likewise for the velocity. The entry point is read from
    // the parsed module and the twin's name from the Rust function itself, so renaming either
    // side alone fails here.
    for (kernel, stem, twin) in [
        (
            Kernel::Stiffness,
            "stiffness",
            fn_name(&potflow::element::stiffness_element),
        ),
        (
            Kernel::Velocity,
            "velocity",
            fn_name(&potflow::element::velocity_gradients),
        ),
    ] {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("shaders")
            .join(format!("{stem}.wgsl"));
        let body = std::fs::read_to_string(&file).unwrap();
        let src = source(kernel, Precision::F32);
        assert!(
            src.ends_with(&body),
            "{} is not built from {}",
            kernel.label(),
            file.display()
        );
        assert_eq!(kernel.label(), format!("potflow.{stem}"));
        let module = wgpu::naga::front::wgsl::parse_str(&src).unwrap();
        let entry_points: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(entry_points, [twin], "{stem}.wgsl");
        assert_eq!(kernel.entry_point(), twin);
    }
}

#[test]
fn kernels_use_no_built_in_a_backend_may_lack_in_f64() {
    // DXIL has no double-precision square root (and no f64 transcendentals), so `length`,
    // `sqrt`, `normalize`, `pow`, `exp` and the like would make an f64 pipeline fail to
    // compile on DX12. The kernels use sums, products and comparisons only; magnitudes and
    // the pressure are formed on the host in f64.
    use wgpu::naga::{Expression, MathFunction};
    let allowed = [
        MathFunction::Abs,
        MathFunction::Min,
        MathFunction::Max,
        MathFunction::Clamp,
        MathFunction::Dot,
        MathFunction::Fma,
    ];
    for kernel in Kernel::ALL {
        let src = source(kernel, Precision::F64);
        let module = wgpu::naga::front::wgsl::parse_str(&src).unwrap();
        let functions = module
            .functions
            .iter()
            .map(|(_, f)| f)
            .chain(module.entry_points.iter().map(|e| &e.function));
        for f in functions {
            for (_, expr) in f.expressions.iter() {
                if let Expression::Math { fun, .. } = expr {
                    assert!(
                        allowed.contains(fun),
                        "{}: {fun:?} in function {:?}",
                        kernel.label(),
                        f.name
                    );
                }
            }
        }
    }
}

#[test]
fn stitched_shaders_compile_to_spirv_msl_and_hlsl() {
    // The three back-ends wgpu drives on Vulkan, Metal and DX12, run here on any host: a
    // construct a back-end cannot express fails this test, not a user's pipeline.
    for kernel in Kernel::ALL {
        for precision in [Precision::F32, Precision::F64] {
            let src = source(kernel, precision);
            let module = naga::front::wgsl::parse_str(&src).unwrap();
            let mut caps = naga::valid::Capabilities::default();
            if precision == Precision::F64 {
                caps |= naga::valid::Capabilities::FLOAT64;
            }
            let info = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps)
                .validate(&module)
                .unwrap();
            let what = format!("{} in {precision}", kernel.label());
            let spv = naga::back::spv::write_vec(
                &module,
                &info,
                &naga::back::spv::Options::default(),
                None,
            );
            assert!(spv.is_ok_and(|w| !w.is_empty()), "SPIR-V: {what}");
            // Metal has no f64 at all (no Metal adapter offers SHADER_F64, so potflow never
            // builds an f64 pipeline there): MSL in f32 only.
            if precision == Precision::F32 {
                let msl = naga::back::msl::write_string(
                    &module,
                    &info,
                    &naga::back::msl::Options::default(),
                    &naga::back::msl::PipelineOptions::default(),
                );
                assert!(msl.is_ok(), "MSL: {what}: {:?}", msl.err());
            }
            let mut hlsl = String::new();
            let options = naga::back::hlsl::Options::default();
            let pipeline = naga::back::hlsl::PipelineOptions::default();
            let written = naga::back::hlsl::Writer::new(&mut hlsl, &options, &pipeline)
                .write(&module, &info, None);
            assert!(written.is_ok(), "HLSL: {what}: {:?}", written.err());
            assert!(hlsl.contains(kernel.entry_point()), "HLSL: {what}");
        }
    }
}

/// Validates the f32 WGSL `src`, checks it has `entry`, and compiles it with naga to SPIR-V,
/// MSL and HLSL (the three back-ends wgpu drives), on any host.
fn compiles_everywhere(src: &str, entry: &str) {
    let module = naga::front::wgsl::parse_str(src).unwrap();
    assert!(
        module.entry_points.iter().any(|e| e.name == entry),
        "{entry} missing"
    );
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{entry}: {}", e.emit_to_string(src)));
    let spv =
        naga::back::spv::write_vec(&module, &info, &naga::back::spv::Options::default(), None);
    assert!(spv.is_ok_and(|w| !w.is_empty()), "SPIR-V: {entry}");
    let msl = naga::back::msl::write_string(
        &module,
        &info,
        &naga::back::msl::Options::default(),
        &naga::back::msl::PipelineOptions::default(),
    );
    assert!(msl.is_ok(), "MSL: {entry}: {:?}", msl.err());
    let mut hlsl = String::new();
    let written = naga::back::hlsl::Writer::new(
        &mut hlsl,
        &naga::back::hlsl::Options::default(),
        &naga::back::hlsl::PipelineOptions::default(),
    )
    .write(&module, &info, None);
    assert!(written.is_ok(), "HLSL: {entry}: {:?}", written.err());
}

#[test]
fn the_copy_kernel_validates_and_compiles_for_every_backend() {
    // shaders/copy.wgsl stands alone (f32, no Quad-8 functions): the bandwidth yardstick.
    use potflow::gpu::shaders::{validate_source, COPY};
    validate_source(COPY, false).unwrap();
    compiles_everywhere(COPY, "copy_vec4");
}

#[test]
fn the_gpu_solve_kernels_validate_and_compile_for_every_backend() {
    // shaders/spmv, chebyshev, axpby, dot, cg and dense.wgsl: f32 only, each entry point
    // present, through naga to SPIR-V, MSL and HLSL.
    for (src, entry) in potflow::gpu::solve::sources() {
        compiles_everywhere(src, entry);
    }
}
