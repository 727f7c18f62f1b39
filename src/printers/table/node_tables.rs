//! Table columns and cells for what skiff reports about the host and its Services' backends:
//! Nodes, Endpoints and EndpointSlices, as the apiserver's printers (printNode,
//! printEndpoints, printEndpointSlice) render them.

use super::{AGE, Column, NAME, col, name_of};
use crate::printers::duration::age;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Endpoints, Node};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;

/// At most this many entries are listed before `+ N more...`.
const MAX_LISTED: usize = 3;

pub(super) const NODE_COLUMNS: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the node", 0),
    col("Roles", "string", "The roles of the node", 0),
    AGE,
    col("Version", "string", "Kubelet Version reported by the node.", 0),
    col(
        "Internal-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
        1,
    ),
    col(
        "External-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
        1,
    ),
    col(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        1,
    ),
    col(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
    ),
    col(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
        1,
    ),
];

pub(super) const ENDPOINTS_COLUMNS: &[Column] = &[NAME, col("Endpoints", "string", "Endpoints of the service", 0), AGE];

pub(super) const ENDPOINT_SLICE_COLUMNS: &[Column] = &[
    NAME,
    col("AddressType", "string", "The IP protocol for this slice", 0),
    col("Ports", "string", "The ports associated with the endpoints in this slice", 0),
    col("Endpoints", "string", "The endpoints in this slice", 0),
    AGE,
];

pub(super) fn node_cells(node: &Node, now: Timestamp) -> Vec<Value> {
    let status = node.status.clone().unwrap_or_default();
    let ready = status.conditions.iter().flatten().find(|c| c.type_ == "Ready");
    let mut state = match ready.map(|c| c.status.as_str()) {
        Some("True") => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        state.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort_unstable();
    let address = |kind: &str| {
        let found = status.addresses.iter().flatten().find(|a| a.type_ == kind).map(|a| a.address.clone());
        found.unwrap_or_else(|| "<none>".into())
    };
    let info = status.node_info.unwrap_or_default();
    vec![
        Value::from(name_of(&node.metadata.name)),
        Value::from(state),
        Value::from(if roles.is_empty() { "<none>".to_string() } else { roles.join(",") }),
        Value::from(age(node.metadata.creation_timestamp.as_ref(), now)),
        Value::from(info.kubelet_version),
        Value::from(address("InternalIP")),
        Value::from(address("ExternalIP")),
        Value::from(info.os_image),
        Value::from(info.kernel_version),
        Value::from(info.container_runtime_version),
    ]
}

/// `ip:port` for every address and port, at most three, then `+ N more...` (formatEndpoints).
fn endpoints_list(e: &Endpoints) -> String {
    let mut listed = Vec::new();
    let mut count = 0;
    for subset in e.subsets.iter().flatten() {
        let addresses = subset.addresses.as_deref().unwrap_or_default();
        let ports: Vec<Option<i32>> = match subset.ports.as_deref() {
            Some(ports) if !ports.is_empty() => ports.iter().map(|p| Some(p.port)).collect(),
            _ => vec![None],
        };
        for port in ports {
            count += addresses.len();
            for a in addresses.iter().take(MAX_LISTED.saturating_sub(listed.len())) {
                listed.push(match port {
                    Some(p) if a.ip.contains(':') => format!("[{}]:{p}", a.ip),
                    Some(p) => format!("{}:{p}", a.ip),
                    None => a.ip.clone(),
                });
            }
        }
    }
    match (e.subsets.as_ref().is_none_or(Vec::is_empty), count > MAX_LISTED) {
        (true, _) => "<none>".into(),
        (false, true) => format!("{} + {} more...", listed.join(","), count - MAX_LISTED),
        (false, false) => listed.join(","),
    }
}

pub(super) fn endpoints_cells(e: &Endpoints, now: Timestamp) -> Vec<Value> {
    vec![
        Value::from(name_of(&e.metadata.name)),
        Value::from(endpoints_list(e)),
        Value::from(age(e.metadata.creation_timestamp.as_ref(), now)),
    ]
}

/// listWithMoreString: `a,b,c + N more...`, or `<unset>` when empty.
fn with_more(all: Vec<String>) -> String {
    match all.len() {
        0 => "<unset>".into(),
        n if n > MAX_LISTED => format!("{} + {} more...", all[..MAX_LISTED].join(","), n - MAX_LISTED),
        _ => all.join(","),
    }
}

pub(super) fn endpoint_slice_cells(s: &EndpointSlice, now: Timestamp) -> Vec<Value> {
    let ports = s.ports.iter().flatten().map(|p| match (p.port, &p.name) {
        (Some(n), _) => n.to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) => "*".into(),
    });
    let addresses = s.endpoints.iter().flat_map(|e| e.addresses.iter().cloned());
    vec![
        Value::from(name_of(&s.metadata.name)),
        Value::from(s.address_type.clone()),
        Value::from(with_more(ports.collect())),
        Value::from(with_more(addresses.collect())),
        Value::from(age(s.metadata.creation_timestamp.as_ref(), now)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-12-01T00:01:00Z".parse().unwrap()
    }

    #[test]
    fn endpoints_list_three_then_count_the_rest() {
        let e: Endpoints = serde_json::from_value(json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "subsets": [{"addresses": [{"ip": "172.17.0.2"}, {"ip": "172.17.0.3"}, {"ip": "172.17.0.4"}, {"ip": "172.17.0.5"}],
                         "ports": [{"port": 8080}]}]
        }))
        .unwrap();
        let cells = endpoints_cells(&e, now());
        assert_eq!(cells[1], "172.17.0.2:8080,172.17.0.3:8080,172.17.0.4:8080 + 1 more...");
        assert_eq!(cells[2], "60s");
        assert_eq!(endpoints_list(&Endpoints::default()), "<none>");
    }

    #[test]
    fn slices_and_nodes_read_like_kubectl() {
        let s: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "web-abc12"}, "addressType": "IPv4",
            "ports": [{"port": 8080, "name": ""}], "endpoints": [{"addresses": ["172.17.0.2"]}]
        }))
        .unwrap();
        assert_eq!(&endpoint_slice_cells(&s, now())[..4], ["web-abc12", "IPv4", "8080", "172.17.0.2"]);
        let n: Node = serde_json::from_value(json!({
            "metadata": {"name": "lab", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                       "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian", "kernelVersion": "6.1",
                                    "containerRuntimeVersion": "docker://20.10.24", "architecture": "amd64",
                                    "bootID": "", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "linux",
                                    "systemUUID": ""}}
        }))
        .unwrap();
        let cells = node_cells(&n, now());
        assert_eq!(&cells[..3], ["lab", "Ready", "control-plane"]);
        assert_eq!(&cells[4..], ["v1.33.0", "127.0.0.1", "<none>", "Debian", "6.1", "docker://20.10.24"]);
    }
}
