//! `kubectl describe node`: identity, conditions, addresses, capacity, system info, the pods
//! that run there with their requests and limits, and what they add up to.

use super::*;
use crate::model::quantity_format::canonical_sum;
use k8s_openapi::api::core::v1::Node;

/// The resources `Allocated resources` sums, and whether they print in binary suffixes.
const RESOURCES: [(&str, bool); 2] = [("cpu", false), ("memory", true)];

/// Describes a Node like `kubectl describe node`, with the non-terminated `pods` scheduled there.
pub fn describe_node(node: &Node, pods: &[Pod], events: &[Event], now: Timestamp, tz: &TimeZone) -> String {
    let mut w = Writer::default();
    let status = node.status.clone().unwrap_or_default();
    let spec = node.spec.clone().unwrap_or_default();
    w.kv(0, "Name", text(&node.metadata.name));
    let mut roles: Vec<&str> =
        node.metadata.labels.iter().flatten().filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/")).collect();
    roles.sort_unstable();
    w.kv(0, "Roles", if roles.is_empty() { "<none>".to_string() } else { roles.join(",") });
    labels_multiline(&mut w, "Labels", node.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", node.metadata.annotations.as_ref());
    w.kv(0, "CreationTimestamp", rfc1123z(node.metadata.creation_timestamp.as_ref(), tz));
    w.kv(0, "Taints", "<none>");
    w.kv(0, "Unschedulable", spec.unschedulable.unwrap_or(false));
    w.w(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
    w.w(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
    for c in status.conditions.iter().flatten() {
        let (heartbeat, transition) =
            (rfc1123z(c.last_heartbeat_time.as_ref(), tz), rfc1123z(c.last_transition_time.as_ref(), tz));
        let (reason, message) = (text(&c.reason), text(&c.message));
        w.w(1, &format!("{}\t{}\t{heartbeat}\t{transition}\t{reason}\t{message}\n", c.type_, c.status));
    }
    w.w(0, "Addresses:\n");
    for a in status.addresses.iter().flatten() {
        w.kv(1, &a.type_, &a.address);
    }
    for (title, list) in [("Capacity", &status.capacity), ("Allocatable", &status.allocatable)] {
        w.w(0, &format!("{title}:\n"));
        for (name, q) in list.iter().flatten() {
            w.kv(1, name, &q.0);
        }
    }
    if let Some(info) = &status.node_info {
        w.w(0, "System Info:\n");
        for (key, value) in [
            ("Machine ID", &info.machine_id),
            ("System UUID", &info.system_uuid),
            ("Boot ID", &info.boot_id),
            ("Kernel Version", &info.kernel_version),
            ("OS Image", &info.os_image),
            ("Operating System", &info.operating_system),
            ("Architecture", &info.architecture),
            ("Container Runtime Version", &info.container_runtime_version),
            ("Kubelet Version", &info.kubelet_version),
            ("Kube-Proxy Version", &info.kube_proxy_version),
        ] {
            w.kv(1, key, value);
        }
    }
    describe_pods_on_node(&mut w, pods, status.allocatable.as_ref(), now);
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// Total requests and limits of one resource over a pod's containers, in nanos.
fn pod_total(pod: &Pod, resource: &str) -> (i128, i128) {
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
    let sum = |pick: fn(&ResourceRequirements) -> Option<&BTreeMap<String, Quantity>>| {
        containers
            .iter()
            .filter_map(|c| c.resources.as_ref().and_then(pick)?.get(resource).and_then(|q| nanos(&q.0)))
            .sum::<i128>()
    };
    (sum(|r| r.requests.as_ref()), sum(|r| r.limits.as_ref()))
}

/// `100m (5%)`: an amount and its share of what the node can allocate.
fn share(amount: i128, binary: bool, allocatable: Option<i128>) -> String {
    let percent = allocatable.filter(|a| *a > 0).map_or(0, |a| amount * 100 / a);
    format!("{} ({percent}%)", canonical_sum(amount, binary))
}

fn describe_pods_on_node(
    w: &mut Writer,
    pods: &[Pod],
    allocatable: Option<&BTreeMap<String, Quantity>>,
    now: Timestamp,
) {
    let of = |r: &str| allocatable.and_then(|a| a.get(r)).and_then(|q| nanos(&q.0));
    w.w(0, &format!("Non-terminated Pods:\t({} in total)\n", pods.len()));
    w.w(1, "Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
    w.w(1, "---------\t----\t------------\t----------\t---------------\t-------------\t---\n");
    let mut totals = [(0i128, 0i128); 2];
    for pod in pods {
        let mut cells = Vec::new();
        for (i, (resource, binary)) in RESOURCES.into_iter().enumerate() {
            let (request, limit) = pod_total(pod, resource);
            totals[i] = (totals[i].0 + request, totals[i].1 + limit);
            cells.push(share(request, binary, of(resource)));
            cells.push(share(limit, binary, of(resource)));
        }
        let (ns, name) = (text(&pod.metadata.namespace), text(&pod.metadata.name));
        let age = since(pod.metadata.creation_timestamp.as_ref().map(|t| t.0), now);
        w.w(1, &format!("{ns}\t{name}\t{}\t{age}\n", cells.join("\t")));
    }
    w.w(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
    w.w(1, "Resource\tRequests\tLimits\n");
    w.w(1, "--------\t--------\t------\n");
    for (i, (resource, binary)) in RESOURCES.into_iter().enumerate() {
        let (request, limit) = totals[i];
        w.w(
            1,
            &format!("{resource}\t{}\t{}\n", share(request, binary, of(resource)), share(limit, binary, of(resource))),
        );
    }
}
