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
