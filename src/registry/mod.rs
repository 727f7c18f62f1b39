//! The registry: Kubernetes object semantics over the store. Every write (from the API, the
//! controllers or the kubelet) goes through here, so defaults, validation, generation
//! bookkeeping, service port admission, graceful deletion and finalizers hold for all of them.

mod config_pins;
mod delete;
pub mod error;
pub mod events;
mod namespaces;
pub mod patch;
pub mod services;
pub mod strategy;
mod subresources;
pub mod warnings;

pub use delete::{DeleteOptions, Propagation};
pub use error::ApiError;
pub use patch::PatchType;

use crate::clock::Clock;
use crate::model::decode::{self, FieldValidation};
use crate::model::validation::PodSecurityPolicy;
use crate::model::validation::{FieldError, FieldPath};
use crate::model::{Kind, KubeObject, Object, ObjectKey, hash, meta};
use crate::store::{Op, Preconditions, Store, StoreError};
use events::EventType;
use services::ServicePorts;
use std::sync::Arc;

/// The largest object stored, as JSON: etcd's default request limit (`--max-request-bytes`,
/// 1.5 MiB), which is what bounds a Kubernetes object.
pub const MAX_OBJECT_BYTES: usize = 1536 * 1024;

/// How a write should be carried out.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Run every check and return the result, but store nothing (`?dryRun=All`).
    pub dry_run: bool,
    pub field_validation: FieldValidation,
}

/// An accepted write and the warnings to pass on to the client.
#[derive(Debug)]
pub struct Written {
    pub object: Arc<Object>,
    pub warnings: Vec<String>,
}

pub struct Registry {
    store: Arc<Store>,
    clock: Clock,
    policy: PodSecurityPolicy,
    service_ports: ServicePorts,
    /// The one node pods are placed on.
    node: String,
    /// Serializes Service writes so two creates never take the same port.
    service_admission: tokio::sync::Mutex<()>,
    events: events::Recorder,
}

impl Registry {
    /// The registry over `store`, with the system namespaces (`default`, `kube-system`, ...)
    /// created where missing.
    pub async fn new(
        store: Arc<Store>,
        clock: Clock,
        policy: PodSecurityPolicy,
        service_ports: ServicePorts,
        node: &str,
    ) -> Result<Registry, ApiError> {
        let events = events::Recorder::new(store.clone(), clock);
        let service_admission = tokio::sync::Mutex::new(());
        let registry =
            Registry { store, clock, policy, service_ports, node: node.to_string(), service_admission, events };
        registry.ensure_system_namespaces().await?;
        Ok(registry)
    }

    /// The name of the node every pod runs on.
    pub fn node_name(&self) -> &str {
        &self.node
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn events(&self) -> &events::Recorder {
        &self.events
    }

    pub fn service_ports(&self) -> &ServicePorts {
        &self.service_ports
    }

    pub fn get(&self, key: &ObjectKey) -> Result<Arc<Object>, ApiError> {
        self.store.get(key).ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// A typed copy of the object, or `None`.
    pub fn get_typed<T: KubeObject>(&self, namespace: &str, name: &str) -> Option<T> {
        let key = ObjectKey { kind: T::KIND, namespace: namespace.into(), name: name.into() };
        self.store.get(&key).and_then(|o| T::from_object(&o).cloned())
    }

    /// Typed copies of every object of a kind in `namespace` (all namespaces when `None`).
    pub fn list_typed<T: KubeObject>(&self, namespace: Option<&str>) -> Vec<T> {
        self.store.list(T::KIND, namespace).0.iter().filter_map(|o| T::from_object(o).cloned()).collect()
    }

    /// The objects of kind `T` in `namespace` whose controller is `owner_uid` (only those are
    /// cloned out of the store).
    pub fn list_controlled_by<T: KubeObject>(&self, namespace: &str, owner_uid: &str) -> Vec<T> {
        let objects = self.store.list(T::KIND, Some(namespace)).0;
        objects
            .iter()
            .filter_map(|o| T::from_object(o))
            .filter(|o| meta::is_controlled_by(o.metadata(), owner_uid))
            .cloned()
            .collect()
    }

    /// Decodes a request body for `kind` under the field-validation mode.
    pub fn decode(
        &self,
        kind: Kind,
        body: serde_json::Value,
        mode: FieldValidation,
    ) -> Result<(Object, Vec<String>), ApiError> {
        let declared = decode::kind_of(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let name = kind.info().name;
        if declared != kind {
            return Err(ApiError::BadRequest(format!(
                "the API version in the data ({}) does not match the expected API version ({})",
                body.get("apiVersion").and_then(|v| v.as_str()).unwrap_or_default(),
                kind.api_version()
            )));
        }
        let cannot = |e: decode::DecodeError| {
            ApiError::BadRequest(format!(
                "{name} in version \"{}\" cannot be handled as a {name}: {e}",
                kind.info().version
            ))
        };
        kind.decode(body, mode).map_err(cannot)
    }

    /// Creates an object from a request body in `namespace`.
    pub async fn create(
        &self,
        kind: Kind,
        namespace: &str,
        body: serde_json::Value,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        let (mut obj, mut warnings) = self.decode(kind, body, opts.field_validation)?;
        place_in_namespace(&mut obj, namespace)?;
        self.admit_namespace(&obj)?;
        warnings.extend(strategy::warnings(&obj));
        let object = self.create_object(obj, opts).await?;
        warnings.extend(self.context_warnings(&object));
        Ok(Written { object, warnings })
    }

    /// Creates a typed object (controllers use this directly) in a namespace that exists and is
    /// not terminating. Honours `generateName`.
    pub async fn create_object(&self, mut obj: Object, opts: &WriteOptions) -> Result<Arc<Object>, ApiError> {
        self.admit_namespace(&obj)?;
        let generate =
            obj.meta().name.as_deref().is_none_or(str::is_empty).then(|| obj.meta().generate_name.clone()).flatten();
        strategy::prepare_create(&mut obj, self.clock.now());
        let scheduled = self.schedule(&mut obj);
        let pinned = self.config_pins(&mut obj);
        self.pin_pod(&mut obj);
        for _attempt in 0..8 {
            if let Some(base) = &generate {
                obj.meta_mut().name = Some(generated_name(base));
            }
            self.validate(&obj, None)?;
            let _guard = self.admit_service(&mut obj).await?;
            if opts.dry_run {
                return Ok(Arc::new(obj));
            }
            match self.commit_with(Op::Create(obj.clone()), &pinned).await {
                Err(StoreError::AlreadyExists(_)) if generate.is_some() => continue,
                Ok(created) if scheduled => {
                    let m = created.meta();
                    let msg =
                        format!("Successfully assigned {}/{} to {}", meta::namespace(m), meta::name(m), self.node);
                    self.events.record(&created, EventType::Normal, "Scheduled", &msg, "default-scheduler").await;
                    return Ok(created);
                }
                other => return other.map_err(ApiError::from_store),
            }
        }
        Err(ApiError::Internal("could not generate a unique name".into()))
    }

    /// Creates `obj`, or replaces the stored one of that name whatever its version: for what
    /// skiff derives and alone writes (Endpoints, EndpointSlices).
    pub async fn put_object(&self, obj: Object) -> Result<Arc<Object>, ApiError> {
        match self.store.get(&obj.key()) {
            Some(_) => self.update_object(obj, None, &WriteOptions::default()).await,
            None => self.create_object(obj, &WriteOptions::default()).await,
        }
    }

    /// What a client should know about an object it wrote, given what else is stored: ports a
    /// Service's pods cannot be reached on, a rollout set up to fail or to drop traffic.
    pub(super) fn context_warnings(&self, obj: &Object) -> Vec<String> {
        let ns = obj.meta().namespace.as_deref();
        match obj {
            Object::Service(svc) => {
                let pods = self.list_typed::<k8s_openapi::api::core::v1::Pod>(ns);
                let mut w = services::unreachable_warnings(svc, &pods, self.service_ports.reaches_unpublished);
                w.extend(warnings::service_over_deployments(svc, &self.list_typed(ns)));
                w
            }
            Object::Deployment(d) => {
                let mut w = warnings::deployment(d);
                w.extend(warnings::deployment_under_services(d, &self.list_typed(ns)));
                w
            }
            _ => Vec::new(),
        }
    }

    /// Places a new pod on the node, as the scheduler would; true when it did.
    fn schedule(&self, obj: &mut Object) -> bool {
        let Object::Pod(pod) = obj else { return false };
        let spec = pod.spec.get_or_insert_with(Default::default);
        if spec.node_name.as_deref().is_some_and(|n| !n.is_empty()) {
            return false;
        }
        spec.node_name = Some(self.node.clone());
        true
    }

    /// Replaces an object with a request body (HTTP PUT).
    pub async fn update(
        &self,
        key: &ObjectKey,
        body: serde_json::Value,
        opts: &WriteOptions,
    ) -> Result<Written, ApiError> {
        let (mut obj, mut warnings) = self.decode(key.kind, body, opts.field_validation)?;
        check_identity(&obj, key)?;
        obj.meta_mut().namespace = (!key.namespace.is_empty()).then(|| key.namespace.clone());
        let precondition = (obj.resource_version() > 0).then(|| obj.resource_version());
        let object = self.update_object(obj, precondition, opts).await?;
        warnings.extend(self.context_warnings(&object));
        Ok(Written { object, warnings })
    }

    /// Replaces an object. With `precondition`, a stale resourceVersion is a Conflict; without,
    /// the update is retried against the latest version.
    pub async fn update_object(
        &self,
        obj: Object,
        precondition: Option<u64>,
        opts: &WriteOptions,
    ) -> Result<Arc<Object>, ApiError> {
        let key = obj.key();
        loop {
            let existing = self.get(&key)?;
            if precondition.is_some_and(|rv| rv != existing.resource_version()) {
                return Err(ApiError::Conflict { kind: key.kind, name: key.name });
            }
            // A different uid names another object of the same name: the apiserver's uid
            // precondition fails with a Conflict.
            if changed_uid(&obj, &existing).is_some() {
                return Err(ApiError::Conflict { kind: key.kind, name: key.name });
            }
            let mut new = obj.clone();
            strategy::prepare_update(&mut new, &existing);
            match self.write_update(new, &existing, opts).await {
                Err(ApiError::Conflict { .. }) if precondition.is_none() => continue,
                other => return other,
            }
        }
    }

    /// Validates and stores `new` over `existing`; a no-op update stores nothing.
    async fn write_update(
        &self,
        mut new: Object,
        existing: &Arc<Object>,
        opts: &WriteOptions,
    ) -> Result<Arc<Object>, ApiError> {
        new.meta_mut().resource_version = existing.meta().resource_version.clone();
        let pinned = self.config_pins(&mut new);
        if &new == existing.as_ref() {
            return Ok(existing.clone());
        }
        self.validate(&new, Some(existing))?;
        let _guard = self.admit_service(&mut new).await?;
        if opts.dry_run {
            return Ok(Arc::new(new));
        }
        let pre = Preconditions { resource_version: Some(existing.resource_version()), uid: None };
        if meta::is_terminating(new.meta()) && new.meta().finalizers.as_ref().is_none_or(Vec::is_empty) {
            return self.store.delete(new.key(), pre).await.map_err(ApiError::from_store);
        }
        self.commit_with(Op::Update(new, pre), &pinned).await.map_err(ApiError::from_store)
    }

    /// Commits `op` together with `extra` (a Deployment's snapshots); returns `op`'s result.
    async fn commit_with(&self, op: Op, extra: &[Op]) -> Result<Arc<Object>, StoreError> {
        let mut ops = vec![op];
        ops.extend_from_slice(extra);
        let mut written = self.store.commit(ops).await?;
        if written.is_empty() {
            return Err(StoreError::Io(std::io::Error::other("empty commit")));
        }
        Ok(written.swap_remove(0))
    }

    /// Replaces only the status of an object (the `/status` subresource and controllers).
    /// With `precondition`, a stale resourceVersion is a Conflict; without, it retries.
    pub async fn update_status_object(&self, obj: Object, precondition: Option<u64>) -> Result<Arc<Object>, ApiError> {
        let key = obj.key();
        loop {
            let existing = self.get(&key)?;
            if precondition.is_some_and(|rv| rv != existing.resource_version()) {
                return Err(ApiError::Conflict { kind: key.kind, name: key.name });
            }
            let merged = subresources::with_status_of(existing.as_ref().clone(), &obj);
            if &merged == existing.as_ref() {
                return Ok(existing);
            }
            let pre = Preconditions { resource_version: Some(existing.resource_version()), uid: None };
            match self.store.update(merged, pre).await {
                Err(StoreError::Conflict(_)) if precondition.is_none() => continue,
                other => return other.map_err(ApiError::from_store),
            }
        }
    }

    /// Validates `obj` (an update of `old`), and refuses it if too large to store.
    fn validate(&self, obj: &Object, old: Option<&Object>) -> Result<(), ApiError> {
        if obj.encoded_len() > MAX_OBJECT_BYTES {
            return Err(ApiError::TooLarge("etcdserver: request is too large".into()));
        }
        let errors = strategy::validate(obj, old, &self.policy);
        if errors.is_empty() { Ok(()) } else { Err(ApiError::invalid(obj.kind(), meta::name(obj.meta()), errors)) }
    }

    /// For Services: allocates ports under the admission lock, held until the write is done.
    async fn admit_service(&self, obj: &mut Object) -> Result<Option<tokio::sync::MutexGuard<'_, ()>>, ApiError> {
        let Object::Service(svc) = obj else {
            return Ok(None);
        };
        let guard = self.service_admission.lock().await;
        let others = self.store.list(Kind::Service, None).0;
        self.service_ports
            .admit(svc, &others)
            .map_err(|errors| ApiError::invalid(Kind::Service, meta::name(&svc.metadata), errors))?;
        Ok(Some(guard))
    }
}

fn generated_name(base: &str) -> String {
    // Kubernetes cuts the base to 58 characters so names stay within 63.
    let base: String = base.chars().take(58).collect();
    format!("{base}{}", hash::random_suffix())
}

/// Objects in a request body must agree with the URL's namespace (none for cluster-scoped
/// kinds).
fn place_in_namespace(obj: &mut Object, namespace: &str) -> Result<(), ApiError> {
    let namespace = if obj.kind().info().namespaced { namespace } else { "" };
    let m = obj.meta_mut();
    match m.namespace.as_deref() {
        Some(ns) if !ns.is_empty() && ns != namespace => Err(ApiError::BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request".into(),
        )),
        _ => {
            m.namespace = (!namespace.is_empty()).then(|| namespace.to_string());
            Ok(())
        }
    }
}

/// The uid `obj` gives when it differs from `existing`'s (an update may leave it out).
fn changed_uid<'a>(obj: &'a Object, existing: &Object) -> Option<&'a str> {
    obj.meta().uid.as_deref().filter(|uid| !uid.is_empty() && existing.meta().uid.as_deref() != Some(*uid))
}

/// A patch may not change `metadata.uid`.
fn check_uid_unchanged(obj: &Object, existing: &Object) -> Result<(), ApiError> {
    match changed_uid(obj, existing) {
        Some(uid) => {
            let error = FieldError::invalid(&FieldPath::new("metadata").child("uid"), uid, "field is immutable");
            Err(ApiError::invalid(obj.kind(), meta::name(obj.meta()), vec![error]))
        }
        None => Ok(()),
    }
}

fn check_identity(obj: &Object, key: &ObjectKey) -> Result<(), ApiError> {
    let name = meta::name(obj.meta());
    if name != key.name {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            key.name
        )));
    }
    match obj.meta().namespace.as_deref() {
        Some(ns) if !ns.is_empty() && ns != key.namespace => Err(ApiError::BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request".into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
