//! Executes the ReplicaSet controller's plans: creates pods in slow-start batches, deletes the
//! ranked victims, writes status (with ReplicaFailure when a create or delete failed).

use super::Reconciler;
use crate::controller::replicaset::{self, Failure};
use crate::model::meta::{self, controller_ref};
use crate::model::{KubeObject, Object};
use crate::registry::events::EventType;
use crate::registry::{ApiError, DeleteOptions, Registry, WriteOptions};
use crate::store::WatchEvent;
use async_trait::async_trait;
use futures_util::future::join_all;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use std::sync::Arc;
use std::time::Duration;

const COMPONENT: &str = "replicaset-controller";

pub struct ReplicaSetController {
    registry: Arc<Registry>,
}

impl ReplicaSetController {
    pub fn new(registry: Arc<Registry>) -> Self {
        ReplicaSetController { registry }
    }

    async fn event(&self, rs: &ReplicaSet, t: EventType, reason: &str, message: String) {
        self.registry.events().record(&rs.clone().into_object(), t, reason, &message, COMPONENT).await;
    }

    /// Creates `count` pods in batches of 1, 2, 4, …; the first failing batch stops the rest.
    async fn create_pods(&self, rs: &ReplicaSet, count: usize) -> Option<Failure> {
        let opts = WriteOptions::default();
        for batch in replicaset::slow_start_batches(count) {
            let creates = (0..batch).map(|_| {
                let pod = replicaset::pod_from_template(rs).into_object();
                self.registry.create_object(pod, &opts)
            });
            let mut failure = None;
            for result in join_all(creates).await {
                match result {
                    Ok(pod) => {
                        self.event(
                            rs,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("Created pod: {}", meta::name(pod.meta())),
                        )
                        .await
                    }
                    Err(e) => {
                        self.event(rs, EventType::Warning, "FailedCreate", format!("Error creating: {e}")).await;
                        failure = Some(Failure { reason: "FailedCreate", message: e.to_string() });
                    }
                }
            }
            if failure.is_some() {
                return failure;
            }
        }
        None
    }

    async fn delete_pods(&self, rs: &ReplicaSet, victims: Vec<Pod>) -> Option<Failure> {
        let deletes = victims.iter().map(|p| {
            let opts = DeleteOptions {
                preconditions: crate::store::Preconditions { uid: p.metadata.uid.clone(), resource_version: None },
                ..Default::default()
            };
            let key = p.clone().into_object().key();
            async move { self.registry.delete(&key, &opts).await }
        });
        let mut failure = None;
        for (pod, result) in victims.iter().zip(join_all(deletes).await) {
            let name = meta::name(&pod.metadata);
            match result {
                Ok(_) | Err(ApiError::NotFound { .. }) => {
                    self.event(rs, EventType::Normal, "SuccessfulDelete", format!("Deleted pod: {name}")).await
                }
                Err(e) => {
                    self.event(rs, EventType::Warning, "FailedDelete", format!("Error deleting: {e}")).await;
                    failure = Some(Failure { reason: "FailedDelete", message: e.to_string() });
                }
            }
        }
        failure
    }
}

#[async_trait]
impl Reconciler for ReplicaSetController {
    type Key = (String, String);
    const NAME: &'static str = "replicaset";

    fn keys_for(&self, event: &WatchEvent) -> Vec<Self::Key> {
        match event.object.as_ref() {
            Object::ReplicaSet(rs) => vec![(meta::namespace(&rs.metadata).into(), meta::name(&rs.metadata).into())],
            Object::Pod(pod) => controller_ref(&pod.metadata)
                .filter(|r| r.kind == "ReplicaSet")
                .map(|r| (meta::namespace(&pod.metadata).to_string(), r.name.clone()))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn all_keys(&self) -> Vec<Self::Key> {
        self.registry
            .list_typed::<ReplicaSet>(None)
            .iter()
            .map(|rs| (meta::namespace(&rs.metadata).into(), meta::name(&rs.metadata).into()))
            .collect()
    }

    async fn reconcile(&self, (ns, name): &Self::Key) -> Result<Option<Duration>, ApiError> {
        let Some(rs) = self.registry.get_typed::<ReplicaSet>(ns, name) else {
            return Ok(None);
        };
        let uid = meta::uid(&rs.metadata).to_string();
        let pods: Vec<Pod> = self.registry.list_controlled_by(ns, &uid);
        let now = self.registry.clock().now();
        let plan = replicaset::sync(&rs, &pods, None, now);
        let mut failure = None;
        if plan.create > 0 {
            failure = self.create_pods(&rs, plan.create).await;
        }
        if !plan.delete.is_empty() {
            failure = failure.or(self.delete_pods(&rs, plan.delete).await);
        }
        let status = match &failure {
            None => plan.status,
            Some(f) => replicaset::sync(&rs, &pods, Some(f), now).status,
        };
        if let Some(status) = status {
            let mut updated = rs.clone();
            updated.status = Some(status);
            self.registry
                .update_status_object(updated.into_object(), Some(meta::resource_version(&rs.metadata)))
                .await?;
        }
        match failure {
            Some(f) => Err(ApiError::Internal(f.message)),
            None => Ok(plan.requeue_after),
        }
    }
}
