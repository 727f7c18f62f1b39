//! The garbage collector's decisions, pure: dependents whose owner is gone are deleted;
//! `propagationPolicy: Foreground` deletes dependents first and releases the owner when none
//! is left; `Orphan` strips the owner reference from dependents, then releases the owner.

use crate::model::{Object, ObjectKey, meta};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Delete a dependent; `foreground` when its owner is being deleted in the foreground.
    Delete {
        key: ObjectKey,
        uid: String,
        foreground: bool,
    },
    RemoveOwnerRefs {
        key: ObjectKey,
        owner_uids: Vec<String>,
    },
    RemoveFinalizer {
        key: ObjectKey,
        finalizer: &'static str,
    },
}

/// Everything the collector should do now, given every object that can own or be owned.
pub fn plan(objects: &[Arc<Object>]) -> Vec<Action> {
    let by_uid: BTreeMap<&str, &Object> = objects.iter().map(|o| (meta::uid(o.meta()), o.as_ref())).collect();
    let mut referenced: BTreeSet<&str> = BTreeSet::new();
    let mut actions = Vec::new();
    for obj in objects {
        let refs = obj.meta().owner_references.as_deref().unwrap_or_default();
        if refs.is_empty() {
            continue;
        }
        referenced.extend(refs.iter().map(|r| r.uid.as_str()));
        let owners: Vec<Option<&Object>> = refs.iter().map(|r| by_uid.get(r.uid.as_str()).copied()).collect();
        if let Some(action) = dependent_action(obj, refs, &owners) {
            actions.push(action);
        }
    }
    for obj in objects.iter().filter(|o| meta::is_terminating(o.meta())) {
        let unreferenced = !referenced.contains(meta::uid(obj.meta()));
        for finalizer in [meta::FOREGROUND_FINALIZER, meta::ORPHAN_FINALIZER] {
            if unreferenced && meta::has_finalizer(obj.meta(), finalizer) {
                actions.push(Action::RemoveFinalizer { key: obj.key(), finalizer });
            }
        }
    }
    actions
}

fn dependent_action(
    obj: &Object,
    refs: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference],
    owners: &[Option<&Object>],
) -> Option<Action> {
    let uid = meta::uid(obj.meta()).to_string();
    let terminating = meta::is_terminating(obj.meta());
    if owners.iter().all(Option::is_none) {
        return (!terminating).then(|| Action::Delete { key: obj.key(), uid, foreground: false });
    }
    let orphaned_by: Vec<String> = refs
        .iter()
        .zip(owners)
        .filter(|(_, owner)| match owner {
            None => true,
            Some(o) => meta::is_terminating(o.meta()) && meta::has_finalizer(o.meta(), meta::ORPHAN_FINALIZER),
        })
        .map(|(r, _)| r.uid.clone())
        .collect();
    if !orphaned_by.is_empty() {
        return Some(Action::RemoveOwnerRefs { key: obj.key(), owner_uids: orphaned_by });
    }
    let foreground = owners
        .iter()
        .flatten()
        .any(|o| meta::is_terminating(o.meta()) && meta::has_finalizer(o.meta(), meta::FOREGROUND_FINALIZER));
    (foreground && !terminating).then(|| Action::Delete { key: obj.key(), uid, foreground: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    use k8s_openapi::api::core::v1::Pod;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    fn m(name: &str, owner: Option<&ObjectMeta>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            uid: Some(format!("uid-{name}")),
            owner_references: owner.map(|o| vec![meta::controller_ref_to("apps/v1", "X", o)]),
            ..Default::default()
        }
    }

    fn terminating(mut meta: ObjectMeta, finalizer: &str) -> ObjectMeta {
        meta.deletion_timestamp = Some(Time(jiff::Timestamp::UNIX_EPOCH));
        meta.finalizers = Some(vec![finalizer.into()]);
        meta
    }

    #[test]
    fn dependents_of_a_deleted_owner_are_deleted() {
        let d = m("web", None);
        let rs = m("web-1", Some(&d));
        let pod = m("web-1-a", Some(&rs));
        let objects = vec![
            Arc::new(Object::ReplicaSet(ReplicaSet { metadata: rs, ..Default::default() })),
            Arc::new(Object::Pod(Pod { metadata: pod, ..Default::default() })),
        ];
        let actions = plan(&objects);
        assert_eq!(actions.len(), 1);
        assert!(matches!(&actions[0], Action::Delete { key, foreground: false, .. } if key.name == "web-1"));
    }

    #[test]
    fn foreground_deletes_dependents_then_releases_the_owner() {
        let d = terminating(m("web", None), meta::FOREGROUND_FINALIZER);
        let rs = m("web-1", Some(&d));
        let owner = Arc::new(Object::Deployment(Deployment { metadata: d.clone(), ..Default::default() }));
        let objects =
            vec![owner.clone(), Arc::new(Object::ReplicaSet(ReplicaSet { metadata: rs, ..Default::default() }))];
        assert!(matches!(&plan(&objects)[0], Action::Delete { foreground: true, .. }));
        let actions = plan(&[owner]);
        assert!(
            matches!(&actions[0], Action::RemoveFinalizer { finalizer, .. } if *finalizer == meta::FOREGROUND_FINALIZER)
        );
    }

    #[test]
    fn orphan_strips_owner_references() {
        let d = terminating(m("web", None), meta::ORPHAN_FINALIZER);
        let rs = m("web-1", Some(&d));
        let objects = vec![
            Arc::new(Object::Deployment(Deployment { metadata: d, ..Default::default() })),
            Arc::new(Object::ReplicaSet(ReplicaSet { metadata: rs, ..Default::default() })),
        ];
        assert!(
            matches!(&plan(&objects)[0], Action::RemoveOwnerRefs { owner_uids, .. } if owner_uids == &vec!["uid-web".to_string()])
        );
    }
}
