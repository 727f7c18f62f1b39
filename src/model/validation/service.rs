//! Service validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidateService, plus the node-port range check of the port
//! allocator). Address fields are checked by `service_addresses`. Expects a defaulted
//! Service; never panics on any input.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::container::port_num_or_name;
use super::field::{BadValue, ErrorList, FieldError, FieldPath};
use super::names::{
    inclusive_range_error, invalid_each, is_dns1123_subdomain, is_valid_port_num, name_is_dns1035_label,
    validate_dns1123_label, validate_labels, validate_object_meta, validate_qualified_name,
};
use super::service_addresses::{
    has_cluster_ips, is_headless, validate_cluster_ips, validate_external_ips, validate_source_ranges,
};
use crate::model::defaults::externally_accessible;

/// The node ports a NodePort or LoadBalancer service may use (kube-apiserver's default
/// `--service-node-port-range`).
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;
/// `core.MaxClientIPServiceAffinitySeconds` (one day).
const MAX_AFFINITY_SECONDS: i32 = 86400;
const LB_ONLY: &str = "may only be used when `type` is 'LoadBalancer'";
/// `core.DeprecatedAnnotationTopologyAwareHints` and `core.AnnotationTopologyMode`.
const TOPOLOGY_HINTS_ANNOTATION: &str = "service.kubernetes.io/topology-aware-hints";
const TOPOLOGY_MODE_ANNOTATION: &str = "service.kubernetes.io/topology-mode";

/// `ValidateService` (name a DNS-1035 label, ports, selector, affinity, addresses, type,
/// traffic policies) followed by the node-port range check Kubernetes makes when allocating.
pub fn validate_service(svc: &Service) -> ErrorList {
    let mut errs = validate_object_meta(&svc.metadata, name_is_dns1035_label, &FieldPath::new("metadata"));
    errs.extend(validate_topology_annotations(&svc.metadata));
    let default_spec = ServiceSpec::default();
    let spec = svc.spec.as_ref().unwrap_or(&default_spec);
    let path = FieldPath::new("spec");
    let kind = spec.type_.as_deref().unwrap_or_default();
    let ports = spec.ports.as_deref().unwrap_or_default();
    if ports.is_empty() && !is_headless(spec) && kind != "ExternalName" {
        errs.push(FieldError::required(&path.child("ports"), ""));
    }
    errs.extend(validate_type_specific(spec, kind, &path));
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        errs.extend(validate_port(port, ports.len() > 1, &mut names, &path.child("ports").index(i)));
    }
    if spec.selector.is_some() {
        errs.extend(validate_labels(spec.selector.as_ref(), &path.child("selector")));
    }
    errs.extend(validate_affinity(spec, &path));
    if kind != "ExternalName" {
        errs.extend(validate_cluster_ips(spec, &path));
    }
    errs.extend(validate_external_ips(spec, &path));
    errs.extend(validate_type_and_ports(kind, ports, &path));
    errs.extend(validate_source_ranges(&svc.metadata, spec, &path));
    errs.extend(validate_traffic_policies(spec, kind, &path));
    errs.extend(validate_node_port_range(kind, ports, &path.child("ports")));
    errs
}

/// Both topology annotations may be given only when they agree.
fn validate_topology_annotations(meta: &ObjectMeta) -> Option<FieldError> {
    let annotations = meta.annotations.as_ref()?;
    let (hints, mode) = (annotations.get(TOPOLOGY_HINTS_ANNOTATION)?, annotations.get(TOPOLOGY_MODE_ANNOTATION)?);
    (hints != mode).then(|| {
        let field = FieldPath::new("metadata").child("annotations").key(TOPOLOGY_MODE_ANNOTATION);
        let detail = format!("must match annotations[{TOPOLOGY_HINTS_ANNOTATION}] when both are specified");
        FieldError::invalid(&field, mode.as_str(), &detail)
    })
}

fn validate_type_specific(spec: &ServiceSpec, kind: &str, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    match kind {
        "LoadBalancer" | "NodePort" if is_headless(spec) => {
            let detail = format!("may not be set to 'None' for {kind} services");
            errs.push(FieldError::invalid(&path.child("clusterIPs").index(0), "None", &detail));
        }
        "ExternalName" => {
            let forbidden = "may not be set for ExternalName services";
            if has_cluster_ips(spec) {
                errs.push(FieldError::forbidden(&path.child("clusterIPs"), forbidden));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(&path.child("ipFamilies"), forbidden));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(&path.child("ipFamilyPolicy"), forbidden));
            }
            let name = spec.external_name.as_deref().unwrap_or_default();
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(FieldError::required(&path.child("externalName"), ""));
            } else {
                errs.extend(invalid_each(&path.child("externalName"), cname, is_dns1123_subdomain(cname)));
            }
        }
        _ => {}
    }
    errs
}

/// `validateServicePort`: a name (required when there are several ports) that is a unique DNS
/// label, a port in 1..=65535, a supported protocol, a targetPort number or IANA name.
fn validate_port<'a>(
    port: &'a ServicePort,
    require_name: bool,
    names: &mut BTreeSet<&'a str>,
    path: &FieldPath,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = port.name.as_deref().unwrap_or_default();
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        errs.extend(validate_dns1123_label(name, &path.child("name")));
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&path.child("name"), name));
        }
    }
    if !(1..=65535).contains(&port.port) {
        errs.push(FieldError::invalid(&path.child("port"), port.port, &inclusive_range_error(1, 65535)));
    }
    let protocol = port.protocol.as_deref().unwrap_or_default();
    if protocol.is_empty() {
        errs.push(FieldError::required(&path.child("protocol"), ""));
    } else if !["SCTP", "TCP", "UDP"].contains(&protocol) {
        errs.push(FieldError::not_supported(&path.child("protocol"), protocol, &["SCTP", "TCP", "UDP"]));
    }
    let target = port.target_port.clone().unwrap_or(IntOrString::Int(0));
    errs.extend(port_num_or_name(&target, &path.child("targetPort")));
    if let Some(app_protocol) = port.app_protocol.as_deref() {
        errs.extend(validate_qualified_name(app_protocol, &path.child("appProtocol")));
    }
    errs
}

/// sessionAffinity None or ClientIP; ClientIP needs a timeout in 1..=86400, None forbids config.
fn validate_affinity(spec: &ServiceSpec, path: &FieldPath) -> ErrorList {
    let affinity = spec.session_affinity.as_deref().unwrap_or_default();
    let field = path.child("sessionAffinity");
    let config_path = path.child("sessionAffinityConfig");
    match affinity {
        "" => vec![FieldError::required(&field, "")],
        "ClientIP" => validate_client_ip_config(spec, &config_path),
        "None" if spec.session_affinity_config.is_some() => {
            vec![FieldError::forbidden(&config_path, "must not be set when session affinity is None")]
        }
        "None" => ErrorList::new(),
        other => vec![FieldError::not_supported(&field, other, &["ClientIP", "None"])],
    }
}

fn validate_client_ip_config(spec: &ServiceSpec, path: &FieldPath) -> ErrorList {
    let detail = "when session affinity type is ClientIP";
    let Some(config) = spec.session_affinity_config.as_ref() else {
        return vec![FieldError::required(path, detail)];
    };
    let client_path = path.child("clientIP");
    let Some(client) = config.client_ip.as_ref() else {
        return vec![FieldError::required(&client_path, detail)];
    };
    let timeout_path = client_path.child("timeoutSeconds");
    match client.timeout_seconds {
        None => vec![FieldError::required(&timeout_path, detail)],
        Some(t) if t <= 0 || t > MAX_AFFINITY_SECONDS => {
            let detail = format!("must be greater than 0 and less than {MAX_AFFINITY_SECONDS}");
            vec![FieldError::invalid(&timeout_path, t, &detail)]
        }
        Some(_) => ErrorList::new(),
    }
}

/// Type Required / supported, nodePorts only where allowed and unique per protocol, and no two
/// ports with the same protocol and number.
fn validate_type_and_ports(kind: &str, ports: &[ServicePort], path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if kind.is_empty() {
        errs.push(FieldError::required(&path.child("type"), ""));
    } else if !types.contains(&kind) {
        errs.push(FieldError::not_supported(&path.child("type"), kind, &types));
    }
    let ports_path = path.child("ports");
    let with_node_port =
        || ports.iter().enumerate().filter_map(|(i, p)| p.node_port.filter(|n| *n != 0).map(|n| (i, p, n)));
    if kind == "ClusterIP" {
        for (i, _, _) in with_node_port() {
            let field = ports_path.index(i).child("nodePort");
            errs.push(FieldError::forbidden(&field, "may not be used when `type` is 'ClusterIP'"));
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, port, node_port) in with_node_port() {
        if !node_ports.insert((port.protocol.as_deref().unwrap_or_default(), node_port)) {
            errs.push(FieldError::duplicate(&ports_path.index(i).child("nodePort"), node_port));
        }
    }
    let mut keys = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let protocol = port.protocol.as_deref().unwrap_or_default();
        if !keys.insert((protocol, port.port)) {
            errs.push(FieldError::duplicate(&ports_path.index(i), BadValue::Raw(port_key_json(protocol, port.port))));
        }
    }
    errs
}

/// The allocator's check: a NodePort or LoadBalancer nodePort must lie in [`NODE_PORT_RANGE`].
fn validate_node_port_range(kind: &str, ports: &[ServicePort], path: &FieldPath) -> ErrorList {
    if !matches!(kind, "NodePort" | "LoadBalancer") {
        return ErrorList::new();
    }
    let detail = format!(
        "provided port is not in the valid range. The range of valid ports is {}-{}",
        NODE_PORT_RANGE.start(),
        NODE_PORT_RANGE.end()
    );
    let out_of_range = ports.iter().enumerate().filter_map(|(i, p)| p.node_port.map(|n| (i, n)));
    out_of_range
        .filter(|(_, n)| *n != 0 && !NODE_PORT_RANGE.contains(n))
        .map(|(i, n)| FieldError::invalid(&path.index(i).child("nodePort"), n, &detail))
        .collect()
}

/// The internal `core.ServicePort` used as the duplicate key, as JSON (internal types have no
/// json tags, so Go field names appear).
fn port_key_json(protocol: &str, port: i32) -> String {
    let protocol = serde_json::Value::String(protocol.to_string());
    format!(
        "{{\"Name\":\"\",\"Protocol\":{protocol},\"AppProtocol\":null,\"Port\":{port},\"TargetPort\":0,\"NodePort\":0}}"
    )
}

/// LoadBalancer-only fields, externalTrafficPolicy, healthCheckNodePort, internalTrafficPolicy
/// and trafficDistribution.
fn validate_traffic_policies(spec: &ServiceSpec, kind: &str, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    if kind != "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_some() {
        errs.push(FieldError::forbidden(&path.child("allocateLoadBalancerNodePorts"), LB_ONLY));
    } else if kind == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        // Upstream reports this one without the `spec.` prefix.
        errs.push(FieldError::required(&FieldPath::new("allocateLoadBalancerNodePorts"), ""));
    }
    if let Some(class) = spec.load_balancer_class.as_deref() {
        let field = path.child("loadBalancerClass");
        if kind == "LoadBalancer" {
            errs.extend(validate_qualified_name(class, &field));
        } else {
            errs.push(FieldError::forbidden(&field, LB_ONLY));
        }
    }
    errs.extend(validate_external_traffic(spec, kind, path));
    errs.extend(validate_internal_traffic(spec, kind, path));
    if let Some(distribution) = spec.traffic_distribution.as_deref().filter(|d| *d != "PreferClose") {
        errs.push(FieldError::not_supported(&path.child("trafficDistribution"), distribution, &["PreferClose"]));
    }
    errs
}

fn validate_external_traffic(spec: &ServiceSpec, kind: &str, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let field = path.child("externalTrafficPolicy");
    let policy = spec.external_traffic_policy.as_deref().unwrap_or_default();
    if !externally_accessible(spec) {
        if !policy.is_empty() {
            errs.push(FieldError::invalid(&field, policy, "may only be set for externally-accessible services"));
        }
    } else if policy.is_empty() {
        errs.push(FieldError::required(&field, ""));
    } else if policy != "Cluster" && policy != "Local" {
        errs.push(FieldError::not_supported(&field, policy, &["Cluster", "Local"]));
    }
    // A LoadBalancer with policy Local and no port gets one allocated by Kubernetes before
    // validation; skiff serves no health check port, so it does not require one.
    let needs_health_check = kind == "LoadBalancer" && policy == "Local";
    let field = path.child("healthCheckNodePort");
    match spec.health_check_node_port.filter(|p| *p != 0) {
        Some(port) if !needs_health_check => {
            let detail = "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'";
            errs.push(FieldError::invalid(&field, port, detail));
        }
        Some(port) => {
            errs.extend(is_valid_port_num(i64::from(port)).iter().map(|m| FieldError::invalid(&field, port, m)))
        }
        None => {}
    }
    errs
}

fn validate_internal_traffic(spec: &ServiceSpec, kind: &str, path: &FieldPath) -> ErrorList {
    let field = path.child("internalTrafficPolicy");
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(kind, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            vec![FieldError::required(&field, "")]
        }
        Some(policy) if policy != "Cluster" && policy != "Local" => {
            vec![FieldError::not_supported(&field, policy, &["Cluster", "Local"])]
        }
        _ => ErrorList::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::defaults::default_service;
    use serde_json::{Value, json};

    fn web() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
        })
    }

    fn errors_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v = web();
        edit(&mut v);
        let mut svc: Service = serde_json::from_value(v).unwrap_or_else(|e| panic!("bad fixture: {e}"));
        default_service(&mut svc);
        validate_service(&svc).iter().map(ToString::to_string).collect()
    }

    const NONE: Vec<String> = Vec::new();

    #[test]
    fn valid_services() {
        assert_eq!(errors_after(|_| {}), NONE);
        assert_eq!(errors_after(|v| v["spec"]["type"] = json!("NodePort")), NONE);
        assert_eq!(
            errors_after(|v| {
                v["spec"]["type"] = json!("LoadBalancer");
                v["spec"]["ports"][0]["nodePort"] = json!(30080);
                v["spec"]["sessionAffinity"] = json!("ClientIP");
            }),
            NONE
        );
        assert_eq!(errors_after(|v| v["spec"] = json!({"clusterIP": "None", "selector": {"app": "db"}})), NONE);
        assert_eq!(
            errors_after(|v| v["spec"] = json!({"type": "ExternalName", "externalName": "db.example.com."})),
            NONE
        );
        assert_eq!(errors_after(|v| v["spec"]["clusterIP"] = json!("10.96.0.10")), NONE);
    }

    #[test]
    fn name_is_dns1035() {
        let e = errors_after(|v| v["metadata"]["name"] = json!("1web"));
        assert_eq!(
            e,
            vec![
                "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
    }

    #[test]
    fn type_supported() {
        let e = errors_after(|v| v["spec"]["type"] = json!("Ingress"));
        assert_eq!(
            e,
            vec![
                "spec.type: Unsupported value: \"Ingress\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
            ]
        );
    }

    #[test]
    fn ports_required() {
        let e = errors_after(|v| v["spec"]["ports"] = json!([]));
        assert_eq!(e, vec!["spec.ports: Required value"]);
    }

    #[test]
    fn port_rules() {
        let e = errors_after(|v| v["spec"]["ports"][0]["port"] = json!(0));
        assert_eq!(e, vec!["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]);
        let e = errors_after(|v| v["spec"]["ports"][0]["targetPort"] = json!(70000));
        assert_eq!(e, vec!["spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]);
        let e = errors_after(|v| v["spec"]["ports"][0]["targetPort"] = json!("web--http"));
        assert_eq!(
            e,
            vec!["spec.ports[0].targetPort: Invalid value: \"web--http\": must not contain consecutive hyphens"]
        );
        let e = errors_after(|v| v["spec"]["ports"][0]["protocol"] = json!("HTTP"));
        assert_eq!(
            e,
            vec!["spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""]
        );
        let e = errors_after(|v| v["spec"]["ports"][0]["appProtocol"] = json!("bad/proto/col"));
        assert!(e[0].starts_with("spec.ports[0].appProtocol: Invalid value: \"bad/proto/col\": a qualified name"));
    }

    #[test]
    fn port_names() {
        let e = errors_after(|v| v["spec"]["ports"] = json!([{"port": 80}, {"port": 443}]));
        assert_eq!(e, vec!["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"]);
        let e =
            errors_after(|v| v["spec"]["ports"] = json!([{"name": "web", "port": 80}, {"name": "web", "port": 443}]));
        assert_eq!(e, vec!["spec.ports[1].name: Duplicate value: \"web\""]);
        let e = errors_after(|v| v["spec"]["ports"][0]["name"] = json!("Web"));
        assert!(e[0].starts_with("spec.ports[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label"));
        let e = errors_after(|v| v["spec"]["ports"] = json!([{"name": "a", "port": 80}, {"name": "b", "port": 80}]));
        assert_eq!(
            e,
            vec![
                "spec.ports[1]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}"
            ]
        );
        let both = json!([{"name": "a", "port": 53}, {"name": "b", "port": 53, "protocol": "UDP"}]);
        assert_eq!(errors_after(|v| v["spec"]["ports"] = both), NONE);
    }

    #[test]
    fn node_ports() {
        let e = errors_after(|v| v["spec"]["ports"][0]["nodePort"] = json!(30080));
        assert_eq!(e, vec!["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
        let e = errors_after(|v| {
            v["spec"]["type"] = json!("NodePort");
            v["spec"]["ports"][0]["nodePort"] = json!(80);
        });
        assert_eq!(
            e,
            vec![
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"
            ]
        );
        let e = errors_after(|v| {
            v["spec"]["type"] = json!("NodePort");
            v["spec"]["ports"] =
                json!([{"name": "a", "port": 80, "nodePort": 30001}, {"name": "b", "port": 81, "nodePort": 30001}]);
        });
        assert_eq!(e, vec!["spec.ports[1].nodePort: Duplicate value: 30001"]);
    }

    #[test]
    fn session_affinity() {
        let e = errors_after(|v| v["spec"]["sessionAffinity"] = json!("Cookie"));
        assert_eq!(
            e,
            vec!["spec.sessionAffinity: Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\""]
        );
        for bad in [0, 86401] {
            let e = errors_after(|v| {
                v["spec"]["sessionAffinity"] = json!("ClientIP");
                v["spec"]["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": bad}});
            });
            assert_eq!(
                e,
                vec![format!(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: {bad}: must be greater than 0 and less than 86400"
                )]
            );
        }
        let mut raw: Service = serde_json::from_value(web()).unwrap_or_default();
        default_service(&mut raw);
        if let Some(spec) = raw.spec.as_mut() {
            spec.session_affinity_config = Some(Default::default());
        }
        assert_eq!(
            validate_service(&raw)[0].to_string(),
            "spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"
        );
    }

    #[test]
    fn cluster_ips_and_external_ips() {
        let e = errors_after(|v| v["spec"]["clusterIP"] = json!("10.0.0.300"));
        assert_eq!(
            e,
            vec![
                "spec.clusterIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            ]
        );
        let e = errors_after(|v| {
            v["spec"]["clusterIP"] = json!("10.0.0.1");
            v["spec"]["clusterIPs"] = json!(["10.0.0.2"]);
        });
        assert_eq!(e, vec!["spec.clusterIPs: Invalid value: [\"10.0.0.2\"]: first value must match `clusterIP`"]);
        let e = errors_after(|v| {
            v["spec"]["type"] = json!("NodePort");
            v["spec"]["clusterIP"] = json!("None");
        });
        assert_eq!(
            e,
            vec!["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]
        );
        let e = errors_after(|v| v["spec"]["externalIPs"] = json!(["1.2.3.4", "nope"]));
        assert_eq!(
            e,
            vec![
                "spec.externalIPs[1]: Invalid value: \"nope\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            ]
        );
    }

    #[test]
    fn external_name() {
        let e = errors_after(|v| v["spec"] = json!({"type": "ExternalName"}));
        assert_eq!(e, vec!["spec.externalName: Required value"]);
        let e = errors_after(|v| {
            v["spec"] = json!({"type": "ExternalName", "externalName": "Bad_Name", "clusterIP": "10.0.0.1"})
        });
        assert_eq!(e[0], "spec.clusterIPs: Forbidden: may not be set for ExternalName services");
        assert!(e[1].starts_with("spec.externalName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"));
    }

    #[test]
    fn traffic_policies() {
        let e = errors_after(|v| v["spec"]["externalTrafficPolicy"] = json!("Local"));
        assert_eq!(
            e,
            vec![
                "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"
            ]
        );
        let e = errors_after(|v| {
            v["spec"]["type"] = json!("NodePort");
            v["spec"]["externalTrafficPolicy"] = json!("Nearest");
            v["spec"]["internalTrafficPolicy"] = json!("Nearest");
        });
        assert_eq!(
            e,
            vec![
                "spec.externalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\"",
                "spec.internalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\"",
            ]
        );
        let e = errors_after(|v| {
            v["spec"]["allocateLoadBalancerNodePorts"] = json!(false);
            v["spec"]["loadBalancerSourceRanges"] = json!(["10.0.0.0/8"]);
            v["spec"]["healthCheckNodePort"] = json!(30500);
            v["spec"]["trafficDistribution"] = json!("Anywhere");
        });
        assert_eq!(
            e,
            vec![
                "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
                "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
                "spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
                "spec.trafficDistribution: Unsupported value: \"Anywhere\": supported values: \"PreferClose\"",
            ]
        );
    }

    #[test]
    fn undefaulted_service_reports_required_fields() {
        let svc: Service = serde_json::from_value(
            json!({"metadata": {"name": "x"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}),
        )
        .unwrap_or_default();
        let e: Vec<String> = validate_service(&svc).iter().map(ToString::to_string).collect();
        assert_eq!(
            e,
            vec![
                "spec.ports[0].protocol: Required value",
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.sessionAffinity: Required value",
                "allocateLoadBalancerNodePorts: Required value",
                "spec.externalTrafficPolicy: Required value",
                "spec.internalTrafficPolicy: Required value",
            ]
        );
        assert_eq!(
            validate_service(&Service::default())[0].to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
    }
}
