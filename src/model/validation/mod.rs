//! Validation with Kubernetes' rules, messages and field paths.

pub mod field;

pub use field::{BadValue, ErrorList, ErrorType, FieldError, FieldPath};
