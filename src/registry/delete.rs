//! Deletion as Kubernetes does it: pods terminate gracefully (deletionTimestamp now, removal
//! once the kubelet has stopped the containers); other kinds honour propagationPolicy through
//! finalizers the garbage collector resolves.

use super::{ApiError, Registry};
use crate::model::{Kind, Object, ObjectKey, meta};
use crate::store::Preconditions;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(s: &str) -> Option<Propagation> {
        match s {
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            "Orphan" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    pub propagation: Option<Propagation>,
    /// For pods: overrides terminationGracePeriodSeconds; 0 removes the object at once.
    pub grace_period_seconds: Option<i64>,
    pub preconditions: Preconditions,
    pub dry_run: bool,
}

impl Registry {
    /// Deletes (or starts deleting) an object; returns it as it now stands.
    pub async fn delete(&self, key: &ObjectKey, opts: &DeleteOptions) -> Result<Arc<Object>, ApiError> {
        let existing = self.get(key)?;
        let pre = &opts.preconditions;
        let uid_ok = pre.uid.as_deref().is_none_or(|u| existing.meta().uid.as_deref() == Some(u));
        let rv_ok = pre.resource_version.is_none_or(|rv| rv == existing.resource_version());
        if !uid_ok || !rv_ok {
            return Err(ApiError::Conflict { kind: key.kind, name: key.name.clone() });
        }
        if opts.dry_run {
            return Ok(existing);
        }
        match key.kind {
            Kind::Pod => self.delete_pod(existing, opts.grace_period_seconds).await,
            Kind::Namespace => self.delete_namespace(existing).await,
            _ => self.delete_with_propagation(existing, opts.propagation.unwrap_or(Propagation::Background)).await,
        }
    }

    async fn delete_pod(&self, existing: Arc<Object>, grace: Option<i64>) -> Result<Arc<Object>, ApiError> {
        let Object::Pod(pod) = existing.as_ref() else {
            return Err(ApiError::Internal("not a pod".into()));
        };
        let spec_grace = pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30);
        let grace = grace.unwrap_or(spec_grace).max(0);
        let current = pod.metadata.deletion_grace_period_seconds;
        if grace == 0 && pod.metadata.finalizers.as_ref().is_none_or(Vec::is_empty) {
            return self.remove(&existing).await;
        }
        if current.is_some_and(|c| c <= grace) {
            return Ok(existing);
        }
        let mut pod = pod.clone();
        let deadline =
            self.clock.now().checked_add(jiff::SignedDuration::from_secs(grace)).unwrap_or(jiff::Timestamp::MAX);
        pod.metadata.deletion_timestamp = Some(meta::time(deadline));
        pod.metadata.deletion_grace_period_seconds = Some(grace);
        self.store_marked(Object::Pod(pod), &existing).await
    }

    async fn delete_with_propagation(
        &self,
        existing: Arc<Object>,
        policy: Propagation,
    ) -> Result<Arc<Object>, ApiError> {
        let finalizer = match policy {
            Propagation::Background => None,
            Propagation::Foreground => Some(meta::FOREGROUND_FINALIZER),
            Propagation::Orphan => Some(meta::ORPHAN_FINALIZER),
        };
        let has_finalizers = existing.meta().finalizers.as_ref().is_some_and(|f| !f.is_empty());
        if finalizer.is_none() && !has_finalizers {
            return self.remove(&existing).await;
        }
        if meta::is_terminating(existing.meta()) {
            return Ok(existing);
        }
        let mut obj = existing.as_ref().clone();
        let m = obj.meta_mut();
        m.deletion_timestamp = Some(meta::time(self.clock.now()));
        m.deletion_grace_period_seconds = Some(0);
        if let Some(f) = finalizer {
            m.finalizers.get_or_insert_with(Vec::new).push(f.to_string());
        }
        self.store_marked(obj, &existing).await
    }

    async fn store_marked(&self, obj: Object, existing: &Object) -> Result<Arc<Object>, ApiError> {
        let pre = Preconditions { resource_version: Some(existing.resource_version()), uid: None };
        self.store.update(obj, pre).await.map_err(ApiError::from_store)
    }

    async fn remove(&self, existing: &Object) -> Result<Arc<Object>, ApiError> {
        let pre = Preconditions { resource_version: None, uid: existing.meta().uid.clone() };
        self.store.delete(existing.key(), pre).await.map_err(ApiError::from_store)
    }
}
