//! Defaulting and normalisation as the apiserver does them.

use super::normalize::normalize_pod_spec;
use super::pod::{default_container, default_pod_spec, default_probe};
use super::*;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, ReplicaSet};
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec, Probe, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

fn deployment(v: serde_json::Value) -> Deployment {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("bad fixture: {e}"))
}

fn minimal() -> Deployment {
    deployment(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web", "image": "nginx:1.25",
                    "ports": [{"containerPort": 80}],
                    "readinessProbe": {"httpGet": {"port": 80}, "initialDelaySeconds": 0}
                }]}
            }
        }
    }))
}

fn spec_of(d: &Deployment) -> &k8s_openapi::api::apps::v1::DeploymentSpec {
    d.spec.as_ref().unwrap_or_else(|| panic!("no spec"))
}

#[test]
fn deployment_defaults() {
    let mut d = minimal();
    default_deployment(&mut d);
    let spec = spec_of(&d);
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(spec.revision_history_limit, Some(10));
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    let strategy = serde_json::to_value(&spec.strategy).unwrap_or_default();
    assert_eq!(
        strategy,
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
}

#[test]
fn explicit_values_are_kept() {
    let mut d = minimal();
    if let Some(spec) = d.spec.as_mut() {
        spec.replicas = Some(0);
        spec.revision_history_limit = Some(0);
        spec.strategy = Some(DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(k8s_openapi::api::apps::v1::RollingUpdateDeployment {
                max_surge: Some(IntOrString::Int(2)),
                max_unavailable: None,
            }),
        });
    }
    default_deployment(&mut d);
    let spec = spec_of(&d);
    assert_eq!((spec.replicas, spec.revision_history_limit), (Some(0), Some(0)));
    let ru = spec.strategy.as_ref().and_then(|s| s.rolling_update.as_ref());
    assert_eq!(ru.and_then(|r| r.max_surge.clone()), Some(IntOrString::Int(2)));
    assert_eq!(ru.and_then(|r| r.max_unavailable.clone()), Some(IntOrString::String("25%".into())));
}

#[test]
fn only_rolling_update_gets_a_rolling_update_block() {
    let mut d = minimal();
    if let Some(spec) = d.spec.as_mut() {
        spec.strategy =
            Some(DeploymentStrategy { type_: Some("Recreate".into()), rolling_update: Some(Default::default()) });
    }
    default_deployment(&mut d);
    let strategy = spec_of(&d).strategy.clone().unwrap_or_default();
    assert_eq!(strategy.type_.as_deref(), Some("Recreate"));
    assert_eq!(strategy.rolling_update, Some(Default::default()), "kept for validation to refuse");
    let mut unknown = minimal();
    if let Some(spec) = unknown.spec.as_mut() {
        spec.strategy = Some(DeploymentStrategy { type_: Some("BlueGreen".into()), rolling_update: None });
    }
    default_deployment(&mut unknown);
    assert_eq!(spec_of(&unknown).strategy.as_ref().and_then(|s| s.rolling_update.clone()), None);
}

#[test]
fn pod_spec_and_container_defaults() {
    let mut d = minimal();
    default_deployment(&mut d);
    let template = serde_json::to_value(&spec_of(&d).template).unwrap_or_default();
    assert_eq!(
        template["spec"],
        json!({
            "containers": [{
                "name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "readinessProbe": {
                    "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3
                },
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File"
            }],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30
        })
    );
    assert_eq!(template["metadata"], json!({"labels": {"app": "web"}}));
}

#[test]
fn probe_and_lifecycle_defaults() {
    let mut p: Probe = serde_json::from_value(json!({
        "tcpSocket": {"port": 8080}, "initialDelaySeconds": 5, "timeoutSeconds": 0, "failureThreshold": 7
    }))
    .unwrap_or_default();
    default_probe(&mut p);
    assert_eq!(
        (p.initial_delay_seconds, p.timeout_seconds, p.period_seconds, p.success_threshold, p.failure_threshold),
        (Some(5), Some(1), Some(10), Some(1), Some(7))
    );
    let mut c: Container = serde_json::from_value(json!({
        "name": "c", "image": "x",
        "lifecycle": {"preStop": {"httpGet": {"port": "http", "path": ""}}},
        "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    }))
    .unwrap_or_default();
    default_container(&mut c);
    let v = serde_json::to_value(&c).unwrap_or_default();
    assert_eq!(v["lifecycle"]["preStop"]["httpGet"], json!({"path": "/", "port": "http", "scheme": "HTTP"}));
    assert_eq!(v["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], json!("v1"));
    assert_eq!(v["imagePullPolicy"], json!("Always"));
}

#[test]
fn pod_only_defaults() {
    let mut pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p", "labels": {}},
        "spec": {
            "hostNetwork": true,
            "containers": [{
                "name": "c", "image": "x:1", "ports": [{"containerPort": 9000}],
                "resources": {"limits": {"cpu": "1", "memory": "64Mi"}, "requests": {"cpu": "500m"}}
            }]
        }
    }))
    .unwrap_or_default();
    default_pod(&mut pod);
    let v = serde_json::to_value(&pod).unwrap_or_default();
    assert_eq!(v["spec"]["enableServiceLinks"], json!(true));
    assert_eq!(v["spec"]["containers"][0]["ports"][0]["hostPort"], json!(9000));
    assert_eq!(v["spec"]["containers"][0]["resources"]["requests"], json!({"cpu": "500m", "memory": "64Mi"}));
    assert_eq!(v["metadata"], json!({"name": "p"}));
    let mut template = PodTemplateSpec::default();
    default_pod_template(&mut template);
    assert_eq!(template.spec.and_then(|s| s.enable_service_links), None);
}

#[test]
fn volume_defaults() {
    let mut spec: PodSpec = serde_json::from_value(json!({
        "containers": [],
        "volumes": [
            {"name": "scratch"},
            {"name": "host", "hostPath": {"path": "/data"}},
            {"name": "cfg", "configMap": {"name": "cfg", "items": []}},
            {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}}
        ]
    }))
    .unwrap_or_default();
    default_pod_spec(&mut spec);
    normalize_pod_spec(&mut spec);
    let v = serde_json::to_value(&spec).unwrap_or_default();
    assert_eq!(v["volumes"][0], json!({"name": "scratch", "emptyDir": {}}));
    assert_eq!(v["volumes"][1]["hostPath"], json!({"path": "/data", "type": ""}));
    assert_eq!(v["volumes"][2]["configMap"], json!({"name": "cfg", "defaultMode": 420}));
    assert_eq!(v["volumes"][3]["secret"]["defaultMode"], json!(256));
    let mut spec: PodSpec =
        serde_json::from_value(json!({"containers": [], "volumes": [{"name": "s", "secret": {"secretName": "s"}}]}))
            .unwrap_or_default();
    default_pod_spec(&mut spec);
    assert_eq!(spec.volumes.unwrap()[0].secret.as_ref().unwrap().default_mode, None, "0400 unless asked");
}

#[test]
fn replicaset_defaults() {
    let mut rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "web-1"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "minReadySeconds": 0}
    }))
    .unwrap_or_default();
    default_replicaset(&mut rs);
    let spec = rs.spec.unwrap_or_default();
    assert_eq!((spec.replicas, spec.min_ready_seconds), (Some(1), None));
    let template = spec.template.unwrap_or_default();
    assert_eq!(template.metadata, Some(ObjectMeta::default()));
    assert_eq!(template.spec.and_then(|s| s.restart_policy).as_deref(), Some("Always"));
}

#[test]
fn service_defaults() {
    let mut svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 443, "targetPort": "https", "protocol": "TCP"}]}
    }))
    .unwrap_or_default();
    default_service(&mut svc);
    let v = serde_json::to_value(&svc.spec).unwrap_or_default();
    assert_eq!(
        v,
        json!({
            "selector": {"app": "web"},
            "ports": [
                {"port": 80, "protocol": "TCP", "targetPort": 80},
                {"port": 443, "protocol": "TCP", "targetPort": "https"}
            ],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster"
        })
    );
}

#[test]
fn service_affinity_and_external_defaults() {
    let mut svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": 0}]}
    }))
    .unwrap_or_default();
    default_service(&mut svc);
    let v = serde_json::to_value(&svc.spec).unwrap_or_default();
    assert_eq!(v["sessionAffinityConfig"], json!({"clientIP": {"timeoutSeconds": 10800}}));
    assert_eq!(v["externalTrafficPolicy"], json!("Cluster"));
    assert_eq!(v["allocateLoadBalancerNodePorts"], json!(true));
    assert_eq!(v["ports"][0]["targetPort"], json!(80));
    let mut none: Service = serde_json::from_value(json!({
        "metadata": {"name": "n"},
        "spec": {"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}, "externalIPs": ["10.0.0.1"]}
    }))
    .unwrap_or_default();
    default_service(&mut none);
    let spec = none.spec.unwrap_or_default();
    assert_eq!(spec.session_affinity_config, None);
    assert_eq!(spec.external_traffic_policy.as_deref(), Some("Cluster"));
}

/// What `kubectl rollout undo` sends back is a Go re-encoding of the stored template:
/// `creationTimestamp: null`, `resources: {}`, zero and empty values dropped.
#[test]
fn template_survives_go_round_trip() {
    let mut d = minimal();
    default_deployment(&mut d);
    let stored = spec_of(&d).template.clone();
    let mut sent = serde_json::to_value(&stored).unwrap_or_default();
    sent["metadata"]["creationTimestamp"] = json!(null);
    sent["spec"]["containers"][0]["resources"] = json!({});
    sent["spec"]["containers"][0]["env"] = json!([]);
    sent["spec"]["nodeSelector"] = json!({});
    let mut back: PodTemplateSpec = serde_json::from_value(sent).unwrap_or_default();
    default_pod_template(&mut back);
    assert_eq!(back, stored);
    let mut unnormalized: PodTemplateSpec =
        serde_json::from_value(json!({"metadata": {"labels": {}}, "spec": {"containers": [], "volumes": []}}))
            .unwrap_or_default();
    normalize_template(&mut unnormalized);
    let v = serde_json::to_value(&unnormalized).unwrap_or_default();
    assert_eq!(v, json!({"metadata": {}, "spec": {"containers": []}}));
}

/// A Go client re-encodes quantities canonically (`0.5` → `500m`); defaulting stores them
/// that way already, so the template still matches after `rollout undo`.
#[test]
fn quantities_are_stored_canonically() {
    let mut d = minimal();
    if let Some(c) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()).and_then(|p| p.containers.first_mut()) {
        c.resources = serde_json::from_value(json!({"limits": {"cpu": "0.5", "memory": "1.5Gi"}})).ok();
    }
    default_deployment(&mut d);
    let stored = spec_of(&d).template.clone();
    let mut sent = serde_json::to_value(&stored).unwrap_or_default();
    let resources = &sent["spec"]["containers"][0]["resources"];
    assert_eq!(resources, &json!({"limits": {"cpu": "500m", "memory": "1536Mi"}}));
    sent["metadata"]["creationTimestamp"] = json!(null);
    let mut back: PodTemplateSpec = serde_json::from_value(sent).unwrap_or_default();
    default_pod_template(&mut back);
    assert_eq!(back, stored);
    let mut pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x", "resources": {"limits": {"cpu": "1000m", "memory": "bogus"}}}]}
    }))
    .unwrap_or_default();
    default_pod(&mut pod);
    let v = serde_json::to_value(&pod.spec).unwrap_or_default();
    assert_eq!(
        v["containers"][0]["resources"],
        json!({"limits": {"cpu": "1", "memory": "bogus"}, "requests": {"cpu": "1", "memory": "bogus"}})
    );
}

#[test]
fn defaulting_is_idempotent() {
    let mut once = minimal();
    default_deployment(&mut once);
    let mut twice = once.clone();
    default_deployment(&mut twice);
    assert_eq!(once, twice);
    let mut empty = Deployment::default();
    default_deployment(&mut empty);
    assert_eq!(spec_of(&empty).replicas, Some(1));
}

#[test]
fn explicit_pull_policy_is_kept() {
    let explicit: Container =
        serde_json::from_value(json!({"name": "c", "image": "nginx", "imagePullPolicy": "Never"})).unwrap_or_default();
    let mut c = explicit.clone();
    default_container(&mut c);
    assert_eq!(c.image_pull_policy, explicit.image_pull_policy);
}
