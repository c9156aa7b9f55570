//! The `potflow` command line. The library does the work; this file only wires up logging and
//! turns errors into one line on stderr and a non-zero exit.

mod cli;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    if let Err(e) = cli::run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
