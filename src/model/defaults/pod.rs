//! core/v1 defaulting of Pods and pod templates: the spec, containers, ports, probes,
//! lifecycle handlers, env and volumes.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, HTTPGetAction, Lifecycle, Pod, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Volume,
};

use super::normalize::{normalize_meta, normalize_pod_spec, normalize_template};
use super::{default_nonzero, default_str};
use crate::model::image::pull_policy_for;
use crate::model::quantity_format::canonical_quantity;

/// `v1.DefaultTerminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Default file mode of configMap, downwardAPI and projected volumes (0644). Secret volumes get
/// no default here: without an explicit `defaultMode` skiff writes their files 0400 (see
/// `kubelet::volumes::payload`), where Kubernetes would default to 0644.
const DEFAULT_VOLUME_MODE: i32 = 0o644;

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

pub(super) fn default_pod_spec(spec: &mut PodSpec) {
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

pub(super) fn default_container(c: &mut Container) {
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
pub(super) fn default_probe(p: &mut Probe) {
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
