//! `kubectl describe` text for Deployments, ReplicaSets, Pods and Services, and the pod-template
//! block `kubectl rollout history --revision` prints, following kubectl's `describe.go` line by
//! line.
//!
//! Everything is first written as Go's `PrefixWriter` would (two spaces per level, tab-separated
//! cells, terminal escapes neutralised) and then aligned by the `tabbedString` tabwriter.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, ReplicaSet};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, EnvVar, Event, Pod, PodTemplateSpec, Probe, ProjectedVolumeSource,
    ResourceRequirements, Service, ServicePort, Toleration, TopologySpreadConstraint, Volume,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::duration::since;
use super::table::{format_label_selector, format_labels, selector_string};
use super::text_table::{escape_terminal, tabbed};

/// Go's `PrefixWriter`: every write is indented two spaces per level and terminal-escaped.
#[derive(Default)]
struct Writer {
    buf: String,
}

impl Writer {
    /// Writes `text` (which may end mid-line) indented by `level`.
    fn w(&mut self, level: usize, text: &str) {
        let indented = format!("{}{text}", "  ".repeat(level));
        self.buf.push_str(&escape_terminal(&indented));
    }

    /// Writes `key:\tvalue\n` indented by `level`, the shape of most describe lines.
    fn kv(&mut self, level: usize, key: &str, value: impl std::fmt::Display) {
        self.w(level, &format!("{key}:\t{value}\n"));
    }
}

type Labels = BTreeMap<String, String>;

/// What is known about a running pod when describing its containers.
struct Live<'a> {
    pod: &'a Pod,
    statuses: &'a [ContainerStatus],
    tz: &'a TimeZone,
}

/// The annotation kubectl never shows in `describe`.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Describes a Deployment like `kubectl describe deployment`.
///
/// `replica_sets` are the ReplicaSets matching the Deployment's selector (those not controlled by
/// it are ignored); the one whose template equals the Deployment's (ignoring
/// `pod-template-hash`) is the NewReplicaSet, all others are OldReplicaSets. `events` are the
/// events about the Deployment (sorted here); timestamps print in `tz`, ages relative to `now`.
pub fn describe_deployment(
    d: &Deployment,
    replica_sets: &[ReplicaSet],
    events: &[Event],
    now: Timestamp,
    tz: &TimeZone,
) -> String {
    let mut w = Writer::default();
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    w.kv(0, "Name", text(&d.metadata.name));
    w.kv(0, "Namespace", text(&d.metadata.namespace));
    w.kv(0, "CreationTimestamp", rfc1123z(d.metadata.creation_timestamp.as_ref(), tz));
    labels_multiline(&mut w, "Labels", d.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", d.metadata.annotations.as_ref());
    w.kv(0, "Selector", selector_string(Some(&spec.selector)).unwrap_or_default());
    w.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            spec.replicas.unwrap_or(1),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    strategy(&mut w, spec.strategy.as_ref(), spec.min_ready_seconds.unwrap_or(0));
    pod_template(&mut w, &spec.template);
    let conditions = status.conditions.iter().flatten();
    condition_table(&mut w, conditions.map(|c| [&*c.type_, &*c.status, text(&c.reason)]));
    let (old, new) = split_replica_sets(d, replica_sets);
    if !old.is_empty() || new.is_some() {
        w.kv(0, "OldReplicaSets", replica_set_list(&old));
        w.kv(0, "NewReplicaSet", replica_set_list(&new.into_iter().collect::<Vec<_>>()));
    }
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// `StrategyType`, `MinReadySeconds` and (for rolling updates) `RollingUpdateStrategy`, with the
/// API defaults (RollingUpdate, 25%/25%) filled in for an undefaulted object.
fn strategy(w: &mut Writer, strategy: Option<&DeploymentStrategy>, min_ready_seconds: i32) {
    let type_ = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    w.kv(0, "StrategyType", type_);
    w.kv(0, "MinReadySeconds", min_ready_seconds);
    let rolling = strategy.and_then(|s| s.rolling_update.as_ref());
    if rolling.is_none() && type_ != "RollingUpdate" {
        return;
    }
    let quarter = || IntOrString::String("25%".to_string());
    let unavailable = rolling.and_then(|r| r.max_unavailable.clone()).unwrap_or_else(quarter);
    let surge = rolling.and_then(|r| r.max_surge.clone()).unwrap_or_else(quarter);
    w.w(
        0,
        &format!(
            "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
            int_or_string(&unavailable),
            int_or_string(&surge)
        ),
    );
}

/// The `Conditions:` table of a Deployment or ReplicaSet from `[type, status, reason]` rows.
fn condition_table<'a>(w: &mut Writer, rows: impl IntoIterator<Item = [&'a str; 3]>) {
    let rows: Vec<[&str; 3]> = rows.into_iter().collect();
    if rows.is_empty() {
        return;
    }
    w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.w(1, "----\t------\t------\n");
    for [type_, status, reason] in rows {
        w.w(1, &format!("{type_} \t{status}\t{reason}\n"));
    }
}

/// Splits the Deployment's ReplicaSets into all old ones and the new one, ordered by creation
/// time then name (kubectl's `GetAllReplicaSets`).
fn split_replica_sets<'a>(
    d: &Deployment,
    replica_sets: &'a [ReplicaSet],
) -> (Vec<&'a ReplicaSet>, Option<&'a ReplicaSet>) {
    let uid = d.metadata.uid.as_deref().unwrap_or("");
    let mut owned: Vec<&ReplicaSet> =
        replica_sets.iter().filter(|rs| controller_uid(&rs.metadata) == Some(uid)).collect();
    owned.sort_by(|a, b| {
        let key = |rs: &ReplicaSet| (rs.metadata.creation_timestamp.as_ref().map(|t| t.0), rs.metadata.name.clone());
        key(a).cmp(&key(b))
    });
    let template = d.spec.as_ref().map(|s| &s.template);
    let new = owned.iter().copied().find(|rs| {
        let rs_template = rs.spec.as_ref().and_then(|s| s.template.as_ref());
        equal_ignore_hash(rs_template, template)
    });
    let old = owned.into_iter().filter(|rs| !new.is_some_and(|n| std::ptr::eq(n, *rs))).collect();
    (old, new)
}

/// Whether two pod templates are equal apart from the `pod-template-hash` label.
fn equal_ignore_hash(a: Option<&PodTemplateSpec>, b: Option<&PodTemplateSpec>) -> bool {
    let normalize = |t: Option<&PodTemplateSpec>| {
        let mut t = t.cloned().unwrap_or_default();
        let mut meta = t.metadata.take().unwrap_or_default();
        if let Some(labels) = meta.labels.as_mut() {
            labels.remove("pod-template-hash");
        }
        if meta.labels.as_ref().is_some_and(BTreeMap::is_empty) {
            meta.labels = None;
        }
        t.metadata = (meta != ObjectMeta::default()).then_some(meta);
        t
    };
    normalize(a) == normalize(b)
}

/// `name (current/desired replicas created)`, comma-joined, or `<none>`.
fn replica_set_list(sets: &[&ReplicaSet]) -> String {
    let items: Vec<String> = sets
        .iter()
        .map(|rs| {
            let current = rs.status.as_ref().map_or(0, |s| s.replicas);
            let desired = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            format!("{} ({current}/{desired} replicas created)", text(&rs.metadata.name))
        })
        .collect();
    if items.is_empty() { "<none>".to_string() } else { items.join(", ") }
}

/// Describes a ReplicaSet like `kubectl describe replicaset`.
///
/// `pods` are the pods matching its selector; only those it controls are counted in
/// `Pods Status`. Ages are relative to `now`.
pub fn describe_replica_set(rs: &ReplicaSet, pods: &[Pod], events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::default();
    let spec = rs.spec.clone().unwrap_or_default();
    let status = rs.status.clone().unwrap_or_default();
    w.kv(0, "Name", text(&rs.metadata.name));
    w.kv(0, "Namespace", text(&rs.metadata.namespace));
    w.kv(0, "Selector", format_label_selector(Some(&spec.selector)));
    labels_multiline(&mut w, "Labels", rs.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", rs.metadata.annotations.as_ref());
    if let Some(controller) = controlled_by(&rs.metadata) {
        w.kv(0, "Controlled By", controller);
    }
    let desired = spec.replicas.unwrap_or(1);
    w.kv(0, "Replicas", format!("{} current / {desired} desired", status.replicas));
    let [running, waiting, succeeded, failed] = pod_phase_counts(text(&rs.metadata.uid), pods);
    let counts = format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded");
    w.kv(0, "Pods Status", format!("{counts} / {failed} Failed"));
    pod_template(&mut w, &spec.template.unwrap_or_default());
    let conditions = status.conditions.iter().flatten();
    condition_table(&mut w, conditions.map(|c| [&*c.type_, &*c.status, text(&c.reason)]));
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// Running / Pending / Succeeded / Failed counts of the pods controlled by `owner_uid`.
fn pod_phase_counts(owner_uid: &str, pods: &[Pod]) -> [usize; 4] {
    let mut counts = [0; 4];
    for pod in pods.iter().filter(|p| controller_uid(&p.metadata) == Some(owner_uid)) {
        let slot = match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => 0,
            Some("Pending") => 1,
            Some("Succeeded") => 2,
            Some("Failed") => 3,
            _ => continue,
        };
        counts[slot] += 1;
    }
    counts
}

/// The UID of the controlling owner reference, if any.
fn controller_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references.iter().flatten().find(|r| r.controller == Some(true)).map(|r| r.uid.as_str())
}

/// `Kind/name` of the controlling owner, if any.
fn controlled_by(meta: &ObjectMeta) -> Option<String> {
    let owner = meta.owner_references.iter().flatten().find(|r| r.controller == Some(true))?;
    Some(format!("{}/{}", owner.kind, owner.name))
}

/// The `Pod Template:` block exactly as `kubectl rollout history --revision=N` prints it after
/// its first line (kubectl writes it without a tabwriter, so the tabs stay literal).
pub fn describe_pod_template(template: &PodTemplateSpec) -> String {
    let mut w = Writer::default();
    pod_template(&mut w, template);
    w.buf
}

/// Go's `DescribePodTemplate`.
fn pod_template(w: &mut Writer, template: &PodTemplateSpec) {
    let meta = template.metadata.clone().unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    w.w(0, "Pod Template:\n");
    labels_multiline(w, "  Labels", meta.labels.as_ref());
    if meta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations_multiline(w, "  Annotations", meta.annotations.as_ref());
    }
    if let Some(sa) = non_empty(&spec.service_account_name) {
        w.kv(1, "Service Account", sa);
    }
    let init = spec.init_containers.as_deref().unwrap_or(&[]);
    if !init.is_empty() {
        containers(w, "Init Containers", init, None, "  ");
    }
    containers(w, "Containers", &spec.containers, None, "  ");
    volumes(w, spec.volumes.as_deref().unwrap_or(&[]), "  ");
    topology_spread(w, spec.topology_spread_constraints.as_deref().unwrap_or(&[]), "  ");
    if let Some(pc) = non_empty(&spec.priority_class_name) {
        w.kv(1, "Priority Class Name", pc);
    }
    labels_multiline(w, "  Node-Selectors", spec.node_selector.as_ref());
    tolerations_multiline(w, "  Tolerations", spec.tolerations.as_deref().unwrap_or(&[]));
}

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
    w.kv(0, "QoS Class", qos_class(pod));
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

/// `status.qosClass`, or the class kubectl computes from the containers' cpu/memory resources
/// (requests defaulting to limits, as the API server defaults them).
fn qos_class(pod: &Pod) -> String {
    if let Some(class) = pod.status.as_ref().and_then(|s| s.qos_class.as_deref()).filter(|c| !c.is_empty()) {
        return class.to_string();
    }
    let spec = pod.spec.clone().unwrap_or_default();
    let all: Vec<&Container> = spec.containers.iter().chain(spec.init_containers.iter().flatten()).collect();
    let mut requests: BTreeMap<&'static str, i128> = BTreeMap::new();
    let mut limits: BTreeMap<&'static str, i128> = BTreeMap::new();
    let mut guaranteed = true;
    for c in &all {
        let resources = c.resources.as_ref();
        let limit_list = resources.and_then(|r| r.limits.as_ref());
        let mut request_list = limit_list.cloned().unwrap_or_default();
        request_list.extend(resources.and_then(|r| r.requests.clone()).unwrap_or_default());
        sum_positive(&mut requests, Some(&request_list));
        let found = sum_positive(&mut limits, limit_list);
        guaranteed &= found.contains(&"cpu") && found.contains(&"memory");
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".to_string();
    }
    guaranteed &= requests.iter().all(|(name, req)| limits.get(name) == Some(req));
    if guaranteed && requests.len() == limits.len() { "Guaranteed" } else { "Burstable" }.to_string()
}

/// Adds the positive cpu/memory quantities of `list` into `totals`; returns the names added.
fn sum_positive(
    totals: &mut BTreeMap<&'static str, i128>,
    list: Option<&BTreeMap<String, Quantity>>,
) -> Vec<&'static str> {
    let mut found = Vec::new();
    for (name, quantity) in list.into_iter().flatten() {
        let key = match name.as_str() {
            "cpu" => "cpu",
            "memory" => "memory",
            _ => continue,
        };
        let value = quantity_nanos(&quantity.0).unwrap_or(0);
        if value > 0 {
            *totals.entry(key).or_insert(0) += value;
            found.push(key);
        }
    }
    found
}

/// Describes a Service like `kubectl describe service`.
///
/// `endpoint_slices` are the EndpointSlices labelled `kubernetes.io/service-name=<name>`; their
/// ready endpoints fill each port's `Endpoints:` line. Ages are relative to `now`.
pub fn describe_service(svc: &Service, endpoint_slices: &[EndpointSlice], events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::default();
    let spec = svc.spec.clone().unwrap_or_default();
    w.kv(0, "Name", text(&svc.metadata.name));
    w.kv(0, "Namespace", text(&svc.metadata.namespace));
    labels_multiline(&mut w, "Labels", svc.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", svc.metadata.annotations.as_ref());
    w.kv(0, "Selector", format_labels(spec.selector.as_ref()));
    w.kv(0, "Type", spec.type_.as_deref().unwrap_or("ClusterIP"));
    if let Some(policy) = spec.ip_family_policy.as_deref() {
        w.kv(0, "IP Family Policy", policy);
    }
    w.kv(0, "IP Families", joined_or_none(spec.ip_families.as_deref(), ","));
    w.kv(0, "IP", text(&spec.cluster_ip));
    w.kv(0, "IPs", joined_or_none(spec.cluster_ips.as_deref(), ","));
    service_address_lines(&mut w, svc);
    for port in spec.ports.iter().flatten() {
        service_port_lines(&mut w, port, endpoint_slices);
    }
    w.kv(0, "Session Affinity", spec.session_affinity.as_deref().unwrap_or("None"));
    if let Some(policy) = non_empty(&spec.external_traffic_policy) {
        w.kv(0, "External Traffic Policy", policy);
    }
    if let Some(policy) = spec.internal_traffic_policy.as_deref() {
        w.kv(0, "Internal Traffic Policy", policy);
    }
    if let Some(port) = spec.health_check_node_port.filter(|p| *p != 0) {
        w.kv(0, "HealthCheck NodePort", port);
    }
    if let Some(ranges) = spec.load_balancer_source_ranges.filter(|r| !r.is_empty()) {
        w.kv(0, "LoadBalancer Source Ranges", ranges.join(","));
    }
    if let Some(distribution) = spec.traffic_distribution.as_deref() {
        w.kv(0, "Traffic Distribution", distribution);
    }
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// `External IPs`, `Desired LoadBalancer IP`, `External Name` and `LoadBalancer Ingress`.
fn service_address_lines(w: &mut Writer, svc: &Service) {
    let spec = svc.spec.clone().unwrap_or_default();
    if let Some(ips) = spec.external_ips.as_deref().filter(|i| !i.is_empty()) {
        w.kv(0, "External IPs", ips.join(","));
    }
    if let Some(ip) = non_empty(&spec.load_balancer_ip) {
        w.kv(0, "Desired LoadBalancer IP", ip);
    }
    if let Some(name) = non_empty(&spec.external_name) {
        w.kv(0, "External Name", name);
    }
    let ingress = svc.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|l| l.ingress.clone());
    let entries: Vec<String> = ingress
        .unwrap_or_default()
        .iter()
        .map(|i| match non_empty(&i.ip) {
            Some(ip) => match i.ip_mode.as_deref() {
                Some(mode) => format!("{ip} ({mode})"),
                None => ip.to_string(),
            },
            None => text(&i.hostname).to_string(),
        })
        .collect();
    if !entries.is_empty() {
        w.kv(0, "LoadBalancer Ingress", entries.join(", "));
    }
}

/// The `Port`, `TargetPort`, `AppProtocol`, `NodePort` and `Endpoints` lines of one port.
fn service_port_lines(w: &mut Writer, port: &ServicePort, endpoint_slices: &[EndpointSlice]) {
    let name = non_empty(&port.name).unwrap_or("<unset>");
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    w.w(0, &format!("Port:\t{name}\t{}/{protocol}\n", port.port));
    let target = port.target_port.clone().unwrap_or(IntOrString::Int(port.port));
    w.w(0, &format!("TargetPort:\t{}/{protocol}\n", int_or_string(&target)));
    if let Some(app_protocol) = port.app_protocol.as_deref() {
        w.kv(0, "AppProtocol", app_protocol);
    }
    if let Some(node_port) = port.node_port.filter(|p| *p != 0) {
        w.w(0, &format!("NodePort:\t{name}\t{node_port}/{protocol}\n"));
    }
    let endpoints = format_endpoint_slices(endpoint_slices, port.name.as_deref().unwrap_or(""));
    w.kv(0, "Endpoints", endpoints);
}

/// Up to three ready `ip:port` endpoints for the port named `port_name`, then `+ N more...`
/// (`formatEndpointSlices`); `<none>` when there are no slices at all.
fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    let mut visit = |address: String, ready: bool| {
        if list.len() == MAX {
            more = true;
        }
        if ready {
            if !more {
                list.push(address);
            }
            count += 1;
        }
    };
    for slice in slices {
        let ports = slice.ports.as_deref().unwrap_or(&[]);
        let ready =
            |e: &k8s_openapi::api::discovery::v1::Endpoint| e.conditions.as_ref().and_then(|c| c.ready) != Some(false);
        let endpoints: Vec<(&String, bool)> =
            slice.endpoints.iter().filter_map(|e| Some((e.addresses.first()?, ready(e)))).collect();
        if ports.is_empty() {
            for (address, is_ready) in &endpoints {
                visit((*address).clone(), *is_ready);
            }
            continue;
        }
        for port in ports.iter().filter(|p| text(&p.name) == port_name) {
            let number = port.port.unwrap_or(0).to_string();
            for (address, is_ready) in &endpoints {
                visit(join_host_port(address, &number), *is_ready);
            }
        }
    }
    if more { format!("{} + {} more...", list.join(","), count - MAX) } else { list.join(",") }
}

/// Go's `net.JoinHostPort`: brackets hosts that contain a colon.
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Go's `describeContainers`: the `Containers:` heading and each container's block.
/// `live` carries the statuses, the pod (for env resolution) and the time zone for a live pod.
fn containers(w: &mut Writer, label: &str, containers: &[Container], live: Option<&Live>, space: &str) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.w(0, &format!("{space}{label}:{none}\n"));
    for c in containers {
        let status = live.and_then(|l| l.statuses.iter().find(|s| s.name == c.name).map(|s| (s, l.tz)));
        container_basics(w, c, status.map(|(s, _)| s), space);
        container_command(w, c);
        if let Some((s, tz)) = status {
            container_state(w, s, tz);
        }
        describe_resources(w, &c.resources.clone().unwrap_or_default(), 2);
        container_probes(w, c);
        if c.env_from.as_ref().is_some_and(|e| !e.is_empty()) {
            container_env_from(w, c);
        }
        container_env(w, c, live.map(|l| l.pod));
        container_mounts(w, c);
    }
}

/// Name, IDs, image, ports and seccomp profile of a container.
fn container_basics(w: &mut Writer, c: &Container, status: Option<&ContainerStatus>, space: &str) {
    let indent = if space.is_empty() { "" } else { " " };
    w.w(1, &format!("{indent}{}:\n", c.name));
    if let Some(s) = status {
        w.kv(2, "Container ID", text(&s.container_id));
    }
    w.kv(2, "Image", text(&c.image));
    if let Some(s) = status {
        w.kv(2, "Image ID", &s.image_id);
    }
    let ports = c.ports.as_deref().unwrap_or(&[]);
    let port_list = |number: &dyn Fn(&k8s_openapi::api::core::v1::ContainerPort) -> i32| {
        let items: Vec<String> = ports
            .iter()
            .map(|p| {
                let base = format!("{}/{}", number(p), p.protocol.as_deref().unwrap_or("TCP"));
                match non_empty(&p.name) {
                    Some(name) => format!("{base} ({name})"),
                    None => base,
                }
            })
            .collect();
        items.join(", ")
    };
    for (single, plural, list) in [
        ("Port", "Ports", port_list(&|p| p.container_port)),
        ("Host Port", "Host Ports", port_list(&|p| p.host_port.unwrap_or(0))),
    ] {
        match (list.contains(','), list.is_empty()) {
            (true, _) => w.kv(2, plural, list),
            (false, true) => w.kv(2, single, "<none>"),
            (false, false) => w.kv(2, single, list),
        }
    }
    let seccomp = c.security_context.as_ref().and_then(|s| s.seccomp_profile.as_ref());
    if let Some(profile) = seccomp {
        w.kv(2, "SeccompProfile", &profile.type_);
        if profile.type_ == "Localhost" {
            w.kv(3, "LocalhostProfile", text(&profile.localhost_profile));
        }
    }
}

/// `Command:` and `Args:`, one line per argument line.
fn container_command(w: &mut Writer, c: &Container) {
    for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
        let items = items.as_deref().unwrap_or(&[]);
        if items.is_empty() {
            continue;
        }
        w.w(2, &format!("{title}:\n"));
        for line in items.iter().flat_map(|i| i.split('\n')) {
            w.w(3, &format!("{line}\n"));
        }
    }
}

/// `State`, `Last State`, `Ready` and `Restart Count` of a container status.
fn container_state(w: &mut Writer, status: &ContainerStatus, tz: &TimeZone) {
    describe_state(w, "State", &status.state.clone().unwrap_or_default(), tz);
    let last = status.last_state.clone().unwrap_or_default();
    if last.terminated.is_some() {
        describe_state(w, "Last State", &last, tz);
    }
    w.kv(2, "Ready", if status.ready { "True" } else { "False" });
    w.kv(2, "Restart Count", status.restart_count);
}

/// Go's `describeStatus`, with start and finish times in `tz`.
fn describe_state(w: &mut Writer, name: &str, state: &ContainerState, tz: &TimeZone) {
    if let Some(running) = state.running.as_ref() {
        w.w(2, &format!("{name}:\tRunning\n"));
        w.kv(3, "Started", rfc1123z(running.started_at.as_ref(), tz));
    } else if let Some(waiting) = state.waiting.as_ref() {
        w.w(2, &format!("{name}:\tWaiting\n"));
        if let Some(reason) = non_empty(&waiting.reason) {
            w.kv(3, "Reason", reason);
        }
    } else if let Some(t) = state.terminated.as_ref() {
        w.w(2, &format!("{name}:\tTerminated\n"));
        if let Some(reason) = non_empty(&t.reason) {
            w.kv(3, "Reason", reason);
        }
        if let Some(message) = non_empty(&t.message) {
            w.kv(3, "Message", message);
        }
        w.kv(3, "Exit Code", t.exit_code);
        if let Some(signal) = t.signal.filter(|s| *s > 0) {
            w.kv(3, "Signal", signal);
        }
        w.kv(3, "Started", rfc1123z(t.started_at.as_ref(), tz));
        w.kv(3, "Finished", rfc1123z(t.finished_at.as_ref(), tz));
    } else {
        w.w(2, &format!("{name}:\tWaiting\n"));
    }
}

/// `Limits:` and `Requests:` with one sorted line per resource.
fn describe_resources(w: &mut Writer, resources: &ResourceRequirements, level: usize) {
    for (title, list) in [("Limits", &resources.limits), ("Requests", &resources.requests)] {
        let Some(list) = list.as_ref().filter(|l| !l.is_empty()) else {
            continue;
        };
        w.w(level, &format!("{title}:\n"));
        for (name, quantity) in list {
            w.kv(level + 1, name, &quantity.0);
        }
    }
}

/// `Liveness:`, `Readiness:` and `Startup:` probe lines.
fn container_probes(w: &mut Writer, c: &Container) {
    for (title, probe) in
        [("Liveness", &c.liveness_probe), ("Readiness", &c.readiness_probe), ("Startup", &c.startup_probe)]
    {
        if let Some(p) = probe.as_ref() {
            w.kv(2, title, describe_probe(p));
        }
    }
}

/// Go's `DescribeProbe`, e.g. `http-get http://:8080/healthz delay=0s timeout=1s period=10s
/// #success=1 #failure=3`. Unset numbers take their API defaults.
pub fn describe_probe(probe: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        probe.initial_delay_seconds.unwrap_or(0),
        probe.timeout_seconds.unwrap_or(1),
        probe.period_seconds.unwrap_or(10),
        probe.success_threshold.unwrap_or(1),
        probe.failure_threshold.unwrap_or(3)
    );
    if let Some(exec) = probe.exec.as_ref() {
        return format!("exec [{}] {attrs}", exec.command.clone().unwrap_or_default().join(" "));
    }
    if let Some(get) = probe.http_get.as_ref() {
        let scheme = get.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        let port = int_or_string(&get.port);
        let host = get.host.as_deref().unwrap_or("");
        let host = if port.is_empty() { host.to_string() } else { join_host_port(host, &port) };
        let path = escape_path(get.path.as_deref().unwrap_or(""));
        let slashes = if host.is_empty() && path.is_empty() { "" } else { "//" };
        let slash = if !path.is_empty() && !path.starts_with('/') && !host.is_empty() { "/" } else { "" };
        return format!("http-get {scheme}:{slashes}{host}{slash}{path} {attrs}");
    }
    if let Some(tcp) = probe.tcp_socket.as_ref() {
        return format!("tcp-socket {}:{} {attrs}", text(&tcp.host), int_or_string(&tcp.port));
    }
    if let Some(grpc) = probe.grpc.as_ref() {
        return format!("grpc <pod>:{} {} {attrs}", grpc.port, text(&grpc.service));
    }
    format!("unknown {attrs}")
}

/// Percent-encodes a path the way Go's `URL.EscapedPath` does for a URL built from parts.
fn escape_path(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `Environment Variables from:` lines.
fn container_env_from(w: &mut Writer, c: &Container) {
    w.w(2, "Environment Variables from:\n");
    for source in c.env_from.iter().flatten() {
        let (from, name, optional) = if let Some(cm) = source.config_map_ref.as_ref() {
            ("ConfigMap", cm.name.as_str(), cm.optional == Some(true))
        } else if let Some(secret) = source.secret_ref.as_ref() {
            ("Secret", secret.name.as_str(), secret.optional == Some(true))
        } else {
            ("", "", false)
        };
        match non_empty(&source.prefix) {
            None => w.w(3, &format!("{name}\t{from}\tOptional: {optional}\n")),
            Some(prefix) => w.w(3, &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n")),
        }
    }
}

/// `Environment:` lines; field references resolve against `pod` when describing a live pod.
fn container_env(w: &mut Writer, c: &Container, pod: Option<&Pod>) {
    let env = c.env.as_deref().unwrap_or(&[]);
    w.w(2, &format!("Environment:{}\n", if env.is_empty() { "\t<none>" } else { "" }));
    for e in env {
        let Some(from) = e.value_from.as_ref() else {
            for (i, line) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                let key = if i == 0 { format!("{}:", e.name) } else { String::new() };
                w.w(3, &format!("{key}\t{line}\n"));
            }
            continue;
        };
        if let Some(field) = from.field_ref.as_ref() {
            let api_version = field.api_version.as_deref().unwrap_or("v1");
            let value = pod.map_or(String::new(), |p| pod_field(p, &field.field_path));
            let path = &field.field_path;
            w.kv(3, &e.name, format!("{value} ({api_version}:{path})"));
        } else if let Some(resource) = from.resource_field_ref.as_ref() {
            let mut value = container_resource_value(c, e).unwrap_or_default();
            if value == "0" && (resource.resource == "limits.cpu" || resource.resource == "limits.memory") {
                value = "node allocatable".to_string();
            }
            w.kv(3, &e.name, format!("{value} ({})", resource.resource));
        } else if let Some(secret) = from.secret_key_ref.as_ref() {
            let optional = secret.optional == Some(true);
            w.w(
                3,
                &format!(
                    "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {optional}\n",
                    e.name, secret.key, secret.name
                ),
            );
        } else if let Some(cm) = from.config_map_key_ref.as_ref() {
            let optional = cm.optional == Some(true);
            w.w(
                3,
                &format!(
                    "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {optional}\n",
                    e.name, cm.key, cm.name
                ),
            );
        }
    }
}

/// The fields kubectl can resolve for a `fieldRef` (its scheme only converts these two).
fn pod_field(pod: &Pod, path: &str) -> String {
    match path {
        "metadata.name" => text(&pod.metadata.name).to_string(),
        "metadata.namespace" => text(&pod.metadata.namespace).to_string(),
        _ => String::new(),
    }
}

/// kubectl's `ExtractContainerResourceValue`: the container's cpu (in divisor units, rounded
/// up) or memory / ephemeral storage (in divisor bytes, rounded up).
fn container_resource_value(c: &Container, e: &EnvVar) -> Option<String> {
    let selector = e.value_from.as_ref()?.resource_field_ref.as_ref()?;
    let (kind, name) = selector.resource.split_once('.')?;
    let resources = c.resources.as_ref();
    let list = match kind {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        _ => return None,
    };
    let value = list.and_then(|l| l.get(name)).and_then(|q| quantity_nanos(&q.0)).unwrap_or(0);
    let divisor =
        selector.divisor.as_ref().and_then(|q| quantity_nanos(&q.0)).filter(|d| *d != 0).unwrap_or(1_000_000_000);
    let unit: i128 = match name {
        "cpu" => 1_000_000,
        "memory" | "ephemeral-storage" => 1_000_000_000,
        _ => return None,
    };
    let (value, divisor) = (ceil_div(value, unit), ceil_div(divisor, unit));
    (divisor != 0).then(|| ceil_div(value, divisor).to_string())
}

fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && (a > 0) == (b > 0) { q + 1 } else { q }
}

/// Parses a Kubernetes quantity (`500m`, `1.5Gi`, `2e3`) into units of 10⁻⁹; `None` if invalid.
fn quantity_nanos(q: &str) -> Option<i128> {
    let (negative, rest) = match q.trim().strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, q.trim().strip_prefix('+').unwrap_or(q.trim())),
    };
    let split = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || whole.len() + fraction.len() > 30 {
        return None;
    }
    let mut value: i128 = format!("{whole}{fraction}").parse().ok()?;
    let mut exponent = 9 - i32::try_from(fraction.len()).ok()?;
    match suffix {
        "" => {}
        "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            exponent += match suffix {
                "n" => -9,
                "u" => -6,
                "m" => -3,
                "k" => 3,
                "M" => 6,
                "G" => 9,
                "T" => 12,
                "P" => 15,
                _ => 18,
            }
        }
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let power = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].iter().position(|s| *s == suffix)? + 1;
            value = value.checked_mul(1_i128 << (10 * power))?;
        }
        _ => {
            let power: i32 = suffix.strip_prefix(['e', 'E'])?.parse().ok()?;
            exponent = exponent.checked_add(power)?;
        }
    }
    let scale = 10_i128.checked_pow(exponent.unsigned_abs())?;
    let value = if exponent >= 0 { value.checked_mul(scale)? } else { value / scale };
    Some(if negative { -value } else { value })
}

/// `Mounts:` (sorted by mount path) and `Devices:`.
fn container_mounts(w: &mut Writer, c: &Container) {
    let mut mounts = c.volume_mounts.clone().unwrap_or_default();
    w.w(2, &format!("Mounts:{}\n", if mounts.is_empty() { "\t<none>" } else { "" }));
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    for m in &mounts {
        let mut flags = vec![if m.read_only == Some(true) { "ro".to_string() } else { "rw".to_string() }];
        if let Some(sub) = non_empty(&m.sub_path) {
            flags.push(format!("path={}", go_quote(sub)));
        }
        w.w(3, &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")));
    }
    let mut devices = c.volume_devices.clone().unwrap_or_default();
    if !devices.is_empty() {
        w.w(2, "Devices:\n");
        devices.sort_by(|a, b| a.device_path.cmp(&b.device_path));
        for d in &devices {
            w.w(3, &format!("{} from {}\n", d.device_path, d.name));
        }
    }
}

/// Go's `%q` for the printable strings found in sub-paths.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `describeVolumes` for the volume types a single-host runtime can offer; any other
/// type prints `<unknown>`.
fn volumes(w: &mut Writer, volumes: &[Volume], space: &str) {
    if volumes.is_empty() {
        w.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.w(0, &format!("{space}Volumes:\n"));
    let indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.w(1, &format!("{indent}{}:\n", v.name));
        volume_source(w, v);
    }
}

/// The `Type:` line and details of one volume (four-space indented, as Go writes them).
fn volume_source(w: &mut Writer, v: &Volume) {
    let flag = |b: Option<bool>| b == Some(true);
    if let Some(h) = v.host_path.as_ref() {
        w.kv(2, "Type", "HostPath (bare host directory volume)");
        w.kv(2, "Path", &h.path);
        w.kv(2, "HostPathType", h.type_.as_deref().unwrap_or("<none>"));
    } else if let Some(e) = v.empty_dir.as_ref() {
        let positive = |q: &&Quantity| quantity_nanos(&q.0).unwrap_or(0) > 0;
        let limit = e.size_limit.as_ref().filter(positive);
        w.kv(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)");
        w.kv(2, "Medium", text(&e.medium));
        w.kv(2, "SizeLimit", limit.map_or("<unset>", |q| q.0.as_str()));
    } else if let Some(s) = v.secret.as_ref() {
        w.kv(2, "Type", "Secret (a volume populated by a Secret)");
        w.kv(2, "SecretName", text(&s.secret_name));
        w.kv(2, "Optional", flag(s.optional));
    } else if let Some(c) = v.config_map.as_ref() {
        w.kv(2, "Type", "ConfigMap (a volume populated by a ConfigMap)");
        w.kv(2, "Name", &c.name);
        w.kv(2, "Optional", flag(c.optional));
    } else if let Some(n) = v.nfs.as_ref() {
        w.kv(2, "Type", "NFS (an NFS mount that lasts the lifetime of a pod)");
        w.kv(2, "Server", &n.server);
        w.kv(2, "Path", &n.path);
        w.kv(2, "ReadOnly", flag(n.read_only));
    } else if let Some(p) = v.persistent_volume_claim.as_ref() {
        let type_ = "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)";
        w.kv(2, "Type", type_);
        w.kv(2, "ClaimName", &p.claim_name);
        w.kv(2, "ReadOnly", flag(p.read_only));
    } else if let Some(d) = v.downward_api.as_ref() {
        w.kv(2, "Type", "DownwardAPI (a volume populated by information about the pod)");
        w.w(2, "Items:\n");
        for item in d.items.iter().flatten() {
            if let Some(f) = item.field_ref.as_ref() {
                w.w(3, &format!("{} -> {}\n", f.field_path, item.path));
            }
            if let Some(r) = item.resource_field_ref.as_ref() {
                w.w(3, &format!("{} -> {}\n", r.resource, item.path));
            }
        }
    } else if let Some(p) = v.projected.as_ref() {
        projected_source(w, p);
    } else {
        w.w(1, "<unknown>\n");
    }
}

/// The sources of a projected volume (service-account token volumes are the common case).
fn projected_source(w: &mut Writer, projected: &ProjectedVolumeSource) {
    let type_ = "Projected (a volume that contains injected data from multiple sources)";
    w.kv(2, "Type", type_);
    for source in projected.sources.iter().flatten() {
        if let Some(s) = source.secret.as_ref() {
            w.kv(2, "SecretName", &s.name);
            w.kv(2, "Optional", s.optional == Some(true));
        } else if source.downward_api.is_some() {
            w.kv(2, "DownwardAPI", true);
        } else if let Some(c) = source.config_map.as_ref() {
            w.kv(2, "ConfigMapName", &c.name);
            w.kv(2, "Optional", c.optional == Some(true));
        } else if let Some(t) = source.service_account_token.as_ref() {
            w.kv(2, "TokenExpirationSeconds", t.expiration_seconds.unwrap_or(3600));
        }
    }
}

/// `Topology Spread Constraints:` sorted by topology key.
fn topology_spread(w: &mut Writer, constraints: &[TopologySpreadConstraint], space: &str) {
    if constraints.is_empty() {
        return;
    }
    let mut sorted: Vec<&TopologySpreadConstraint> = constraints.iter().collect();
    sorted.sort_by(|a, b| a.topology_key.cmp(&b.topology_key));
    w.w(0, &format!("{space}Topology Spread Constraints:\t"));
    for (i, c) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, &format!("{space}\t"));
        }
        let mut line = format!("{}:{} when max skew {} is exceeded", c.topology_key, c.when_unsatisfiable, c.max_skew);
        if let Some(selector) = c.label_selector.as_ref() {
            line.push_str(&format!(" for selector {}", format_label_selector(Some(selector))));
        }
        w.w(0, &format!("{line}\n"));
    }
}

/// Go's `printLabelsMultiline`: `Title:\tk=v` then `\tk2=v2` lines, or `<none>`.
fn labels_multiline(w: &mut Writer, title: &str, labels: Option<&Labels>) {
    w.w(0, &format!("{title}:\t"));
    let labels = labels.filter(|l| !l.is_empty());
    let Some(labels) = labels else {
        w.w(0, "<none>\n");
        return;
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        w.w(0, &format!("{k}={v}\n"));
    }
}

/// Go's `printAnnotationsMultiline`: `key: value`, long or multi-line values on their own
/// lines cut at 140 bytes, the last-applied-configuration annotation hidden.
fn annotations_multiline(w: &mut Writer, title: &str, annotations: Option<&Labels>) {
    const MAX: usize = 140;
    w.w(0, &format!("{title}:\t"));
    let shown: Vec<(&String, &String)> =
        annotations.into_iter().flatten().filter(|(k, _)| k.as_str() != LAST_APPLIED).collect();
    if shown.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    for (i, (key, value)) in shown.into_iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX || value.contains('\n') {
            w.w(0, &format!("{key}:\n"));
            for line in value.split('\n') {
                w.w(0, &format!("\t  {}\n", shorten(line, MAX - 2)));
            }
        } else {
            w.w(0, &format!("{key}: {value}\n"));
        }
    }
}

/// Cuts `s` to at most `max` bytes (on a character boundary) and appends `...` if cut.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Go's `printTolerationsMultilineWithIndent`, sorted by key.
fn tolerations_multiline(w: &mut Writer, title: &str, tolerations: &[Toleration]) {
    w.w(0, &format!("{title}:\t"));
    if tolerations.is_empty() {
        w.w(0, "<none>\n");
        return;
    }
    let mut sorted: Vec<&Toleration> = tolerations.iter().collect();
    sorted.sort_by(|a, b| text(&a.key).cmp(text(&b.key)));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        let (key, value, effect) = (text(&t.key), text(&t.value), text(&t.effect));
        let mut line = key.to_string();
        if !value.is_empty() {
            line.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            line.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            line.push_str(if key.is_empty() && effect.is_empty() { "op=Exists" } else { " op=Exists" });
        }
        if let Some(seconds) = t.toleration_seconds {
            line.push_str(&format!(" for {seconds}s"));
        }
        w.w(0, &format!("{line}\n"));
    }
}

/// Go's `DescribeEvents`: `Events:\t<none>` or a `Type Reason Age From Message` table, oldest
/// first.
fn describe_events(w: &mut Writer, events: &[Event], now: Timestamp) {
    if events.is_empty() {
        w.w(0, "Events:\t<none>\n");
        return;
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| sort_time(e));
    w.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.w(1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = match e.event_time.as_ref() {
            Some(t) => since(Some(t.0), now),
            None => since(e.first_timestamp.as_ref().map(|t| t.0), now),
        };
        let count = e.count.unwrap_or(0);
        let age = if let Some(series) = e.series.as_ref() {
            let last = since(series.last_observed_time.as_ref().map(|t| t.0), now);
            format!("{last} (x{} over {first})", series.count.unwrap_or(0))
        } else if count > 1 {
            format!("{} (x{count} over {first})", since(e.last_timestamp.as_ref().map(|t| t.0), now))
        } else {
            first
        };
        let source = e.source.as_ref().and_then(|s| s.component.as_deref()).filter(|s| !s.is_empty());
        let source = source.or(e.reporting_component.as_deref()).unwrap_or("");
        let mut message = e.message.as_deref().unwrap_or("").trim().to_string();
        if let Some(path) = non_empty(&e.involved_object.field_path) {
            message = format!("{path}: {message}");
        }
        let (type_, reason) = (text(&e.type_), text(&e.reason));
        w.w(1, &format!("{type_}\t{reason}\t{age}\t{source}\t{message}\n"));
    }
}

/// The time kubectl sorts events by: series last observation, else last timestamp, else event time.
fn sort_time(e: &Event) -> Option<Timestamp> {
    if let Some(series) = e.series.as_ref() {
        return series.last_observed_time.as_ref().map(|t| t.0);
    }
    e.last_timestamp.as_ref().map(|t| t.0).or(e.event_time.as_ref().map(|t| t.0))
}

/// Go's `Time.Format(time.RFC1123Z)` in `tz`; Go's zero time for a missing timestamp.
fn rfc1123z(t: Option<&Time>, tz: &TimeZone) -> String {
    match t {
        Some(t) => t.0.to_zoned(tz.clone()).strftime("%a, %d %b %Y %H:%M:%S %z").to_string(),
        None => "Mon, 01 Jan 0001 00:00:00 +0000".to_string(),
    }
}

/// `IntOrString.String()`.
fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn joined_or_none(items: Option<&[String]>, separator: &str) -> String {
    match items.filter(|i| !i.is_empty()) {
        Some(items) => items.join(separator),
        None => "<none>".to_string(),
    }
}

/// An optional string that is set and not empty.
fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// An optional string as Go prints the zero value: empty.
fn text(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    const NOW: &str = "2026-11-27T03:21:09Z";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn obj<T: DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn lines(text: &[&str]) -> String {
        text.iter().map(|l| format!("{l}\n")).collect()
    }

    fn event(reason: &str, source: &str, message: &str, last: &str) -> Event {
        obj(json!({"metadata": {"name": "e"}, "involvedObject": {}, "type": "Normal", "reason": reason,
                    "source": {"component": source}, "message": message, "count": 1,
                    "firstTimestamp": last, "lastTimestamp": last}))
    }

    fn redis_template(hash: Option<&str>) -> Value {
        let mut labels = json!({"env": "dev", "tier": "data-tier"});
        if let Some(h) = hash {
            labels["pod-template-hash"] = json!(h);
        }
        json!({"metadata": {"labels": labels},
               "spec": {"containers": [{"name": "redis", "image": "redis:latest",
                                        "ports": [{"containerPort": 6379, "protocol": "TCP"}]}]}})
    }

    #[test]
    fn deployment_matches_kubectl() {
        let d: Deployment = obj(json!({
            "metadata": {"name": "data-tier-deployment", "namespace": "dp-5", "uid": "d-uid",
                         "creationTimestamp": "2026-11-27T02:46:09Z", "labels": {"tier": "data-tier"},
                         "annotations": {"deployment.kubernetes.io/revision": "1",
                                         "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"Deployment\"}\n"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"env": "dev", "tier": "data-tier"}},
                     "template": redis_template(None),
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}},
            "status": {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1, "readyReplicas": 1,
                       "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
        }));
        let owner = json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "data-tier-deployment",
                            "uid": "d-uid", "controller": true}]);
        let rs = |name: &str, template: Value, owner: Value| -> ReplicaSet {
            obj(json!({"metadata": {"name": name, "ownerReferences": owner},
                       "spec": {"replicas": 1, "selector": {}, "template": template}, "status": {"replicas": 1}}))
        };
        let sets = [
            rs("data-tier-deployment-84487494fd", redis_template(Some("84487494fd")), owner),
            rs("someone-else", redis_template(Some("x")), json!([])),
        ];
        let events = [event(
            "ScalingReplicaSet",
            "deployment-controller",
            "Scaled up replica set data-tier-deployment-84487494fd to 1",
            "2026-11-27T02:46:09Z",
        )];
        let want = lines(&[
            "Name:                   data-tier-deployment",
            "Namespace:              dp-5",
            "CreationTimestamp:      Fri, 27 Nov 2026 02:46:09 +0000",
            "Labels:                 tier=data-tier",
            "Annotations:            deployment.kubernetes.io/revision: 1",
            "Selector:               env=dev,tier=data-tier",
            "Replicas:               1 desired | 1 updated | 1 total | 1 available | 0 unavailable",
            "StrategyType:           RollingUpdate",
            "MinReadySeconds:        0",
            "RollingUpdateStrategy:  25% max unavailable, 25% max surge",
            "Pod Template:",
            "  Labels:  env=dev",
            "           tier=data-tier",
            "  Containers:",
            "   redis:",
            "    Image:         redis:latest",
            "    Port:          6379/TCP",
            "    Host Port:     0/TCP",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Conditions:",
            "  Type           Status  Reason",
            "  ----           ------  ------",
            "  Available      True    MinimumReplicasAvailable",
            "  Progressing    True    NewReplicaSetAvailable",
            "OldReplicaSets:  <none>",
            "NewReplicaSet:   data-tier-deployment-84487494fd (1/1 replicas created)",
            "Events:",
            "  Type    Reason             Age   From                   Message",
            "  ----    ------             ----  ----                   -------",
            "  Normal  ScalingReplicaSet  35m   deployment-controller  Scaled up replica set data-tier-deployment-84487494fd to 1",
        ]);
        assert_eq!(describe_deployment(&d, &sets, &events, now(), &TimeZone::UTC), want);
    }

    #[test]
    fn deployment_lists_all_old_replica_sets_and_prints_in_the_given_zone() {
        let d: Deployment = obj(json!({
            "metadata": {"name": "web", "uid": "u", "creationTimestamp": "2026-11-27T03:00:00Z"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": [{"name": "web", "image": "b"}]}},
                     "strategy": {"type": "Recreate"}}
        }));
        let rs = |name: &str, image: &str, created: &str, replicas: i32| -> ReplicaSet {
            obj(json!({"metadata": {"name": name, "creationTimestamp": created,
                                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u", "controller": true}]},
                       "spec": {"replicas": replicas, "selector": {}, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
                       "status": {"replicas": replicas}}))
        };
        let sets = [
            rs("web-c", "c", "2026-11-27T03:02:00Z", 1),
            rs("web-a", "a", "2026-11-27T03:00:00Z", 0),
            rs("web-b", "b", "2026-11-27T03:01:00Z", 2),
        ];
        let tz = TimeZone::fixed(jiff::tz::offset(2));
        let out = describe_deployment(&d, &sets, &[], now(), &tz);
        assert!(out.contains("CreationTimestamp:  Fri, 27 Nov 2026 05:00:00 +0200\n"), "{out}");
        assert!(out.contains("StrategyType:       Recreate\nMinReadySeconds:    0\nPod Template:\n"), "{out}");
        assert!(out.contains("  Tolerations:     <none>\nOldReplicaSets:    web-a (0/0 replicas created), web-c (1/1 replicas created)\n"), "{out}");
        assert!(out.contains("NewReplicaSet:     web-b (2/2 replicas created)\nEvents:            <none>\n"), "{out}");
        assert!(
            out.contains("Replicas:           1 desired | 0 updated | 0 total | 0 available | 0 unavailable\n"),
            "{out}"
        );
    }

    #[test]
    fn replica_set_matches_kubectl() {
        let rs: ReplicaSet = obj(json!({
            "metadata": {"name": "phpinfo-deployment-5b855b4497", "namespace": "default", "uid": "rs-uid",
                         "labels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"},
                         "annotations": {"deployment.kubernetes.io/desired-replicas": "3",
                                         "deployment.kubernetes.io/max-replicas": "4",
                                         "deployment.kubernetes.io/revision": "1"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "phpinfo-deployment",
                                              "uid": "d", "controller": true}]},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"}},
                     "template": {"metadata": {"labels": {"app": "phpinfo", "pod-template-hash": "5b855b4497"}},
                                  "spec": {"containers": [{"name": "phpinfo", "image": "mrbbarton/phpinfo:0.0.1",
                                                           "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}},
            "status": {"replicas": 3}
        }));
        let pod = |phase: &str, uid: &str| -> Pod {
            obj(
                json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": uid, "controller": true}]},
                       "status": {"phase": phase}}),
            )
        };
        let pods = [
            pod("Running", "rs-uid"),
            pod("Running", "rs-uid"),
            pod("Pending", "rs-uid"),
            pod("Failed", "rs-uid"),
            pod("Running", "other"),
        ];
        let events = [
            event(
                "SuccessfulCreate",
                "replicaset-controller",
                "Created pod: phpinfo-deployment-5b855b4497-nwg2r",
                "2026-11-27T03:20:28Z",
            ),
            event(
                "SuccessfulCreate",
                "replicaset-controller",
                "Created pod: phpinfo-deployment-5b855b4497-kfg82",
                "2026-11-27T03:20:28Z",
            ),
        ];
        let want = lines(&[
            "Name:           phpinfo-deployment-5b855b4497",
            "Namespace:      default",
            "Selector:       app=phpinfo,pod-template-hash=5b855b4497",
            "Labels:         app=phpinfo",
            "                pod-template-hash=5b855b4497",
            "Annotations:    deployment.kubernetes.io/desired-replicas: 3",
            "                deployment.kubernetes.io/max-replicas: 4",
            "                deployment.kubernetes.io/revision: 1",
            "Controlled By:  Deployment/phpinfo-deployment",
            "Replicas:       3 current / 3 desired",
            "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 1 Failed",
            "Pod Template:",
            "  Labels:  app=phpinfo",
            "           pod-template-hash=5b855b4497",
            "  Containers:",
            "   phpinfo:",
            "    Image:         mrbbarton/phpinfo:0.0.1",
            "    Port:          80/TCP",
            "    Host Port:     0/TCP",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
            "Events:",
            "  Type    Reason            Age   From                   Message",
            "  ----    ------            ----  ----                   -------",
            "  Normal  SuccessfulCreate  41s   replicaset-controller  Created pod: phpinfo-deployment-5b855b4497-nwg2r",
            "  Normal  SuccessfulCreate  41s   replicaset-controller  Created pod: phpinfo-deployment-5b855b4497-kfg82",
        ]);
        assert_eq!(describe_replica_set(&rs, &pods, &events, now()), want);
        let out = describe_replica_set(&rs, &[], &[], now());
        assert!(out.ends_with("  Tolerations:     <none>\nEvents:            <none>\n"), "{out}");
    }

    fn running_pod() -> Pod {
        obj(json!({
            "metadata": {"name": "web-7ffd5c8dc9-9c8kz", "namespace": "default",
                         "labels": {"app": "web", "pod-template-hash": "7ffd5c8dc9"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7ffd5c8dc9", "uid": "r", "controller": true}]},
            "spec": {"priority": 0, "serviceAccountName": "default", "nodeName": "skiff",
                     "containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                     "readinessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                                                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}}]},
            "status": {"phase": "Running", "hostIP": "192.168.49.2", "podIP": "10.244.0.7", "podIPs": [{"ip": "10.244.0.7"}],
                       "startTime": "2026-11-27T03:20:00Z", "qosClass": "BestEffort",
                       "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"},
                                      {"type": "ContainersReady", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
                       "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx:1.27",
                                              "imageID": "docker-pullable://nginx@sha256:1", "containerID": "docker://abc",
                                              "state": {"running": {"startedAt": "2026-11-27T03:20:05Z"}}}]}
        }))
    }

    #[test]
    fn pod_matches_kubectl() {
        let mut scheduled = event(
            "Scheduled",
            "default-scheduler",
            "Successfully assigned default/web-7ffd5c8dc9-9c8kz to skiff",
            "2026-11-27T03:20:00Z",
        );
        scheduled.count = None;
        let pulled =
            event("Pulled", "", "Container image \"nginx:1.27\" already present on machine", "2026-11-27T03:20:04Z");
        let pulled = Event {
            source: None,
            reporting_component: Some("kubelet".into()),
            involved_object: k8s_openapi::api::core::v1::ObjectReference {
                field_path: Some("spec.containers{web}".into()),
                ..Default::default()
            },
            ..pulled
        };
        let want = lines(&[
            "Name:             web-7ffd5c8dc9-9c8kz",
            "Namespace:        default",
            "Priority:         0",
            "Service Account:  default",
            "Node:             skiff/192.168.49.2",
            "Start Time:       Fri, 27 Nov 2026 03:20:00 +0000",
            "Labels:           app=web",
            "                  pod-template-hash=7ffd5c8dc9",
            "Annotations:      <none>",
            "Status:           Running",
            "IP:               10.244.0.7",
            "IPs:",
            "  IP:           10.244.0.7",
            "Controlled By:  ReplicaSet/web-7ffd5c8dc9",
            "Containers:",
            "  web:",
            "    Container ID:   docker://abc",
            "    Image:          nginx:1.27",
            "    Image ID:       docker-pullable://nginx@sha256:1",
            "    Port:           80/TCP",
            "    Host Port:      0/TCP",
            "    State:          Running",
            "      Started:      Fri, 27 Nov 2026 03:20:05 +0000",
            "    Ready:          True",
            "    Restart Count:  0",
            "    Readiness:      http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3",
            "    Environment:    <none>",
            "    Mounts:         <none>",
            "Conditions:",
            "  Type              Status",
            "  Initialized       True ",
            "  Ready             True ",
            "  ContainersReady   True ",
            "  PodScheduled      True ",
            "Volumes:            <none>",
            "QoS Class:          BestEffort",
            "Node-Selectors:     <none>",
            "Tolerations:        <none>",
            "Events:",
            "  Type    Reason     Age   From               Message",
            "  ----    ------     ----  ----               -------",
            "  Normal  Scheduled  69s   default-scheduler  Successfully assigned default/web-7ffd5c8dc9-9c8kz to skiff",
            "  Normal  Pulled     65s   kubelet            spec.containers{web}: Container image \"nginx:1.27\" already present on machine",
        ]);
        assert_eq!(describe_pod(&running_pod(), &[pulled, scheduled], now(), &TimeZone::UTC), want);
    }

    #[test]
    fn crashing_pod_states_env_mounts_and_volumes() {
        let pod: Pod = obj(json!({
            "metadata": {"name": "api", "namespace": "prod", "deletionTimestamp": "2026-11-27T03:21:39Z", "deletionGracePeriodSeconds": 30},
            "spec": {"containers": [{"name": "api", "image": "api:2", "command": ["sh", "-c", "run\nnow"],
                                     "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                                     "env": [{"name": "MODE", "value": "a\nb"},
                                             {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                                             {"name": "IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
                                             {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                                             {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "requests.memory"}}},
                                             {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}],
                                     "volumeMounts": [{"name": "data", "mountPath": "/var/data", "subPath": "x"},
                                                      {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": true}]}],
                     "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}},
                                 {"name": "host", "hostPath": {"path": "/srv"}}]},
            "status": {"phase": "Running", "reason": "", "containerStatuses": [{
                "name": "api", "ready": false, "restartCount": 4, "image": "api:2", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "Error",
                                             "startedAt": "2026-11-27T03:20:00Z", "finishedAt": "2026-11-27T03:20:30Z"}}}]}
        }));
        let out = describe_pod(&pod, &[], now(), &TimeZone::UTC);
        for expected in [
            "Node:                      <none>\n",
            "Status:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s\n",
            "IP:                        \nIPs:                       <none>\n",
            "    Container ID:  \n    Image:         api:2\n    Image ID:      \n",
            "    Port:          <none>\n    Host Port:     <none>\n    Command:\n      sh\n      -c\n      run\n      now\n",
            "    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    137\n      Signal:       9\n      Started:      Fri, 27 Nov 2026 03:20:00 +0000\n      Finished:     Fri, 27 Nov 2026 03:20:30 +0000\n    Ready:          False\n    Restart Count:  4\n    Limits:\n",
            "      cpu:     500m\n      memory:  128Mi\n    Environment:\n",
            "      MODE:  a\n             b\n      POD:   api (v1:metadata.name)\n      IP:     (v1:status.podIP)\n      CPU:   1 (limits.cpu)\n      MEM:   0 (requests.memory)\n      PW:    <set to the key 'pw' in secret 'db'>  Optional: false\n",
            "    Mounts:\n      /etc/cfg from cfg (ro)\n      /var/data from data (rw,path=\"x\")\n",
            "Volumes:\n  data:\n    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:     \n    SizeLimit:  <unset>\n",
            "  cfg:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      cfg\n    Optional:  false\n",
            "  host:\n    Type:          HostPath (bare host directory volume)\n    Path:          /srv\n    HostPathType:  <none>\n",
            "    HostPathType:  <none>\nQoS Class:         Guaranteed\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
    }

    #[test]
    fn pod_template_for_rollout_history_keeps_literal_tabs() {
        let mut template: PodTemplateSpec = obj(redis_template(Some("abc")));
        template.metadata.as_mut().unwrap().annotations = Some(BTreeMap::from([(
            "kubernetes.io/change-cause".to_string(),
            "kubectl set image deployment/web redis=redis:7".to_string(),
        )]));
        let want = "Pod Template:\n  Labels:\tenv=dev\n\tpod-template-hash=abc\n\ttier=data-tier\n  Annotations:\tkubernetes.io/change-cause: kubectl set image deployment/web redis=redis:7\n  Containers:\n   redis:\n    Image:\tredis:latest\n    Port:\t6379/TCP\n    Host Port:\t0/TCP\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n";
        assert_eq!(describe_pod_template(&template), want);
        assert_eq!(
            describe_pod_template(&PodTemplateSpec::default()),
            "Pod Template:\n  Labels:\t<none>\n  Containers: <none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n"
        );
    }

    #[test]
    fn resource_blocks_align_like_kubectl() {
        let template: PodTemplateSpec = obj(json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}],
                                     "resources": {"limits": {"cpu": "500m", "memory": "512Mi"},
                                                   "requests": {"cpu": "100m", "memory": "256Mi"}}}]}
        }));
        let want = lines(&[
            "Pod Template:",
            "  Labels:  app=web",
            "  Containers:",
            "   nginx:",
            "    Image:      nginx:1.14.2",
            "    Port:       80/TCP",
            "    Host Port:  0/TCP",
            "    Limits:",
            "      cpu:     500m",
            "      memory:  512Mi",
            "    Requests:",
            "      cpu:         100m",
            "      memory:      256Mi",
            "    Environment:   <none>",
            "    Mounts:        <none>",
            "  Volumes:         <none>",
            "  Node-Selectors:  <none>",
            "  Tolerations:     <none>",
        ]);
        assert_eq!(tabbed(&describe_pod_template(&template)), want);
    }

    #[test]
    fn template_extras_ports_tolerations_and_annotations() {
        let long = "x".repeat(150);
        let template: PodTemplateSpec = obj(json!({
            "metadata": {"annotations": {"a": "one\ntwo\n", "b": long, "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"serviceAccountName": "robot", "priorityClassName": "high", "nodeSelector": {"disk": "ssd"},
                     "initContainers": [{"name": "init", "image": "busybox", "args": ["--once"]}],
                     "containers": [{"name": "web", "image": "nginx",
                                     "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 53, "protocol": "UDP", "hostPort": 5353}]}],
                     "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                                     {"operator": "Exists"}, {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
                     "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                                    "labelSelector": {"matchLabels": {"app": "web"}}}]}
        }));
        let out = describe_pod_template(&template);
        let short = format!("{}...", "x".repeat(138));
        for expected in [
            "  Labels:\t<none>\n  Annotations:\ta:\n\t  one\n\t  two\n\tb:\n\t  ".to_string() + &short + "\n  Service Account:\trobot\n  Init Containers:\n   init:\n    Image:\tbusybox\n    Port:\t<none>\n    Host Port:\t<none>\n    Args:\n      --once\n",
            "    Ports:\t80/TCP (http), 53/UDP\n    Host Ports:\t0/TCP (http), 5353/UDP\n".to_string(),
            "  Topology Spread Constraints:\tzone:DoNotSchedule when max skew 1 is exceeded for selector app=web\n  Priority Class Name:\thigh\n  Node-Selectors:\tdisk=ssd\n".to_string(),
            "  Tolerations:\top=Exists\n\tk=v:NoSchedule\n\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n".to_string(),
        ] {
            assert!(out.contains(&expected), "missing {expected:?} in\n{out}");
        }
    }

    #[test]
    fn probes() {
        let probe = |v: Value| describe_probe(&obj(v));
        assert_eq!(
            probe(json!({"httpGet": {"path": "/healthz", "port": 8080}})),
            "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"
        );
        assert_eq!(
            probe(
                json!({"httpGet": {"host": "::1", "path": "ready?x=1 y", "port": "http", "scheme": "HTTPS"}, "initialDelaySeconds": 5,
                         "timeoutSeconds": 2, "periodSeconds": 3, "successThreshold": 1, "failureThreshold": 6})
            ),
            "https://[::1]:http/ready%3Fx=1%20y delay=5s timeout=2s period=3s #success=1 #failure=6"
                .replace("https://", "http-get https://")
        );
        assert_eq!(
            probe(json!({"exec": {"command": ["cat", "/tmp/healthy"]}})),
            "exec [cat /tmp/healthy] delay=0s timeout=1s period=10s #success=1 #failure=3"
        );
        assert_eq!(
            probe(json!({"tcpSocket": {"port": 5432}})),
            "tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3"
        );
        assert_eq!(
            probe(json!({"grpc": {"port": 9000}})),
            "grpc <pod>:9000  delay=0s timeout=1s period=10s #success=1 #failure=3"
        );
        assert_eq!(probe(json!({})), "unknown delay=0s timeout=1s period=10s #success=1 #failure=3");
    }

    fn slice(ports: Value, endpoints: Value) -> EndpointSlice {
        obj(json!({"metadata": {}, "addressType": "IPv4", "ports": ports, "endpoints": endpoints}))
    }

    #[test]
    fn service_matches_kubectl() {
        let svc: Service = obj(json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
                     "clusterIP": "10.96.1.2", "clusterIPs": ["10.96.1.2"], "sessionAffinity": "None",
                     "internalTrafficPolicy": "Cluster", "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}
        }));
        let slices = [slice(
            json!([{"name": "", "port": 8080, "protocol": "TCP"}]),
            json!([{"addresses": ["10.244.0.5"], "conditions": {"ready": true}},
                   {"addresses": ["10.244.0.9"], "conditions": {"ready": false}},
                   {"addresses": ["10.244.0.6"]}]),
        )];
        let want = lines(&[
            "Name:                     web",
            "Namespace:                default",
            "Labels:                   <none>",
            "Annotations:              <none>",
            "Selector:                 app=web",
            "Type:                     ClusterIP",
            "IP Family Policy:         SingleStack",
            "IP Families:              IPv4",
            "IP:                       10.96.1.2",
            "IPs:                      10.96.1.2",
            "Port:                     <unset>  80/TCP",
            "TargetPort:               8080/TCP",
            "Endpoints:                10.244.0.5:8080,10.244.0.6:8080",
            "Session Affinity:         None",
            "Internal Traffic Policy:  Cluster",
            "Events:                   <none>",
        ]);
        assert_eq!(describe_service(&svc, &slices, &[], now()), want);
    }

    #[test]
    fn service_node_ports_load_balancer_and_endpoint_overflow() {
        let svc: Service = obj(json!({
            "metadata": {"name": "lb"},
            "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Cluster",
                     "ports": [{"name": "http", "port": 80, "nodePort": 30080, "targetPort": "web"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}, {"hostname": "lb.example"}]}}
        }));
        let endpoints: Vec<Value> = (1..=5).map(|i| json!({"addresses": [format!("10.0.0.{i}")]})).collect();
        let slices = [slice(json!([{"name": "http", "port": 8080}]), json!(endpoints))];
        let out = describe_service(&svc, &slices, &[], now());
        for expected in [
            "IP Families:              <none>\nIP:                       \nIPs:                      <none>\n",
            "LoadBalancer Ingress:     192.0.2.1 (VIP), lb.example\n",
            "Port:                     http  80/TCP\nTargetPort:               web/TCP\nNodePort:                 http  30080/TCP\n",
            "Endpoints:                10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...\n",
            "Session Affinity:         None\nExternal Traffic Policy:  Cluster\nEvents:                   <none>\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(describe_service(&svc, &[], &[], now()).contains("Endpoints:                <none>\n"));
    }

    #[test]
    fn events_sort_oldest_first_and_show_repeats() {
        let mut repeated = event("BackOff", "kubelet", "Back-off restarting failed container", "2026-11-27T03:21:00Z");
        repeated.count = Some(5);
        repeated.first_timestamp = Some(Time("2026-11-27T03:11:09Z".parse().unwrap()));
        repeated.type_ = Some("Warning".into());
        let series: Event = obj(json!({"metadata": {}, "involvedObject": {}, "type": "Normal", "reason": "Pulled",
                                       "reportingComponent": "kubelet", "eventTime": "2026-11-27T03:16:09.000000Z",
                                       "series": {"count": 3, "lastObservedTime": "2026-11-27T03:20:09.000000Z"}}));
        let old = event("Created", "kubelet", "  Created container api  ", "2026-11-27T03:01:09Z");
        let mut w = Writer::default();
        describe_events(&mut w, &[repeated, series, old], now());
        let want = lines(&[
            "Events:",
            "  Type     Reason   Age               From     Message",
            "  ----     ------   ----              ----     -------",
            "  Normal   Created  20m               kubelet  Created container api",
            "  Normal   Pulled   60s (x3 over 5m)  kubelet  ",
            "  Warning  BackOff  9s (x5 over 10m)  kubelet  Back-off restarting failed container",
        ]);
        assert_eq!(tabbed(&w.buf), want);
    }

    #[test]
    fn qos_classes() {
        let pod = |resources: Value| -> Pod {
            obj(json!({"metadata": {}, "spec": {"containers": [{"name": "a", "resources": resources}]}}))
        };
        assert_eq!(qos_class(&pod(json!({}))), "BestEffort");
        assert_eq!(
            qos_class(&pod(
                json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}})
            )),
            "Guaranteed"
        );
        assert_eq!(qos_class(&pod(json!({"limits": {"cpu": "1", "memory": "1Gi"}}))), "Guaranteed");
        assert_eq!(qos_class(&pod(json!({"requests": {"cpu": "100m"}}))), "Burstable");
        assert_eq!(
            qos_class(&pod(json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}))),
            "Burstable"
        );
        assert_eq!(qos_class(&pod(json!({"requests": {"cpu": "0"}}))), "BestEffort");
    }

    #[test]
    fn empty_objects_do_not_panic() {
        let tz = TimeZone::UTC;
        let out = describe_deployment(&Deployment::default(), &[], &[], now(), &tz);
        assert!(out.starts_with("Name:                   \nNamespace:              \n"), "{out}");
        assert!(out.contains("CreationTimestamp:      Mon, 01 Jan 0001 00:00:00 +0000\n"));
        assert!(describe_pod(&Pod::default(), &[], now(), &tz).contains("Containers: <none>\n"));
        let rs = describe_replica_set(&ReplicaSet::default(), &[], &[], now());
        assert!(rs.contains("Selector:     <none>\n"), "{rs}");
        assert!(describe_service(&Service::default(), &[], &[], now()).contains("Type:"));
    }

    #[test]
    fn quantities() {
        let cases = [
            ("1", Some(1_000_000_000)),
            ("500m", Some(500_000_000)),
            ("0.5", Some(500_000_000)),
            ("1Ki", Some(1_024_000_000_000)),
            ("1.5Gi", Some(1_610_612_736_000_000_000)),
            ("2e3", Some(2_000_000_000_000)),
            ("1k", Some(1_000_000_000_000)),
            ("-3", Some(-3_000_000_000)),
            ("10n", Some(10)),
            ("abc", None),
            ("1Qi", None),
            ("1e2147483647", None),
            ("1e-2147483648", None),
            ("", None),
        ];
        for (q, want) in cases {
            assert_eq!(quantity_nanos(q), want, "{q}");
        }
    }
}
