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

use super::{
    BAD_KEY, CIDR_MSG, Case, DNS1035_MSG, LABEL_MSG, NAME_PART_MSG, PORT_RANGE_MSG, SUBDOMAIN_MSG, case, check, create,
    raw,
};
use crate::model::validation::pod::PodSecurityPolicy;

const RANGES: &str = "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]";
const LB_ONLY: &str = "Forbidden: may only be used when `type` is 'LoadBalancer'";

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

fn add_port(v: &mut Value, port: Value) {
    if let Some(ports) = spec(v)["ports"].as_array_mut() {
        ports.push(port);
    }
}

fn port(name: &str, port: i32, protocol: &str, node_port: i32) -> Value {
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

fn node_port(v: &mut Value) {
    spec(v)["type"] = json!("NodePort");
    spec(v)["externalTrafficPolicy"] = json!("Cluster");
}

fn annotate(v: &mut Value, key: &str, value: &str) {
    v["metadata"]["annotations"][key] = json!(value);
}

fn out_of_range(index: usize, port: i32) -> String {
    format!(
        "spec.ports[{index}].nodePort: Invalid value: {port}: provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
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

fn type_cases() -> Vec<Case> {
    let none = [""; 0];
    vec![
        case(
            "TestValidateServiceCreate/valid load balancer protocol UDP 1",
            |v| {
                load_balancer(v);
                spec(v)["ports"][0]["protocol"] = json!("UDP");
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid load balancer protocol UDP 2",
            |v| {
                load_balancer(v);
                spec(v)["ports"][0] = port("q", 12345, "UDP", 0);
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/load balancer with mix protocol",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "UDP", 0));
            },
            none,
        ),
        case("TestValidateServiceCreate/valid cluster ip - none", |v| cluster_ips(v, "None", &["None"]), none),
        case(
            "TestValidateServiceCreate/valid cluster ip - empty",
            |v| {
                spec(v)["clusterIPs"] = Value::Null;
                spec(v)["ports"][0]["targetPort"] = json!("http");
            },
            none,
        ),
        case("TestValidateServiceCreate/valid type - clusterIP", |v| spec(v)["type"] = json!("ClusterIP"), none),
        case("TestValidateServiceCreate/valid type - loadbalancer", load_balancer, none),
        case(
            "TestValidateServiceCreate/valid type - loadbalancer with allocateLoadBalancerNodePorts=false",
            |v| {
                load_balancer(v);
                spec(v)["allocateLoadBalancerNodePorts"] = json!(false);
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid type loadbalancer 2 ports",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "TCP", 0));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid external load balancer 2 ports",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "TCP", 0));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/duplicate nodeports",
            |v| {
                node_port(v);
                add_port(v, port("q", 1, "TCP", 1));
                add_port(v, port("r", 2, "TCP", 1));
            },
            ["spec.ports[2].nodePort: Duplicate value: 1".to_string(), out_of_range(1, 1), out_of_range(2, 1)],
        ),
        case(
            "TestValidateServiceCreate/duplicate nodeports (different protocols)",
            |v| {
                node_port(v);
                add_port(v, port("q", 1, "TCP", 1));
                add_port(v, port("r", 2, "UDP", 1));
                add_port(v, port("s", 3, "SCTP", 1));
            },
            [out_of_range(1, 1), out_of_range(2, 1), out_of_range(3, 1)],
        ),
        case("TestValidateServiceCreate/valid type - cluster", |v| spec(v)["type"] = json!("ClusterIP"), none),
        case("TestValidateServiceCreate/valid type - nodeport", node_port, none),
        case(
            "TestValidateServiceCreate/valid type - loadbalancer with allocateLoadBalancerNodePorts=true",
            load_balancer,
            none,
        ),
        case(
            "TestValidateServiceCreate/valid type loadbalancer 2 ports (again)",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "TCP", 0));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid type loadbalancer with NodePort",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "TCP", 12345));
            },
            [out_of_range(1, 12345)],
        ),
        case(
            "TestValidateServiceCreate/valid type=NodePort service with NodePort",
            |v| {
                node_port(v);
                add_port(v, port("q", 12345, "TCP", 12345));
            },
            [out_of_range(1, 12345)],
        ),
        case(
            "TestValidateServiceCreate/valid type=NodePort service without NodePort",
            |v| {
                node_port(v);
                add_port(v, port("q", 12345, "TCP", 0));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid cluster service without NodePort",
            |v| add_port(v, port("q", 12345, "TCP", 0)),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid cluster service with NodePort",
            |v| add_port(v, port("q", 12345, "TCP", 12345)),
            ["spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
        ),
        case(
            "TestValidateServiceCreate/invalid public service with duplicate NodePort",
            |v| {
                node_port(v);
                add_port(v, port("p1", 1, "TCP", 1));
                add_port(v, port("p2", 2, "TCP", 1));
            },
            ["spec.ports[2].nodePort: Duplicate value: 1".to_string(), out_of_range(1, 1), out_of_range(2, 1)],
        ),
        case(
            "TestValidateServiceCreate/valid type=LoadBalancer",
            |v| {
                load_balancer(v);
                add_port(v, port("q", 12345, "TCP", 0));
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/valid port type=LoadBalancer",
            |v| {
                load_balancer(v);
                add_port(v, json!({"name": "kubelet", "port": 10250, "protocol": "TCP", "targetPort": 12345}));
            },
            none,
        ),
        case("TestValidateServiceCreate/valid ExternalName", |v| external_name(v, "foo.bar.example.com"), none),
        case(
            "TestValidateServiceCreate/valid ExternalName (trailing dot)",
            |v| external_name(v, "foo.bar.example.com."),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid ExternalName clusterIP (valid IP)",
            |v| {
                external_name(v, "foo.bar.example.com");
                cluster_ips(v, "1.2.3.4", &["1.2.3.4"]);
            },
            ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"],
        ),
        case(
            "TestValidateServiceCreate/invalid ExternalName clusterIP (None)",
            |v| {
                external_name(v, "foo.bar.example.com");
                cluster_ips(v, "None", &["None"]);
            },
            ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"],
        ),
        case(
            "TestValidateServiceCreate/invalid ExternalName (not a DNS name)",
            |v| external_name(v, "-123"),
            [format!("spec.externalName: Invalid value: \"-123\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/LoadBalancer type cannot have None ClusterIP",
            |v| {
                cluster_ips(v, "None", &["None"]);
                load_balancer(v);
            },
            ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"],
        ),
        case(
            "TestValidateServiceCreate/invalid node port with clusterIP None",
            |v| {
                node_port(v);
                add_port(v, port("q", 1, "TCP", 1));
                cluster_ips(v, "None", &["None"]);
            },
            [
                "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"
                    .to_string(),
                out_of_range(1, 1),
            ],
        ),
        case(
            "TestValidateServiceCreate/Use AllocateLoadBalancerNodePorts when type is not LoadBalancer",
            |v| spec(v)["allocateLoadBalancerNodePorts"] = json!(true),
            [format!("spec.allocateLoadBalancerNodePorts: {LB_ONLY}")],
        ),
        case(
            "TestValidateServiceCreate/valid LoadBalancerClass when type is LoadBalancer",
            |v| {
                load_balancer(v);
                spec(v)["loadBalancerClass"] = json!("test.com/test-load-balancer-class");
            },
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancerClass",
            |v| {
                load_balancer(v);
                spec(v)["loadBalancerClass"] = json!("Bad/LoadBalancerClass");
            },
            [format!("spec.loadBalancerClass: Invalid value: \"Bad/LoadBalancerClass\": prefix part {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid: set LoadBalancerClass when type is not LoadBalancer",
            |v| spec(v)["loadBalancerClass"] = json!("test.com/test-load-balancer-class"),
            [format!("spec.loadBalancerClass: {LB_ONLY}")],
        ),
    ]
}

pub(super) fn cluster_ips(v: &mut Value, ip: &str, ips: &[&str]) {
    spec(v)["clusterIP"] = json!(ip);
    spec(v)["clusterIPs"] = json!(ips);
}

fn external_name(v: &mut Value, name: &str) {
    spec(v)["type"] = json!("ExternalName");
    spec(v)["externalName"] = json!(name);
}

#[test]
fn validate_service_types() {
    check(type_cases(), |c| create(valid_service(), c.edit, &PodSecurityPolicy::default()));
}

fn source_range_cases() -> Vec<Case> {
    let none = [""; 0];
    vec![
        case(
            "TestValidateServiceCreate/valid LoadBalancer source range annotation",
            |v| lb_ranges_annotation(v, "1.2.3.0/24,  5.6.0.0/16"),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid empty LoadBalancer source range annotation",
            |v| lb_ranges_annotation(v, ""),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid whitespace-only LoadBalancer source range annotation",
            |v| lb_ranges_annotation(v, "  "),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancer source range annotation (hostname)",
            |v| lb_ranges_annotation(v, "foo.bar"),
            [format!("{RANGES}: Invalid value: \"foo.bar\": {CIDR_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancer source range annotation (invalid CIDR)",
            |v| lb_ranges_annotation(v, "1.2.3.4/33"),
            [format!("{RANGES}: Invalid value: \"1.2.3.4/33\": {CIDR_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancer source range annotation for non LoadBalancer type service",
            |v| annotate(v, "service.beta.kubernetes.io/load-balancer-source-ranges", "1.2.3.0/24"),
            [format!("{RANGES}: {LB_ONLY}")],
        ),
        case(
            "TestValidateServiceCreate/invalid empty-but-set LoadBalancer source range annotation for non LoadBalancer type service",
            |v| annotate(v, "service.beta.kubernetes.io/load-balancer-source-ranges", ""),
            [format!("{RANGES}: {LB_ONLY}")],
        ),
        case(
            "TestValidateServiceCreate/valid LoadBalancer source range",
            |v| lb_ranges(v, json!(["1.2.3.0/24", "5.6.0.0/16"])),
            none,
        ),
        case(
            "TestValidateServiceCreate/valid LoadBalancer source range with whitespace",
            |v| lb_ranges(v, json!(["1.2.3.0/24  ", " 5.6.0.0/16"])),
            none,
        ),
        case(
            "TestValidateServiceCreate/invalid empty LoadBalancer source range",
            |v| lb_ranges(v, json!(["   "])),
            [format!("spec.LoadBalancerSourceRanges[0]: Invalid value: \"\": {CIDR_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancer source range (hostname)",
            |v| lb_ranges(v, json!(["foo.bar"])),
            [format!("spec.LoadBalancerSourceRanges[0]: Invalid value: \"foo.bar\": {CIDR_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid LoadBalancer source range (invalid CIDR)",
            |v| lb_ranges(v, json!(["1.2.3.4/33"])),
            [format!("spec.LoadBalancerSourceRanges[0]: Invalid value: \"1.2.3.4/33\": {CIDR_MSG}")],
        ),
        case(
            "TestValidateServiceCreate/invalid source range for non LoadBalancer type service",
            |v| spec(v)["loadBalancerSourceRanges"] = json!(["1.2.3.0/24", "5.6.0.0/16"]),
            [format!("spec.LoadBalancerSourceRanges: {LB_ONLY}")],
        ),
        case(
            "TestValidateServiceCreate/invalid source range annotation ignored with valid source range field",
            |v| {
                lb_ranges_annotation(v, "foo.bar");
                spec(v)["loadBalancerSourceRanges"] = json!(["1.2.3.0/24", "5.6.0.0/16"]);
            },
            none,
        ),
    ]
}

fn lb_ranges_annotation(v: &mut Value, value: &str) {
    load_balancer(v);
    annotate(v, "service.beta.kubernetes.io/load-balancer-source-ranges", value);
}

fn lb_ranges(v: &mut Value, ranges: Value) {
    load_balancer(v);
    spec(v)["loadBalancerSourceRanges"] = ranges;
}

#[test]
fn validate_service_source_ranges() {
    check(source_range_cases(), |c| create(valid_service(), c.edit, &PodSecurityPolicy::default()));
}

fn traffic_cases() -> Vec<Case> {
    let none = [""; 0];
    vec![
        case(
            "TestValidateServiceCreate/invalid externalTraffic field",
            |v| {
                load_balancer(v);
                spec(v)["externalTrafficPolicy"] = json!("invalid");
            },
            ["spec.externalTrafficPolicy: Unsupported value: \"invalid\": supported values: \"Cluster\", \"Local\""],
        ),
        case(
            "TestValidateServiceCreate/internalTrafficPolicy field nil when type is ExternalName",
            |v| {
                spec(v)["internalTrafficPolicy"] = Value::Null;
                external_name(v, "foo.bar.com");
            },
            none,
        ),
        case("TestValidateServiceCreate/internalTrafficPolicy field is set when type is ExternalName", |v| external_name(v, "foo.bar.com"), none),
        case("TestValidateServiceCreate/invalid internalTraffic field", |v| spec(v)["internalTrafficPolicy"] = json!("invalid"), [
            "spec.internalTrafficPolicy: Unsupported value: \"invalid\": supported values: \"Cluster\", \"Local\"",
        ]),
        case("TestValidateServiceCreate/internalTrafficPolicy field set to Cluster", |v| spec(v)["internalTrafficPolicy"] = json!("Cluster"), none),
        case("TestValidateServiceCreate/internalTrafficPolicy field set to Local", |v| spec(v)["internalTrafficPolicy"] = json!("Local"), none),
        case("TestValidateServiceCreate/negative healthCheckNodePort field", |v| health_check(v, "Local", -1), [format!(
            "spec.healthCheckNodePort: Invalid value: -1: {PORT_RANGE_MSG}"
        )]),
        case("TestValidateServiceCreate/healthCheckNodePort 31100", |v| health_check(v, "Local", 31100), none),
        case(
            "TestValidateServiceCreate/invalid timeoutSeconds field",
            |v| {
                spec(v)["sessionAffinity"] = json!("ClientIP");
                spec(v)["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": -1}});
            },
            ["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: -1: must be greater than 0 and less than 86400"],
        ),
        case("TestValidateServiceCreate/valid: trafficDistribution field set to PreferClose", |v| spec(v)["trafficDistribution"] = json!("PreferClose"), none),
        case("TestValidateServiceCreate/invalid: trafficDistribution field set to Random", |v| spec(v)["trafficDistribution"] = json!("Random"), [
            "spec.trafficDistribution: Unsupported value: \"Random\": supported values: \"PreferClose\"",
        ]),
        case(
            "TestValidateServiceExternalTrafficPolicy/valid loadBalancer service with externalTrafficPolicy and healthCheckNodePort set",
            |v| health_check(v, "Local", 34567),
            none,
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/valid nodePort service with externalTrafficPolicy set",
            |v| {
                node_port(v);
                spec(v)["externalTrafficPolicy"] = json!("Local");
            },
            none,
        ),
        case("TestValidateServiceExternalTrafficPolicy/valid clusterIP service with none of externalTrafficPolicy and healthCheckNodePort set", |_| {}, none),
        case(
            "TestValidateServiceExternalTrafficPolicy/cannot set healthCheckNodePort field on loadBalancer service with externalTrafficPolicy!=Local",
            |v| health_check(v, "Cluster", 34567),
            [health_check_only()],
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/cannot set healthCheckNodePort field on nodePort service",
            |v| {
                node_port(v);
                spec(v)["externalTrafficPolicy"] = json!("Local");
                spec(v)["healthCheckNodePort"] = json!(34567);
            },
            [health_check_only()],
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/cannot set externalTrafficPolicy or healthCheckNodePort fields on clusterIP service",
            |v| {
                spec(v)["externalTrafficPolicy"] = json!("Local");
                spec(v)["healthCheckNodePort"] = json!(34567);
            },
            ["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services".to_string(), health_check_only()],
        ),
        case(
            "TestValidateServiceExternalTrafficPolicy/cannot set externalTrafficPolicy field on ExternalName service",
            |v| {
                external_name(v, "foo.bar.com");
                spec(v)["externalTrafficPolicy"] = json!("Local");
            },
            ["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"],
        ),
    ]
}

fn health_check(v: &mut Value, policy: &str, port: i32) {
    load_balancer(v);
    spec(v)["externalTrafficPolicy"] = json!(policy);
    spec(v)["healthCheckNodePort"] = json!(port);
}

fn health_check_only() -> String {
    "spec.healthCheckNodePort: Invalid value: 34567: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'".into()
}

#[test]
fn validate_service_traffic() {
    check(traffic_cases(), |c| create(valid_service(), c.edit, &PodSecurityPolicy::default()));
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
