//! Server-side `meta.k8s.io/v1` Tables (`kubectl get`) for every kind skiff serves: the
//! columns, cells and row objects of the apiserver's printers (the host-level kinds' in
//! `node_tables`).

mod config_tables;
pub mod hpa_tables;
mod node_tables;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Container, Event, Pod, PodSpec, PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::duration::{age, since};
use super::pod_status::pod_row;
use crate::model::Kind;
use config_tables::{CONFIG_MAP_COLUMNS, NAMESPACE_COLUMNS, SECRET_COLUMNS};
use hpa_tables::HPA_COLUMNS;
use node_tables::{ENDPOINT_SLICE_COLUMNS, ENDPOINTS_COLUMNS, NODE_COLUMNS};

/// The resource kinds this module can render as a Table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// `v1` Pod.
    Pod,
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `v1` Service.
    Service,
    /// `v1` Event.
    Event,
    /// `v1` Endpoints.
    Endpoints,
    /// `discovery.k8s.io/v1` EndpointSlice.
    EndpointSlice,
    /// `v1` Node.
    Node,
    /// `v1` ConfigMap.
    ConfigMap,
    /// `v1` Secret.
    Secret,
    /// `v1` Namespace.
    Namespace,
    /// `autoscaling/v2` HorizontalPodAutoscaler.
    HorizontalPodAutoscaler,
}

impl From<Kind> for TableKind {
    fn from(kind: Kind) -> TableKind {
        match kind {
            Kind::Deployment => TableKind::Deployment,
            Kind::ReplicaSet => TableKind::ReplicaSet,
            Kind::Pod => TableKind::Pod,
            Kind::Service => TableKind::Service,
            Kind::Event => TableKind::Event,
            Kind::Endpoints => TableKind::Endpoints,
            Kind::EndpointSlice => TableKind::EndpointSlice,
            Kind::Node => TableKind::Node,
            Kind::ConfigMap => TableKind::ConfigMap,
            Kind::Secret => TableKind::Secret,
            Kind::Namespace => TableKind::Namespace,
            Kind::HorizontalPodAutoscaler => TableKind::HorizontalPodAutoscaler,
        }
    }
}

/// The `includeObject` query parameter of a Table request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// `None`: rows carry `"object": null`.
    None,
    /// `Metadata` (the default): rows carry a `PartialObjectMetadata` with the full metadata.
    #[default]
    Metadata,
    /// `Object`: rows carry the full object.
    Object,
}

/// One column definition; descriptions are the upstream Swagger docs of the underlying field.
pub(super) struct Column {
    name: &'static str,
    type_: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i32,
}

pub(super) const fn col(name: &'static str, type_: &'static str, description: &'static str, priority: i32) -> Column {
    Column { name, type_, format: "", description, priority }
}

pub(super) const NAME: Column = Column { format: "name", ..col("Name", "string", NAME_DOC, 0) };
pub(super) const AGE: Column = col("Age", "string", AGE_DOC, 0);
const CONTAINERS: Column = col("Containers", "string", "Names of each container in the template.", 1);
const IMAGES: Column = col("Images", "string", "Images referenced by each container in the template.", 1);

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const POD_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0),
    col("Status", "string", "The aggregate status of the containers in this pod.", 0),
    col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        0,
    ),
    AGE,
    col(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
        1,
    ),
    col(
        "Node",
        "string",
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
        1,
    ),
    col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
        1,
    ),
    col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
        1,
    ),
];

const DEPLOYMENT_COLUMNS: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state", 0),
    col(
        "Up-to-date",
        "string",
        "Total number of non-terminating pods targeted by this deployment that have the desired template spec.",
        0,
    ),
    col(
        "Available",
        "string",
        "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.",
        0,
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    col(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
        1,
    ),
];

const REPLICA_SET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
        0,
    ),
    col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
        0,
    ),
    col(
        "Ready",
        "integer",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
        0,
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    col(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
        1,
    ),
];

const SERVICE_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
        0,
    ),
    col(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
        0,
    ),
    col(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
        0,
    ),
    col(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
        0,
    ),
    AGE,
    col(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
        1,
    ),
];

const EVENT_COLUMNS: &[Column] = &[
    col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded.", 0),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future", 0),
    col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        0,
    ),
    col("Object", "string", "The object that this event is about.", 0),
    col(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
        1,
    ),
    col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
    col("Message", "string", "A human-readable description of the status of this operation.", 0),
    col(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        1,
    ),
    col("Count", "string", "The number of times this event has occurred.", 1),
    Column { format: "name", ..col("Name", "string", NAME_DOC, 1) },
];

impl TableKind {
    fn columns(self) -> &'static [Column] {
        match self {
            TableKind::Pod => POD_COLUMNS,
            TableKind::Deployment => DEPLOYMENT_COLUMNS,
            TableKind::ReplicaSet => REPLICA_SET_COLUMNS,
            TableKind::Service => SERVICE_COLUMNS,
            TableKind::Event => EVENT_COLUMNS,
            TableKind::Endpoints => ENDPOINTS_COLUMNS,
            TableKind::EndpointSlice => ENDPOINT_SLICE_COLUMNS,
            TableKind::Node => NODE_COLUMNS,
            TableKind::ConfigMap => CONFIG_MAP_COLUMNS,
            TableKind::Secret => SECRET_COLUMNS,
            TableKind::Namespace => NAMESPACE_COLUMNS,
            TableKind::HorizontalPodAutoscaler => HPA_COLUMNS,
        }
    }

    /// `(apiVersion, kind)` written into row objects that lack them.
    fn type_meta(self) -> (&'static str, &'static str) {
        match self {
            TableKind::Pod => ("v1", "Pod"),
            TableKind::Deployment => ("apps/v1", "Deployment"),
            TableKind::ReplicaSet => ("apps/v1", "ReplicaSet"),
            TableKind::Service => ("v1", "Service"),
            TableKind::Event => ("v1", "Event"),
            TableKind::Endpoints => ("v1", "Endpoints"),
            TableKind::EndpointSlice => ("discovery.k8s.io/v1", "EndpointSlice"),
            TableKind::Node => ("v1", "Node"),
            TableKind::ConfigMap => ("v1", "ConfigMap"),
            TableKind::Secret => ("v1", "Secret"),
            TableKind::Namespace => ("v1", "Namespace"),
            TableKind::HorizontalPodAutoscaler => ("autoscaling/v2", "HorizontalPodAutoscaler"),
        }
    }
}

/// Builds the `meta.k8s.io/v1` Table the apiserver returns for `items` (full objects as JSON).
///
/// All columns are included (the server always prints wide; kubectl hides priority-1 columns).
/// `resource_version` becomes `metadata.resourceVersion` (omitted when empty). Fields missing
/// from an item are rendered as their zero value; an item that does not deserialize at all is
/// rendered from an empty object of its kind.
pub fn table_for(
    kind: TableKind,
    items: &[Value],
    now: Timestamp,
    include_object: IncludeObject,
    resource_version: &str,
) -> Value {
    let columns: Vec<Value> = kind
        .columns()
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.type_,
                "format": c.format,
                "description": c.description,
                "priority": c.priority,
            })
        })
        .collect();
    let rows: Vec<Value> = items.iter().map(|item| row(kind, item, now, include_object)).collect();
    let mut metadata = serde_json::Map::new();
    if !resource_version.is_empty() {
        metadata.insert("resourceVersion".to_string(), Value::from(resource_version));
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

fn row(kind: TableKind, item: &Value, now: Timestamp, include_object: IncludeObject) -> Value {
    let (cells, conditions) = match kind {
        TableKind::Pod => pod_cells(&parse(item), now),
        TableKind::Deployment => (deployment_cells(&parse(item), now), None),
        TableKind::ReplicaSet => (replica_set_cells(&parse(item), now), None),
        TableKind::Service => (service_cells(&parse(item), now), None),
        TableKind::Event => (event_cells(&parse(item), now), None),
        TableKind::Endpoints => (node_tables::endpoints_cells(&parse(item), now), None),
        TableKind::EndpointSlice => (node_tables::endpoint_slice_cells(&parse(item), now), None),
        TableKind::Node => (node_tables::node_cells(&parse(item), now), None),
        TableKind::ConfigMap => (config_tables::config_map_cells(&parse(item), now), None),
        TableKind::Secret => (config_tables::secret_cells(&parse(item), now), None),
        TableKind::Namespace => (config_tables::namespace_cells(&parse(item), now), None),
        TableKind::HorizontalPodAutoscaler => (hpa_tables::hpa_cells(&parse(item), now), None),
    };
    let mut row = json!({"cells": cells, "object": row_object(kind, item, include_object)});
    if let Some(c) = conditions {
        row["conditions"] = c;
    }
    row
}

fn parse<T: DeserializeOwned + Default>(item: &Value) -> T {
    serde_json::from_value(item.clone()).unwrap_or_default()
}

fn row_object(kind: TableKind, item: &Value, include_object: IncludeObject) -> Value {
    match include_object {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": item.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
        IncludeObject::Object => {
            let mut object = item.clone();
            if let Some(map) = object.as_object_mut() {
                let (api_version, kind_name) = kind.type_meta();
                map.entry("apiVersion").or_insert_with(|| Value::from(api_version));
                map.entry("kind").or_insert_with(|| Value::from(kind_name));
            }
            object
        }
    }
}

fn pod_cells(pod: &Pod, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    let row = pod_row(pod, now);
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let ip = status.and_then(|s| s.pod_ips.as_ref()).and_then(|ips| ips.first()).map(|ip| ip.ip.as_str());
    let node = spec.and_then(|s| s.node_name.as_deref());
    let nominated = status.and_then(|s| s.nominated_node_name.as_deref());
    let cells = vec![
        Value::from(name_of(&pod.metadata.name)),
        Value::from(row.ready),
        Value::from(row.status),
        Value::from(row.restarts),
        Value::from(age(pod.metadata.creation_timestamp.as_ref(), now)),
        Value::from(or_none(ip)),
        Value::from(or_none(node)),
        Value::from(or_none(nominated)),
        Value::from(readiness_gates(pod)),
    ];
    let conditions = match status.and_then(|s| s.phase.as_deref()) {
        Some("Succeeded") => Some(completed_condition("Succeeded", "The pod has completed successfully.")),
        Some("Failed") => Some(completed_condition("Failed", "The pod failed.")),
        _ => None,
    };
    (cells, conditions)
}

fn completed_condition(reason: &str, message: &str) -> Value {
    json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}])
}

/// `true/total` over `spec.readinessGates`, or `<none>` when there are none.
fn readiness_gates(pod: &Pod) -> String {
    let gates = pod.spec.as_ref().and_then(|s| s.readiness_gates.as_deref()).unwrap_or(&[]);
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = pod.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let met = gates
        .iter()
        .filter(|g| conditions.iter().find(|c| c.type_ == g.condition_type).is_some_and(|c| c.status == "True"))
        .count();
    format!("{met}/{}", gates.len())
}

fn deployment_cells(d: &Deployment, now: Timestamp) -> Vec<Value> {
    let spec = d.spec.as_ref();
    let status = d.status.clone().unwrap_or_default();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    let (names, images) = container_cells(spec.map(|s| &s.template));
    let selector = selector_string(spec.map(|s| &s.selector)).unwrap_or_else(|| "<invalid>".to_string());
    vec![
        Value::from(name_of(&d.metadata.name)),
        Value::from(format!("{}/{desired}", status.ready_replicas.unwrap_or(0))),
        Value::from(status.updated_replicas.unwrap_or(0)),
        Value::from(status.available_replicas.unwrap_or(0)),
        Value::from(age(d.metadata.creation_timestamp.as_ref(), now)),
        Value::from(names),
        Value::from(images),
        Value::from(selector),
    ]
}

fn replica_set_cells(rs: &ReplicaSet, now: Timestamp) -> Vec<Value> {
    let spec = rs.spec.as_ref();
    let status = rs.status.clone().unwrap_or_default();
    let (names, images) = container_cells(spec.and_then(|s| s.template.as_ref()));
    vec![
        Value::from(name_of(&rs.metadata.name)),
        Value::from(spec.and_then(|s| s.replicas).unwrap_or(1)),
        Value::from(status.replicas),
        Value::from(status.ready_replicas.unwrap_or(0)),
        Value::from(age(rs.metadata.creation_timestamp.as_ref(), now)),
        Value::from(names),
        Value::from(images),
        Value::from(format_label_selector(spec.map(|s| &s.selector))),
    ]
}

/// Comma-joined container names and images of a pod template (`layoutContainerCells`).
fn container_cells(template: Option<&PodTemplateSpec>) -> (String, String) {
    let containers: &[Container] = template.and_then(|t| t.spec.as_ref()).map_or(&[], |s: &PodSpec| &s.containers);
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers.iter().map(|c| c.image.as_deref().unwrap_or("")).collect();
    (names.join(","), images.join(","))
}

fn service_cells(svc: &Service, now: Timestamp) -> Vec<Value> {
    let spec = svc.spec.clone().unwrap_or_default();
    let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_string());
    let cluster_ip = spec.cluster_ips.as_ref().and_then(|ips| ips.first()).map(String::as_str);
    let ports = port_string(&spec);
    vec![
        Value::from(name_of(&svc.metadata.name)),
        Value::from(type_.clone()),
        Value::from(or_none(cluster_ip)),
        Value::from(external_ip(svc, &type_)),
        Value::from(if ports.is_empty() { "<none>".to_string() } else { ports }),
        Value::from(age(svc.metadata.creation_timestamp.as_ref(), now)),
        Value::from(format_labels(spec.selector.as_ref())),
    ]
}

/// The EXTERNAL-IP cell (`getServiceExternalIP` with wide output, as the server prints).
fn external_ip(svc: &Service, type_: &str) -> String {
    let spec = svc.spec.as_ref();
    let external: &[String] = spec.and_then(|s| s.external_ips.as_deref()).unwrap_or(&[]);
    match type_ {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let mut ips = load_balancer_ips(svc);
            ips.extend(external.iter().cloned());
            if ips.is_empty() { "<pending>".to_string() } else { ips.join(",") }
        }
        "ExternalName" => spec.and_then(|s| s.external_name.clone()).unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

/// Sorted, de-duplicated load-balancer ingress IPs (or hostnames when there is no IP).
fn load_balancer_ips(svc: &Service) -> Vec<String> {
    let ingress = svc.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|lb| lb.ingress.as_deref());
    let set: std::collections::BTreeSet<String> = ingress
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| {
            let ip = i.ip.as_deref().filter(|s| !s.is_empty());
            ip.or(i.hostname.as_deref().filter(|s| !s.is_empty())).map(str::to_string)
        })
        .collect();
    set.into_iter().collect()
}

/// `80/TCP`, `80:30080/TCP`, comma-joined (`makePortString`).
fn port_string(spec: &k8s_openapi::api::core::v1::ServiceSpec) -> String {
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    let pieces: Vec<String> = ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|n| *n > 0) {
                Some(node_port) => format!("{}:{node_port}/{protocol}", p.port),
                None => format!("{}/{protocol}", p.port),
            }
        })
        .collect();
    pieces.join(",")
}

fn event_cells(e: &Event, now: Timestamp) -> Vec<Value> {
    let first_seen = match e.first_timestamp.as_ref() {
        Some(t) => since(Some(t.0), now),
        None => since(e.event_time.as_ref().map(|t| t.0), now),
    };
    let mut last_seen = match e.last_timestamp.as_ref() {
        Some(t) => since(Some(t.0), now),
        None => first_seen.clone(),
    };
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = e.series.as_ref() {
        last_seen = since(series.last_observed_time.as_ref().map(|t| t.0), now);
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let obj = &e.involved_object;
    let kind = obj.kind.as_deref().unwrap_or("").to_lowercase();
    let target = match obj.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{kind}/{name}"),
        None => kind,
    };
    vec![
        Value::from(last_seen),
        Value::from(e.type_.clone().unwrap_or_default()),
        Value::from(e.reason.clone().unwrap_or_default()),
        Value::from(target),
        Value::from(obj.field_path.clone().unwrap_or_default()),
        Value::from(event_source(e)),
        Value::from(e.message.as_deref().unwrap_or("").trim()),
        Value::from(first_seen),
        Value::from(count),
        Value::from(name_of(&e.metadata.name)),
    ]
}

/// `component, host`, falling back to the reporting controller and instance (`formatEventSource`).
fn event_source(e: &Event) -> String {
    let first_non_empty =
        |a: Option<&str>, b: Option<&str>| a.filter(|s| !s.is_empty()).or(b).unwrap_or("").to_string();
    let source = e.source.as_ref();
    let component = first_non_empty(source.and_then(|s| s.component.as_deref()), e.reporting_component.as_deref());
    let instance = first_non_empty(source.and_then(|s| s.host.as_deref()), e.reporting_instance.as_deref());
    if instance.is_empty() { component } else { format!("{component}, {instance}") }
}

pub(super) fn name_of(name: &Option<String>) -> String {
    name.clone().unwrap_or_default()
}

fn or_none(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("<none>").to_string()
}

/// Labels as `k=v,k2=v2` sorted by key, or `<none>` (`labels.FormatLabels`).
pub fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    let pairs: Vec<String> = labels.into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    if pairs.is_empty() { "<none>".to_string() } else { pairs.join(",") }
}

/// A label selector as `labels.Selector.String()` prints it after `LabelSelectorAsSelector`:
/// requirements sorted by key, e.g. `app=web,tier in (a,b),!legacy`.
///
/// A missing or empty selector gives `""`; an invalid one (unknown operator, wrong number of
/// values) gives `None`.
pub fn selector_string(selector: Option<&LabelSelector>) -> Option<String> {
    match selector {
        None => Some(String::new()),
        Some(s) => crate::model::labels::selector(s).ok().map(|s| s.to_string()),
    }
}

/// `metav1.FormatLabelSelector`: like [`selector_string`] but `<none>` when empty and `<error>`
/// when invalid.
pub fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    match selector_string(selector) {
        None => "<error>".to_string(),
        Some(s) if s.is_empty() => "<none>".to_string(),
        Some(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    const NOW: &str = "2026-11-27T03:21:09Z";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn cells(table: &Value) -> Vec<Value> {
        table["rows"].as_array().unwrap().iter().map(|r| r["cells"].clone()).collect()
    }

    #[test]
    fn table_envelope_and_column_definitions() {
        let t = table_for(TableKind::Pod, &[], now(), IncludeObject::Metadata, "108");
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(t["metadata"], json!({"resourceVersion": "108"}));
        assert_eq!(t["rows"], json!([]));
        let cols = t["columnDefinitions"].as_array().unwrap();
        let names: Vec<&str> = cols.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]
        );
        assert_eq!(cols[0]["format"], "name");
        assert_eq!(cols[1]["format"], "");
        assert_eq!(cols[3]["type"], "string");
        assert_eq!(cols[5]["priority"], 1);
        assert!(cols[4]["description"].as_str().unwrap().starts_with("CreationTimestamp is a timestamp"));
        let t = table_for(TableKind::Pod, &[], now(), IncludeObject::Metadata, "");
        assert_eq!(t["metadata"], json!({}));
    }

    fn pod_json() -> Value {
        json!({
            "metadata": {"name": "web-1", "namespace": "default", "creationTimestamp": "2026-11-27T03:16:09Z",
                         "labels": {"app": "web"}, "resourceVersion": "7"},
            "spec": {"nodeName": "skiff", "containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}],
                       "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx",
                                              "imageID": "", "state": {"running": {}}}]}
        })
    }

    #[test]
    fn pod_row_cells_and_partial_metadata_object() {
        let t = table_for(TableKind::Pod, &[pod_json()], now(), IncludeObject::Metadata, "9");
        assert_eq!(
            cells(&t)[0],
            json!(["web-1", "1/1", "Running", "0", "5m", "10.0.0.5", "skiff", "<none>", "<none>"])
        );
        let object = &t["rows"][0]["object"];
        assert_eq!(object["kind"], "PartialObjectMetadata");
        assert_eq!(object["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(object["metadata"], pod_json()["metadata"]);
        assert!(t["rows"][0].get("conditions").is_none());
    }

    #[test]
    fn include_object_modes() {
        let t = table_for(TableKind::Pod, &[pod_json()], now(), IncludeObject::Object, "");
        let object = &t["rows"][0]["object"];
        assert_eq!((object["kind"].as_str(), object["apiVersion"].as_str()), (Some("Pod"), Some("v1")));
        assert_eq!(object["spec"], pod_json()["spec"]);
        let t = table_for(TableKind::Pod, &[pod_json()], now(), IncludeObject::None, "");
        assert_eq!(t["rows"][0]["object"], Value::Null);
    }

    #[test]
    fn finished_pods_carry_completed_row_conditions() {
        let mut p = pod_json();
        p["status"]["phase"] = json!("Succeeded");
        p["status"]["containerStatuses"][0]["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        let t = table_for(TableKind::Pod, &[p], now(), IncludeObject::Metadata, "");
        assert_eq!(
            t["rows"][0]["conditions"],
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
        );
    }

    #[test]
    fn pod_readiness_gates_and_missing_fields() {
        let mut p = pod_json();
        p["spec"]["readinessGates"] = json!([{"conditionType": "a"}, {"conditionType": "b"}]);
        p["status"]["conditions"] = json!([{"type": "a", "status": "True"}, {"type": "b", "status": "False"}]);
        let t = table_for(TableKind::Pod, &[p, json!({"metadata": {"name": "bare"}})], now(), IncludeObject::None, "");
        assert_eq!(cells(&t)[0][8], "1/2");
        assert_eq!(cells(&t)[1], json!(["bare", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"]));
    }

    #[test]
    fn deployment_cells() {
        let d = json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-11-25T03:21:09Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "fe"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        let t = table_for(TableKind::Deployment, &[d], now(), IncludeObject::Metadata, "");
        assert_eq!(cells(&t)[0], json!(["web", "2/3", 3, 2, "2d", "web,log", "nginx:1.27,busybox", "app=web,tier=fe"]));
        let names: Vec<&str> =
            t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
    }

    #[test]
    fn deployment_without_status_and_with_bad_selector() {
        let d = json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchExpressions": [{"key": "a", "operator": "Bogus"}]},
                      "template": {}}});
        let t = table_for(TableKind::Deployment, &[d], now(), IncludeObject::Metadata, "");
        assert_eq!(cells(&t)[0], json!(["web", "0/1", 0, 0, "<unknown>", "", "", "<invalid>"]));
    }

    #[test]
    fn replica_set_cells() {
        let rs = json!({
            "metadata": {"name": "web-7d9c6c8d4f", "creationTimestamp": "2026-11-27T03:20:09Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d9c6c8d4f"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
            "status": {"replicas": 3, "readyReplicas": 1}
        });
        let t = table_for(TableKind::ReplicaSet, &[rs], now(), IncludeObject::Metadata, "");
        assert_eq!(
            cells(&t)[0],
            json!(["web-7d9c6c8d4f", 3, 3, 1, "60s", "web", "nginx", "app=web,pod-template-hash=7d9c6c8d4f"])
        );
    }

    fn svc(type_: &str, ports: Value, status: Value) -> Value {
        json!({"metadata": {"name": "web", "creationTimestamp": "2026-11-27T03:21:00Z"},
               "spec": {"type": type_, "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": ports,
                        "selector": {"app": "web"}},
               "status": status})
    }

    #[test]
    fn service_cells_by_type() {
        let items = [
            svc("ClusterIP", json!([{"port": 80, "protocol": "TCP", "targetPort": 8080}]), json!({})),
            svc(
                "NodePort",
                json!([{"port": 80, "protocol": "TCP", "nodePort": 30080}, {"port": 53, "protocol": "UDP", "nodePort": 30053}]),
                json!({}),
            ),
            svc("LoadBalancer", json!([{"port": 443, "nodePort": 31443}]), json!({"loadBalancer": {}})),
            svc(
                "LoadBalancer",
                json!([{"port": 80, "protocol": "TCP"}]),
                json!({"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}, {"hostname": "lb.example"}, {"ip": "192.0.2.1"}]}}),
            ),
            json!({"metadata": {"name": "bare"}}),
        ];
        let t = table_for(TableKind::Service, &items, now(), IncludeObject::Metadata, "");
        let c = cells(&t);
        assert_eq!(c[0], json!(["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "9s", "app=web"]));
        assert_eq!(c[1][4], "80:30080/TCP,53:30053/UDP");
        assert_eq!((c[2][3].as_str(), c[2][4].as_str()), (Some("<pending>"), Some("443:31443/TCP")));
        assert_eq!(c[3][3], "192.0.2.1,192.0.2.9,lb.example");
        assert_eq!(c[4], json!(["bare", "ClusterIP", "<none>", "<none>", "<none>", "<unknown>", "<none>"]));
    }

    #[test]
    fn service_external_ips_and_external_name() {
        let mut s = svc("ClusterIP", json!([]), json!({}));
        s["spec"]["externalIPs"] = json!(["1.2.3.4", "5.6.7.8"]);
        let mut e = svc("ExternalName", json!([]), json!({}));
        e["spec"]["externalName"] = json!("db.example.com");
        let t = table_for(TableKind::Service, &[s, e], now(), IncludeObject::Metadata, "");
        assert_eq!(cells(&t)[0][3], "1.2.3.4,5.6.7.8");
        assert_eq!(cells(&t)[1][3], "db.example.com");
    }

    #[test]
    fn event_cells() {
        let events = [
            json!({"metadata": {"name": "web.1"}, "involvedObject": {"kind": "Deployment", "name": "web"},
                   "type": "Normal", "reason": "ScalingReplicaSet", "message": " Scaled up replica set web-1 to 3\n",
                   "source": {"component": "deployment-controller"}, "count": 2,
                   "firstTimestamp": "2026-11-27T03:11:09Z", "lastTimestamp": "2026-11-27T03:20:09Z"}),
            json!({"metadata": {"name": "p.2"}, "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{web}"},
                   "type": "Warning", "reason": "BackOff", "message": "Back-off", "reportingComponent": "kubelet",
                   "reportingInstance": "skiff", "eventTime": "2026-11-27T03:21:00.000000Z",
                   "series": {"count": 7, "lastObservedTime": "2026-11-27T03:21:05.000000Z"}}),
            json!({"metadata": {"name": "x"}, "involvedObject": {"kind": "Node"}}),
        ];
        let t = table_for(TableKind::Event, &events, now(), IncludeObject::Metadata, "");
        let c = cells(&t);
        assert_eq!(
            c[0],
            json!([
                "60s",
                "Normal",
                "ScalingReplicaSet",
                "deployment/web",
                "",
                "deployment-controller",
                "Scaled up replica set web-1 to 3",
                "10m",
                2,
                "web.1"
            ])
        );
        assert_eq!(
            c[1],
            json!([
                "4s",
                "Warning",
                "BackOff",
                "pod/web-1",
                "spec.containers{web}",
                "kubelet, skiff",
                "Back-off",
                "9s",
                7,
                "p.2"
            ])
        );
        assert_eq!(c[2], json!(["<unknown>", "", "", "node", "", "", "", "<unknown>", 1, "x"]));
        let cols = t["columnDefinitions"].as_array().unwrap();
        let shown: Vec<&str> =
            cols.iter().filter(|c| c["priority"] == 0).map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(shown, ["Last Seen", "Type", "Reason", "Object", "Message"]);
    }

    #[test]
    fn malformed_items_still_produce_rows() {
        let items = [json!(42), Value::Null, json!({"metadata": {"name": 7}, "spec": "bad"})];
        for kind in [TableKind::Pod, TableKind::Deployment, TableKind::ReplicaSet, TableKind::Service, TableKind::Event]
        {
            for include in [IncludeObject::None, IncludeObject::Metadata, IncludeObject::Object] {
                let t = table_for(kind, &items, now(), include, "1");
                let rows = t["rows"].as_array().unwrap();
                assert_eq!(rows.len(), 3);
                let width = t["columnDefinitions"].as_array().unwrap().len();
                assert!(rows.iter().all(|r| r["cells"].as_array().unwrap().len() == width));
            }
        }
    }

    #[test]
    fn selectors() {
        let sel = LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
            match_expressions: Some(vec![
                LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: Some(vec!["b".into(), "a".into()]),
                },
                LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "NotIn".into(),
                    values: Some(vec!["prod".into()]),
                },
                LabelSelectorRequirement { key: "canary".into(), operator: "Exists".into(), values: None },
                LabelSelectorRequirement {
                    key: "legacy".into(),
                    operator: "DoesNotExist".into(),
                    values: Some(vec![]),
                },
            ]),
        };
        assert_eq!(selector_string(Some(&sel)).unwrap(), "app=web,canary,env notin (prod),!legacy,tier in (a,b)");
        assert_eq!(selector_string(None).unwrap(), "");
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_label_selector(Some(&LabelSelector::default())), "<none>");
        let bad = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "a".into(),
                operator: "In".into(),
                values: None,
            }]),
            ..Default::default()
        };
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert_eq!(format_labels(None), "<none>");
    }
}
