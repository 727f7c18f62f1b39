//! Going back to an earlier revision as `kubectl rollout undo --to-revision` writes it: the
//! ReplicaSet's pod template without its pod-template-hash label, and the Deployment's own
//! values for the keys never copied to ReplicaSets with every other annotation taken from the
//! ReplicaSet (so its change-cause comes back). Shared by `rollout undo`, the API's rollback
//! endpoint (the dashboard's undo) and skiff's opt-in automatic rollback. Pure.

use super::util::{equal_ignore_hash, template};
use crate::model::meta::{self, ANNOTATIONS_NOT_COPIED, POD_TEMPLATE_HASH, REVISION};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::{Value, json};
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

/// Why `rollout undo` cannot go back, in kubectl's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UndoError {
    #[error("unable to find specified revision {0} in history")]
    NoSuchRevision(i64),
    #[error("no rollout history found for deployment {0:?}")]
    NoHistory(String),
    #[error("you cannot rollback a paused deployment; resume it first with 'skiff rollout resume' and try again")]
    Paused,
}

/// What `rollout undo --to-revision` writes.
#[derive(Clone, Debug, PartialEq)]
pub enum Undo {
    /// The Deployment already runs that revision's template (kubectl's "skipped rollback").
    Skipped,
    /// The JSON patch (RFC 6902) that puts the revision's template and annotations back.
    Patch(Value),
}

/// `rollout undo` of `d`, whose ReplicaSets are `rss`, to `to_revision` (0: the one before the
/// latest), checked as kubectl checks it.
pub fn undo(d: &Deployment, rss: &[ReplicaSet], to_revision: i64) -> Result<Undo, UndoError> {
    if to_revision < 0 {
        return Err(UndoError::NoSuchRevision(to_revision));
    }
    let numbered = |rs: &ReplicaSet| meta::annotation(&rs.metadata, REVISION)?.parse::<i64>().ok();
    let target = if to_revision == 0 {
        let mut numbers: Vec<i64> = rss.iter().filter_map(numbered).collect();
        numbers.sort_unstable();
        numbers.dedup();
        match numbers.len().checked_sub(2) {
            Some(i) => numbers[i],
            None => return Err(UndoError::NoHistory(meta::name(&d.metadata).to_string())),
        }
    } else {
        to_revision
    };
    let rs = rss.iter().find(|rs| numbered(rs) == Some(target)).ok_or(UndoError::NoSuchRevision(target))?;
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return Err(UndoError::Paused);
    }
    Ok(match to_replica_set(d, rs) {
        None => Undo::Skipped,
        Some(back) => Undo::Patch(json!([
            {"op": "replace", "path": "/spec/template", "value": back.template},
            {"op": "replace", "path": "/metadata/annotations", "value": back.annotations},
        ])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(revision: &str, image: &str) -> ReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": format!("web-{revision}"), "annotations": {REVISION: revision, "kubernetes.io/change-cause": format!("to {image}")}},
            "spec": {"selector": {}, "template": {"metadata": {"labels": {"app": "web", POD_TEMPLATE_HASH: format!("h{revision}")}}, "spec": {"containers": [{"name": "web", "image": image}]}}}
        }))
        .unwrap()
    }

    fn deployment(image: &str, paused: bool) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "web", "annotations": {REVISION: "2", "kubernetes.io/change-cause": "to v2"}},
            "spec": {"paused": paused, "selector": {}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}}}
        }))
        .unwrap()
    }

    #[test]
    fn undo_goes_to_the_revision_before_the_latest_with_its_change_cause() {
        let rss = [rs("1", "v1"), rs("2", "v2")];
        let Ok(Undo::Patch(patch)) = undo(&deployment("v2", false), &rss, 0) else { panic!("a patch") };
        assert_eq!(patch[0]["value"]["spec"]["containers"][0]["image"], "v1");
        assert_eq!(patch[0]["value"]["metadata"]["labels"], json!({"app": "web"}), "no pod-template-hash");
        assert_eq!(patch[1]["value"]["kubernetes.io/change-cause"], "to v1");
        assert_eq!(patch[1]["value"][REVISION], "2", "the Deployment keeps its own revision annotation");
    }

    #[test]
    fn undo_refuses_what_kubectl_refuses() {
        let rss = [rs("1", "v1"), rs("2", "v2")];
        assert_eq!(undo(&deployment("v2", false), &rss, 7), Err(UndoError::NoSuchRevision(7)));
        assert_eq!(undo(&deployment("v2", false), &rss, -1), Err(UndoError::NoSuchRevision(-1)));
        assert_eq!(undo(&deployment("v2", false), &rss[1..], 0), Err(UndoError::NoHistory("web".into())));
        assert_eq!(undo(&deployment("v2", true), &rss, 1), Err(UndoError::Paused));
        assert_eq!(undo(&deployment("v2", false), &rss, 2), Ok(Undo::Skipped));
    }
}
