//! `kubectl describe pod`.

use super::*;

/// Describes a Pod like `kubectl describe pod`; timestamps print in `tz`, ages relative to `now`.
pub fn describe_pod(pod: &Pod, events: &[Event], now: Timestamp, tz: &TimeZone) -> String {
    let mut w = Writer::default();
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    w.kv(0, "Name", text(&meta.name));
    w.kv(0, "Namespace", text(&meta.namespace));
    if let Some(priority) = spec.priority {
        w.kv(0, "Priority", priority);
    }
    if let Some(pc) = non_empty(&spec.priority_class_name) {
        w.kv(0, "Priority Class Name", pc);
    }
    if let Some(rc) = non_empty(&spec.runtime_class_name) {
        w.kv(0, "Runtime Class Name", rc);
    }
    if let Some(sa) = non_empty(&spec.service_account_name) {
        w.kv(0, "Service Account", sa);
    }
    match non_empty(&spec.node_name) {
        None => w.w(0, "Node:\t<none>\n"),
        Some(node) => w.w(0, &format!("Node:\t{node}/{}\n", text(&status.host_ip))),
    }
    if let Some(start) = status.start_time.as_ref() {
        w.kv(0, "Start Time", rfc1123z(Some(start), tz));
    }
    labels_multiline(&mut w, "Labels", meta.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", meta.annotations.as_ref());
    pod_phase_lines(&mut w, pod, now);
    pod_network_lines(&mut w, pod);
    if let Some(resources) = spec.resources.as_ref() {
        w.w(0, "Resources:\n");
        describe_resources(&mut w, resources, 1);
    }
    let init = spec.init_containers.as_deref().unwrap_or(&[]);
    if !init.is_empty() {
        let statuses = status.init_container_statuses.as_deref().unwrap_or(&[]);
        containers(&mut w, "Init Containers", init, Some(&Live { pod, statuses, tz }), "");
    }
    let statuses = status.container_statuses.as_deref().unwrap_or(&[]);
    containers(&mut w, "Containers", &spec.containers, Some(&Live { pod, statuses, tz }), "");
    pod_gates_and_conditions(&mut w, pod);
    volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]), "");
    w.kv(0, "QoS Class", status.qos_class.as_deref().filter(|c| !c.is_empty()).unwrap_or(qos_class(&spec)));
    labels_multiline(&mut w, "Node-Selectors", spec.node_selector.as_ref());
    tolerations_multiline(&mut w, "Tolerations", spec.tolerations.as_deref().unwrap_or(&[]));
    topology_spread(&mut w, spec.topology_spread_constraints.as_deref().unwrap_or(&[]), "");
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// `Status` (or `Terminating (lasts …)`), `Reason`, `Message` and the pod's seccomp profile.
fn pod_phase_lines(w: &mut Writer, pod: &Pod, now: Timestamp) {
    let status = pod.status.clone().unwrap_or_default();
    let phase = status.phase.clone().unwrap_or_default();
    match pod.metadata.deletion_timestamp.as_ref() {
        Some(deleted) if phase != "Failed" && phase != "Succeeded" => {
            w.w(0, &format!("Status:\tTerminating (lasts {})\n", since(Some(deleted.0), now)));
            let grace = pod.metadata.deletion_grace_period_seconds.unwrap_or(0);
            w.w(0, &format!("Termination Grace Period:\t{grace}s\n"));
        }
        _ => w.kv(0, "Status", phase),
    }
    if let Some(reason) = non_empty(&status.reason) {
        w.kv(0, "Reason", reason);
    }
    if let Some(message) = non_empty(&status.message) {
        w.kv(0, "Message", message);
    }
    let seccomp = pod.spec.as_ref().and_then(|s| s.security_context.as_ref()).and_then(|s| s.seccomp_profile.as_ref());
    if let Some(profile) = seccomp {
        w.kv(0, "SeccompProfile", &profile.type_);
        if profile.type_ == "Localhost" {
            w.kv(0, "LocalhostProfile", text(&profile.localhost_profile));
        }
    }
}

/// `IP`, `IPs`, `Controlled By` and `NominatedNodeName`.
fn pod_network_lines(w: &mut Writer, pod: &Pod) {
    let status = pod.status.clone().unwrap_or_default();
    w.kv(0, "IP", text(&status.pod_ip));
    let ips = status.pod_ips.unwrap_or_default();
    if ips.is_empty() {
        w.w(0, "IPs:\t<none>\n");
    } else {
        w.w(0, "IPs:\n");
        for ip in ips {
            w.kv(1, "IP", ip.ip);
        }
    }
    if let Some(controller) = controlled_by(&pod.metadata) {
        w.kv(0, "Controlled By", controller);
    }
    if let Some(nominated) = non_empty(&status.nominated_node_name) {
        w.kv(0, "NominatedNodeName", nominated);
    }
}

/// The `Readiness Gates:` and `Conditions:` tables of a pod.
fn pod_gates_and_conditions(w: &mut Writer, pod: &Pod) {
    let gates = pod.spec.as_ref().and_then(|s| s.readiness_gates.clone()).unwrap_or_default();
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
    if !gates.is_empty() {
        w.w(0, "Readiness Gates:\n  Type\tStatus\n");
        for gate in &gates {
            let status =
                conditions.iter().find(|c| c.type_ == gate.condition_type).map_or("<none>", |c| c.status.as_str());
            w.w(1, &format!("{} \t{status} \n", gate.condition_type));
        }
    }
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\n");
        for c in &conditions {
            w.w(1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
}
