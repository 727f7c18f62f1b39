//! Kubernetes defaulting (`SetDefaults_*` of apps/v1 and core/v1) on the k8s-openapi types, and
//! the normalisation that makes stored objects canonical: applied on every create and update so
//! that two templates Kubernetes would call equal are `==` here. Pure; never fails.
//!
//! Canonical means what a Go client would send back after decoding and re-encoding the object:
//! Go's DeepEqual (apimachinery `Semantic`) treats nil and empty slices and maps alike, and
//! `omitempty` drops `0`, `false` and `""` scalars, so both become `None` here. Struct-typed
//! fields (`resources: {}`, `securityContext: {}`, `emptyDir: {}`) are kept as `Some`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, ReplicaSet};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, HTTPGetAction, Lifecycle, LifecycleHandler, Pod, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Service, ServiceSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::image::pull_policy_for;
use crate::model::quantity_format::canonical_quantity;

/// `v1.DefaultTerminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// `v1.DefaultClientIPServiceAffinitySeconds` (3 hours).
const DEFAULT_CLIENT_IP_TIMEOUT: i32 = 10800;

/// Default file mode of configMap, downwardAPI and projected volumes (0644). Secret volumes get
/// no default here: without an explicit `defaultMode` skiff writes their files 0400 (see
/// `kubelet::volumes::payload`), where Kubernetes would default to 0644.
const DEFAULT_VOLUME_MODE: i32 = 0o644;

/// apps/v1 `SetDefaults_Deployment`: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600, then the pod template.
pub fn default_deployment(d: &mut Deployment) {
    normalize_meta(&mut d.metadata);
    let spec = d.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    none_if_zero(&mut spec.min_ready_seconds);
    none_if_false(&mut spec.paused);
    default_strategy(spec.strategy.get_or_insert_with(Default::default));
    default_pod_template(&mut spec.template);
}

fn default_strategy(strategy: &mut DeploymentStrategy) {
    if strategy.type_.as_deref().is_none_or(str::is_empty) {
        strategy.type_ = Some("RollingUpdate".to_string());
    }
    // Only RollingUpdate gets a `rollingUpdate` block; one next to any other type is left for
    // validation to refuse, as Kubernetes does.
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(Default::default);
        let quarter = || IntOrString::String("25%".to_string());
        rolling.max_unavailable.get_or_insert_with(quarter);
        rolling.max_surge.get_or_insert_with(quarter);
    }
}

/// apps/v1 `SetDefaults_ReplicaSet`: replicas 1, then the pod template.
pub fn default_replicaset(rs: &mut ReplicaSet) {
    normalize_meta(&mut rs.metadata);
    let spec = rs.spec.get_or_insert_with(Default::default);
    spec.replicas.get_or_insert(1);
    none_if_zero(&mut spec.min_ready_seconds);
    default_pod_template(spec.template.get_or_insert_with(Default::default));
}

/// Pod-spec defaults for a template (no Pod-only defaults such as `enableServiceLinks`), then
/// [`normalize_template`].
pub fn default_pod_template(t: &mut PodTemplateSpec) {
    default_pod_spec(t.spec.get_or_insert_with(Default::default));
    normalize_template(t);
}

/// core/v1 `SetDefaults_Pod` and `SetDefaults_PodSpec`: besides the spec defaults, requests
/// default to limits, `enableServiceLinks` to true, and with host networking every port's
/// hostPort to its containerPort.
pub fn default_pod(pod: &mut Pod) {
    normalize_meta(&mut pod.metadata);
    let spec = pod.spec.get_or_insert_with(Default::default);
    default_pod_spec(spec);
    let init = spec.init_containers.iter_mut().flatten();
    for c in spec.containers.iter_mut().chain(init) {
        requests_from_limits(c);
    }
    spec.enable_service_links.get_or_insert(true);
    if spec.host_network == Some(true) {
        default_host_network_ports(spec);
    }
    normalize_pod_spec(spec);
}

fn requests_from_limits(c: &mut Container) {
    let Some(resources) = c.resources.as_mut() else {
        return;
    };
    let Some(limits) = resources.limits.as_ref() else {
        return;
    };
    let requests = resources.requests.get_or_insert_with(BTreeMap::new);
    for (name, limit) in limits {
        requests.entry(name.clone()).or_insert_with(|| limit.clone());
    }
}

fn default_host_network_ports(spec: &mut PodSpec) {
    let init = spec.init_containers.iter_mut().flatten();
    for c in spec.containers.iter_mut().chain(init) {
        for port in c.ports.iter_mut().flatten() {
            if port.host_port.is_none_or(|p| p == 0) {
                port.host_port = Some(port.container_port);
            }
        }
    }
}

fn default_pod_spec(spec: &mut PodSpec) {
    default_str(&mut spec.dns_policy, "ClusterFirst");
    default_str(&mut spec.restart_policy, "Always");
    default_str(&mut spec.scheduler_name, "default-scheduler");
    spec.security_context.get_or_insert_with(Default::default);
    spec.termination_grace_period_seconds.get_or_insert(DEFAULT_GRACE_SECONDS);
    let init = spec.init_containers.iter_mut().flatten();
    spec.containers.iter_mut().chain(init).for_each(default_container);
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume(volume);
    }
}

fn default_container(c: &mut Container) {
    if c.image_pull_policy.as_deref().is_none_or(str::is_empty) {
        c.image_pull_policy = Some(pull_policy_for(c.image.as_deref().unwrap_or_default()).to_string());
    }
    default_str(&mut c.termination_message_path, "/dev/termination-log");
    default_str(&mut c.termination_message_policy, "File");
    canonicalize_resources(c.resources.get_or_insert_with(Default::default));
    c.ports.iter_mut().flatten().for_each(default_port);
    let probes = [&mut c.liveness_probe, &mut c.readiness_probe, &mut c.startup_probe];
    probes.into_iter().flatten().for_each(default_probe);
    if let Some(lifecycle) = c.lifecycle.as_mut() {
        default_lifecycle(lifecycle);
    }
    for env in c.env.iter_mut().flatten() {
        default_env_var(env);
    }
}

/// `SetDefaults_ResourceList` (round up to milli units) and the canonical text the API
/// server would store; quantities that do not parse are left for validation to report.
fn canonicalize_resources(r: &mut ResourceRequirements) {
    for list in [&mut r.limits, &mut r.requests].into_iter().flatten() {
        for q in list.values_mut() {
            if let Some(canonical) = canonical_quantity(&q.0) {
                q.0 = canonical;
            }
        }
    }
}

fn default_port(port: &mut ContainerPort) {
    default_str(&mut port.protocol, "TCP");
}

/// `SetDefaults_Probe` (timeout 1, period 10, success 1, failure 3 when 0 or absent) and the
/// HTTPGetAction defaults. `initialDelaySeconds` keeps its value.
fn default_probe(p: &mut Probe) {
    default_nonzero(&mut p.timeout_seconds, 1);
    default_nonzero(&mut p.period_seconds, 10);
    default_nonzero(&mut p.success_threshold, 1);
    default_nonzero(&mut p.failure_threshold, 3);
    if let Some(http) = p.http_get.as_mut() {
        default_http_get(http);
    }
}

fn default_lifecycle(l: &mut Lifecycle) {
    for handler in [&mut l.post_start, &mut l.pre_stop].into_iter().flatten() {
        if let Some(http) = handler.http_get.as_mut() {
            default_http_get(http);
        }
    }
}

/// `SetDefaults_HTTPGetAction`: path `/`, scheme HTTP.
fn default_http_get(http: &mut HTTPGetAction) {
    default_str(&mut http.path, "/");
    default_str(&mut http.scheme, "HTTP");
}

/// `SetDefaults_ObjectFieldSelector`: a downward-API fieldRef without apiVersion means v1.
fn default_env_var(env: &mut EnvVar) {
    let field_ref = env.value_from.as_mut().and_then(|v| v.field_ref.as_mut());
    if let Some(field_ref) = field_ref {
        default_str(&mut field_ref.api_version, "v1");
    }
}

/// `SetDefaults_Volume` and the volume-source defaults: no source means `emptyDir: {}`.
fn default_volume(v: &mut Volume) {
    if !has_volume_source(v) {
        v.empty_dir = Some(Default::default());
    }
    if let Some(host_path) = v.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
    if let Some(config_map) = v.config_map.as_mut() {
        config_map.default_mode.get_or_insert(DEFAULT_VOLUME_MODE);
    }
    if let Some(downward) = v.downward_api.as_mut() {
        downward.default_mode.get_or_insert(DEFAULT_VOLUME_MODE);
    }
    if let Some(projected) = v.projected.as_mut() {
        projected.default_mode.get_or_insert(DEFAULT_VOLUME_MODE);
    }
}

/// True when any volume source is set.
pub fn has_volume_source(v: &Volume) -> bool {
    volume_source_names(v).next().is_some()
}

/// The JSON names of the sources set on a volume, in Kubernetes' validation order.
pub fn volume_source_names(v: &Volume) -> impl Iterator<Item = &'static str> {
    let set = [
        ("emptyDir", v.empty_dir.is_some()),
        ("hostPath", v.host_path.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("secret", v.secret.is_some()),
        ("nfs", v.nfs.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("flocker", v.flocker.is_some()),
        ("persistentVolumeClaim", v.persistent_volume_claim.is_some()),
        ("rbd", v.rbd.is_some()),
        ("cinder", v.cinder.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("downwardAPI", v.downward_api.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("configMap", v.config_map.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("storageos", v.storageos.is_some()),
        ("projected", v.projected.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("csi", v.csi.is_some()),
        ("ephemeral", v.ephemeral.is_some()),
        ("image", v.image.is_some()),
    ];
    set.into_iter().filter(|(_, on)| *on).map(|(name, _)| name)
}

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

/// Make a template canonical for comparison without applying defaults: empty lists and maps
/// become absent, `omitempty` zero scalars become absent, `metadata` is always present.
pub fn normalize_template(t: &mut PodTemplateSpec) {
    normalize_meta(t.metadata.get_or_insert_with(Default::default));
    if let Some(spec) = t.spec.as_mut() {
        normalize_pod_spec(spec);
    }
}

fn normalize_meta(m: &mut ObjectMeta) {
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

fn normalize_pod_spec(s: &mut PodSpec) {
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

fn default_str(field: &mut Option<String>, value: &str) {
    if field.as_deref().is_none_or(str::is_empty) {
        *field = Some(value.to_string());
    }
}

fn default_nonzero(field: &mut Option<i32>, value: i32) {
    if field.is_none_or(|v| v == 0) {
        *field = Some(value);
    }
}

fn none_if_empty_vec<T>(field: &mut Option<Vec<T>>) {
    if field.as_ref().is_some_and(Vec::is_empty) {
        *field = None;
    }
}

fn none_if_empty_map<K, V>(field: &mut Option<BTreeMap<K, V>>) {
    if field.as_ref().is_some_and(BTreeMap::is_empty) {
        *field = None;
    }
}

fn none_if_empty_str(field: &mut Option<String>) {
    if field.as_deref() == Some("") {
        *field = None;
    }
}

fn none_if_false(field: &mut Option<bool>) {
    if *field == Some(false) {
        *field = None;
    }
}

fn none_if_zero(field: &mut Option<i32>) {
    if *field == Some(0) {
        *field = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(v: serde_json::Value) -> Deployment {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("bad fixture: {e}"))
    }

    fn minimal() -> Deployment {
        deployment(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "web", "image": "nginx:1.25",
                        "ports": [{"containerPort": 80}],
                        "readinessProbe": {"httpGet": {"port": 80}, "initialDelaySeconds": 0}
                    }]}
                }
            }
        }))
    }

    fn spec_of(d: &Deployment) -> &k8s_openapi::api::apps::v1::DeploymentSpec {
        d.spec.as_ref().unwrap_or_else(|| panic!("no spec"))
    }

    #[test]
    fn deployment_defaults() {
        let mut d = minimal();
        default_deployment(&mut d);
        let spec = spec_of(&d);
        assert_eq!(spec.replicas, Some(1));
        assert_eq!(spec.revision_history_limit, Some(10));
        assert_eq!(spec.progress_deadline_seconds, Some(600));
        let strategy = serde_json::to_value(&spec.strategy).unwrap_or_default();
        assert_eq!(
            strategy,
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
    }

    #[test]
    fn explicit_values_are_kept() {
        let mut d = minimal();
        if let Some(spec) = d.spec.as_mut() {
            spec.replicas = Some(0);
            spec.revision_history_limit = Some(0);
            spec.strategy = Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(k8s_openapi::api::apps::v1::RollingUpdateDeployment {
                    max_surge: Some(IntOrString::Int(2)),
                    max_unavailable: None,
                }),
            });
        }
        default_deployment(&mut d);
        let spec = spec_of(&d);
        assert_eq!((spec.replicas, spec.revision_history_limit), (Some(0), Some(0)));
        let ru = spec.strategy.as_ref().and_then(|s| s.rolling_update.as_ref());
        assert_eq!(ru.and_then(|r| r.max_surge.clone()), Some(IntOrString::Int(2)));
        assert_eq!(ru.and_then(|r| r.max_unavailable.clone()), Some(IntOrString::String("25%".into())));
    }

    #[test]
    fn only_rolling_update_gets_a_rolling_update_block() {
        let mut d = minimal();
        if let Some(spec) = d.spec.as_mut() {
            spec.strategy =
                Some(DeploymentStrategy { type_: Some("Recreate".into()), rolling_update: Some(Default::default()) });
        }
        default_deployment(&mut d);
        let strategy = spec_of(&d).strategy.clone().unwrap_or_default();
        assert_eq!(strategy.type_.as_deref(), Some("Recreate"));
        assert_eq!(strategy.rolling_update, Some(Default::default()), "kept for validation to refuse");
        let mut unknown = minimal();
        if let Some(spec) = unknown.spec.as_mut() {
            spec.strategy = Some(DeploymentStrategy { type_: Some("BlueGreen".into()), rolling_update: None });
        }
        default_deployment(&mut unknown);
        assert_eq!(spec_of(&unknown).strategy.as_ref().and_then(|s| s.rolling_update.clone()), None);
    }

    #[test]
    fn pod_spec_and_container_defaults() {
        let mut d = minimal();
        default_deployment(&mut d);
        let template = serde_json::to_value(&spec_of(&d).template).unwrap_or_default();
        assert_eq!(
            template["spec"],
            json!({
                "containers": [{
                    "name": "web", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "readinessProbe": {
                        "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3
                    },
                    "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"
                }],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "terminationGracePeriodSeconds": 30
            })
        );
        assert_eq!(template["metadata"], json!({"labels": {"app": "web"}}));
    }

    #[test]
    fn probe_and_lifecycle_defaults() {
        let mut p: Probe = serde_json::from_value(json!({
            "tcpSocket": {"port": 8080}, "initialDelaySeconds": 5, "timeoutSeconds": 0, "failureThreshold": 7
        }))
        .unwrap_or_default();
        default_probe(&mut p);
        assert_eq!(
            (p.initial_delay_seconds, p.timeout_seconds, p.period_seconds, p.success_threshold, p.failure_threshold),
            (Some(5), Some(1), Some(10), Some(1), Some(7))
        );
        let mut c: Container = serde_json::from_value(json!({
            "name": "c", "image": "x",
            "lifecycle": {"preStop": {"httpGet": {"port": "http", "path": ""}}},
            "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
        }))
        .unwrap_or_default();
        default_container(&mut c);
        let v = serde_json::to_value(&c).unwrap_or_default();
        assert_eq!(v["lifecycle"]["preStop"]["httpGet"], json!({"path": "/", "port": "http", "scheme": "HTTP"}));
        assert_eq!(v["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], json!("v1"));
        assert_eq!(v["imagePullPolicy"], json!("Always"));
    }

    #[test]
    fn pod_only_defaults() {
        let mut pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p", "labels": {}},
            "spec": {
                "hostNetwork": true,
                "containers": [{
                    "name": "c", "image": "x:1", "ports": [{"containerPort": 9000}],
                    "resources": {"limits": {"cpu": "1", "memory": "64Mi"}, "requests": {"cpu": "500m"}}
                }]
            }
        }))
        .unwrap_or_default();
        default_pod(&mut pod);
        let v = serde_json::to_value(&pod).unwrap_or_default();
        assert_eq!(v["spec"]["enableServiceLinks"], json!(true));
        assert_eq!(v["spec"]["containers"][0]["ports"][0]["hostPort"], json!(9000));
        assert_eq!(v["spec"]["containers"][0]["resources"]["requests"], json!({"cpu": "500m", "memory": "64Mi"}));
        assert_eq!(v["metadata"], json!({"name": "p"}));
        let mut template = PodTemplateSpec::default();
        default_pod_template(&mut template);
        assert_eq!(template.spec.and_then(|s| s.enable_service_links), None);
    }

    #[test]
    fn volume_defaults() {
        let mut spec: PodSpec = serde_json::from_value(json!({
            "containers": [],
            "volumes": [
                {"name": "scratch"},
                {"name": "host", "hostPath": {"path": "/data"}},
                {"name": "cfg", "configMap": {"name": "cfg", "items": []}},
                {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}}
            ]
        }))
        .unwrap_or_default();
        default_pod_spec(&mut spec);
        normalize_pod_spec(&mut spec);
        let v = serde_json::to_value(&spec).unwrap_or_default();
        assert_eq!(v["volumes"][0], json!({"name": "scratch", "emptyDir": {}}));
        assert_eq!(v["volumes"][1]["hostPath"], json!({"path": "/data", "type": ""}));
        assert_eq!(v["volumes"][2]["configMap"], json!({"name": "cfg", "defaultMode": 420}));
        assert_eq!(v["volumes"][3]["secret"]["defaultMode"], json!(256));
        let mut spec: PodSpec = serde_json::from_value(
            json!({"containers": [], "volumes": [{"name": "s", "secret": {"secretName": "s"}}]}),
        )
        .unwrap_or_default();
        default_pod_spec(&mut spec);
        assert_eq!(spec.volumes.unwrap()[0].secret.as_ref().unwrap().default_mode, None, "0400 unless asked");
    }

    #[test]
    fn replicaset_defaults() {
        let mut rs: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": "web-1"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "minReadySeconds": 0}
        }))
        .unwrap_or_default();
        default_replicaset(&mut rs);
        let spec = rs.spec.unwrap_or_default();
        assert_eq!((spec.replicas, spec.min_ready_seconds), (Some(1), None));
        let template = spec.template.unwrap_or_default();
        assert_eq!(template.metadata, Some(ObjectMeta::default()));
        assert_eq!(template.spec.and_then(|s| s.restart_policy).as_deref(), Some("Always"));
    }

    #[test]
    fn service_defaults() {
        let mut svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}, {"port": 443, "targetPort": "https", "protocol": "TCP"}]}
        }))
        .unwrap_or_default();
        default_service(&mut svc);
        let v = serde_json::to_value(&svc.spec).unwrap_or_default();
        assert_eq!(
            v,
            json!({
                "selector": {"app": "web"},
                "ports": [
                    {"port": 80, "protocol": "TCP", "targetPort": 80},
                    {"port": 443, "protocol": "TCP", "targetPort": "https"}
                ],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "internalTrafficPolicy": "Cluster"
            })
        );
    }

    #[test]
    fn service_affinity_and_external_defaults() {
        let mut svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "lb"},
            "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": 0}]}
        }))
        .unwrap_or_default();
        default_service(&mut svc);
        let v = serde_json::to_value(&svc.spec).unwrap_or_default();
        assert_eq!(v["sessionAffinityConfig"], json!({"clientIP": {"timeoutSeconds": 10800}}));
        assert_eq!(v["externalTrafficPolicy"], json!("Cluster"));
        assert_eq!(v["allocateLoadBalancerNodePorts"], json!(true));
        assert_eq!(v["ports"][0]["targetPort"], json!(80));
        let mut none: Service = serde_json::from_value(json!({
            "metadata": {"name": "n"},
            "spec": {"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}, "externalIPs": ["10.0.0.1"]}
        }))
        .unwrap_or_default();
        default_service(&mut none);
        let spec = none.spec.unwrap_or_default();
        assert_eq!(spec.session_affinity_config, None);
        assert_eq!(spec.external_traffic_policy.as_deref(), Some("Cluster"));
    }

    /// What `kubectl rollout undo` sends back is a Go re-encoding of the stored template:
    /// `creationTimestamp: null`, `resources: {}`, zero and empty values dropped.
    #[test]
    fn template_survives_go_round_trip() {
        let mut d = minimal();
        default_deployment(&mut d);
        let stored = spec_of(&d).template.clone();
        let mut sent = serde_json::to_value(&stored).unwrap_or_default();
        sent["metadata"]["creationTimestamp"] = json!(null);
        sent["spec"]["containers"][0]["resources"] = json!({});
        sent["spec"]["containers"][0]["env"] = json!([]);
        sent["spec"]["nodeSelector"] = json!({});
        let mut back: PodTemplateSpec = serde_json::from_value(sent).unwrap_or_default();
        default_pod_template(&mut back);
        assert_eq!(back, stored);
        let mut unnormalized: PodTemplateSpec =
            serde_json::from_value(json!({"metadata": {"labels": {}}, "spec": {"containers": [], "volumes": []}}))
                .unwrap_or_default();
        normalize_template(&mut unnormalized);
        let v = serde_json::to_value(&unnormalized).unwrap_or_default();
        assert_eq!(v, json!({"metadata": {}, "spec": {"containers": []}}));
    }

    /// A Go client re-encodes quantities canonically (`0.5` → `500m`); defaulting stores them
    /// that way already, so the template still matches after `rollout undo`.
    #[test]
    fn quantities_are_stored_canonically() {
        let mut d = minimal();
        if let Some(c) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()).and_then(|p| p.containers.first_mut()) {
            c.resources = serde_json::from_value(json!({"limits": {"cpu": "0.5", "memory": "1.5Gi"}})).ok();
        }
        default_deployment(&mut d);
        let stored = spec_of(&d).template.clone();
        let mut sent = serde_json::to_value(&stored).unwrap_or_default();
        let resources = &sent["spec"]["containers"][0]["resources"];
        assert_eq!(resources, &json!({"limits": {"cpu": "500m", "memory": "1536Mi"}}));
        sent["metadata"]["creationTimestamp"] = json!(null);
        let mut back: PodTemplateSpec = serde_json::from_value(sent).unwrap_or_default();
        default_pod_template(&mut back);
        assert_eq!(back, stored);
        let mut pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "x", "resources": {"limits": {"cpu": "1000m", "memory": "bogus"}}}]}
        }))
        .unwrap_or_default();
        default_pod(&mut pod);
        let v = serde_json::to_value(&pod.spec).unwrap_or_default();
        assert_eq!(
            v["containers"][0]["resources"],
            json!({"limits": {"cpu": "1", "memory": "bogus"}, "requests": {"cpu": "1", "memory": "bogus"}})
        );
    }

    #[test]
    fn defaulting_is_idempotent() {
        let mut once = minimal();
        default_deployment(&mut once);
        let mut twice = once.clone();
        default_deployment(&mut twice);
        assert_eq!(once, twice);
        let mut empty = Deployment::default();
        default_deployment(&mut empty);
        assert_eq!(spec_of(&empty).replicas, Some(1));
    }

    #[test]
    fn explicit_pull_policy_is_kept() {
        let explicit: Container =
            serde_json::from_value(json!({"name": "c", "image": "nginx", "imagePullPolicy": "Never"}))
                .unwrap_or_default();
        let mut c = explicit.clone();
        default_container(&mut c);
        assert_eq!(c.image_pull_policy, explicit.image_pull_policy);
    }
}
