//! core/v1 defaulting of Services, and their canonical form.

use k8s_openapi::api::core::v1::{Service, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::normalize::normalize_meta;
use super::{default_str, none_if_empty_map, none_if_empty_str, none_if_empty_vec, none_if_false, none_if_zero};

/// `v1.DefaultClientIPServiceAffinitySeconds` (3 hours).
const DEFAULT_CLIENT_IP_TIMEOUT: i32 = 10800;

/// core/v1 `SetDefaults_Service`: type ClusterIP, sessionAffinity None (ClientIP gets a 10800 s
/// timeout), port protocol TCP, targetPort = port, internalTrafficPolicy Cluster,
/// externalTrafficPolicy Cluster for externally reachable services, and
/// allocateLoadBalancerNodePorts true for LoadBalancer.
pub fn default_service(svc: &mut Service) {
    normalize_meta(&mut svc.metadata);
    let spec = svc.spec.get_or_insert_with(Default::default);
    default_session_affinity(spec);
    default_str(&mut spec.type_, "ClusterIP");
    for port in spec.ports.iter_mut().flatten() {
        default_str(&mut port.protocol, "TCP");
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(i)) => *i == 0,
            Some(IntOrString::String(s)) => s.is_empty(),
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
        none_if_zero(&mut port.node_port);
        none_if_empty_str(&mut port.name);
    }
    let kind = spec.type_.as_deref().unwrap_or_default();
    if externally_accessible(spec) {
        default_str(&mut spec.external_traffic_policy, "Cluster");
    }
    if matches!(kind, "NodePort" | "LoadBalancer" | "ClusterIP") {
        spec.internal_traffic_policy.get_or_insert_with(|| "Cluster".to_string());
    }
    if kind == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
    }
    normalize_service_spec(spec);
}

fn default_session_affinity(spec: &mut ServiceSpec) {
    default_str(&mut spec.session_affinity, "None");
    match spec.session_affinity.as_deref() {
        Some("None") => spec.session_affinity_config = None,
        Some("ClientIP") => {
            let has_timeout = spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .is_some_and(|c| c.timeout_seconds.is_some());
            if !has_timeout {
                spec.session_affinity_config = Some(k8s_openapi::api::core::v1::SessionAffinityConfig {
                    client_ip: Some(k8s_openapi::api::core::v1::ClientIPConfig {
                        timeout_seconds: Some(DEFAULT_CLIENT_IP_TIMEOUT),
                    }),
                });
            }
        }
        _ => {}
    }
}

/// `service.ExternallyAccessible`: NodePort, LoadBalancer, or ClusterIP with externalIPs.
pub fn externally_accessible(spec: &ServiceSpec) -> bool {
    match spec.type_.as_deref() {
        Some("NodePort" | "LoadBalancer") => true,
        Some("ClusterIP") => spec.external_ips.as_ref().is_some_and(|ips| !ips.is_empty()),
        _ => false,
    }
}

fn normalize_service_spec(spec: &mut ServiceSpec) {
    none_if_empty_map(&mut spec.selector);
    none_if_empty_vec(&mut spec.ports);
    none_if_empty_vec(&mut spec.external_ips);
    none_if_empty_vec(&mut spec.load_balancer_source_ranges);
    none_if_false(&mut spec.publish_not_ready_addresses);
    none_if_empty_str(&mut spec.external_name);
    none_if_empty_str(&mut spec.load_balancer_ip);
    none_if_zero(&mut spec.health_check_node_port);
}
