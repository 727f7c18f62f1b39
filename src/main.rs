//! The skiff binary: the CLI, the daemon and the demo app in one (`skiff::cli::main`).

fn main() -> std::process::ExitCode {
    skiff::cli::main()
}
