//! Real kubectl against a test daemon: the versioned binaries next to the machine's dispatcher
//! (`kubectl.1.27`, `kubectl.1.30`, `kubectl.1.33`), each run with a fresh HOME and no
//! kubeconfig. Fails (never skips) when the version is missing.

use super::{Daemon, text};
use std::path::PathBuf;
use std::process::{Command, Output};

/// The versioned kubectl next to the machine's dispatcher.
pub fn kubectl_binary(version: &str) -> PathBuf {
    let dispatcher = Command::new("sh").args(["-c", "readlink -f \"$(command -v kubectl)\""]).output().expect("sh");
    let path = PathBuf::from(text(&dispatcher.stdout).trim());
    let versioned = path.parent().map(|p| p.join(format!("kubectl.{version}"))).unwrap_or_default();
    assert!(versioned.is_file(), "kubectl {version} is required for these tests; expected {}", versioned.display());
    versioned
}

pub struct Kubectl {
    bin: PathBuf,
    home: tempfile::TempDir,
    server: String,
}

impl Kubectl {
    pub fn new(version: &str, d: &Daemon) -> Kubectl {
        Kubectl { bin: kubectl_binary(version), home: tempfile::tempdir().unwrap(), server: d.server.clone() }
    }

    /// Runs kubectl with extra environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(&self.bin)
            .arg("--server")
            .arg(&self.server)
            .args(args)
            .env("HOME", self.home.path())
            .env_remove("KUBECONFIG")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "kubectl {args:?} failed:\n{}\n{}", text(&out.stdout), text(&out.stderr));
        text(&out.stdout)
    }
}

/// The column names of a table's first line.
pub fn header(table: &str) -> Vec<&str> {
    table.lines().next().unwrap_or_default().split_whitespace().collect()
}
