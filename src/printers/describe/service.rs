//! `kubectl describe service`, with the endpoints of its EndpointSlices.

use super::*;

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
pub(super) fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}
