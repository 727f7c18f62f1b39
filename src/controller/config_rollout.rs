//! The config rollout controller's decisions, pure (see `model::config::pins`): a Deployment
//! that opted in starts a new revision when the configuration its template references has
//! changed since it last looked; and snapshots no kept revision uses any more are let go.

use crate::model::config::pins;
use crate::model::meta::CONFIG_HASH;
use crate::model::{Object, ObjectKey, meta};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Letting go of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Release {
    /// Its only owner no longer needs it.
    Delete { key: ObjectKey, uid: String },
    /// Other Deployments still own it: drop this one's reference.
    Disown { key: ObjectKey },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Re-pin the template to the configuration as it is now: a new revision.
    pub roll: bool,
    /// Record the configuration as seen, without a new revision: the record was lost (a
    /// kubectl `rollout undo` replaces a Deployment's annotations with its ReplicaSet's).
    pub remember: bool,
    pub release: Vec<Release>,
}

/// What to do for `d`, given the hash of its live configuration, its ReplicaSets and the
/// snapshots in its namespace.
pub fn plan(d: &Deployment, live_hash: &str, replica_sets: &[ReplicaSet], snapshots: &[Arc<Object>]) -> Plan {
    let template = d.spec.as_ref().map(|s| &s.template);
    let template_hash = template.and_then(pins::template_hash);
    // The configuration last seen; an undo changes the template, not this.
    let seen = meta::annotation(&d.metadata, CONFIG_HASH);
    let pinned = template_hash.is_some();
    let roll = pins::opted_in(d) && (!pinned || seen.is_some_and(|s| s != live_hash));
    let remember = pins::opted_in(d) && pinned && seen.is_none();
    let kept: BTreeSet<&str> = replica_sets
        .iter()
        .filter_map(|rs| rs.spec.as_ref()?.template.as_ref().and_then(pins::template_hash))
        .chain(template_hash)
        .collect();
    let uid = meta::uid(&d.metadata);
    let release = snapshots
        .iter()
        .filter(|s| pins::snapshot_hash(s).is_some_and(|h| !kept.contains(h)))
        .filter_map(|s| {
            let owners = s.meta().owner_references.as_deref().unwrap_or_default();
            if !owners.iter().any(|o| o.uid == uid) {
                return None;
            }
            Some(if owners.len() == 1 {
                Release::Delete { key: s.key(), uid: meta::uid(s.meta()).into() }
            } else {
                Release::Disown { key: s.key() }
            })
        })
        .collect();
    Plan { roll, remember, release }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use serde_json::json;

    fn deployment(seen: &str, template: &str) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "hello", "namespace": "default", "uid": "d1", "annotations": {
                "skiff.io/rollout-on-config-change": "true", "skiff.io/config-hash": seen
            }},
            "spec": {"selector": {}, "template": {"metadata": {"annotations": {"skiff.io/config-hash": template}}}}
        }))
        .unwrap()
    }

    fn replica_set(hash: &str) -> ReplicaSet {
        serde_json::from_value(json!({"spec": {"selector": {}, "template": {"metadata": {"annotations": {"skiff.io/config-hash": hash}}}}})).unwrap()
    }

    fn snapshot(hash: &str, owners: &[&str]) -> Arc<Object> {
        let refs: Vec<serde_json::Value> = owners
            .iter()
            .map(|u| json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "x", "uid": u}))
            .collect();
        let cm: ConfigMap = serde_json::from_value(json!({"metadata": {
            "name": format!("hello-config-{hash}"), "namespace": "default", "uid": format!("s-{hash}"),
            "labels": {"skiff.io/config-hash": hash}, "annotations": {"skiff.io/config-snapshot-of": "hello-config"},
            "ownerReferences": refs
        }}))
        .unwrap();
        Arc::new(Object::ConfigMap(cm))
    }

    #[test]
    fn a_changed_configuration_rolls_an_undo_does_not() {
        assert!(plan(&deployment("h1", "h1"), "h2", &[], &[]).roll, "the ConfigMap changed");
        assert!(!plan(&deployment("h2", "h1"), "h2", &[], &[]).roll, "undone to h1: stays");
        assert!(plan(&deployment("h2", "h1"), "h3", &[], &[]).roll, "changed again after the undo");
        let mut off = deployment("h1", "h1");
        off.metadata.annotations.as_mut().unwrap().remove("skiff.io/rollout-on-config-change");
        assert!(!plan(&off, "h2", &[], &[]).roll, "opt-in only");
        let mut undone = deployment("h1", "h1");
        undone.metadata.annotations.as_mut().unwrap().remove("skiff.io/config-hash");
        let p = plan(&undone, "h2", &[], &[]);
        assert!(!p.roll && p.remember, "kubectl's undo dropped the record: keep the old revision");
    }

    #[test]
    fn snapshots_go_with_the_last_revision_that_uses_them() {
        let snaps =
            [snapshot("h1", &["d1"]), snapshot("h2", &["d1"]), snapshot("h3", &["d1", "d2"]), snapshot("h4", &["d2"])];
        let p = plan(&deployment("h2", "h2"), "h2", &[replica_set("h1")], &snaps);
        assert!(!p.roll);
        let ObjectKey { name, .. } = snaps[2].key();
        assert_eq!(
            p.release,
            [Release::Disown { key: snaps[2].key() }],
            "{name}: shared; h1 and h2 are in use; h4 is not ours"
        );
        let p = plan(&deployment("h2", "h2"), "h2", &[], &snaps);
        assert_eq!(p.release[0], Release::Delete { key: snaps[0].key(), uid: "s-h1".into() });
    }
}
