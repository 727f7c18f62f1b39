//! Going back to an earlier revision as `kubectl rollout undo --to-revision` writes it: the
//! ReplicaSet's pod template without its pod-template-hash label, and the Deployment's own
//! values for the keys never copied to ReplicaSets with every other annotation taken from the
//! ReplicaSet (so its change-cause comes back). Shared by `rollout undo` and skiff's opt-in
//! automatic rollback. Pure.

use super::util::{equal_ignore_hash, template};
use crate::model::meta::{ANNOTATIONS_NOT_COPIED, POD_TEMPLATE_HASH};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::collections::BTreeMap;

/// What a rollback writes to the Deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Rollback {
    pub template: PodTemplateSpec,
    pub annotations: BTreeMap<String, String>,
}

/// The rollback of `d` to `rs`; `None` when its template already matches (kubectl's
/// "skipped rollback").
pub fn to_replica_set(d: &Deployment, rs: &ReplicaSet) -> Option<Rollback> {
    let mut target = template(rs);
    let current = d.spec.as_ref().map(|s| s.template.clone()).unwrap_or_default();
    if equal_ignore_hash(&target, &current) {
        return None;
    }
    if let Some(labels) = target.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    let kept = d.metadata.annotations.iter().flatten().filter(|(k, _)| ANNOTATIONS_NOT_COPIED.contains(&k.as_str()));
    let copied =
        rs.metadata.annotations.iter().flatten().filter(|(k, _)| !ANNOTATIONS_NOT_COPIED.contains(&k.as_str()));
    let annotations = kept.chain(copied).map(|(k, v)| (k.clone(), v.clone())).collect();
    Some(Rollback { template: target, annotations })
}
