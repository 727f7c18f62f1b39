//! This host as the cluster's one Node, registered by the kubelet at start: its name (the host
//! name), labels, capacity and system info from the engine, addresses, and the conditions a
//! healthy kubelet reports. `get nodes` and `describe node` read it; pods are placed on it.

use crate::model::{KubeObject, meta};
use crate::registry::{ApiError, Registry, WriteOptions};
use crate::runtime::EngineInfo;
use k8s_openapi::api::core::v1::{Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Pods one node takes, the kubelet's default `maxPods`.
const MAX_PODS: &str = "110";

/// This machine's host name: the node's name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The Node object for host `name` on an engine that reports `info`, reachable at `address`.
pub fn node(name: &str, info: &EngineInfo, address: IpAddr, now: jiff::Timestamp) -> Node {
    let labels = BTreeMap::from([
        ("kubernetes.io/arch".to_string(), info.architecture.clone()),
        ("kubernetes.io/hostname".into(), name.into()),
        ("kubernetes.io/os".into(), info.os.clone()),
        // The one node runs the control plane too, as a single-node k3s or minikube does.
        ("node-role.kubernetes.io/control-plane".into(), String::new()),
    ]);
    let capacity = BTreeMap::from([
        ("cpu".to_string(), Quantity(info.cpus.to_string())),
        ("memory".into(), Quantity(format!("{}Ki", info.memory_bytes / 1024))),
        ("pods".into(), Quantity(MAX_PODS.into())),
    ]);
    let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_heartbeat_time: Some(meta::time(now)),
        last_transition_time: Some(meta::time(now)),
    };
    Node {
        metadata: ObjectMeta { name: Some(name.into()), labels: Some(labels), ..Default::default() },
        spec: Some(NodeSpec::default()),
        status: Some(NodeStatus {
            addresses: Some(vec![
                NodeAddress { type_: "InternalIP".into(), address: address.to_string() },
                NodeAddress { type_: "Hostname".into(), address: name.into() },
            ]),
            allocatable: Some(capacity.clone()),
            capacity: Some(capacity),
            conditions: Some(vec![
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ]),
            node_info: Some(NodeSystemInfo {
                architecture: info.architecture.clone(),
                container_runtime_version: format!("docker://{}", info.version),
                kernel_version: info.kernel_version.clone(),
                kubelet_version: crate::version::git_version(),
                operating_system: info.os.clone(),
                os_image: info.os_image.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// Writes this host's Node (created once, its status brought up to date at every start).
pub async fn register(registry: &Registry, mut node: Node) -> Result<(), ApiError> {
    let name = meta::name(&node.metadata).to_string();
    match registry.get_typed::<Node>("", &name) {
        None => registry.create_object(node.into_object(), &WriteOptions::default()).await.map(drop),
        Some(existing) => {
            node.metadata = existing.metadata;
            registry.update_object(node.into_object(), None, &WriteOptions::default()).await.map(drop)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_says_what_the_engine_reports() {
        let info = EngineInfo {
            cpus: 2,
            memory_bytes: 24 << 30,
            version: "20.10.24".into(),
            kernel_version: "6.1.0".into(),
            os_image: "Debian GNU/Linux 12 (bookworm)".into(),
            os: "linux".into(),
            architecture: "amd64".into(),
        };
        let n = node("lab", &info, "127.0.0.1".parse().unwrap(), "2026-12-01T00:00:00Z".parse().unwrap());
        let status = n.status.unwrap();
        assert_eq!(status.capacity.unwrap()["memory"].0, "25165824Ki");
        let ready = status.conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!((ready.status.as_str(), ready.reason.as_deref()), ("True", Some("KubeletReady")));
        assert_eq!(status.node_info.unwrap().container_runtime_version, "docker://20.10.24");
        assert!(!host_name().is_empty());
    }
}
