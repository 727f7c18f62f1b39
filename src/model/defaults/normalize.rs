//! The canonical form of metadata and pod templates, without defaults: what a Go client would
//! send back after a decode and re-encode (see the parent module).

use k8s_openapi::api::core::v1::{
    Container, HTTPGetAction, LifecycleHandler, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{none_if_empty_map, none_if_empty_str, none_if_empty_vec, none_if_false, none_if_zero};

/// Make a template canonical for comparison without applying defaults: empty lists and maps
/// become absent, `omitempty` zero scalars become absent, `metadata` is always present.
pub fn normalize_template(t: &mut PodTemplateSpec) {
    normalize_meta(t.metadata.get_or_insert_with(Default::default));
    if let Some(spec) = t.spec.as_mut() {
        normalize_pod_spec(spec);
    }
}

pub(super) fn normalize_meta(m: &mut ObjectMeta) {
    none_if_empty_map(&mut m.labels);
    none_if_empty_map(&mut m.annotations);
    none_if_empty_vec(&mut m.finalizers);
    none_if_empty_vec(&mut m.owner_references);
    none_if_empty_vec(&mut m.managed_fields);
    for s in [&mut m.name, &mut m.generate_name, &mut m.namespace, &mut m.uid, &mut m.resource_version] {
        none_if_empty_str(s);
    }
    if m.generation == Some(0) {
        m.generation = None;
    }
}

pub(super) fn normalize_pod_spec(s: &mut PodSpec) {
    none_if_empty_vec(&mut s.ephemeral_containers);
    none_if_empty_vec(&mut s.host_aliases);
    none_if_empty_vec(&mut s.image_pull_secrets);
    none_if_empty_vec(&mut s.init_containers);
    none_if_empty_map(&mut s.node_selector);
    none_if_empty_map(&mut s.overhead);
    none_if_empty_vec(&mut s.readiness_gates);
    none_if_empty_vec(&mut s.resource_claims);
    none_if_empty_vec(&mut s.scheduling_gates);
    none_if_empty_vec(&mut s.tolerations);
    none_if_empty_vec(&mut s.topology_spread_constraints);
    none_if_empty_vec(&mut s.volumes);
    for b in [&mut s.host_network, &mut s.host_pid, &mut s.host_ipc] {
        none_if_false(b);
    }
    let strings = [
        &mut s.dns_policy,
        &mut s.restart_policy,
        &mut s.scheduler_name,
        &mut s.service_account_name,
        &mut s.service_account,
        &mut s.node_name,
        &mut s.hostname,
        &mut s.subdomain,
        &mut s.priority_class_name,
    ];
    strings.into_iter().for_each(none_if_empty_str);
    normalize_pod_security(s);
    let init = s.init_containers.iter_mut().flatten();
    s.containers.iter_mut().chain(init).for_each(normalize_container);
    s.volumes.iter_mut().flatten().for_each(normalize_volume);
}

fn normalize_pod_security(s: &mut PodSpec) {
    if let Some(sc) = s.security_context.as_mut() {
        none_if_empty_vec(&mut sc.supplemental_groups);
        none_if_empty_vec(&mut sc.sysctls);
    }
}

fn normalize_container(c: &mut Container) {
    none_if_empty_vec(&mut c.args);
    none_if_empty_vec(&mut c.command);
    none_if_empty_vec(&mut c.env);
    none_if_empty_vec(&mut c.env_from);
    none_if_empty_vec(&mut c.ports);
    none_if_empty_vec(&mut c.resize_policy);
    none_if_empty_vec(&mut c.volume_devices);
    none_if_empty_vec(&mut c.volume_mounts);
    for b in [&mut c.stdin, &mut c.stdin_once, &mut c.tty] {
        none_if_false(b);
    }
    let strings = [
        &mut c.image,
        &mut c.working_dir,
        &mut c.image_pull_policy,
        &mut c.termination_message_path,
        &mut c.termination_message_policy,
    ];
    strings.into_iter().for_each(none_if_empty_str);
    if let Some(r) = c.resources.as_mut() {
        normalize_resources(r);
    }
    normalize_container_parts(c);
}

fn normalize_container_parts(c: &mut Container) {
    for port in c.ports.iter_mut().flatten() {
        none_if_zero(&mut port.host_port);
        none_if_empty_str(&mut port.name);
        none_if_empty_str(&mut port.host_ip);
    }
    for env in c.env.iter_mut().flatten() {
        none_if_empty_str(&mut env.value);
    }
    for mount in c.volume_mounts.iter_mut().flatten() {
        none_if_false(&mut mount.read_only);
        none_if_empty_str(&mut mount.sub_path);
        none_if_empty_str(&mut mount.sub_path_expr);
    }
    let probes = [&mut c.liveness_probe, &mut c.readiness_probe, &mut c.startup_probe];
    probes.into_iter().flatten().for_each(normalize_probe);
    if let Some(l) = c.lifecycle.as_mut() {
        [&mut l.post_start, &mut l.pre_stop].into_iter().flatten().for_each(normalize_handler);
    }
    if let Some(caps) = c.security_context.as_mut().and_then(|sc| sc.capabilities.as_mut()) {
        none_if_empty_vec(&mut caps.add);
        none_if_empty_vec(&mut caps.drop);
    }
}

fn normalize_resources(r: &mut ResourceRequirements) {
    none_if_empty_map(&mut r.limits);
    none_if_empty_map(&mut r.requests);
    none_if_empty_vec(&mut r.claims);
}

fn normalize_probe(p: &mut Probe) {
    let numbers = [
        &mut p.initial_delay_seconds,
        &mut p.timeout_seconds,
        &mut p.period_seconds,
        &mut p.success_threshold,
        &mut p.failure_threshold,
    ];
    numbers.into_iter().for_each(none_if_zero);
    if let Some(exec) = p.exec.as_mut() {
        none_if_empty_vec(&mut exec.command);
    }
    if let Some(http) = p.http_get.as_mut() {
        normalize_http_get(http);
    }
    if let Some(tcp) = p.tcp_socket.as_mut() {
        none_if_empty_str(&mut tcp.host);
    }
}

fn normalize_handler(h: &mut LifecycleHandler) {
    if let Some(exec) = h.exec.as_mut() {
        none_if_empty_vec(&mut exec.command);
    }
    if let Some(http) = h.http_get.as_mut() {
        normalize_http_get(http);
    }
    if let Some(tcp) = h.tcp_socket.as_mut() {
        none_if_empty_str(&mut tcp.host);
    }
}

fn normalize_http_get(http: &mut HTTPGetAction) {
    none_if_empty_vec(&mut http.http_headers);
    none_if_empty_str(&mut http.host);
    none_if_empty_str(&mut http.path);
    none_if_empty_str(&mut http.scheme);
}

fn normalize_volume(v: &mut Volume) {
    if let Some(secret) = v.secret.as_mut() {
        none_if_empty_vec(&mut secret.items);
    }
    if let Some(config_map) = v.config_map.as_mut() {
        none_if_empty_vec(&mut config_map.items);
    }
    if let Some(empty_dir) = v.empty_dir.as_mut() {
        none_if_empty_str(&mut empty_dir.medium);
    }
}
