//! Executes the Deployment controller's plans against the registry.

use super::Reconciler;
use crate::controller::deployment::{self, Action, Input, util};
use crate::model::meta::{self, controller_ref};
use crate::model::{Kind, KubeObject, Object};
use crate::registry::events::EventType;
use crate::registry::{ApiError, DeleteOptions, Registry, WriteOptions};
use crate::store::{EventType as Change, Preconditions, WatchEvent};
use async_trait::async_trait;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use std::sync::Arc;
use std::time::Duration;

const COMPONENT: &str = "deployment-controller";

pub struct DeploymentController {
    registry: Arc<Registry>,
}

impl DeploymentController {
    pub fn new(registry: Arc<Registry>) -> Self {
        DeploymentController { registry }
    }

    fn owner_of_rs(&self, rs: &ReplicaSet) -> Option<(String, String)> {
        let r = controller_ref(&rs.metadata).filter(|r| r.kind == "Deployment")?;
        Some((meta::namespace(&rs.metadata).to_string(), r.name.clone()))
    }

    async fn execute(&self, d: &Deployment, actions: Vec<Action>) -> Result<(), ApiError> {
        let object = d.clone().into_object();
        let write = WriteOptions::default();
        for action in actions {
            match action {
                Action::CreateReplicaSet(rs) => self.create_replica_set(d, rs).await?,
                Action::UpdateReplicaSet(rs) => {
                    let rv = meta::resource_version(&rs.metadata);
                    self.registry.update_object(rs.into_object(), Some(rv), &write).await?;
                }
                Action::DeleteReplicaSet(rs) => {
                    let key = rs.clone().into_object().key();
                    let pre = Preconditions { uid: rs.metadata.uid.clone(), resource_version: None };
                    match self.registry.delete(&key, &DeleteOptions { preconditions: pre, ..Default::default() }).await
                    {
                        Ok(_) | Err(ApiError::NotFound { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Action::Rollback(back) => {
                    let Some(mut latest) =
                        self.registry.get_typed::<Deployment>(meta::namespace(&d.metadata), meta::name(&d.metadata))
                    else {
                        continue;
                    };
                    let rv = meta::resource_version(&latest.metadata);
                    if let Some(spec) = latest.spec.as_mut() {
                        spec.template = back.template;
                    }
                    latest.metadata.annotations = Some(back.annotations);
                    self.registry.update_object(latest.into_object(), Some(rv), &write).await?;
                }
                Action::UpdateStatus(new) => {
                    let rv = meta::resource_version(&d.metadata);
                    self.registry.update_status_object(new.into_object(), Some(rv)).await?;
                }
                Action::Event { warning, reason, message } => {
                    let t = if warning { EventType::Warning } else { EventType::Normal };
                    self.registry.events().record(&object, t, reason, &message, COMPONENT).await;
                }
            }
        }
        Ok(())
    }

    /// Creates the new ReplicaSet. A name taken by a ReplicaSet that is not ours with this
    /// template is a hash collision: collisionCount goes up and the next sync picks a new name.
    async fn create_replica_set(&self, d: &Deployment, rs: ReplicaSet) -> Result<(), ApiError> {
        let name = meta::name(&rs.metadata).to_string();
        match self.registry.create_object(rs.clone().into_object(), &WriteOptions::default()).await {
            Ok(_) => Ok(()),
            Err(ApiError::AlreadyExists { .. }) => {
                let existing: Option<ReplicaSet> = self.registry.get_typed(meta::namespace(&rs.metadata), &name);
                let ours = existing.as_ref().is_some_and(|e| {
                    meta::is_controlled_by(&e.metadata, meta::uid(&d.metadata))
                        && util::equal_ignore_hash(&util::template(e), &util::spec(d).template)
                });
                if ours {
                    return Ok(());
                }
                let mut bumped = d.clone();
                let status = bumped.status.get_or_insert_with(Default::default);
                status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                tracing::info!(deployment = meta::name(&d.metadata), "hash collision; bumping collisionCount");
                self.registry
                    .update_status_object(bumped.into_object(), Some(meta::resource_version(&d.metadata)))
                    .await?;
                Err(ApiError::AlreadyExists { kind: Kind::ReplicaSet, name })
            }
            Err(e) => {
                let msg = format!("Failed to create new replica set {name:?}: {e}");
                let object = d.clone().into_object();
                self.registry
                    .events()
                    .record(&object, EventType::Warning, "ReplicaSetCreateError", &msg, COMPONENT)
                    .await;
                Err(e)
            }
        }
    }
}

#[async_trait]
impl Reconciler for DeploymentController {
    type Key = (String, String);
    const NAME: &'static str = "deployment";

    fn keys_for(&self, event: &WatchEvent) -> Vec<Self::Key> {
        match event.object.as_ref() {
            Object::Deployment(d) => vec![(meta::namespace(&d.metadata).into(), meta::name(&d.metadata).into())],
            Object::ReplicaSet(rs) => self.owner_of_rs(rs).into_iter().collect(),
            // Recreate waits for the last old pod to be gone.
            Object::Pod(pod) if event.event_type == Change::Deleted => controller_ref(&pod.metadata)
                .and_then(|r| self.registry.get_typed::<ReplicaSet>(meta::namespace(&pod.metadata), &r.name))
                .and_then(|rs| self.owner_of_rs(&rs))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn all_keys(&self) -> Vec<Self::Key> {
        self.registry
            .list_typed::<Deployment>(None)
            .iter()
            .map(|d| (meta::namespace(&d.metadata).into(), meta::name(&d.metadata).into()))
            .collect()
    }

    async fn reconcile(&self, (ns, name): &Self::Key) -> Result<Option<Duration>, ApiError> {
        let Some(d) = self.registry.get_typed::<Deployment>(ns, name) else {
            return Ok(None);
        };
        let uid = meta::uid(&d.metadata).to_string();
        let rss: Vec<ReplicaSet> = self.registry.list_controlled_by(ns, &uid);
        let rs_uids: Vec<&str> = rss.iter().map(|rs| meta::uid(&rs.metadata)).collect();
        let pods: Vec<Pod> = self
            .registry
            .list_typed::<Pod>(Some(ns))
            .into_iter()
            .filter(|p| controller_ref(&p.metadata).is_some_and(|r| rs_uids.contains(&r.uid.as_str())))
            .collect();
        let plan =
            deployment::sync(Input { deployment: &d, replica_sets: rss, pods: &pods }, self.registry.clock().now());
        self.execute(&d, plan.actions).await?;
        Ok(plan.requeue_after)
    }
}
