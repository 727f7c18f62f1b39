//! Per-kind rules applied on every write, as the apiserver's REST strategies do: what the
//! server sets on create, what an update may and may not change, when `generation` moves,
//! defaulting and validation.

use crate::model::config;
use crate::model::defaults;
use crate::model::meta;
use crate::model::validation::PodSecurityPolicy;
use crate::model::validation::{self, ErrorList, FieldError, FieldPath};
use crate::model::{Kind, Object};

/// Server-set fields on create: uid, creationTimestamp, generation; status starts empty for
/// controller-owned kinds. Then defaults.
pub fn prepare_create(obj: &mut Object, now: jiff::Timestamp) {
    let m = obj.meta_mut();
    m.uid = Some(uuid::Uuid::new_v4().to_string());
    m.creation_timestamp = Some(meta::time(now));
    m.resource_version = None;
    m.deletion_timestamp = None;
    m.deletion_grace_period_seconds = None;
    m.generation = None;
    match obj {
        Object::Deployment(d) => {
            d.metadata.generation = Some(1);
            d.status = None;
        }
        Object::ReplicaSet(rs) => {
            rs.metadata.generation = Some(1);
            rs.status = None;
        }
        Object::Service(s) => s.status = None,
        // The apiserver starts every pod Pending.
        Object::Pod(p) => {
            p.status =
                Some(k8s_openapi::api::core::v1::PodStatus { phase: Some("Pending".into()), ..Default::default() })
        }
        Object::Namespace(ns) => config::prepare_namespace_create(ns),
        Object::HorizontalPodAutoscaler(h) => {
            h.metadata.generation = Some(1);
            h.status = None;
        }
        // Written by skiff itself from what it observes, or without server-set fields.
        Object::Event(_)
        | Object::Endpoints(_)
        | Object::EndpointSlice(_)
        | Object::Node(_)
        | Object::ConfigMap(_)
        | Object::Secret(_) => {}
    }
    apply_defaults(obj);
}

/// Carries over what a client may not change with a main-resource update (identity, status,
/// deletion state) and bumps `generation` when the spec (or a Deployment's annotations) change.
pub fn prepare_update(new: &mut Object, old: &Object) {
    let old_meta = old.meta().clone();
    let m = new.meta_mut();
    m.uid = old_meta.uid.clone();
    m.creation_timestamp = old_meta.creation_timestamp.clone();
    m.deletion_timestamp = old_meta.deletion_timestamp.clone();
    m.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
    m.generation = old_meta.generation;
    m.namespace = old_meta.namespace.clone();
    apply_defaults(new);
    let generation = old_meta.generation.unwrap_or(1);
    match (new, old) {
        (Object::Deployment(n), Object::Deployment(o)) => {
            n.status = o.status.clone();
            if n.spec != o.spec || n.metadata.annotations != o.metadata.annotations {
                n.metadata.generation = Some(generation + 1);
            }
        }
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => {
            n.status = o.status.clone();
            if n.spec != o.spec {
                n.metadata.generation = Some(generation + 1);
            }
        }
        (Object::Pod(n), Object::Pod(o)) => n.status = o.status.clone(),
        (Object::Service(n), Object::Service(o)) => {
            n.status = o.status.clone();
            keep_service_allocations(n, o);
        }
        // The namespace controller alone releases the finalizer; status is the /status subresource's.
        (Object::Namespace(n), Object::Namespace(o)) => {
            n.spec = o.spec.clone();
            n.status = o.status.clone();
        }
        (Object::HorizontalPodAutoscaler(n), Object::HorizontalPodAutoscaler(o)) => {
            n.status = o.status.clone();
            if n.spec != o.spec {
                n.metadata.generation = Some(generation + 1);
            }
        }
        _ => {}
    }
}

/// An update that omits `clusterIP` or a `nodePort` keeps what was allocated, like Kubernetes.
fn keep_service_allocations(new: &mut k8s_openapi::api::core::v1::Service, old: &k8s_openapi::api::core::v1::Service) {
    let (Some(n), Some(o)) = (new.spec.as_mut(), old.spec.as_ref()) else {
        return;
    };
    if n.cluster_ip.is_none() {
        n.cluster_ip = o.cluster_ip.clone();
        n.cluster_ips = o.cluster_ips.clone();
    }
    for port in n.ports.iter_mut().flatten().filter(|p| p.node_port.is_none()) {
        port.node_port = o.ports.iter().flatten().find(|op| op.port == port.port).and_then(|op| op.node_port);
    }
}

fn apply_defaults(obj: &mut Object) {
    match obj {
        Object::Deployment(d) => defaults::default_deployment(d),
        Object::ReplicaSet(rs) => defaults::default_replicaset(rs),
        Object::Pod(p) => defaults::default_pod(p),
        Object::Service(s) => defaults::default_service(s),
        Object::Secret(s) => config::default_secret(s),
        Object::Namespace(ns) => config::default_namespace(ns),
        Object::HorizontalPodAutoscaler(h) => crate::model::hpa::default_hpa(h),
        Object::Event(_) | Object::Endpoints(_) | Object::EndpointSlice(_) | Object::Node(_) | Object::ConfigMap(_) => {
        }
    }
}

/// Validates a new object, or an update of `old`.
pub fn validate(obj: &Object, old: Option<&Object>, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errors = match (obj, old) {
        (Object::Deployment(d), Some(Object::Deployment(o))) => {
            validation::deployment::validate_deployment_update(d, o, policy)
        }
        (Object::Deployment(d), _) => validation::deployment::validate_deployment(d, policy),
        (Object::ReplicaSet(rs), Some(Object::ReplicaSet(o))) => {
            validation::deployment::validate_replicaset_update(rs, o, policy)
        }
        (Object::ReplicaSet(rs), _) => validation::deployment::validate_replicaset(rs, policy),
        (Object::Pod(p), Some(Object::Pod(o))) => validate_pod_update(p, o),
        (Object::Pod(p), _) => validation::pod::validate_pod(p, policy),
        (Object::Service(s), _) => validation::service::validate_service(s),
        (Object::ConfigMap(c), Some(Object::ConfigMap(o))) => validation::config::validate_config_map_update(c, o),
        (Object::ConfigMap(c), _) => validation::config::validate_config_map(c),
        (Object::Secret(s), Some(Object::Secret(o))) => validation::config::validate_secret_update(s, o),
        (Object::Secret(s), _) => validation::config::validate_secret(s),
        (Object::Namespace(ns), _) => validation::config::validate_namespace(ns),
        (Object::HorizontalPodAutoscaler(h), _) => crate::model::hpa::validate(h),
        // Clients cannot write these; skiff writes them from what it observes.
        (Object::Event(_) | Object::Endpoints(_) | Object::EndpointSlice(_) | Object::Node(_), _) => Vec::new(),
    };
    if let Some(old) = old
        && old.meta().deletion_timestamp.is_some()
        && obj.meta().finalizers.as_ref().is_some_and(|f| f.len() > old.meta().finalizers.as_ref().map_or(0, Vec::len))
    {
        let path = FieldPath::new("metadata").child("finalizers");
        errors.push(FieldError::forbidden(&path, "no new finalizers can be added if the object is being deleted"));
    }
    errors
}

/// A pod's spec is fixed once created (skiff allows no in-place pod mutation).
fn validate_pod_update(new: &k8s_openapi::api::core::v1::Pod, old: &k8s_openapi::api::core::v1::Pod) -> ErrorList {
    if new.spec == old.spec {
        return Vec::new();
    }
    vec![FieldError::forbidden(&FieldPath::new("spec"), "pod updates may not change fields other than `metadata`")]
}

/// Names that work but are not DNS labels get Kubernetes' warning.
pub fn warnings(obj: &Object) -> Vec<String> {
    match obj.kind() {
        Kind::Deployment | Kind::ReplicaSet => validation::deployment::name_warnings(meta::name(obj.meta())),
        _ => Vec::new(),
    }
}
