//! Which ports a pod's containers use, pure: a probe's or hook's port resolved by number or
//! container port name, and every port the pod's network must publish so that probes, hooks and
//! the Services that select the pod can reach it on the host's loopback.

use crate::model::meta;
use k8s_openapi::api::core::v1::{Container, Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Resolves a probe/handler port (number or container port name) to a number.
pub fn resolve_port(container: &Container, port: &IntOrString) -> Option<u16> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).ok().filter(|p| *p > 0),
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok())
            .or_else(|| name.parse().ok()),
    }
}

/// Every TCP port to publish: declared container ports, and ports probes and hooks use.
pub fn ports_to_publish(container: &Container) -> Vec<u16> {
    let mut ports: Vec<u16> = container
        .ports
        .iter()
        .flatten()
        .filter(|p| p.protocol.as_deref().unwrap_or("TCP") == "TCP")
        .filter_map(|p| u16::try_from(p.container_port).ok())
        .collect();
    let probes = [&container.liveness_probe, &container.readiness_probe, &container.startup_probe];
    for probe in probes.into_iter().flatten() {
        let http = probe.http_get.as_ref().map(|h| &h.port);
        let tcp = probe.tcp_socket.as_ref().map(|t| &t.port);
        ports.extend(http.into_iter().chain(tcp).filter_map(|p| resolve_port(container, p)));
        ports.extend(probe.grpc.as_ref().and_then(|g| u16::try_from(g.port).ok()).filter(|p| *p > 0));
    }
    let hooks = container.lifecycle.as_ref().into_iter().flat_map(|l| [&l.pre_stop, &l.post_start]).flatten();
    ports.extend(hooks.filter_map(|h| h.http_get.as_ref()).filter_map(|h| resolve_port(container, &h.port)));
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// What the pod's network publishes: every container's ports (see `ports_to_publish`) and the
/// port each Service that selects the pod targets, declared or not.
pub fn pod_ports_to_publish(pod: &Pod, services: &[Service]) -> Vec<u16> {
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
    let labels = meta::labels(&pod.metadata);
    let selecting = services.iter().filter(|s| {
        s.metadata.namespace == pod.metadata.namespace
            && s.spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
    });
    let targeted = selecting.flat_map(|s| s.spec.iter().flat_map(|s| s.ports.iter().flatten())).filter_map(|p| {
        match &p.target_port {
            None => u16::try_from(p.port).ok(),
            Some(IntOrString::Int(n)) => u16::try_from(*n).ok(),
            // A name resolves to a declared container port, which is published anyway.
            Some(IntOrString::String(_)) => None,
        }
    });
    let mut ports: Vec<u16> = containers.iter().flat_map(ports_to_publish).chain(targeted).collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pod() -> Pod {
        Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("web".into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn the_pod_network_publishes_every_container_port_and_what_selecting_services_target() {
        let spec = serde_json::json!({"containers": [
            {"name": "web", "image": "a", "ports": [{"containerPort": 8080}]},
            {"name": "side", "image": "b", "ports": [{"containerPort": 9000}]}
        ]});
        let mut p = pod();
        p.metadata.labels = Some(BTreeMap::from([("app".into(), "web".into())]));
        p.spec = Some(serde_json::from_value(spec).unwrap());
        let svc = |ns: &str, app: &str, target: serde_json::Value| -> Service {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "s", "namespace": ns},
                "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": target}]}
            }))
            .unwrap()
        };
        let services = [
            svc("default", "web", serde_json::json!(3000)),
            svc("default", "other", serde_json::json!(4000)),
            svc("elsewhere", "web", serde_json::json!(5000)),
            svc("default", "web", serde_json::json!("http")),
        ];
        assert_eq!(pod_ports_to_publish(&p, &services), vec![3000, 8080, 9000]);
    }
}
