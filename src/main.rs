//! The `potflow` command line. The library does the work; this file only wires up logging and
//! turns errors into one line on stderr and a non-zero exit.

mod cli;

fn main() {
    quiet_vulkan_device_select();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(e) = cli::run() {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// Mesa's Vulkan device-selection layer (installed with mesa-vulkan-drivers) opens a Wayland
/// connection whenever an instance enables the Wayland surface extension, which wgpu always
/// does, and libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set` on a machine
/// without a display. potflow presents nothing and picks its adapter itself, so it turns the
/// layer off through its documented switch, unless the user steers the layer
/// (`MESA_VK_DEVICE_SELECT`) or has set the switch. This runs first, while the process has
/// one thread.
fn quiet_vulkan_device_select() {
    if std::env::var_os("NODEVICE_SELECT").is_none()
        && std::env::var_os("MESA_VK_DEVICE_SELECT").is_none()
    {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
}

/// The error and its causes on one line, leaving out a cause whose text the line already
/// holds (an I/O error shown by its path and message would otherwise repeat the OS text).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
