//! The skiff binary: the CLI, the daemon and the demo app in one. Errors become messages and
//! exit codes here, once.

use clap::Parser;
use skiff::cli::{Cli, Command, client::CliError};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Daemon(_)) { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    // One event loop: the daemon's control plane is light, and the proxy and the demo app's
    // hot paths run their own loops; fewer threads means fewer cross-thread wake-ups.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(skiff::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Silent) => ExitCode::FAILURE,
        Err(CliError::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
