//! The `/status` and `/scale` subresources.

use super::{ApiError, Registry, WriteOptions};
use crate::model::{Object, ObjectKey, labels};
use serde_json::{Value, json};
use std::sync::Arc;

/// `existing` with the status of `from` (everything else unchanged).
pub(super) fn with_status_of(mut existing: Object, from: &Object) -> Object {
    match (&mut existing, from) {
        // As in Kubernetes, a Deployment status write may also set annotations (the revision).
        (Object::Deployment(e), Object::Deployment(f)) => {
            e.status = f.status.clone();
            e.metadata.annotations = f.metadata.annotations.clone();
        }
        (Object::ReplicaSet(e), Object::ReplicaSet(f)) => e.status = f.status.clone(),
        (Object::Pod(e), Object::Pod(f)) => e.status = f.status.clone(),
        (Object::Service(e), Object::Service(f)) => e.status = f.status.clone(),
        (Object::HorizontalPodAutoscaler(e), Object::HorizontalPodAutoscaler(f)) => e.status = f.status.clone(),
        _ => {}
    }
    existing
}

fn replicas_and_selector(obj: &Object) -> Option<(i32, i32, String)> {
    let (spec_replicas, status_replicas, label_selector) = match obj {
        Object::Deployment(d) => {
            let spec = d.spec.as_ref()?;
            (spec.replicas, d.status.as_ref().and_then(|s| s.replicas), &spec.selector)
        }
        Object::ReplicaSet(rs) => {
            let spec = rs.spec.as_ref()?;
            (spec.replicas, rs.status.as_ref().map(|s| s.replicas), &spec.selector)
        }
        _ => return None,
    };
    Some((spec_replicas.unwrap_or(1), status_replicas.unwrap_or(0), labels::selector_string(label_selector)))
}

impl Registry {
    /// The `autoscaling/v1` Scale of a Deployment or ReplicaSet.
    pub fn get_scale(&self, key: &ObjectKey) -> Result<Value, ApiError> {
        let obj = self.get(key)?;
        scale_of(&obj).ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// Sets spec.replicas through the scale subresource; returns the new Scale.
    pub async fn set_scale(
        &self,
        key: &ObjectKey,
        replicas: i32,
        precondition: Option<u64>,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let existing = self.get(key)?;
        let mut obj = existing.as_ref().clone();
        match &mut obj {
            Object::Deployment(d) => d.spec.get_or_insert_with(Default::default).replicas = Some(replicas),
            Object::ReplicaSet(rs) => rs.spec.get_or_insert_with(Default::default).replicas = Some(replicas),
            _ => return Err(ApiError::not_found(key.kind, &key.name)),
        }
        let precondition = precondition.or(Some(existing.resource_version()));
        let updated: Arc<Object> = self.update_object(obj, precondition, opts).await?;
        scale_of(&updated).ok_or_else(|| ApiError::Internal("scale".into()))
    }
}

fn scale_of(obj: &Object) -> Option<Value> {
    let (spec, status, selector) = replicas_and_selector(obj)?;
    let m = obj.meta();
    Some(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": m.name, "namespace": m.namespace, "uid": m.uid,
            "resourceVersion": m.resource_version, "creationTimestamp": m.creation_timestamp,
        },
        "spec": {"replicas": spec},
        "status": {"replicas": status, "selector": selector},
    }))
}
