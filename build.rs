//! Build-time facts `skiff version` and the API's `/version` report: the Kubernetes version the
//! k8s-openapi types are built for, and the git commit, tree state and commit date of this
//! build. Without git (a source tarball) the commit facts are simply empty; the build never fails.

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let (major, minor) = kubernetes_version();
    println!("cargo::rustc-env=SKIFF_KUBERNETES_MAJOR={major}");
    println!("cargo::rustc-env=SKIFF_KUBERNETES_MINOR={minor}");
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_default();
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let date = git(&["log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ"]).unwrap_or_default();
    println!("cargo::rustc-env=SKIFF_GIT_COMMIT={commit}");
    let state = match (commit.is_empty(), dirty) {
        (true, _) => "",
        (false, true) => "dirty",
        (false, false) => "clean",
    };
    println!("cargo::rustc-env=SKIFF_GIT_TREE_STATE={state}");
    println!("cargo::rustc-env=SKIFF_COMMIT_DATE={date}");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(Command::new(rustc).arg("--version")).unwrap_or_default();
    println!("cargo::rustc-env=SKIFF_RUSTC_VERSION={rustc_version}");
    watch_git();
}

/// k8s-openapi publishes the enabled `v1_*` feature as `0x00_MM_NN_00` in its build metadata.
fn kubernetes_version() -> (u32, u32) {
    let encoded = std::env::vars()
        .find(|(k, _)| k.starts_with("DEP_K8S_OPENAPI_") && k.ends_with("_VERSION"))
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .expect("k8s-openapi publishes DEP_K8S_OPENAPI_*_VERSION");
    ((encoded >> 16) & 0xff, (encoded >> 8) & 0xff)
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn git(args: &[&str]) -> Option<String> {
    output(Command::new("git").args(args).env("TZ", "UTC"))
}

/// Runs again when the sources change (the tree may turn dirty) or HEAD moves (a commit, a
/// checkout). Paths that do not exist are left out: cargo would rerun on every build.
fn watch_git() {
    println!("cargo::rerun-if-changed=src");
    let mut paths: Vec<String> =
        ["HEAD", "index", "packed-refs"].iter().filter_map(|p| git(&["rev-parse", "--git-path", p])).collect();
    if let Some(p) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])) {
        paths.push(p);
    }
    for p in paths.iter().filter(|p| std::path::Path::new(p).exists()) {
        println!("cargo::rerun-if-changed={p}");
    }
}
