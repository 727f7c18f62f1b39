//! `pkg/apis/core/validation/validation_test.go`: the type, node port, ExternalName,
//! LoadBalancer, source range and traffic policy cases of TestValidateServiceCreate, and
//! TestValidateServiceExternalTrafficPolicy (see `service` for what skiff answers
//! differently, on purpose).

use serde_json::{Value, json};

use super::service::{
    LB_ONLY, RANGES, add_port, annotate, cluster_ips, external_name, load_balancer, node_port, out_of_range, port,
    spec, valid_service,
};
use super::{CIDR_MSG, Case, PORT_RANGE_MSG, SUBDOMAIN_MSG, case, check, create};
use crate::model::validation::PodSecurityPolicy;

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
