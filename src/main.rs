//! The `potflow` command line. The library does the work; this file only wires up logging and
//! turns errors into one line on stderr and a non-zero exit.

mod cli;

fn main() {
    restore_sigpipe();
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
