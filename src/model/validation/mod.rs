//! Validation with Kubernetes' rules, messages and field paths.

pub mod config;
pub mod container;
pub mod deployment;
mod env;
pub mod field;
pub mod names;
pub mod pod;
mod resources;
pub mod service;
mod service_addresses;
#[cfg(test)]
mod upstream;

pub use field::{BadValue, ErrorList, ErrorType, FieldError, FieldPath};

/// Which host-level powers a pod may ask for. skiff refuses all of them unless the daemon was
/// started with the matching flag (`--allow-privileged`, `--allow-host-namespaces`,
/// `--allow-host-path`); the Docker socket is refused even then.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodSecurityPolicy {
    pub allow_privileged: bool,
    pub allow_host_namespaces: bool,
    pub allow_host_path: bool,
}
