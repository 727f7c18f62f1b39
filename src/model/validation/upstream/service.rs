//! `pkg/apis/core/validation/validation_test.go`: TestValidateServiceCreate (metadata, ports,
//! types, node ports, source ranges, ExternalName, traffic policies; the address cases are in
//! `service_ips`) and TestValidateServiceExternalTrafficPolicy. Upstream counts errors only;
//! the messages are those of ValidateService.
//!
//! Where skiff answers differently, on purpose:
//! - A nodePort outside 30000-32767 is refused, with the port allocator's text. Upstream's
//!   validation tables use nodePort 1 and 12345, which a real API server refuses the same way
//!   when it allocates (before validation runs); the cases keep those ports and expect the
//!   range errors after the validation ones.
//!
//! Not carried over: "missing namespace" (skiff takes the namespace from the request path).

use serde_json::{Value, json};

use super::{BAD_KEY, Case, DNS1035_MSG, LABEL_MSG, NAME_PART_MSG, PORT_RANGE_MSG, case, check, create, raw};
use crate::model::validation::PodSecurityPolicy;

pub(super) const RANGES: &str = "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]";
pub(super) const LB_ONLY: &str = "Forbidden: may only be used when `type` is 'LoadBalancer'";

/// upstream `makeValidService()`.
pub(super) fn valid_service() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "valid", "namespace": "valid", "labels": {}, "annotations": {}},
        "spec": {
            "selector": {"key": "val"}, "sessionAffinity": "None", "type": "ClusterIP",
            "ports": [{"name": "p", "protocol": "TCP", "port": 8675, "targetPort": 8675}],
            "internalTrafficPolicy": "Cluster"
        }
    })
}

pub(super) fn spec(v: &mut Value) -> &mut Value {
    &mut v["spec"]
}

pub(super) fn add_port(v: &mut Value, port: Value) {
    if let Some(ports) = spec(v)["ports"].as_array_mut() {
        ports.push(port);
    }
}

pub(super) fn port(name: &str, port: i32, protocol: &str, node_port: i32) -> Value {
    let mut p = json!({"name": name, "port": port, "protocol": protocol, "targetPort": port});
    if node_port != 0 {
        p["nodePort"] = json!(node_port);
    }
    p
}

/// type LoadBalancer as upstream's cases set it up.
pub(super) fn load_balancer(v: &mut Value) {
    spec(v)["type"] = json!("LoadBalancer");
    spec(v)["externalTrafficPolicy"] = json!("Cluster");
    spec(v)["allocateLoadBalancerNodePorts"] = json!(true);
}

pub(super) fn node_port(v: &mut Value) {
    spec(v)["type"] = json!("NodePort");
    spec(v)["externalTrafficPolicy"] = json!("Cluster");
}

pub(super) fn annotate(v: &mut Value, key: &str, value: &str) {
    v["metadata"]["annotations"][key] = json!(value);
}

pub(super) fn out_of_range(index: usize, port: i32) -> String {
    format!(
        "spec.ports[{index}].nodePort: Invalid value: {port}: provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
}

pub(super) fn cluster_ips(v: &mut Value, ip: &str, ips: &[&str]) {
    spec(v)["clusterIP"] = json!(ip);
    spec(v)["clusterIPs"] = json!(ips);
}

pub(super) fn external_name(v: &mut Value, name: &str) {
    spec(v)["type"] = json!("ExternalName");
    spec(v)["externalName"] = json!(name);
}

fn metadata_cases() -> Vec<Case> {
    let long = "a".repeat(64);
    vec![
        case(
            "TestValidateServiceCreate/invalid namespace",
            |v| v["metadata"]["namespace"] = json!("-123"),
            [format!("metadata.namespace: Invalid value: \"-123\": {LABEL_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/missing name",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateServiceCreate/invalid name",
            |v| v["metadata"]["name"] = json!("-123"),
            [format!("metadata.name: Invalid value: \"-123\": {DNS1035_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/too long name",
            |v| v["metadata"]["name"] = json!("a".repeat(64)),
            [format!("metadata.name: Invalid value: \"{long}\": must be no more than 63 bytes")],
        ),
        case(
            "TestValidateServiceCreate/invalid generateName",
            |v| v["metadata"]["generateName"] = json!("-123"),
            [format!("metadata.generateName: Invalid value: \"-123\": {DNS1035_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/too long generateName",
            |v| v["metadata"]["generateName"] = json!("a".repeat(64)),
            [format!("metadata.generateName: Invalid value: \"{long}\": must be no more than 63 bytes")],
        ),
        case(
            "TestValidateServiceCreate/invalid label",
            |v| v["metadata"]["labels"][BAD_KEY] = json!("bar"),
            [format!("metadata.labels: Invalid value: \"{BAD_KEY}\": {NAME_PART_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid annotation",
            |v| annotate(v, "NoSpecialCharsLike=Equals", "bar"),
            [format!("metadata.annotations: Invalid value: \"NoSpecialCharsLike=Equals\": {NAME_PART_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/topology annotations are mismatched",
            |v| {
                annotate(v, "service.kubernetes.io/topology-aware-hints", "original");
                annotate(v, "service.kubernetes.io/topology-mode", "different");
            },
            [
                "metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: \"different\": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified",
            ],
        ),
        case("TestValidateServiceCreate/nil selector", |v| spec(v)["selector"] = Value::Null, [""; 0]),
        case(
            "TestValidateServiceCreate/invalid selector",
            |v| spec(v)["selector"]["NoSpecialCharsLike=Equals"] = json!("bar"),
            [format!("spec.selector: Invalid value: \"NoSpecialCharsLike=Equals\": {NAME_PART_MSG}")],
        ),
    ]
}

fn port_cases() -> Vec<Case> {
    let none = [""; 0];
    let dup_key =
        "{\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":12345,\"TargetPort\":0,\"NodePort\":0}";
    vec![
        case(
            "TestValidateServiceCreate/missing ports",
            |v| spec(v)["ports"] = Value::Null,
            ["spec.ports: Required value"],
        ),
        case(
            "TestValidateServiceCreate/missing ports but headless",
            |v| {
                spec(v)["ports"] = Value::Null;
                spec(v)["clusterIP"] = json!("None");
                spec(v)["clusterIPs"] = json!(["None"]);
            },
            none,
        ),
        case("TestValidateServiceCreate/empty port[0] name", |v| spec(v)["ports"][0]["name"] = json!(""), none),
        case(
            "TestValidateServiceCreate/empty port[1] name",
            |v| add_port(v, port("", 12345, "TCP", 0)),
            ["spec.ports[1].name: Required value"],
        ),
        case(
            "TestValidateServiceCreate/empty multi-port port[0] name",
            |v| {
                spec(v)["ports"][0]["name"] = json!("");
                add_port(v, port("p", 12345, "TCP", 0));
            },
            ["spec.ports[0].name: Required value"],
        ),
        case(
            "TestValidateServiceCreate/invalid port name",
            |v| spec(v)["ports"][0]["name"] = json!("INVALID"),
            [format!("spec.ports[0].name: Invalid value: \"INVALID\": {LABEL_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid protocol",
            |v| spec(v)["ports"][0]["protocol"] = json!("INVALID"),
            ["spec.ports[0].protocol: Unsupported value: \"INVALID\": supported values: \"SCTP\", \"TCP\", \"UDP\""],
        ),
        case(
            "TestValidateServiceCreate/missing port",
            |v| spec(v)["ports"][0]["port"] = json!(0),
            [format!("spec.ports[0].port: Invalid value: 0: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid port",
            |v| spec(v)["ports"][0]["port"] = json!(65536),
            [format!("spec.ports[0].port: Invalid value: 65536: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid TargetPort int",
            |v| spec(v)["ports"][0]["targetPort"] = json!(65536),
            [format!("spec.ports[0].targetPort: Invalid value: 65536: {PORT_RANGE_MSG}")],
        ),
        case("TestValidateServiceCreate/valid port headless", |v| headless_port(v, json!(11722)), none),
        case("TestValidateServiceCreate/invalid port headless 1", |v| headless_port(v, json!(11721)), none),
        case("TestValidateServiceCreate/invalid port headless 2", |v| headless_port(v, json!("target")), none),
        case(
            "TestValidateServiceCreate/dup port name",
            |v| {
                spec(v)["ports"][0]["name"] = json!("p");
                add_port(v, port("p", 12345, "TCP", 0));
            },
            ["spec.ports[1].name: Duplicate value: \"p\""],
        ),
        case("TestValidateServiceCreate/valid 1", |_| {}, none),
        case(
            "TestValidateServiceCreate/valid 2",
            |v| {
                spec(v)["ports"][0]["protocol"] = json!("UDP");
                spec(v)["ports"][0]["targetPort"] = json!(12345);
            },
            none,
        ),
        case("TestValidateServiceCreate/valid 3", |v| spec(v)["ports"][0]["targetPort"] = json!("http"), none),
        case(
            "TestValidateServiceCreate/invalid duplicate ports (with same protocol)",
            |v| {
                add_port(v, json!({"name": "q", "port": 12345, "protocol": "TCP", "targetPort": 8080}));
                add_port(v, json!({"name": "r", "port": 12345, "protocol": "TCP", "targetPort": 80}));
            },
            [format!("spec.ports[2]: Duplicate value: {dup_key}")],
        ),
        case(
            "TestValidateServiceCreate/valid duplicate ports (with different protocols)",
            |v| {
                add_port(v, json!({"name": "q", "port": 12345, "protocol": "TCP", "targetPort": 8080}));
                add_port(v, json!({"name": "r", "port": 12345, "protocol": "UDP", "targetPort": 80}));
                add_port(v, json!({"name": "s", "port": 12345, "protocol": "SCTP", "targetPort": 8088}));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid appProtocol",
            |v| {
                spec(v)["ports"] =
                    json!([{"port": 12345, "targetPort": 12345, "protocol": "TCP", "appProtocol": "HTTP"}])
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid custom appProtocol",
            |v| {
                spec(v)["ports"] = json!([{"port": 12345, "targetPort": 12345, "protocol": "TCP", "appProtocol": "example.com/protocol"}])
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid appProtocol",
            |v| {
                let app = "example.com/protocol_with{invalid}[characters]";
                spec(v)["ports"] = json!([{"port": 12345, "targetPort": 12345, "protocol": "TCP", "appProtocol": app}]);
            },
            [format!(
                "spec.ports[0].appProtocol: Invalid value: \"example.com/protocol_with{{invalid}}[characters]\": {NAME_PART_MSG}"
            )],
        ),
    ]
}

fn headless_port(v: &mut Value, target: Value) {
    spec(v)["ports"][0]["port"] = json!(11722);
    spec(v)["ports"][0]["targetPort"] = target;
    spec(v)["clusterIP"] = json!("None");
    spec(v)["clusterIPs"] = json!(["None"]);
}

#[test]
fn validate_service_metadata_and_ports() {
    let mut cases = metadata_cases();
    cases.extend(port_cases());
    check(cases, |c| create(valid_service(), c.edit, &PodSecurityPolicy::default()));
}

/// Cases whose object defaulting would repair (an empty sessionAffinity, type or protocol, a
/// missing traffic policy, a LoadBalancer without allocateLoadBalancerNodePorts, and a
/// sessionAffinityConfig next to affinity None, which defaulting drops).
fn raw_cases() -> Vec<Case> {
    vec![
        case(
            "TestValidateServiceCreate/missing session affinity",
            |v| spec(v)["sessionAffinity"] = json!(""),
            ["spec.sessionAffinity: Required value"],
        ),
        case("TestValidateServiceCreate/missing type", |v| spec(v)["type"] = json!(""), ["spec.type: Required value"]),
        case(
            "TestValidateServiceCreate/missing protocol",
            |v| spec(v)["ports"][0]["protocol"] = json!(""),
            ["spec.ports[0].protocol: Required value"],
        ),
        case(
            "TestValidateServiceCreate/invalid type - missing AllocateLoadBalancerNodePorts for loadbalancer type",
            |v| {
                spec(v)["type"] = json!("LoadBalancer");
                spec(v)["externalTrafficPolicy"] = json!("Cluster");
            },
            ["allocateLoadBalancerNodePorts: Required value"],
        ),
        case(
            "TestValidateServiceCreate/nil internalTraffic field when feature gate is on",
            |v| spec(v)["internalTrafficPolicy"] = Value::Null,
            ["spec.internalTrafficPolicy: Required value"],
        ),
        case(
            "TestValidateServiceCreate/sessionAffinityConfig can't be set when session affinity is None",
            |v| {
                load_balancer(v);
                spec(v)["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": 90}});
            },
            ["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"],
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/externalTrafficPolicy is required on NodePort service",
            |v| spec(v)["type"] = json!("NodePort"),
            ["spec.externalTrafficPolicy: Required value"],
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/externalTrafficPolicy is required on LoadBalancer service",
            |v| {
                spec(v)["type"] = json!("LoadBalancer");
                spec(v)["allocateLoadBalancerNodePorts"] = json!(true);
            },
            ["spec.externalTrafficPolicy: Required value"],
        ),
        // Upstream runs only the traffic-policy check; the whole validation also reports the IP.
        case(
            "TestValidateServiceExternalTrafficPolicy/externalTrafficPolicy is required on ClusterIP service with externalIPs",
            |v| spec(v)["externalIPs"] = json!(["1.2.3,4"]),
            [
                format!("spec.externalIPs[0]: Invalid value: \"1.2.3,4\": {}", super::IP_MSG),
                "spec.externalTrafficPolicy: Required value".into(),
            ],
        ),
    ]
}

#[test]
fn validate_service_raw() {
    check(raw_cases(), |c| raw(valid_service(), c.edit, &PodSecurityPolicy::default()));
}
