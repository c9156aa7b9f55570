//! `potflow devices`: the GPU adapters wgpu sees, best first.

use anyhow::Result;

use potflow::gpu::list_adapters;

pub fn run() -> Result<()> {
    let adapters = list_adapters();
    if adapters.is_empty() {
        println!("no GPU adapters found (wgpu sees no Vulkan, Metal or DX12 device)");
        println!("on Linux, a Vulkan driver is needed: e.g. mesa-vulkan-drivers (lavapipe, a software device)");
        return Ok(());
    }
    for (i, a) in adapters.iter().enumerate() {
        println!("[{i}] {}", a.name);
        println!("    backend          {}", a.backend);
        println!("    type             {}", a.device_type);
        if !a.driver.is_empty() {
            println!("    driver           {}", a.driver);
        }
        println!("    f64 (SHADER_F64) {}", if a.f64 { "yes" } else { "no" });
        println!(
            "    max storage binding  {} MiB",
            a.max_storage_binding_bytes >> 20
        );
        println!("    max buffer           {} MiB", a.max_buffer_bytes >> 20);
        println!(
            "    workgroups per dim   {}",
            a.max_workgroups_per_dimension
        );
    }
    match adapters.iter().position(|a| !a.software) {
        Some(i) => println!("\n`--backend auto` uses [{i}]; pick another with --adapter NAME."),
        None => println!(
            "\nall of these are software devices: `--backend auto` runs on the CPU, which is \
             faster on the same cores; `--backend gpu` uses [0]."
        ),
    }
    Ok(())
}
