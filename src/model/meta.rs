//! Metadata helpers shared by every layer: well-known annotation and label names, owner
//! references, resourceVersion parsing, timestamps at Kubernetes' one-second precision.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use std::collections::BTreeMap;

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
pub const ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Finalizers the garbage collector understands (propagationPolicy Foreground / Orphan).
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
pub const ORPHAN_FINALIZER: &str = "orphan";

/// skiff's opt-in automatic rollback (a cluster ignores it).
pub const ROLLBACK_ON_FAILURE: &str = "skiff.io/rollback-on-failure";
/// On a Deployment: the pod-template-hash of the template an automatic rollback wrote.
pub const ROLLED_BACK_TO: &str = "skiff.io/rolled-back-to";
/// On a ReplicaSet: its revision once ran complete (every replica updated and available).
pub const COMPLETED: &str = "skiff.io/completed";

/// On a pod template (config rollouts, `config::pins`): the configuration that revision runs with. On the Deployment: the
/// configuration it last saw (a change of it starts a new revision; an undo does not).
pub const CONFIG_HASH: &str = "skiff.io/config-hash";

/// Deployment annotations never copied onto ReplicaSets, and kept on the Deployment by rollback:
/// Kubernetes' own, skiff's rollback bookkeeping (which belongs to one object only), and skiff's
/// record of the configuration a Deployment last saw (which an undo must not turn back, see
/// `config::pins`).
pub const ANNOTATIONS_NOT_COPIED: [&str; 9] = [
    LAST_APPLIED,
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    ROLLBACK_TO,
    ROLLED_BACK_TO,
    COMPLETED,
    CONFIG_HASH,
];

/// A timestamp at the precision Kubernetes stores (whole seconds).
pub fn time(ts: jiff::Timestamp) -> Time {
    Time(jiff::Timestamp::from_second(ts.as_second()).unwrap_or(ts))
}

pub fn resource_version(meta: &ObjectMeta) -> u64 {
    meta.resource_version.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0)
}

pub fn name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

pub fn namespace(meta: &ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or_default()
}

pub fn uid(meta: &ObjectMeta) -> &str {
    meta.uid.as_deref().unwrap_or_default()
}

pub fn labels(meta: &ObjectMeta) -> BTreeMap<String, String> {
    meta.labels.clone().unwrap_or_default()
}

pub fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations.as_ref()?.get(key).map(String::as_str)
}

pub fn set_annotation(meta: &mut ObjectMeta, key: &str, value: impl Into<String>) {
    meta.annotations.get_or_insert_with(BTreeMap::new).insert(key.to_string(), value.into());
}

pub fn is_terminating(meta: &ObjectMeta) -> bool {
    meta.deletion_timestamp.is_some()
}

pub fn has_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.finalizers.as_ref().is_some_and(|f| f.iter().any(|x| x == finalizer))
}

pub fn remove_finalizer(meta: &mut ObjectMeta, finalizer: &str) {
    if let Some(f) = meta.finalizers.as_mut() {
        f.retain(|x| x != finalizer);
        if f.is_empty() {
            meta.finalizers = None;
        }
    }
}

/// The owner reference with `controller: true`, if any.
pub fn controller_ref(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references.as_ref()?.iter().find(|r| r.controller == Some(true))
}

pub fn is_controlled_by(meta: &ObjectMeta, owner_uid: &str) -> bool {
    controller_ref(meta).is_some_and(|r| r.uid == owner_uid)
}

/// A controller reference to `owner`, as the Deployment and ReplicaSet controllers write them.
pub fn controller_ref_to(api_version: &str, kind: &str, owner: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name: name(owner).to_string(),
        uid: uid(owner).to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The `deployment.kubernetes.io/revision` number; missing or unparseable counts as 0.
pub fn revision(meta: &ObjectMeta) -> i64 {
    annotation(meta, REVISION).and_then(|r| r.parse().ok()).unwrap_or(0)
}

/// Orders objects oldest first by creationTimestamp, then by name, as Kubernetes' sorts do.
pub fn creation_order(a: &ObjectMeta, b: &ObjectMeta) -> std::cmp::Ordering {
    a.creation_timestamp.cmp(&b.creation_timestamp).then_with(|| a.name.cmp(&b.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_truncates_to_seconds() {
        let ts: jiff::Timestamp = "2026-11-27T03:21:09.987Z".parse().unwrap();
        assert_eq!(time(ts).0.to_string(), "2026-11-27T03:21:09Z");
    }

    #[test]
    fn finalizers_and_controller_refs() {
        let mut owner = ObjectMeta { name: Some("web".into()), uid: Some("u1".into()), ..Default::default() };
        let r = controller_ref_to("apps/v1", "Deployment", &owner);
        let child = ObjectMeta { owner_references: Some(vec![r]), ..Default::default() };
        assert!(is_controlled_by(&child, "u1"));
        assert!(!is_controlled_by(&child, "u2"));
        owner.finalizers = Some(vec![FOREGROUND_FINALIZER.into()]);
        assert!(has_finalizer(&owner, FOREGROUND_FINALIZER));
        remove_finalizer(&mut owner, FOREGROUND_FINALIZER);
        assert_eq!(owner.finalizers, None);
    }
}
