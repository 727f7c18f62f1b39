//! The registry's side of config rollouts (`model::config::pins`): a Deployment that opts in
//! is pinned, whenever it is written without a pin, to its configuration as it is at that
//! moment — the template gets the config hash, and the snapshots are created in the same
//! commit, so a pinned template never lacks its snapshots. A Deployment that opts out is
//! unpinned. New pods of a pinned template reference its snapshots.

use super::Registry;
use super::strategy;
use crate::model::config::pins;
use crate::model::config::refs::{self, ConfigRef};
use crate::model::meta::CONFIG_HASH;
use crate::model::{Object, ObjectKey, meta};
use crate::store::{Op, Preconditions};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use std::collections::BTreeMap;

/// A template's configuration as it is now: each referenced object, or `None` when absent.
pub type LiveConfig = BTreeMap<ConfigRef, Option<Object>>;

impl Registry {
    /// The objects `template` references in `namespace`, and their hash.
    pub fn live_config(&self, namespace: &str, template: &PodTemplateSpec) -> (String, LiveConfig) {
        let spec = template.spec.clone().unwrap_or_default();
        let objects: LiveConfig = refs::pod_spec_refs(&spec)
            .into_iter()
            .map(|r| {
                let key = ObjectKey { kind: r.kind, namespace: namespace.into(), name: r.name.clone() };
                let obj = self.store.get(&key).map(|o| o.as_ref().clone());
                (r, obj)
            })
            .collect();
        (pins::config_hash(&objects), objects)
    }

    /// Pins or unpins a Deployment being written, as its opt-in says; returns the snapshot
    /// writes that must commit with it.
    pub(super) fn config_pins(&self, obj: &mut Object) -> Vec<Op> {
        let Object::Deployment(d) = obj else { return Vec::new() };
        let opted_in = pins::opted_in(d);
        let Some(template) = d.spec.as_mut().map(|s| &mut s.template) else { return Vec::new() };
        if !opted_in {
            if pins::template_hash(template).is_some() {
                pins::set_template_hash(template, None);
                d.metadata.annotations.as_mut().map(|a| a.remove(CONFIG_HASH));
            }
            return Vec::new();
        }
        if pins::template_hash(template).is_some() {
            return Vec::new();
        }
        let namespace = meta::namespace(&d.metadata).to_string();
        let (hash, live) = self.live_config(&namespace, template);
        pins::set_template_hash(template, Some(&hash));
        meta::set_annotation(&mut d.metadata, CONFIG_HASH, hash.as_str());
        self.snapshot_ops(d, &hash, &live)
    }

    /// Creates the snapshots of `hash` that are missing, and makes `owner` an owner of those
    /// another Deployment made. A user object that happens to bear a snapshot's name is left
    /// alone (the pods then read the live object).
    fn snapshot_ops(&self, owner: &Deployment, hash: &str, live: &LiveConfig) -> Vec<Op> {
        let mut ops = Vec::new();
        for (r, obj) in live {
            let Some(mut snap) = obj.as_ref().and_then(|o| pins::snapshot(o, hash, owner)) else { continue };
            match self.store.get(&snap.key()) {
                None => {
                    strategy::prepare_create(&mut snap, self.clock.now());
                    ops.push(Op::Create(snap));
                }
                Some(existing) if pins::is_snapshot_of(&existing, r, hash) => {
                    let uid = meta::uid(&owner.metadata);
                    let refs = existing.meta().owner_references.clone().unwrap_or_default();
                    if refs.iter().any(|o| o.uid == uid) {
                        continue;
                    }
                    let mut shared = existing.as_ref().clone();
                    shared.meta_mut().owner_references.get_or_insert_with(Vec::new).push(pins::owner_ref(owner));
                    let pre = Preconditions { resource_version: Some(existing.resource_version()), uid: None };
                    ops.push(Op::Update(shared, pre));
                }
                Some(_) => tracing::warn!(name = %snap.key(), "an object already has this snapshot's name; not pinned"),
            }
        }
        ops
    }

    /// A new pod of a pinned template references the snapshots of its config hash.
    pub(super) fn pin_pod(&self, obj: &mut Object) {
        let Object::Pod(pod) = obj else { return };
        let Some(hash) = meta::annotation(&pod.metadata, CONFIG_HASH).map(String::from) else { return };
        let namespace = meta::namespace(&pod.metadata).to_string();
        let Some(spec) = pod.spec.as_mut() else { return };
        pins::pin_pod_spec(spec, &hash, |original, pinned| {
            let key = ObjectKey { kind: pinned.kind, namespace: namespace.clone(), name: pinned.name.clone() };
            self.store.get(&key).is_some_and(|o| pins::is_snapshot_of(&o, original, &hash))
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Clock;
    use crate::model::config::refs::{self, ConfigRef};
    use crate::model::validation::PodSecurityPolicy;
    use crate::model::{Kind, Object, ObjectKey};
    use crate::registry::services::ServicePorts;
    use crate::registry::{Registry, WriteOptions};
    use crate::store::Store;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;
    use std::sync::Arc;

    fn deployment(opt_in: bool) -> serde_json::Value {
        let annotations = if opt_in { json!({"skiff.io/rollout-on-config-change": "true"}) } else { json!({}) };
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": annotations},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
                    "name": "web", "image": "hello-kubernetes:1.0",
                    "envFrom": [{"configMapRef": {"name": "settings"}}]
                }]}}
            }
        })
    }

    #[tokio::test]
    async fn opted_in_templates_are_pinned_with_their_snapshots_and_pods_use_them() {
        let store = Arc::new(Store::in_memory(1000));
        let r = Registry::new(store, Clock::system(), PodSecurityPolicy::default(), ServicePorts::default(), "node");
        let r = r.await.unwrap();
        let w = WriteOptions::default();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"A": "1"}});
        r.create(Kind::ConfigMap, "default", cm, &w).await.unwrap();
        let d = r.create(Kind::Deployment, "default", deployment(true), &w).await.unwrap().object.to_json();
        let hash =
            d["spec"]["template"]["metadata"]["annotations"]["skiff.io/config-hash"].as_str().unwrap().to_string();
        assert_eq!(d["metadata"]["annotations"]["skiff.io/config-hash"], hash.as_str(), "the configuration seen");
        let snapshot =
            ObjectKey { kind: Kind::ConfigMap, namespace: "default".into(), name: format!("settings-{hash}") };
        let snap = r.get(&snapshot).expect("snapshot created with the Deployment").to_json();
        assert_eq!((snap["immutable"].as_bool(), snap["data"]["A"].as_str()), (Some(true), Some("1")));

        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "default", "annotations": {"skiff.io/config-hash": hash}},
            "spec": d["spec"]["template"]["spec"].clone()
        }))
        .unwrap();
        let created = r.create_object(Object::Pod(pod), &w).await.unwrap();
        let Object::Pod(pod) = created.as_ref() else { panic!() };
        let pinned = refs::pod_spec_refs(pod.spec.as_ref().unwrap());
        assert_eq!(pinned.into_iter().collect::<Vec<_>>(), [ConfigRef::config_map(&format!("settings-{hash}"))]);

        let key = ObjectKey { kind: Kind::Deployment, namespace: "default".into(), name: "web".into() };
        let off = r.update(&key, deployment(false), &w).await.unwrap().object.to_json();
        assert!(
            off["spec"]["template"]["metadata"]["annotations"].get("skiff.io/config-hash").is_none(),
            "opted out: unpinned"
        );
    }
}
