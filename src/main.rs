//! The `potflow` command line. The library does the work; this file only wires up logging and
//! turns errors into one line on stderr and a non-zero exit.

mod cli;

fn main() {
    restore_sigpipe();
    return_freed_memory();
    potflow::gpu::quiet_vulkan_device_select();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(e) = cli::run() {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// A closed pipe on stdout (`potflow solve | head`) ends the process as it ends any Unix
/// filter, instead of making the next println! panic: Rust starts programs with SIGPIPE
/// ignored, and this puts the default back.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Large blocks (256 KiB and up) come from their own mappings and go back to the system when
/// freed. glibc's default raises that threshold up to 32 MB as blocks are freed, after which
/// the assembly's and the AMG setup's temporaries stay in its heaps: about 200 MB of freed
/// memory still resident at 2M nodes, counted in the peak (docs/benchmarks.md).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called in main before any thread exists; the option and value are valid.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
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
