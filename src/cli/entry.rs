//! The process entry point: logging, the async runtime, and errors turned into messages and
//! exit codes, once. It lives in the library so that the command tree's futures are compiled
//! here, once: polled from the binary crate they were code-generated a second time there (a
//! minute of a release build on two cores).

use super::{Cli, Command, client::CliError};
use clap::Parser;
use std::process::ExitCode;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What kubectl does when its output pipe closes (`skiff get pods | head -0`): the process
/// ends quietly, by SIGPIPE, instead of panicking in `println!`. Client commands only write to
/// their output and to TCP sockets (which Rust writes with MSG_NOSIGNAL); the daemon and the
/// demos keep Rust's default of ignoring SIGPIPE.
fn exit_quietly_on_closed_pipe() {
    // SAFETY: restores a signal's default disposition; called before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Parses the command line, runs the command, and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Daemon(_) | Command::Demo(_) | Command::DemoApp | Command::DemoProbe { .. }) {
        exit_quietly_on_closed_pipe();
    }
    let default_level = if matches!(cli.command, Command::Daemon(_)) { "info" } else { "warn" };
    // RUST_LOG as `level` or `target=level,…` (per-target levels; no span or field filters).
    let filter = std::env::var("RUST_LOG").ok().and_then(|v| v.parse::<Targets>().ok());
    let filter = filter.unwrap_or_else(|| default_level.parse().unwrap_or_default());
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    tracing_subscriber::registry().with(output).with(filter).init();
    // One event loop: the daemon's control plane is light, and the proxy and the demo app's
    // hot paths run their own loops; fewer threads means fewer cross-thread wake-ups.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(super::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Silent) => ExitCode::FAILURE,
        Err(CliError::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
