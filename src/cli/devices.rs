//! `potflow devices`: the GPU adapters wgpu sees, best first.

use anyhow::Result;
use clap::Args;

use potflow::gpu::{list_adapters, AdapterChoice, GpuContext, Precision};

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Also measure each adapter's memory bandwidth with a copy kernel (bytes read and
    /// written per second, the median of 5 trials of 20 copies).
    #[arg(long)]
    pub bandwidth: bool,
    /// Size of the copied buffer for --bandwidth, MiB (at most the adapter's largest
    /// storage binding).
    #[arg(
        long,
        default_value_t = 256,
        value_name = "MIB",
        allow_negative_numbers = true
    )]
    pub bandwidth_mib: i64,
}

pub fn run(args: DevicesArgs) -> Result<()> {
    if !(1..=65_536).contains(&args.bandwidth_mib) {
        anyhow::bail!(
            "--bandwidth-mib must be between 1 and 65536, got {}",
            args.bandwidth_mib
        );
    }
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
        if args.bandwidth {
            println!(
                "    copy bandwidth       {}",
                bandwidth(&a.name, args.bandwidth_mib as u64)
            );
        }
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

/// The copy bandwidth of the adapter named `name`, or why it could not be measured.
fn bandwidth(name: &str, mib: u64) -> String {
    let measured = GpuContext::new(&AdapterChoice {
        name: Some(name.to_string()),
        precision: Some(Precision::F32),
        ..AdapterChoice::default()
    })
    .and_then(|ctx| ctx.copy_bandwidth(mib << 20, 20, 5));
    match measured {
        Ok(b) => format!(
            "{:.1} GB/s (copies of {} MiB, {:.3} ms each)",
            b.gb_per_s,
            b.bytes >> 20,
            b.seconds_per_copy * 1e3
        ),
        Err(e) => format!("not measured: {e}"),
    }
}
