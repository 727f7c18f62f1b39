//! Kubernetes defaulting (`SetDefaults_*` of apps/v1 and core/v1) on the k8s-openapi types, and
//! the normalisation that makes stored objects canonical: applied on every create and update so
//! that two templates Kubernetes would call equal are `==` here. Pure; never fails.
//!
//! Canonical means what a Go client would send back after decoding and re-encoding the object:
//! Go's DeepEqual (apimachinery `Semantic`) treats nil and empty slices and maps alike, and
//! `omitempty` drops `0`, `false` and `""` scalars, so both become `None` here. Struct-typed
//! fields (`resources: {}`, `securityContext: {}`, `emptyDir: {}`) are kept as `Some`.

use std::collections::BTreeMap;

mod deployment;
mod normalize;
mod pod;
mod service;
#[cfg(test)]
mod tests;

pub use deployment::{default_deployment, default_replicaset};
pub use normalize::normalize_template;
pub use pod::{default_pod, default_pod_template, has_volume_source, volume_source_names};
pub use service::{default_service, externally_accessible};

fn default_str(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) {
        *field = Some(value.to_string());
    }
}

fn default_nonzero(field: &mut Option<i32>, value: i32) {
    if field.is_none_or(|v| v == 0) {
        *field = Some(value);
    }
}

fn none_if_empty_vec<T>(field: &mut Option<Vec<T>>) {
    if field.as_ref().is_some_and(Vec::is_empty) {
        *field = None;
    }
}

fn none_if_empty_map<K, V>(field: &mut Option<BTreeMap<K, V>>) {
    if field.as_ref().is_some_and(BTreeMap::is_empty) {
        *field = None;
    }
}

fn none_if_empty_str(field: &mut Option<String>) {
    if field.as_deref() == Some("") {
        *field = None;
    }
}

fn none_if_false(field: &mut Option<bool>) {
    if *field == Some(false) {
        *field = None;
    }
}

fn none_if_zero(field: &mut Option<i32>) {
    if *field == Some(0) {
        *field = None;
    }
}
