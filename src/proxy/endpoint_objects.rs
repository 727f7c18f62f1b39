//! The proxy's view of a Service's backends as the objects Kubernetes users debug with: a v1
//! Endpoints (ready addresses, not-ready ones, terminating ones left out) and discovery/v1
//! EndpointSlices (every pod with its ready, serving and terminating conditions). Pure; the
//! proxy writes them whenever they change. Addresses are the pods' engine addresses, shown for
//! information: traffic goes through the proxy only.

use super::endpoints::{selects, target_port};
use crate::kubelet::endpoints::PodEndpoint;
use crate::model::meta;
use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Service};
use k8s_openapi::api::discovery::v1::{self as discovery, EndpointConditions, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use std::collections::BTreeMap;

pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY: &str = "skiff-proxy";

/// A Service port as one pod resolves it: (name, container port, protocol, appProtocol).
type ResolvedPort = (Option<String>, i32, String, Option<String>);

/// What a Service's backends look like now.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointObjects {
    pub endpoints: Endpoints,
    pub slices: Vec<EndpointSlice>,
}

fn resolve(svc: &Service, pod: &PodEndpoint) -> Vec<ResolvedPort> {
    let ports = svc.spec.as_ref().and_then(|s| s.ports.as_ref());
    ports
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let target = i32::from(target_port(p, pod)?);
            Some((p.name.clone(), target, p.protocol.clone().unwrap_or_else(|| "TCP".into()), p.app_protocol.clone()))
        })
        .collect()
}

fn owner(svc: &Service) -> Vec<OwnerReference> {
    vec![OwnerReference {
        api_version: "v1".into(),
        kind: "Service".into(),
        name: meta::name(&svc.metadata).into(),
        uid: meta::uid(&svc.metadata).into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]
}

fn target_ref(pod: &PodEndpoint) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        name: Some(pod.name.clone()),
        namespace: Some(pod.namespace.clone()),
        uid: Some(pod.uid.clone()),
        ..Default::default()
    }
}

/// A short stable suffix for a slice, from the port mapping its endpoints share.
fn suffix(ports: &[ResolvedPort]) -> String {
    crate::model::hash::stable_suffix(format!("{ports:?}").as_bytes())
}

/// The Endpoints and EndpointSlices of `svc` over `pods` (every pod the kubelet published).
pub fn build(svc: &Service, pods: &BTreeMap<String, PodEndpoint>, node: &str) -> EndpointObjects {
    let (namespace, name) = (meta::namespace(&svc.metadata).to_string(), meta::name(&svc.metadata).to_string());
    let mut groups: BTreeMap<Vec<ResolvedPort>, Vec<&PodEndpoint>> = BTreeMap::new();
    for pod in pods.values().filter(|p| p.ip.is_some() && selects(svc, p)) {
        groups.entry(resolve(svc, pod)).or_default().push(pod);
    }
    let address = |p: &PodEndpoint| EndpointAddress {
        ip: p.ip.clone().unwrap_or_default(),
        node_name: Some(node.to_string()),
        target_ref: Some(target_ref(p)),
        hostname: None,
    };
    let mut subsets = Vec::new();
    let mut slices = Vec::new();
    for (ports, members) in &groups {
        let live: Vec<&PodEndpoint> = members.iter().copied().filter(|p| !p.terminating).collect();
        let (mut ready, mut not_ready): (Vec<&PodEndpoint>, Vec<&PodEndpoint>) = live.iter().partition(|p| p.ready);
        // As the endpoints controller's RepackSubsets orders them.
        for list in [&mut ready, &mut not_ready] {
            list.sort_by_key(|p| p.ip.as_deref().and_then(|ip| ip.parse::<std::net::IpAddr>().ok()));
        }
        if !live.is_empty() {
            subsets.push(EndpointSubset {
                addresses: (!ready.is_empty()).then(|| ready.iter().map(|p| address(p)).collect()),
                not_ready_addresses: (!not_ready.is_empty()).then(|| not_ready.iter().map(|p| address(p)).collect()),
                ports: Some(
                    ports
                        .iter()
                        .map(|(n, port, protocol, app)| EndpointPort {
                            name: n.clone(),
                            port: *port,
                            protocol: Some(protocol.clone()),
                            app_protocol: app.clone(),
                        })
                        .collect(),
                ),
            });
        }
        slices.push(slice(svc, &name, &namespace, ports, members, node));
    }
    let endpoints = Endpoints {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(namespace),
            labels: svc.metadata.labels.clone(),
            ..Default::default()
        },
        subsets: (!subsets.is_empty()).then_some(subsets),
    };
    EndpointObjects { endpoints, slices }
}

fn slice(
    svc: &Service,
    name: &str,
    namespace: &str,
    ports: &[ResolvedPort],
    members: &[&PodEndpoint],
    node: &str,
) -> EndpointSlice {
    let mut labels = svc.metadata.labels.clone().unwrap_or_default();
    labels.insert(SERVICE_NAME_LABEL.into(), name.into());
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    EndpointSlice {
        metadata: ObjectMeta {
            name: Some(format!("{name}-{}", suffix(ports))),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            owner_references: Some(owner(svc)),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: members
            .iter()
            .map(|p| discovery::Endpoint {
                addresses: vec![p.ip.clone().unwrap_or_default()],
                conditions: Some(EndpointConditions {
                    ready: Some(p.ready),
                    serving: Some(p.serving),
                    terminating: Some(p.terminating),
                }),
                node_name: Some(node.into()),
                target_ref: Some(target_ref(p)),
                ..Default::default()
            })
            .collect(),
        ports: Some(
            ports
                .iter()
                .map(|(n, port, protocol, app)| discovery::EndpointPort {
                    name: Some(n.clone().unwrap_or_default()),
                    port: Some(*port),
                    protocol: Some(protocol.clone()),
                    app_protocol: app.clone(),
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ready: bool, terminating: bool) -> PodEndpoint {
        PodEndpoint {
            uid: format!("uid-{name}"),
            namespace: "default".into(),
            name: name.into(),
            labels: BTreeMap::from([("app".into(), "web".into())]),
            ready: ready && !terminating,
            terminating,
            ports: BTreeMap::new(),
            port_names: BTreeMap::from([("http".into(), 8080)]),
            netns: None,
            serving: ready,
            ip: Some(format!("172.17.0.{}", name.len())),
        }
    }

    #[test]
    fn ready_not_ready_and_terminating_pods_land_where_kubernetes_puts_them() {
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "default", "uid": "s1"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
        }))
        .unwrap();
        let pods: BTreeMap<String, PodEndpoint> =
            [pod("a", true, false), pod("bb", false, false), pod("ccc", true, true)]
                .into_iter()
                .map(|p| (p.uid.clone(), p))
                .collect();
        let built = build(&svc, &pods, "lab");
        let subset = &built.endpoints.subsets.as_ref().unwrap()[0];
        let ips = |a: &Option<Vec<EndpointAddress>>| a.iter().flatten().map(|a| a.ip.clone()).collect::<Vec<_>>();
        assert_eq!(ips(&subset.addresses), ["172.17.0.1"]);
        assert_eq!(ips(&subset.not_ready_addresses), ["172.17.0.2"], "terminating pods are left out");
        assert_eq!(subset.ports.as_ref().unwrap()[0].port, 8080);
        let [slice] = &built.slices[..] else { panic!("{:?}", built.slices) };
        assert_eq!(slice.metadata.labels.as_ref().unwrap()[SERVICE_NAME_LABEL], "web");
        let conditions: Vec<_> = slice
            .endpoints
            .iter()
            .map(|e| e.conditions.clone().map(|c| (c.ready, c.serving, c.terminating)).unwrap())
            .collect();
        assert_eq!(
            conditions,
            [
                (Some(true), Some(true), Some(false)),
                (Some(false), Some(false), Some(false)),
                (Some(false), Some(true), Some(true))
            ]
        );
        assert!(build(&svc, &BTreeMap::new(), "lab").endpoints.subsets.is_none());
    }
}
