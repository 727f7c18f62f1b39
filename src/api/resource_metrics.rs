//! The metrics.k8s.io/v1beta1 API metrics-server serves, from skiff's own samples: PodMetrics
//! per pod (CPU in nanocores, memory working set in Ki per container) and NodeMetrics for the
//! one node, so that `kubectl top pods|nodes` work. Read-only; nothing is stored.

use super::ApiState;
use crate::metrics::{PodMetrics, Snapshot, Usage};
use crate::model::meta;
use crate::model::selector::LabelSelector;
use crate::registry::ApiError;
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

pub const GROUP: &str = "metrics.k8s.io";
pub const VERSION: &str = "v1beta1";
const API_VERSION: &str = "metrics.k8s.io/v1beta1";

/// What a metrics.k8s.io path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Path {
    /// Pods, in one namespace or all; one pod when named.
    Pods {
        namespace: Option<String>,
        name: Option<String>,
    },
    Nodes {
        name: Option<String>,
    },
}

pub fn parse(rest: &[&str]) -> Result<Path, ApiError> {
    let own = |s: &&str| Some(s.to_string());
    match rest {
        ["pods"] => Ok(Path::Pods { namespace: None, name: None }),
        ["namespaces", ns, "pods"] => Ok(Path::Pods { namespace: own(ns), name: None }),
        ["namespaces", ns, "pods", name] => Ok(Path::Pods { namespace: own(ns), name: own(name) }),
        ["nodes"] => Ok(Path::Nodes { name: None }),
        ["nodes", name] => Ok(Path::Nodes { name: own(name) }),
        _ => Err(ApiError::UnknownPath),
    }
}

/// The resources discovery lists for metrics.k8s.io/v1beta1.
pub fn resources() -> Vec<Value> {
    vec![
        json!({"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]}),
        json!({"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]}),
    ]
}

fn usage(u: Usage) -> Value {
    json!({"cpu": format!("{}n", u.cpu_nanocores), "memory": format!("{}Ki", u.memory_bytes / 1024)})
}

fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn window(w: SignedDuration) -> String {
    format!("{}s", w.as_secs())
}

fn pod_metrics(pod: &Pod, m: &PodMetrics) -> Value {
    let containers: Vec<Value> =
        m.containers.iter().map(|(name, u)| json!({"name": name, "usage": usage(*u)})).collect();
    json!({
        "kind": "PodMetrics",
        "apiVersion": API_VERSION,
        "metadata": {
            "name": pod.metadata.name,
            "namespace": pod.metadata.namespace,
            "creationTimestamp": pod.metadata.creation_timestamp,
            "labels": pod.metadata.labels,
        },
        "timestamp": time(m.timestamp),
        "window": window(m.window),
        "containers": containers,
    })
}

fn not_found(resource: &'static str, name: &str) -> ApiError {
    ApiError::MetricsNotFound { resource, name: name.to_string() }
}

/// Answers a GET on `path`, pod lists filtered by the request's `labelSelector`.
pub fn get(state: &ApiState, path: Path, label_selector: Option<&str>) -> Result<Value, ApiError> {
    let snapshot = state.resource_metrics.load();
    match path {
        Path::Pods { namespace, name } => {
            let selector = LabelSelector::parse(label_selector.unwrap_or_default())
                .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            let pods = state.registry.list_typed::<Pod>(namespace.as_deref());
            let items: Vec<Value> = pods
                .iter()
                .filter(|p| name.as_deref().is_none_or(|n| meta::name(&p.metadata) == n))
                .filter(|p| selector.matches(&meta::labels(&p.metadata)))
                .filter_map(|p| with_metrics(p, &snapshot))
                .collect();
            match name {
                Some(name) => items.into_iter().next().ok_or_else(|| not_found("podmetrics", &name)),
                None => {
                    Ok(json!({"kind": "PodMetricsList", "apiVersion": API_VERSION, "metadata": {}, "items": items}))
                }
            }
        }
        Path::Nodes { name } => {
            let node = state.registry.node_name().to_string();
            let item = snapshot.node().map(|(at, w, u)| {
                json!({"kind": "NodeMetrics", "apiVersion": API_VERSION, "metadata": {"name": node},
                    "timestamp": time(at), "window": window(w), "usage": usage(u)})
            });
            match name {
                Some(name) if name == node => item.ok_or_else(|| not_found("nodemetrics", &name)),
                Some(name) => Err(not_found("nodemetrics", &name)),
                None => Ok(json!({"kind": "NodeMetricsList", "apiVersion": API_VERSION, "metadata": {},
                    "items": item.into_iter().collect::<Vec<_>>()})),
            }
        }
    }
}

fn with_metrics(pod: &Pod, snapshot: &Snapshot) -> Option<Value> {
    let key = (meta::namespace(&pod.metadata).to_string(), meta::name(&pod.metadata).to_string());
    snapshot.pods.get(&key).map(|m| pod_metrics(pod, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse(&["namespaces", "default", "pods"]).unwrap(),
            Path::Pods { namespace: Some("default".into()), name: None }
        );
        assert_eq!(parse(&["nodes", "lab"]).unwrap(), Path::Nodes { name: Some("lab".into()) });
        assert!(parse(&["namespaces", "default", "deployments"]).is_err());
    }

    #[test]
    fn quantities_as_metrics_server_writes_them() {
        assert_eq!(
            usage(Usage { cpu_nanocores: 1_234_567, memory_bytes: 5 << 20 }),
            json!({"cpu": "1234567n", "memory": "5120Ki"})
        );
        assert_eq!(window(SignedDuration::from_millis(15_200)), "15s");
    }
}
