//! Config rollouts, beyond Kubernetes and opt-in (`skiff.io/rollout-on-config-change: "true"`
//! on a Deployment): each revision of its pod template is pinned to the content its ConfigMaps
//! and Secrets had, as immutable snapshot copies named `<name>-<hash>`. The hash is the
//! template's `skiff.io/config-hash` annotation, so a change of configuration is a change of
//! template: a new revision, rolled out like any other, shown in `rollout history`, and undone
//! by `rollout undo` — which brings the old snapshot back with the old revision. Pods of a
//! pinned template reference the snapshots. Pure.

use super::refs::{self, ConfigRef};
use crate::model::meta::{self, CONFIG_HASH};
use crate::model::{Object, hash};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use std::collections::BTreeMap;

/// The opt-in, on a Deployment.
pub const ROLLOUT_ON_CONFIG_CHANGE: &str = "skiff.io/rollout-on-config-change";
/// On a snapshot: the ConfigMap or Secret it copies.
pub const SNAPSHOT_OF: &str = "skiff.io/config-snapshot-of";

/// The Deployment asked for config rollouts.
pub fn opted_in(d: &Deployment) -> bool {
    meta::annotation(&d.metadata, ROLLOUT_ON_CONFIG_CHANGE) == Some("true")
}

/// The config hash a template is pinned to, if any.
pub fn template_hash(t: &PodTemplateSpec) -> Option<&str> {
    t.metadata.as_ref().and_then(|m| meta::annotation(m, CONFIG_HASH))
}

/// Pins (or, with `None`, unpins) a template to a config hash.
pub fn set_template_hash(t: &mut PodTemplateSpec, hash: Option<&str>) {
    let m = t.metadata.get_or_insert_with(ObjectMeta::default);
    match hash {
        Some(h) => meta::set_annotation(m, CONFIG_HASH, h),
        None => {
            if let Some(a) = m.annotations.as_mut() {
                a.remove(CONFIG_HASH);
            }
        }
    }
}

/// What of an object the hash covers: its data (and a Secret's type), never its metadata.
fn content(obj: &Object) -> serde_json::Value {
    match obj {
        Object::ConfigMap(cm) => serde_json::json!({"data": cm.data, "binaryData": cm.binary_data}),
        Object::Secret(s) => serde_json::json!({"type": s.type_, "data": s.data}),
        _ => serde_json::Value::Null,
    }
}

/// The hash of a template's configuration: every referenced object's content (or its
/// absence), in a stable order.
pub fn config_hash(objects: &BTreeMap<ConfigRef, Option<Object>>) -> String {
    let canonical: Vec<(String, String, serde_json::Value)> = objects
        .iter()
        .map(|(r, o)| (r.kind.info().name.to_string(), r.name.clone(), o.as_ref().map(content).unwrap_or_default()))
        .collect();
    hash::content_hash(&serde_json::to_vec(&canonical).unwrap_or_default())
}

/// The name of `name`'s snapshot for `hash`, within Kubernetes' 253 characters.
pub fn snapshot_name(name: &str, hash: &str) -> String {
    let keep = 253usize.saturating_sub(hash.len() + 1);
    let base: String = name.chars().take(keep).collect();
    format!("{}-{hash}", base.trim_end_matches(['-', '.']))
}

/// A reference to `owner` that keeps a snapshot alive (not a controller: several Deployments
/// may share one).
pub fn owner_ref(owner: &Deployment) -> OwnerReference {
    OwnerReference {
        controller: None,
        block_owner_deletion: None,
        ..meta::controller_ref_to("apps/v1", "Deployment", &owner.metadata)
    }
}

/// An immutable copy of `obj` (a ConfigMap or Secret) as `name`'s snapshot for `hash`.
pub fn snapshot(obj: &Object, hash: &str, owner: &Deployment) -> Option<Object> {
    let source = obj.meta();
    let name = meta::name(source);
    let metadata = ObjectMeta {
        name: Some(snapshot_name(name, hash)),
        namespace: source.namespace.clone(),
        labels: Some(BTreeMap::from([(CONFIG_HASH.to_string(), hash.to_string())])),
        annotations: Some(BTreeMap::from([(SNAPSHOT_OF.to_string(), name.to_string())])),
        owner_references: Some(vec![owner_ref(owner)]),
        ..Default::default()
    };
    match obj {
        Object::ConfigMap(cm) => {
            let copy = k8s_openapi::api::core::v1::ConfigMap { metadata, immutable: Some(true), ..cm.clone() };
            Some(Object::ConfigMap(copy))
        }
        Object::Secret(s) => {
            let copy = k8s_openapi::api::core::v1::Secret { metadata, immutable: Some(true), ..s.clone() };
            Some(Object::Secret(copy))
        }
        _ => None,
    }
}

/// True when `obj` is the snapshot of `r` for `hash`.
pub fn is_snapshot_of(obj: &Object, r: &ConfigRef, hash: &str) -> bool {
    let m = obj.meta();
    obj.kind() == r.kind
        && meta::annotation(m, SNAPSHOT_OF) == Some(r.name.as_str())
        && m.labels.as_ref().and_then(|l| l.get(CONFIG_HASH)).map(String::as_str) == Some(hash)
}

/// The config hash a snapshot was taken for.
pub fn snapshot_hash(obj: &Object) -> Option<&str> {
    meta::annotation(obj.meta(), SNAPSHOT_OF)?;
    obj.meta().labels.as_ref()?.get(CONFIG_HASH).map(String::as_str)
}

/// Points the references of a pinned pod at the snapshots of `hash` that exist: `exists` is
/// asked with the original reference and the snapshot's.
pub fn pin_pod_spec(spec: &mut PodSpec, hash: &str, exists: impl Fn(&ConfigRef, &ConfigRef) -> bool) {
    refs::rename(spec, |r| {
        let pinned = ConfigRef { kind: r.kind, name: snapshot_name(&r.name, hash) };
        exists(r, &pinned).then_some(pinned.name)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use serde_json::json;

    fn cm(message: &str) -> Object {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": "hello-config", "namespace": "default", "resourceVersion": "7"},
            "data": {"MESSAGE": message}
        }))
        .unwrap();
        Object::ConfigMap(cm)
    }

    fn deployment() -> Deployment {
        serde_json::from_value(json!({"metadata": {"name": "hello", "namespace": "default", "uid": "d1"}})).unwrap()
    }

    #[test]
    fn the_hash_follows_content_not_metadata() {
        let r = ConfigRef::config_map("hello-config");
        let h1 = config_hash(&BTreeMap::from([(r.clone(), Some(cm("v1")))]));
        let mut touched = cm("v1");
        touched.meta_mut().resource_version = Some("8".into());
        assert_eq!(h1, config_hash(&BTreeMap::from([(r.clone(), Some(touched))])));
        assert_ne!(h1, config_hash(&BTreeMap::from([(r.clone(), Some(cm("v2")))])));
        assert_ne!(h1, config_hash(&BTreeMap::from([(r, None)])), "absence counts");
    }

    #[test]
    fn snapshots_are_immutable_owned_copies() {
        let snap = snapshot(&cm("v1"), "abc12", &deployment()).unwrap();
        let Object::ConfigMap(c) = &snap else { panic!() };
        assert_eq!(c.metadata.name.as_deref(), Some("hello-config-abc12"));
        assert_eq!(c.immutable, Some(true));
        assert_eq!(c.data.as_ref().unwrap()["MESSAGE"], "v1");
        assert_eq!(c.metadata.owner_references.as_ref().unwrap()[0].uid, "d1");
        assert!(is_snapshot_of(&snap, &ConfigRef::config_map("hello-config"), "abc12"));
        assert_eq!(snapshot_hash(&snap), Some("abc12"));
        assert_eq!(snapshot_name(&"x".repeat(300), "abc12").len(), 253);
    }

    #[test]
    fn pods_reference_the_snapshots_that_exist() {
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "hello-config"}}, {"secretRef": {"name": "opt", "optional": true}}]}]
        }))
        .unwrap();
        pin_pod_spec(&mut spec, "abc12", |_, pinned| pinned.name == "hello-config-abc12");
        let names: Vec<String> = refs::pod_spec_refs(&spec).into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["hello-config-abc12", "opt"]);
    }
}
