//! Executes the namespace controller's plan: deletes what a terminating namespace holds, then
//! the namespace itself.

use super::Reconciler;
use crate::controller::namespace::{self, Step};
use crate::model::config::is_terminating;
use crate::model::{KINDS, Kind, Object, ObjectKey};
use crate::registry::{ApiError, DeleteOptions, Registry};
use crate::store::{Preconditions, WatchEvent};
use async_trait::async_trait;
use k8s_openapi::api::core::v1::Namespace;
use std::sync::Arc;
use std::time::Duration;

/// How soon a namespace being emptied is looked at again when no change arrives first.
const RECHECK: Duration = Duration::from_secs(1);

pub struct NamespaceController {
    registry: Arc<Registry>,
}

impl NamespaceController {
    pub fn new(registry: Arc<Registry>) -> Self {
        NamespaceController { registry }
    }

    fn terminating(&self, name: &str) -> Option<Namespace> {
        let ns: Namespace = self.registry.get_typed("", name)?;
        is_terminating(&ns).then_some(ns)
    }

    fn contents(&self, name: &str) -> Vec<Arc<Object>> {
        let store = self.registry.store();
        KINDS.iter().filter(|k| k.namespaced).flat_map(|k| store.list(k.kind, Some(name)).0).collect()
    }

    async fn delete(&self, keys: Vec<(ObjectKey, String)>) -> Result<(), ApiError> {
        for (key, uid) in keys {
            let opts = DeleteOptions {
                preconditions: Preconditions { uid: Some(uid), resource_version: None },
                ..Default::default()
            };
            match self.registry.delete(&key, &opts).await {
                Ok(_) | Err(ApiError::NotFound { .. } | ApiError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Reconciler for NamespaceController {
    type Key = String;
    const NAME: &'static str = "namespace";

    /// A namespace turning Terminating, and any change inside one that is.
    fn keys_for(&self, event: &WatchEvent) -> Vec<String> {
        let obj = event.object.as_ref();
        let name = match obj {
            Object::Namespace(ns) => ns.metadata.name.clone().unwrap_or_default(),
            _ => obj.meta().namespace.clone().unwrap_or_default(),
        };
        if obj.kind() == Kind::Event || self.terminating(&name).is_none() { Vec::new() } else { vec![name] }
    }

    fn all_keys(&self) -> Vec<String> {
        let namespaces = self.registry.list_typed::<Namespace>(None);
        namespaces.into_iter().filter(is_terminating).filter_map(|ns| ns.metadata.name).collect()
    }

    async fn reconcile(&self, name: &String) -> Result<Option<Duration>, ApiError> {
        let Some(ns) = self.terminating(name) else {
            return Ok(None);
        };
        match namespace::plan(&self.contents(name)) {
            Step::Delete(keys) => self.delete(keys).await?,
            Step::Wait => {}
            Step::Finalize(events) => {
                tracing::info!(namespace = %name, "namespace emptied; removing it");
                self.registry.finalize_namespace(&ns, events).await?;
            }
        }
        Ok(Some(RECHECK))
    }
}
