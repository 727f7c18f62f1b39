//! Small shared pieces of the Deployment controller: replica arithmetic over ReplicaSets,
//! maxSurge/maxUnavailable resolution, template identity, orderings.

pub use crate::model::deployment::*;
use crate::model::meta::{self, POD_TEMPLATE_HASH};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::cmp::Ordering;

pub fn rs_spec_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn rs_status_replicas(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map_or(0, |s| s.replicas)
}

pub fn rs_ready(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0)
}

pub fn rs_available(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0)
}

pub fn set_rs_replicas(rs: &mut ReplicaSet, n: i32) {
    rs.spec.get_or_insert_with(Default::default).replicas = Some(n);
}

/// Σ spec.replicas.
pub fn sum_spec<'a>(rss: impl IntoIterator<Item = &'a ReplicaSet>) -> i32 {
    rss.into_iter().map(rs_spec_replicas).sum()
}

/// Σ status.replicas.
pub fn sum_actual<'a>(rss: impl IntoIterator<Item = &'a ReplicaSet>) -> i32 {
    rss.into_iter().map(rs_status_replicas).sum()
}

pub fn sum_available<'a>(rss: impl IntoIterator<Item = &'a ReplicaSet>) -> i32 {
    rss.into_iter().map(rs_available).sum()
}

pub fn sum_ready<'a>(rss: impl IntoIterator<Item = &'a ReplicaSet>) -> i32 {
    rss.into_iter().map(rs_ready).sum()
}

pub fn is_active(rs: &ReplicaSet) -> bool {
    rs_spec_replicas(rs) > 0
}

/// Templates equal once the pod-template-hash label is ignored (EqualIgnoreHash).
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    strip_hash(a) == strip_hash(b)
}

fn strip_hash(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    if let Some(m) = t.metadata.as_mut()
        && let Some(labels) = m.labels.as_mut()
    {
        labels.remove(POD_TEMPLATE_HASH);
        if labels.is_empty() {
            m.labels = None;
        }
    }
    t
}

pub fn template(rs: &ReplicaSet) -> PodTemplateSpec {
    rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default()
}

/// ReplicaSetsByCreationTimestamp: oldest first, ties by name.
pub fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    meta::creation_order(&a.metadata, &b.metadata)
}

/// ReplicaSetsBySizeOlder: larger first, ties oldest first.
pub fn by_size_older(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_spec_replicas(b).cmp(&rs_spec_replicas(a)).then_with(|| by_creation(a, b))
}

/// ReplicaSetsBySizeNewer: larger first, ties newest first.
pub fn by_size_newer(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    rs_spec_replicas(b).cmp(&rs_spec_replicas(a)).then_with(|| by_creation(b, a))
}

/// ReplicaSetsByRevision: lowest revision first, ties by creation.
pub fn by_revision(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    meta::revision(&a.metadata).cmp(&meta::revision(&b.metadata)).then_with(|| by_creation(a, b))
}

/// Go's `omitempty` for status counters: zero is not written.
pub fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}
