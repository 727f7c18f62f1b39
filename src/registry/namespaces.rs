//! Namespaces as the API server keeps them: the system namespaces exist from the start; an
//! object may be created only in a namespace that exists and is not being deleted (the
//! NamespaceLifecycle admission); deleting a namespace marks it Terminating, and the namespace
//! controller removes it once it has deleted everything in it (`finalize_namespace`).

use super::error::Forbidden;
use super::{ApiError, Registry};
use crate::model::config::{self, SYSTEM_NAMESPACES};
use crate::model::{Kind, Object, ObjectKey, meta};
use crate::store::{Op, Preconditions, StoreError};
use k8s_openapi::api::core::v1::Namespace;
use std::sync::Arc;

/// The namespaces that may never be deleted.
const IMMORTAL: [&str; 3] = ["default", "kube-public", "kube-system"];

fn key(name: &str) -> ObjectKey {
    ObjectKey { kind: Kind::Namespace, namespace: String::new(), name: name.into() }
}

impl Registry {
    /// Creates the namespaces a cluster starts with, where they are missing.
    pub(super) async fn ensure_system_namespaces(&self) -> Result<(), ApiError> {
        for name in SYSTEM_NAMESPACES {
            if self.store.get(&key(name)).is_some() {
                continue;
            }
            let mut ns = Namespace::default();
            ns.metadata.name = Some(name.into());
            let mut obj = Object::Namespace(ns);
            super::strategy::prepare_create(&mut obj, self.clock.now());
            match self.store.create(obj).await {
                Ok(_) | Err(StoreError::AlreadyExists(_)) => {}
                Err(e) => return Err(ApiError::from_store(e)),
            }
        }
        Ok(())
    }

    /// The NamespaceLifecycle admission for a new object: its namespace must exist and not be
    /// terminating.
    pub(super) fn admit_namespace(&self, obj: &Object) -> Result<(), ApiError> {
        if !obj.kind().info().namespaced {
            return Ok(());
        }
        let ns = meta::namespace(obj.meta());
        let existing = self.store.get(&key(ns));
        let Some(Object::Namespace(namespace)) = existing.as_deref() else {
            return Err(ApiError::not_found(Kind::Namespace, ns));
        };
        if config::is_terminating(namespace) {
            return Err(ApiError::Forbidden {
                kind: obj.kind(),
                name: meta::name(obj.meta()).into(),
                message: format!("unable to create new content in namespace {ns} because it is being terminated"),
                cause: Some(Forbidden {
                    reason: "NamespaceTerminating",
                    message: format!("namespace {ns} is being terminated"),
                    field: "metadata.namespace",
                }),
            });
        }
        Ok(())
    }

    /// Deleting a namespace: it turns Terminating and stays until the namespace controller has
    /// emptied it. `default`, `kube-public` and `kube-system` may not be deleted.
    pub(super) async fn delete_namespace(&self, existing: Arc<Object>) -> Result<Arc<Object>, ApiError> {
        let Object::Namespace(ns) = existing.as_ref() else {
            return Err(ApiError::Internal("not a namespace".into()));
        };
        let name = meta::name(&ns.metadata);
        if IMMORTAL.contains(&name) {
            let message = "this namespace may not be deleted".to_string();
            return Err(ApiError::Forbidden { kind: Kind::Namespace, name: name.into(), message, cause: None });
        }
        if config::is_terminating(ns) {
            return Ok(existing);
        }
        let mut ns = ns.clone();
        ns.metadata.deletion_timestamp = Some(meta::time(self.clock.now()));
        ns.metadata.deletion_grace_period_seconds = Some(0);
        ns.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
        let pre = Preconditions { resource_version: Some(existing.resource_version()), uid: None };
        self.store.update(Object::Namespace(ns), pre).await.map_err(ApiError::from_store)
    }

    /// Removes an emptied terminating namespace together with `leftovers` (the events the last
    /// deletions recorded), in one commit.
    pub async fn finalize_namespace(&self, ns: &Namespace, leftovers: Vec<ObjectKey>) -> Result<(), ApiError> {
        let uid = Preconditions { uid: ns.metadata.uid.clone(), resource_version: None };
        let mut ops: Vec<Op> = leftovers.into_iter().map(|k| Op::Delete(k, Preconditions::default())).collect();
        ops.push(Op::Delete(key(meta::name(&ns.metadata)), uid));
        match self.store.commit(ops).await {
            Ok(_) | Err(StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(ApiError::from_store(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::model::validation::PodSecurityPolicy;
    use crate::registry::services::ServicePorts;
    use crate::registry::{DeleteOptions, WriteOptions};
    use crate::store::Store;
    use serde_json::json;

    async fn registry() -> Registry {
        let store = Arc::new(Store::in_memory(1000));
        let r = Registry::new(store, Clock::system(), PodSecurityPolicy::default(), ServicePorts::default(), "node");
        r.await.expect("registry")
    }

    fn config_map(name: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
    }

    #[tokio::test]
    async fn objects_need_a_namespace_that_exists() {
        let r = registry().await;
        for name in SYSTEM_NAMESPACES {
            assert!(r.get(&key(name)).is_ok(), "{name} exists from the start");
        }
        let w = WriteOptions::default();
        let err = r.create(Kind::ConfigMap, "lab", config_map("settings"), &w).await.unwrap_err();
        assert_eq!(err.to_string(), "namespaces \"lab\" not found");
        assert_eq!(err.code_and_reason(), (404, "NotFound"));
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}});
        let created = r.create(Kind::Namespace, "", ns, &w).await.unwrap();
        assert_eq!(created.object.meta().namespace, None, "cluster-scoped");
        r.create(Kind::ConfigMap, "lab", config_map("settings"), &w).await.unwrap();
    }

    #[tokio::test]
    async fn deleting_a_namespace_makes_it_terminating() {
        let r = registry().await;
        let w = WriteOptions::default();
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}});
        r.create(Kind::Namespace, "", ns, &w).await.unwrap();
        let deleted = r.delete(&key("lab"), &DeleteOptions::default()).await.unwrap();
        let Object::Namespace(ns) = deleted.as_ref() else { panic!() };
        assert_eq!(ns.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Terminating"));
        let err = r.create(Kind::ConfigMap, "lab", config_map("late"), &w).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "configmaps \"late\" is forbidden: unable to create new content in namespace lab because it is being terminated"
        );
        assert_eq!(err.to_status()["details"]["causes"][0]["reason"], "NamespaceTerminating");
        r.finalize_namespace(ns, Vec::new()).await.unwrap();
        assert!(r.get(&key("lab")).is_err());
        let err = r.delete(&key("default"), &DeleteOptions::default()).await.unwrap_err();
        assert_eq!(err.to_string(), "namespaces \"default\" is forbidden: this namespace may not be deleted");
        assert_eq!(err.code_and_reason(), (403, "Forbidden"));
    }

    #[tokio::test]
    async fn secrets_merge_string_data_and_refuse_bad_base64() {
        let r = registry().await;
        let w = WriteOptions::default();
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
            "data": {"user": "YWRtaW4="}, "stringData": {"password": "s3cr3t"}
        });
        let created = r.create(Kind::Secret, "default", secret, &w).await.unwrap().object.to_json();
        assert_eq!(created["data"], json!({"user": "YWRtaW4=", "password": "czNjcjN0"}));
        assert_eq!(created["type"], "Opaque");
        assert!(created.get("stringData").is_none(), "never returned");
        let bad =
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bad"}, "data": {"k": "not base64"}});
        let err = r.create(Kind::Secret, "default", bad, &w).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3"
        );
    }
}
