//! What this build of skiff is: the Kubernetes API version it implements (the one its k8s-openapi
//! types are generated for, read by build.rs) and skiff's own version and commit. `/version`,
//! `skiff version`, the OpenAPI documents and kube-probe's User-Agent all read it from here.

use serde_json::{Value, json};
use std::sync::LazyLock;

pub const KUBERNETES_MAJOR: &str = env!("SKIFF_KUBERNETES_MAJOR");
pub const KUBERNETES_MINOR: &str = env!("SKIFF_KUBERNETES_MINOR");
/// skiff's own version (Cargo.toml).
pub const SKIFF: &str = env!("CARGO_PKG_VERSION");
/// The full commit hash this binary was built from; empty when built outside git.
pub const COMMIT: &str = env!("SKIFF_GIT_COMMIT");

/// The User-Agent of the kubelet's probes for this Kubernetes version (`kube-probe/1.33`).
pub const PROBE_USER_AGENT: &str =
    concat!("kube-probe/", env!("SKIFF_KUBERNETES_MAJOR"), ".", env!("SKIFF_KUBERNETES_MINOR"));

/// `v1.33.0`: the Kubernetes release whose API skiff serves.
pub fn kubernetes() -> String {
    format!("v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.0")
}

/// `v1.33.0+skiff.0.1.0`: the Kubernetes version with skiff's in the semver build metadata, as
/// distributions do (`v1.33.1+k3s1`), so clients see both and skew checks still parse it.
pub fn git_version() -> String {
    format!("{}+skiff.{SKIFF}", kubernetes())
}

/// `0.1.0 (c2d420b925f5, Kubernetes v1.33)`, for `skiff --version`.
pub static LONG: LazyLock<String> = LazyLock::new(|| {
    let commit = if COMMIT.is_empty() { "unknown commit" } else { COMMIT.get(..12).unwrap_or(COMMIT) };
    format!("{SKIFF} ({commit}, Kubernetes v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR})")
});

/// The `version.Info` object `/version` serves and `skiff version -o json` prints.
pub fn info() -> Value {
    let platform = format!("{}/{}", std::env::consts::OS, go_arch(std::env::consts::ARCH));
    json!({
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "gitVersion": git_version(),
        "gitCommit": COMMIT,
        "gitTreeState": env!("SKIFF_GIT_TREE_STATE"),
        "buildDate": env!("SKIFF_COMMIT_DATE"),
        "goVersion": env!("SKIFF_RUSTC_VERSION"),
        "compiler": "rustc",
        "platform": platform,
    })
}

/// Go's names for CPU architectures, which `platform` uses.
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_kubernetes_version_of_the_types_it_serves() {
        // k8s-openapi is built with exactly one v1_* feature; build.rs reads which.
        let mut enabled = String::new();
        k8s_openapi::k8s_if_1_33! { enabled += "33"; }
        k8s_openapi::k8s_if_1_34! { enabled += "34"; }
        k8s_openapi::k8s_if_1_35! { enabled += "35"; }
        assert_eq!(enabled, KUBERNETES_MINOR);
        assert_eq!(KUBERNETES_MAJOR, "1");
        assert_eq!(git_version(), format!("v1.{KUBERNETES_MINOR}.0+skiff.{}", env!("CARGO_PKG_VERSION")));
        assert_eq!(PROBE_USER_AGENT, format!("kube-probe/1.{KUBERNETES_MINOR}"));
        let info = info();
        assert_eq!((info["major"].as_str(), info["minor"].as_str()), (Some("1"), Some(KUBERNETES_MINOR)));
        assert!(info["platform"].as_str().unwrap().starts_with("linux/"), "{info}");
    }

    #[test]
    fn names_the_commit_when_built_from_git() {
        // The tests are built from the repository, so build.rs found git.
        assert_eq!(COMMIT.len(), 40, "{COMMIT:?}");
        assert!(COMMIT.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(*LONG, format!("{SKIFF} ({}, Kubernetes v1.{KUBERNETES_MINOR})", &COMMIT[..12]));
        assert!(matches!(info()["gitTreeState"].as_str(), Some("clean" | "dirty")));
    }
}
