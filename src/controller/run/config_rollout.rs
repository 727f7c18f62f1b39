//! Executes the config rollout controller's plan: re-pins a Deployment whose configuration
//! changed (the registry snapshots it and pins the template in one write) and releases the
//! snapshots no kept revision uses.

use super::Reconciler;
use crate::controller::config_rollout::{self, Release};
use crate::model::config::pins;
use crate::model::config::refs::{self, ConfigRef};
use crate::model::meta::{self, CONFIG_HASH, controller_ref};
use crate::model::{KubeObject, Object, ObjectKey};
use crate::registry::{ApiError, DeleteOptions, Registry, WriteOptions};
use crate::store::{Preconditions, WatchEvent};
use async_trait::async_trait;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use std::sync::Arc;
use std::time::Duration;

pub struct ConfigRolloutController {
    registry: Arc<Registry>,
}

type Key = (String, String);

impl ConfigRolloutController {
    pub fn new(registry: Arc<Registry>) -> Self {
        ConfigRolloutController { registry }
    }

    /// The opted-in Deployments of `namespace` whose template references `changed`.
    fn referencing(&self, namespace: &str, changed: &ConfigRef) -> Vec<Key> {
        let deployments = self.registry.list_typed::<Deployment>(Some(namespace));
        deployments
            .iter()
            .filter(|d| pins::opted_in(d))
            .filter(|d| {
                d.spec.as_ref().and_then(|s| s.template.spec.as_ref()).is_some_and(|s| refs::references(s, changed))
            })
            .map(|d| (namespace.to_string(), meta::name(&d.metadata).to_string()))
            .collect()
    }

    /// A new revision pinned to the configuration as it is now: the template loses its pin,
    /// and the registry pins it afresh (with its snapshots) as it stores it.
    async fn roll(&self, d: &Deployment) -> Result<(), ApiError> {
        let mut next = d.clone();
        if let Some(spec) = next.spec.as_mut() {
            pins::set_template_hash(&mut spec.template, None);
        }
        next.metadata.annotations.as_mut().map(|a| a.remove(CONFIG_HASH));
        tracing::info!(deployment = meta::name(&d.metadata), "its configuration changed; rolling out");
        let rv = meta::resource_version(&d.metadata);
        self.registry.update_object(next.into_object(), Some(rv), &WriteOptions::default()).await.map(drop)
    }

    async fn release(&self, d: &Deployment, r: Release) -> Result<(), ApiError> {
        match r {
            Release::Delete { key, uid } => {
                let pre = Preconditions { uid: Some(uid), resource_version: None };
                match self.registry.delete(&key, &DeleteOptions { preconditions: pre, ..Default::default() }).await {
                    Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Release::Disown { key } => self.disown(&key, meta::uid(&d.metadata)).await,
        }
    }

    async fn disown(&self, key: &ObjectKey, uid: &str) -> Result<(), ApiError> {
        let Ok(current) = self.registry.get(key) else { return Ok(()) };
        let mut obj = current.as_ref().clone();
        if let Some(owners) = obj.meta_mut().owner_references.as_mut() {
            owners.retain(|o| o.uid != uid);
        }
        let rv = current.resource_version();
        self.registry.update_object(obj, Some(rv), &WriteOptions::default()).await.map(drop)
    }
}

#[async_trait]
impl Reconciler for ConfigRolloutController {
    type Key = Key;
    const NAME: &'static str = "config-rollout";

    fn keys_for(&self, event: &WatchEvent) -> Vec<Key> {
        let obj = event.object.as_ref();
        let namespace = meta::namespace(obj.meta()).to_string();
        match obj {
            Object::Deployment(d) => vec![(namespace, meta::name(&d.metadata).into())],
            Object::ReplicaSet(rs) => controller_ref(&rs.metadata)
                .filter(|r| r.kind == "Deployment")
                .map(|r| (namespace, r.name.clone()))
                .into_iter()
                .collect(),
            Object::ConfigMap(_) | Object::Secret(_) if pins::snapshot_hash(obj).is_none() => {
                let changed = ConfigRef { kind: obj.kind(), name: meta::name(obj.meta()).into() };
                self.referencing(&namespace, &changed)
            }
            _ => Vec::new(),
        }
    }

    fn all_keys(&self) -> Vec<Key> {
        let deployments = self.registry.list_typed::<Deployment>(None);
        deployments.iter().map(|d| (meta::namespace(&d.metadata).into(), meta::name(&d.metadata).into())).collect()
    }

    async fn reconcile(&self, (ns, name): &Key) -> Result<Option<Duration>, ApiError> {
        let Some(d) = self.registry.get_typed::<Deployment>(ns, name) else {
            return Ok(None);
        };
        let Some(template) = d.spec.as_ref().map(|s| &s.template) else { return Ok(None) };
        let (live_hash, _) = self.registry.live_config(ns, template);
        let replica_sets: Vec<ReplicaSet> = self.registry.list_controlled_by(ns, meta::uid(&d.metadata));
        let store = self.registry.store();
        let snapshots: Vec<Arc<Object>> = [crate::model::Kind::ConfigMap, crate::model::Kind::Secret]
            .into_iter()
            .flat_map(|k| store.list(k, Some(ns)).0)
            .filter(|o| pins::snapshot_hash(o).is_some())
            .collect();
        let plan = config_rollout::plan(&d, &live_hash, &replica_sets, &snapshots);
        if plan.roll && !meta::is_terminating(&d.metadata) {
            self.roll(&d).await?;
        } else if plan.remember {
            let mut seen = d.clone();
            meta::set_annotation(&mut seen.metadata, CONFIG_HASH, live_hash.as_str());
            let rv = meta::resource_version(&d.metadata);
            self.registry.update_object(seen.into_object(), Some(rv), &WriteOptions::default()).await?;
        }
        for r in plan.release {
            self.release(&d, r).await?;
        }
        Ok(None)
    }
}
