//! Parsing the Kubernetes URL grammar and query parameters into a typed request target.

use crate::model::{KINDS, Kind};
use crate::registry::ApiError;
use std::collections::BTreeMap;

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Version,
    Health,
    Metrics,
    /// `/api`, `/apis`, `/api/v1`, `/apis/apps`, `/apis/apps/v1`.
    Discovery(String),
    /// `/openapi/v2`, `/openapi/v3`, `/openapi/v3/<group-version>`.
    OpenApi(String),
    /// A collection (namespace `None`: across all namespaces).
    Collection {
        kind: Kind,
        namespace: Option<String>,
    },
    Item {
        kind: Kind,
        namespace: String,
        name: String,
        sub: Option<Sub>,
    },
    /// `/apis/skiff.io/v1alpha1/namespaces/{ns}/deployments/{name}/{plan|rollback}`.
    Skiff {
        namespace: String,
        name: String,
        verb: SkiffVerb,
    },
    /// `/ui/…`: the dashboard's files (the rest of the path).
    Ui(String),
    /// `/apis/metrics.k8s.io/v1beta1/…`: pod and node usage (`api::resource_metrics`).
    ResourceMetrics(super::resource_metrics::Path),
}

/// skiff's own endpoints over a Deployment (`api::skiff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkiffVerb {
    Plan,
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    Status,
    Scale,
    Log,
}

/// Resolves a request path.
pub fn parse(path: &str) -> Result<Target, ApiError> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => Ok(Target::Version),
        ["healthz" | "readyz" | "livez", ..] => Ok(Target::Health),
        ["metrics"] => Ok(Target::Metrics),
        ["api"] | ["apis"] | ["api", "v1"] => Ok(Target::Discovery(segs.join("/"))),
        ["apis", group] if served_group(group) => Ok(Target::Discovery(segs.join("/"))),
        ["apis", group, version] if super::discovery::versions(group).contains(version) => {
            Ok(Target::Discovery(segs.join("/")))
        }
        ["apis", super::resource_metrics::GROUP, super::resource_metrics::VERSION, rest @ ..] => {
            super::resource_metrics::parse(rest).map(Target::ResourceMetrics)
        }
        ["openapi", rest @ ..] => Ok(Target::OpenApi(rest.join("/"))),
        ["ui", rest @ ..] => Ok(Target::Ui(rest.join("/"))),
        ["apis", "skiff.io", "v1alpha1", "namespaces", ns, "deployments", name, verb] => {
            let verb = match *verb {
                "plan" => SkiffVerb::Plan,
                "rollback" => SkiffVerb::Rollback,
                _ => return Err(ApiError::UnknownPath),
            };
            Ok(Target::Skiff { namespace: ns.to_string(), name: name.to_string(), verb })
        }
        ["api", "v1", rest @ ..] => resource("", rest),
        ["apis", group, version, rest @ ..] if stored_version(group) == Some(version) => resource(group, rest),
        _ => Err(ApiError::UnknownPath),
    }
}

/// A named API group skiff serves (`apps`, `discovery.k8s.io`, `metrics.k8s.io`).
fn served_group(group: &str) -> bool {
    !group.is_empty() && !super::discovery::versions(group).is_empty()
}

/// The version a group's kinds are stored and served in (`autoscaling/v1` is served by
/// `api::autoscaling_v1` through `v2`).
fn stored_version(group: &str) -> Option<&'static str> {
    KINDS.iter().find(|k| !group.is_empty() && k.group == group).map(|k| k.version)
}

/// The kind at `group`/`plural`, namespaced or not as the path says.
fn kind(group: &str, plural: &str, namespaced: bool) -> Result<Kind, ApiError> {
    Kind::from_path(group, plural).filter(|k| k.info().namespaced == namespaced).ok_or(ApiError::UnknownPath)
}

fn resource(group: &str, rest: &[&str]) -> Result<Target, ApiError> {
    match rest {
        // A namespace's own subresources, not a collection inside it.
        ["namespaces", name, sub @ "status"] if group.is_empty() => item(Kind::Namespace, "", name, &[sub]),
        [plural] => {
            let kind = Kind::from_path(group, plural).ok_or(ApiError::UnknownPath)?;
            Ok(Target::Collection { kind, namespace: None })
        }
        ["namespaces", ns, plural] => {
            Ok(Target::Collection { kind: kind(group, plural, true)?, namespace: Some(ns.to_string()) })
        }
        ["namespaces", ns, plural, name, sub @ ..] => item(kind(group, plural, true)?, ns, name, sub),
        [plural, name, sub @ ..] => item(kind(group, plural, false)?, "", name, sub),
        _ => Err(ApiError::UnknownPath),
    }
}

fn item(kind: Kind, namespace: &str, name: &str, sub: &[&str]) -> Result<Target, ApiError> {
    let sub = match sub {
        [] => None,
        ["status"] if kind.info().has_status => Some(Sub::Status),
        ["scale"] if kind.info().scalable => Some(Sub::Scale),
        ["log"] if kind == Kind::Pod => Some(Sub::Log),
        [sub @ ("exec" | "attach" | "portforward")] if kind == Kind::Pod => return Err(no_node_streams(sub, name)),
        _ => return Err(ApiError::UnknownPath),
    };
    Ok(Target::Item { kind, namespace: namespace.to_string(), name: name.to_string(), sub })
}

/// Streaming into a pod needs a node; skiff's pods are plain containers on this host's engine,
/// so say where the equivalent is instead of a bare 404.
fn no_node_streams(sub: &str, pod: &str) -> ApiError {
    let instead = match sub {
        "portforward" => "its ports are already published on 127.0.0.1 (docker port)".to_string(),
        verb => format!("use docker {verb} on its container (docker ps --filter label=io.skiff.pod={pod})"),
    };
    ApiError::MethodNotAllowed(format!(
        "pods/{sub} is not supported by skiff: the pod runs on this host's Docker engine; {instead}"
    ))
}

/// Query parameters, last value wins.
#[derive(Debug, Default, Clone)]
pub struct Query(BTreeMap<String, String>);

impl Query {
    pub fn parse(query: Option<&str>) -> Query {
        Query(form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true") | Some("1"))
    }

    /// An integer parameter; a malformed one is a 400.
    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|v| v.parse().map_err(|_| ApiError::BadRequest(format!("invalid value for {key}: {v:?}"))))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kubernetes_url_grammar() {
        assert_eq!(
            parse("/apis/apps/v1/namespaces/default/deployments").unwrap(),
            Target::Collection { kind: Kind::Deployment, namespace: Some("default".into()) }
        );
        assert_eq!(parse("/api/v1/pods").unwrap(), Target::Collection { kind: Kind::Pod, namespace: None });
        assert_eq!(
            parse("/apis/apps/v1/namespaces/default/deployments/web/scale").unwrap(),
            Target::Item {
                kind: Kind::Deployment,
                namespace: "default".into(),
                name: "web".into(),
                sub: Some(Sub::Scale)
            }
        );
        assert_eq!(
            parse("/api/v1/namespaces/default/pods/web-1/log").unwrap(),
            Target::Item { kind: Kind::Pod, namespace: "default".into(), name: "web-1".into(), sub: Some(Sub::Log) }
        );
        assert!(parse("/api/v1/namespaces/default/services/web/scale").is_err());
        let exec = parse("/api/v1/namespaces/default/pods/web-1/exec").unwrap_err();
        assert_eq!(exec.code_and_reason(), (405, "MethodNotAllowed"));
        assert!(
            exec.to_string().contains("docker exec on its container (docker ps --filter label=io.skiff.pod=web-1)")
        );
        assert!(parse("/apis/batch/v1/jobs").is_err());
        assert_eq!(
            parse("/api/v1/nodes/lab").unwrap(),
            Target::Item { kind: Kind::Node, namespace: String::new(), name: "lab".into(), sub: None }
        );
        assert!(parse("/api/v1/namespaces/default/nodes/lab").is_err(), "nodes live in no namespace");
        assert!(parse("/api/v1/pods/web-1").is_err(), "pods live in one");
        assert_eq!(
            parse("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices").unwrap(),
            Target::Collection { kind: Kind::EndpointSlice, namespace: Some("default".into()) }
        );
        assert_eq!(parse("/api/v1/namespaces").unwrap(), Target::Collection { kind: Kind::Namespace, namespace: None });
        assert_eq!(
            parse("/api/v1/namespaces/lab").unwrap(),
            Target::Item { kind: Kind::Namespace, namespace: String::new(), name: "lab".into(), sub: None }
        );
        assert_eq!(
            parse("/api/v1/namespaces/lab/status").unwrap(),
            Target::Item {
                kind: Kind::Namespace,
                namespace: String::new(),
                name: "lab".into(),
                sub: Some(Sub::Status)
            }
        );
        assert_eq!(
            parse("/api/v1/namespaces/lab/configmaps").unwrap(),
            Target::Collection { kind: Kind::ConfigMap, namespace: Some("lab".into()) }
        );
        assert_eq!(
            parse("/apis/skiff.io/v1alpha1/namespaces/default/deployments/web/plan").unwrap(),
            Target::Skiff { namespace: "default".into(), name: "web".into(), verb: SkiffVerb::Plan }
        );
        assert!(parse("/apis/skiff.io/v1alpha1/namespaces/default/deployments/web/scale").is_err());
        assert_eq!(parse("/ui/").unwrap(), Target::Ui(String::new()));
        assert_eq!(parse("/ui/app.js").unwrap(), Target::Ui("app.js".into()));
        assert_eq!(
            parse("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/status").unwrap(),
            Target::Item {
                kind: Kind::HorizontalPodAutoscaler,
                namespace: "default".into(),
                name: "web".into(),
                sub: Some(Sub::Status)
            }
        );
        assert!(parse("/apis/apps/v2/deployments").is_err());
        assert_eq!(parse("/apis/autoscaling/v1").unwrap(), Target::Discovery("apis/autoscaling/v1".into()));
    }
}
