//! Executes the garbage collector's plan: cascading deletes, orphaning, finalizer release.

use super::Reconciler;
use crate::controller::gc::{self, Action};
use crate::model::{Kind, Object, meta};
use crate::registry::{ApiError, DeleteOptions, Propagation, Registry, WriteOptions};
use crate::store::{EventType, Preconditions, WatchEvent};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub struct GarbageCollector {
    registry: Arc<Registry>,
}

impl GarbageCollector {
    pub fn new(registry: Arc<Registry>) -> Self {
        GarbageCollector { registry }
    }

    async fn rewrite(&self, key: &crate::model::ObjectKey, edit: impl Fn(&mut Object)) -> Result<(), ApiError> {
        let current = match self.registry.get(key) {
            Ok(c) => c,
            Err(ApiError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut obj = current.as_ref().clone();
        edit(&mut obj);
        self.registry.update_object(obj, Some(current.resource_version()), &WriteOptions::default()).await.map(|_| ())
    }

    async fn execute(&self, action: Action) -> Result<(), ApiError> {
        match action {
            Action::Delete { key, uid, foreground } => {
                let opts = DeleteOptions {
                    preconditions: Preconditions { uid: Some(uid), resource_version: None },
                    propagation: Some(if foreground { Propagation::Foreground } else { Propagation::Background }),
                    ..Default::default()
                };
                match self.registry.delete(&key, &opts).await {
                    Ok(_) | Err(ApiError::NotFound { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Action::RemoveOwnerRefs { key, owner_uids } => {
                self.rewrite(&key, |o| {
                    let m = o.meta_mut();
                    if let Some(refs) = m.owner_references.as_mut() {
                        refs.retain(|r| !owner_uids.contains(&r.uid));
                        if refs.is_empty() {
                            m.owner_references = None;
                        }
                    }
                })
                .await
            }
            Action::RemoveFinalizer { key, finalizer } => {
                self.rewrite(&key, |o| meta::remove_finalizer(o.meta_mut(), finalizer)).await
            }
        }
    }
}

#[async_trait]
impl Reconciler for GarbageCollector {
    type Key = ();
    const NAME: &'static str = "garbage-collector";

    /// Owners going away, and dependents changing hands, are what the collector cares about.
    fn keys_for(&self, event: &WatchEvent) -> Vec<()> {
        let obj = event.object.as_ref();
        let relevant = match obj.kind() {
            Kind::Deployment | Kind::ReplicaSet => {
                event.event_type == EventType::Deleted || meta::is_terminating(obj.meta())
            }
            Kind::Pod => event.event_type == EventType::Deleted,
            _ => false,
        };
        if relevant { vec![()] } else { Vec::new() }
    }

    fn all_keys(&self) -> Vec<()> {
        vec![()]
    }

    async fn reconcile(&self, _: &()) -> Result<Option<Duration>, ApiError> {
        let store = self.registry.store();
        let objects: Vec<Arc<Object>> = [Kind::Deployment, Kind::ReplicaSet, Kind::Pod, Kind::ConfigMap, Kind::Secret]
            .into_iter()
            .flat_map(|k| store.list(k, None).0)
            .collect();
        let mut result = Ok(None);
        for action in gc::plan(&objects) {
            if let Err(e) = self.execute(action).await {
                result = Err(e);
            }
        }
        result
    }
}
