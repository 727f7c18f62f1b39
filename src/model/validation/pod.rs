//! PodSpec, pod template and Pod validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidatePodSpec): spec-level fields, volumes, container lists,
//! plus skiff's host-safety policy (privileged containers, host namespaces, hostPath volumes,
//! the Docker socket). Per-container checks live in `container`. Expects defaulted objects,
//! as the API server does; never panics on any input.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec, Volume};

use super::PodSecurityPolicy;
use super::config::key_to_paths;
use super::container::{
    Ctx, host_port_conflicts, no_backsteps, one_of, validate_container_common, validate_probes_and_lifecycle,
};
use super::field::{ErrorList, FieldError, FieldPath};
use super::names::{
    inclusive_range_error, invalid_each, name_is_dns_subdomain, validate_annotations, validate_dns1123_label,
    validate_labels, validate_nonnegative, validate_object_meta,
};
use crate::model::defaults::volume_source_names;

/// Where the Docker daemon's socket lives; mounting it hands the host to the pod.
const DOCKER_SOCKETS: [&str; 2] = ["/var/run/docker.sock", "/run/docker.sock"];

/// Validate a Pod on create: metadata (name a DNS subdomain), the spec at `spec`, and the
/// Pod-only rules (no ephemeral containers on create, images without surrounding spaces).
pub fn validate_pod(pod: &Pod, policy: &PodSecurityPolicy) -> ErrorList {
    let spec_path = FieldPath::new("spec");
    let mut errs = validate_object_meta(&pod.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    let default_spec = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&default_spec);
    errs.extend(validate_spec(spec, &spec_path, policy, true));
    let init = spec.init_containers.iter().flatten().enumerate().map(|(i, c)| ("initContainers", i, c));
    let regular = spec.containers.iter().enumerate().map(|(i, c)| ("containers", i, c));
    for (list, i, c) in regular.chain(init) {
        let image = c.image.as_deref().unwrap_or_default();
        if image.trim() != image {
            let path = spec_path.child(list).index(i).child("image");
            errs.push(FieldError::invalid(&path, image, "must not have leading or trailing whitespace"));
        }
    }
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        errs.push(FieldError::forbidden(&spec_path.child("ephemeralContainers"), "cannot be set on create"));
    }
    errs
}

/// `ValidatePodTemplateSpec` at `path` (e.g. `spec.template`): labels and annotations at
/// `path.labels` / `path.annotations` (sic, as upstream), the spec at `path.spec`.
pub fn validate_pod_template(t: &PodTemplateSpec, path: &FieldPath, policy: &PodSecurityPolicy) -> ErrorList {
    let meta = t.metadata.as_ref();
    let mut errs = validate_labels(meta.and_then(|m| m.labels.as_ref()), &path.child("labels"));
    errs.extend(validate_annotations(meta.and_then(|m| m.annotations.as_ref()), &path.child("annotations")));
    let default_spec = PodSpec::default();
    let spec = t.spec.as_ref().unwrap_or(&default_spec);
    let spec_path = path.child("spec");
    errs.extend(validate_pod_spec(spec, &spec_path, policy));
    if spec.ephemeral_containers.as_ref().is_some_and(|e| !e.is_empty()) {
        let detail = "ephemeral containers not allowed in pod template";
        errs.push(FieldError::forbidden(&spec_path.child("ephemeralContainers"), detail));
    }
    errs
}

/// `ValidatePodSpec` for a spec embedded in another object (a template) at `path`, followed by
/// skiff's security policy.
pub fn validate_pod_spec(spec: &PodSpec, path: &FieldPath, policy: &PodSecurityPolicy) -> ErrorList {
    validate_spec(spec, path, policy, false)
}

fn validate_spec(spec: &PodSpec, path: &FieldPath, policy: &PodSecurityPolicy, is_pod: bool) -> ErrorList {
    let mut errs = ErrorList::new();
    let grace = spec.termination_grace_period_seconds;
    let grace_path = path.child("terminationGracePeriodSeconds");
    match grace {
        None => errs.push(FieldError::required(&grace_path, "")),
        Some(g) => errs.extend(validate_nonnegative(g, &grace_path)),
    }
    let (volumes, volume_errs) = validate_volumes(spec.volumes.as_deref().unwrap_or_default(), &path.child("volumes"));
    errs.extend(volume_errs);
    let ctx = Ctx { policy, volumes, grace };
    errs.extend(validate_containers(&spec.containers, &path.child("containers"), &ctx));
    let init = spec.init_containers.as_deref().unwrap_or_default();
    errs.extend(validate_init_containers(init, &spec.containers, &path.child("initContainers"), &ctx));
    errs.extend(validate_host_network_ports(spec, path, is_pod));
    errs.extend(validate_spec_fields(spec, path));
    errs.extend(validate_host_policy(spec, path, policy));
    errs
}

fn validate_spec_fields(spec: &PodSpec, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let restart = spec.restart_policy.as_deref().unwrap_or_default();
    errs.extend(one_of(restart, &path.child("restartPolicy"), &["Always", "OnFailure", "Never"]));
    let dns = spec.dns_policy.as_deref().unwrap_or_default();
    let dns_values = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    errs.extend(one_of(dns, &path.child("dnsPolicy"), &dns_values));
    errs.extend(validate_labels(spec.node_selector.as_ref(), &path.child("nodeSelector")));
    let (account, node) = (spec.service_account_name.as_deref(), spec.node_name.as_deref());
    errs.extend(subdomain_names(&[("serviceAccountName", account), ("nodeName", node)], path));
    if let Some(deadline) = spec.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        let detail = inclusive_range_error(1, i64::from(i32::MAX));
        errs.push(FieldError::invalid(&path.child("activeDeadlineSeconds"), deadline, &detail));
    }
    for (field, value) in [("hostname", &spec.hostname), ("subdomain", &spec.subdomain)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            errs.extend(validate_dns1123_label(v, &path.child(field)));
        }
    }
    let (priority, runtime) = (spec.priority_class_name.as_deref(), spec.runtime_class_name.as_deref());
    errs.extend(subdomain_names(&[("priorityClassName", priority), ("runtimeClassName", runtime)], path));
    errs
}

/// The names of other objects a pod refers to (a service account, a node, a priority class, a
/// runtime class) are DNS subdomains. skiff acts on none of them but stores them.
fn subdomain_names(fields: &[(&str, Option<&str>)], path: &FieldPath) -> ErrorList {
    let named = fields.iter().filter_map(|(field, value)| value.filter(|v| !v.is_empty()).map(|v| (*field, v)));
    named.flat_map(|(field, name)| invalid_each(&path.child(field), name, name_is_dns_subdomain(name, false))).collect()
}

/// `ValidateVolumes`: names are unique DNS labels, each volume has exactly one source. Returns
/// the valid volumes, which mounts may refer to, with the kind of their source.
fn validate_volumes(volumes: &[Volume], path: &FieldPath) -> (BTreeMap<String, &'static str>, ErrorList) {
    let mut names = BTreeMap::new();
    let mut errs = ErrorList::new();
    for (i, v) in volumes.iter().enumerate() {
        let idx = path.index(i);
        let name_path = idx.child("name");
        let mut el = validate_volume_source(v, &idx);
        if v.name.is_empty() {
            el.push(FieldError::required(&name_path, ""));
        } else {
            el.extend(validate_dns1123_label(&v.name, &name_path));
        }
        if names.contains_key(&v.name) {
            el.push(FieldError::duplicate(&name_path, v.name.as_str()));
        }
        if let (true, Some(source)) = (el.is_empty(), volume_source_names(v).next()) {
            names.insert(v.name.clone(), source);
        }
        errs.extend(el);
    }
    (names, errs)
}

/// The path upstream uses for a second volume source (two of them carry typos there).
fn extra_source_field(name: &str) -> &str {
    match name {
        "cephfs" => "cephFS",
        "downwardAPI" => "downwarAPI",
        other => other,
    }
}

fn validate_volume_source(v: &Volume, path: &FieldPath) -> ErrorList {
    let mut sources = volume_source_names(v);
    let Some(first) = sources.next() else {
        return vec![FieldError::required(path, "must specify a volume type")];
    };
    let mut errs: ErrorList = sources
        .map(|extra| {
            FieldError::forbidden(&path.child(extra_source_field(extra)), "may not specify more than 1 volume type")
        })
        .collect();
    errs.extend(validate_first_source(v, first, &path.child(first)));
    errs
}

fn validate_first_source(v: &Volume, source: &str, path: &FieldPath) -> ErrorList {
    let required = |present: bool, field: &str| -> ErrorList {
        if present { ErrorList::new() } else { vec![FieldError::required(&path.child(field), "")] }
    };
    match source {
        "hostPath" => {
            let host_path = v.host_path.as_ref();
            host_path.map(|h| validate_host_path(&h.path, h.type_.as_deref(), path)).unwrap_or_default()
        }
        "secret" => {
            let secret = v.secret.as_ref();
            let named = secret.and_then(|s| s.secret_name.as_deref()).is_some_and(|n| !n.is_empty());
            let mut errs = required(named, "secretName");
            errs.extend(validate_mode(secret.and_then(|s| s.default_mode), path));
            errs.extend(key_to_paths(secret.and_then(|s| s.items.as_deref()), &path.child("items")));
            errs
        }
        "configMap" => {
            let config_map = v.config_map.as_ref();
            let mut errs = required(config_map.is_some_and(|c| !c.name.is_empty()), "name");
            errs.extend(validate_mode(config_map.and_then(|c| c.default_mode), path));
            errs.extend(key_to_paths(config_map.and_then(|c| c.items.as_deref()), &path.child("items")));
            errs
        }
        "persistentVolumeClaim" => {
            required(v.persistent_volume_claim.as_ref().is_some_and(|c| !c.claim_name.is_empty()), "claimName")
        }
        _ => ErrorList::new(),
    }
}

fn validate_mode(mode: Option<i32>, path: &FieldPath) -> Option<FieldError> {
    let mode = mode.filter(|m| !(0..=0o777).contains(m))?;
    let detail = "must be a number between 0 and 0777 (octal), both inclusive";
    Some(FieldError::invalid(&path.child("defaultMode"), mode, detail))
}

fn validate_host_path(host_path: &str, kind: Option<&str>, path: &FieldPath) -> ErrorList {
    let path_field = path.child("path");
    if host_path.is_empty() {
        return vec![FieldError::required(&path_field, "")];
    }
    let mut errs = no_backsteps(host_path, &path_field);
    let kinds = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];
    if let Some(k) = kind.filter(|k| !kinds.contains(k)) {
        errs.push(FieldError::not_supported(&path.child("type"), k, &kinds));
    }
    errs
}

/// `validateContainers`: at least one, names unique, probes and lifecycle checked, no
/// container-level restartPolicy, no clashing host ports.
fn validate_containers(containers: &[Container], path: &FieldPath, ctx: &Ctx) -> ErrorList {
    if containers.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        let idx = path.index(i);
        errs.extend(validate_container_common(c, &idx, ctx));
        if !names.insert(c.name.as_str()) {
            errs.push(FieldError::duplicate(&idx.child("name"), c.name.as_str()));
        }
        errs.extend(validate_probes_and_lifecycle(c, &idx, ctx.grace));
        if c.restart_policy.is_some() {
            errs.push(FieldError::forbidden(&idx.child("restartPolicy"), "may not be set for non-init containers"));
        }
    }
    errs.extend(host_port_conflicts(containers, path));
    errs
}

/// `validateInitContainers`: names unique across init and regular containers; probes and
/// lifecycle only for restartable (sidecar) init containers.
fn validate_init_containers(init: &[Container], regular: &[Container], path: &FieldPath, ctx: &Ctx) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names: BTreeSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, c) in init.iter().enumerate() {
        let idx = path.index(i);
        errs.extend(validate_container_common(c, &idx, ctx));
        let restart = c.restart_policy.as_deref();
        if let Some(policy) = restart.filter(|p| *p != "Always") {
            errs.push(FieldError::not_supported(&idx.child("restartPolicy"), policy, &["Always"]));
        }
        if names.contains(c.name.as_str()) {
            errs.push(FieldError::duplicate(&idx.child("name"), c.name.as_str()));
        } else if !c.name.is_empty() {
            names.insert(c.name.as_str());
        }
        errs.extend(host_port_conflicts(std::slice::from_ref(c), path));
        if restart == Some("Always") {
            errs.extend(validate_probes_and_lifecycle(c, &idx, ctx.grace));
        } else {
            errs.extend(forbid_init_probes(c, &idx));
        }
    }
    errs
}

fn forbid_init_probes(c: &Container, path: &FieldPath) -> ErrorList {
    let detail = "may not be set for init containers without restartPolicy=Always";
    let set = [
        ("lifecycle", c.lifecycle.is_some()),
        ("livenessProbe", c.liveness_probe.is_some()),
        ("readinessProbe", c.readiness_probe.is_some()),
        ("startupProbe", c.startup_probe.is_some()),
    ];
    set.iter().filter(|(_, on)| *on).map(|(f, _)| FieldError::forbidden(&path.child(f), detail)).collect()
}

/// `validatePodHostNetworkDeps`: with hostNetwork a hostPort must equal its containerPort
/// (a template may leave it 0).
fn validate_host_network_ports(spec: &PodSpec, path: &FieldPath, is_pod: bool) -> ErrorList {
    if spec.host_network != Some(true) {
        return ErrorList::new();
    }
    let mut errs = ErrorList::new();
    for (ci, c) in spec.containers.iter().enumerate() {
        for (pi, port) in c.ports.iter().flatten().enumerate() {
            let host = port.host_port.unwrap_or(0);
            if (is_pod || host != 0) && host != port.container_port {
                let field = path.child("containers").index(ci).child("ports").index(pi).child("hostPort");
                errs.push(FieldError::invalid(&field, host, "must match `containerPort` when `hostNetwork` is true"));
            }
        }
    }
    errs
}

/// skiff: host namespaces need `--allow-host-namespaces`, hostPath volumes `--allow-host-path`,
/// and the Docker socket (or a directory holding it) is never mounted.
fn validate_host_policy(spec: &PodSpec, path: &FieldPath, policy: &PodSecurityPolicy) -> ErrorList {
    let mut errs = ErrorList::new();
    let namespaces = [("hostNetwork", spec.host_network), ("hostPID", spec.host_pid), ("hostIPC", spec.host_ipc)];
    for (field, on) in namespaces {
        if on == Some(true) && !policy.allow_host_namespaces {
            let detail = format!(
                "sharing the host's namespaces ({field}) is refused by skiff by default (start the daemon with --allow-host-namespaces to allow it)"
            );
            errs.push(FieldError::forbidden(&path.child(field), &detail));
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let Some(host_path) = v.host_path.as_ref() else {
            continue;
        };
        let field = path.child("volumes").index(i).child("hostPath");
        if exposes_docker_socket(&host_path.path) {
            let detail = "mounting the Docker socket would hand the host to the pod; skiff refuses it even with --allow-host-path";
            errs.push(FieldError::forbidden(&field.child("path"), detail));
        } else if !policy.allow_host_path {
            let detail = "hostPath volumes are refused by skiff by default (start the daemon with --allow-host-path to allow them)";
            errs.push(FieldError::forbidden(&field, detail));
        }
    }
    errs
}

/// True when the host path is the Docker socket or a directory that contains it (`/`, `/run`,
/// `/var`, `/var/run`), after collapsing `//` and `.`; symlinks cannot be seen from here.
fn exposes_docker_socket(host_path: &str) -> bool {
    let parts: Vec<&str> = host_path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let clean = format!("/{}", parts.join("/"));
    DOCKER_SOCKETS.iter().any(|socket| *socket == clean || clean == "/" || socket.starts_with(&format!("{clean}/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::defaults::{default_pod, default_pod_template};
    use serde_json::json;

    fn template(spec: serde_json::Value) -> PodTemplateSpec {
        let mut t: PodTemplateSpec =
            serde_json::from_value(json!({"metadata": {"labels": {"app": "web"}}, "spec": spec}))
                .unwrap_or_else(|e| panic!("bad fixture: {e}"));
        default_pod_template(&mut t);
        t
    }

    fn errors_with(spec: serde_json::Value, policy: &PodSecurityPolicy) -> Vec<String> {
        let path = FieldPath::new("spec").child("template");
        validate_pod_template(&template(spec), &path, policy).iter().map(ToString::to_string).collect()
    }

    fn errors(spec: serde_json::Value) -> Vec<String> {
        errors_with(spec, &PodSecurityPolicy::default())
    }

    fn container(extra: serde_json::Value) -> serde_json::Value {
        let mut c = json!({"name": "web", "image": "nginx:1.25"});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        c
    }

    fn one(extra: serde_json::Value) -> Vec<String> {
        errors(json!({"containers": [container(extra)]}))
    }

    const P: &str = "spec.template.spec.containers[0]";

    #[test]
    fn valid_spec_has_no_errors() {
        let probe = json!({"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5});
        let spec = json!({
            "containers": [container(json!({
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "MODE", "value": "prod"}, {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "livenessProbe": probe, "readinessProbe": probe,
                "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
                "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}
            }))],
            "initContainers": [{"name": "init", "image": "busybox", "command": ["true"]}],
            "volumes": [{"name": "cache", "emptyDir": {}}]
        });
        assert_eq!(errors(spec), Vec::<String>::new());
    }

    #[test]
    fn containers_required() {
        assert_eq!(errors(json!({"containers": []})), vec!["spec.template.spec.containers: Required value"]);
    }

    #[test]
    fn container_names() {
        let dup = errors(json!({"containers": [container(json!({})), container(json!({}))]}));
        assert_eq!(dup, vec!["spec.template.spec.containers[1].name: Duplicate value: \"web\""]);
        let init_dup = errors(json!({"containers": [container(json!({}))], "initContainers": [container(json!({}))]}));
        assert_eq!(init_dup, vec!["spec.template.spec.initContainers[0].name: Duplicate value: \"web\""]);
        let bad = one(json!({"name": "Web_1"}));
        assert_eq!(
            bad,
            vec![format!(
                "{P}.name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )]
        );
        assert_eq!(one(json!({"name": ""})), vec![format!("{P}.name: Required value")]);
    }

    #[test]
    fn image_required() {
        assert_eq!(errors(json!({"containers": [{"name": "web"}]})), vec![format!("{P}.image: Required value")]);
    }

    #[test]
    fn host_ports() {
        let clash = json!({"containers": [
            container(json!({"ports": [{"containerPort": 80, "hostPort": 8080}]})),
            {"name": "side", "image": "x", "ports": [{"containerPort": 81, "hostPort": 8080}]}
        ]});
        assert_eq!(
            errors(clash),
            vec!["spec.template.spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""]
        );
        let allowed = PodSecurityPolicy { allow_host_namespaces: true, ..Default::default() };
        let mismatch = json!({"hostNetwork": true, "containers": [container(json!({"ports": [{"containerPort": 80, "hostPort": 81}]}))]});
        assert_eq!(
            errors_with(mismatch, &allowed),
            vec![format!(
                "{P}.ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true"
            )]
        );
    }

    #[test]
    fn pod_level_fields() {
        let e =
            errors(json!({"restartPolicy": "Sometimes", "dnsPolicy": "Weird", "containers": [container(json!({}))]}));
        assert_eq!(
            e,
            vec![
                "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
                "spec.template.spec.dnsPolicy: Unsupported value: \"Weird\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
            ]
        );
        let e = errors(
            json!({"terminationGracePeriodSeconds": -5, "activeDeadlineSeconds": 0, "hostname": "A", "containers": [container(json!({}))]}),
        );
        assert_eq!(
            e[0],
            "spec.template.spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0"
        );
        assert_eq!(
            e[1],
            "spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
        );
        assert!(e[2].starts_with("spec.template.spec.hostname: Invalid value: \"A\": a lowercase RFC 1123 label"));
        let mut undefaulted = PodSpec {
            containers: vec![serde_json::from_value(container(json!({}))).unwrap_or_default()],
            ..Default::default()
        };
        undefaulted.containers[0].image_pull_policy = Some("IfNotPresent".into());
        undefaulted.containers[0].termination_message_policy = Some("File".into());
        let e: Vec<String> = validate_pod_spec(&undefaulted, &FieldPath::new("spec"), &PodSecurityPolicy::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            e,
            vec![
                "spec.terminationGracePeriodSeconds: Required value",
                "spec.restartPolicy: Required value",
                "spec.dnsPolicy: Required value"
            ]
        );
    }

    #[test]
    fn template_labels_are_checked_at_template_labels() {
        let mut t = template(json!({"containers": [container(json!({}))]}));
        if let Some(meta) = t.metadata.as_mut() {
            meta.labels = Some([("app".to_string(), "bad value".to_string())].into());
        }
        let e = validate_pod_template(&t, &FieldPath::new("spec").child("template"), &PodSecurityPolicy::default());
        assert!(
            e[0].to_string().starts_with("spec.template.labels: Invalid value: \"bad value\": a valid label must be")
        );
        let mut eph = template(
            json!({"containers": [container(json!({}))], "ephemeralContainers": [{"name": "dbg", "image": "x"}]}),
        );
        default_pod_template(&mut eph);
        let e = validate_pod_template(&eph, &FieldPath::new("spec").child("template"), &PodSecurityPolicy::default());
        assert_eq!(
            e[0].to_string(),
            "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"
        );
    }

    #[test]
    fn volumes_and_mounts() {
        let e = errors(json!({
            "containers": [container(json!({"volumeMounts": [
                {"name": "missing", "mountPath": "/a"},
                {"name": "data", "mountPath": "/a", "subPath": "../x"}
            ]}))],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {"name": "data", "emptyDir": {}},
                {"name": "Two", "emptyDir": {}, "configMap": {"name": "c"}}
            ]
        }));
        assert_eq!(e[0], "spec.template.spec.volumes[1].name: Duplicate value: \"data\"");
        assert_eq!(e[1], "spec.template.spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type");
        assert!(e[2].starts_with("spec.template.spec.volumes[2].name: Invalid value: \"Two\""));
        assert_eq!(e[3], format!("{P}.volumeMounts[0].name: Not found: \"missing\""));
        assert_eq!(e[4], format!("{P}.volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique"));
        assert_eq!(e[5], format!("{P}.volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'"));
        assert_eq!(e.len(), 6);
        let e = errors(
            json!({"containers": [container(json!({}))], "volumes": [{"name": "s", "secret": {"defaultMode": 4096}}]}),
        );
        assert_eq!(
            e,
            vec![
                "spec.template.spec.volumes[0].secret.secretName: Required value",
                "spec.template.spec.volumes[0].secret.defaultMode: Invalid value: 4096: must be a number between 0 and 0777 (octal), both inclusive",
            ]
        );
    }

    #[test]
    fn security_policy() {
        let e = one(json!({"securityContext": {"privileged": true}}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.securityContext.privileged: Forbidden: privileged containers are refused by skiff by default (start the daemon with --allow-privileged to allow them)"
            )]
        );
        let allow_all =
            PodSecurityPolicy { allow_privileged: true, allow_host_namespaces: true, allow_host_path: true };
        let spec = json!({
            "hostNetwork": true, "hostPID": true, "hostIPC": true,
            "containers": [container(json!({"securityContext": {"privileged": true}}))],
            "volumes": [{"name": "h", "hostPath": {"path": "/srv/data"}}]
        });
        assert_eq!(errors_with(spec.clone(), &allow_all), Vec::<String>::new());
        let e = errors(spec);
        assert_eq!(e.len(), 5);
        assert_eq!(
            e[1],
            "spec.template.spec.hostNetwork: Forbidden: sharing the host's namespaces (hostNetwork) is refused by skiff by default (start the daemon with --allow-host-namespaces to allow it)"
        );
        assert_eq!(
            e[2],
            "spec.template.spec.hostPID: Forbidden: sharing the host's namespaces (hostPID) is refused by skiff by default (start the daemon with --allow-host-namespaces to allow it)"
        );
        assert_eq!(
            e[4],
            "spec.template.spec.volumes[0].hostPath: Forbidden: hostPath volumes are refused by skiff by default (start the daemon with --allow-host-path to allow them)"
        );
    }

    #[test]
    fn docker_socket_is_never_mounted() {
        let allow_all =
            PodSecurityPolicy { allow_privileged: true, allow_host_namespaces: true, allow_host_path: true };
        for path in
            ["/var/run/docker.sock", "/run/docker.sock", "//var//run/./docker.sock/", "/var/run", "/run", "/var", "/"]
        {
            let spec =
                json!({"containers": [container(json!({}))], "volumes": [{"name": "d", "hostPath": {"path": path}}]});
            assert_eq!(
                errors_with(spec, &allow_all),
                vec![
                    "spec.template.spec.volumes[0].hostPath.path: Forbidden: mounting the Docker socket would hand the host to the pod; skiff refuses it even with --allow-host-path"
                ],
                "{path}"
            );
        }
        assert!(!exposes_docker_socket("/var/run/docker"));
        assert!(!exposes_docker_socket("/var/lib/docker.sock"));
        assert!(!exposes_docker_socket("/runner"));
        let spec = json!({"containers": [container(json!({}))], "volumes": [{"name": "d", "hostPath": {"path": "/x/../y", "type": "Pipe"}}]});
        let e = errors_with(spec, &allow_all);
        assert_eq!(
            e[0],
            "spec.template.spec.volumes[0].hostPath.path: Invalid value: \"/x/../y\": must not contain '..'"
        );
        assert!(e[1].starts_with("spec.template.spec.volumes[0].hostPath.type: Unsupported value: \"Pipe\": supported values: \"\", \"BlockDevice\""));
    }

    #[test]
    fn pods() {
        let mut pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "Bad_Pod"},
            "spec": {"containers": [{"name": "c", "image": " nginx"}], "ephemeralContainers": [{"name": "d", "image": "x"}]}
        }))
        .unwrap_or_default();
        default_pod(&mut pod);
        let e: Vec<String> =
            validate_pod(&pod, &PodSecurityPolicy::default()).iter().map(ToString::to_string).collect();
        assert!(e[0].starts_with("metadata.name: Invalid value: \"Bad_Pod\": a lowercase RFC 1123 subdomain"));
        assert_eq!(
            e[1],
            "spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"
        );
        assert_eq!(e[2], "spec.ephemeralContainers: Forbidden: cannot be set on create");
        let mut host: Pod = serde_json::from_value(json!({
            "metadata": {"name": "h"},
            "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 80}]}]}
        }))
        .unwrap_or_default();
        default_pod(&mut host);
        let allowed = PodSecurityPolicy { allow_host_namespaces: true, ..Default::default() };
        assert!(validate_pod(&host, &allowed).is_empty());
        assert_eq!(
            validate_pod(&Pod::default(), &allowed)[0].to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
    }
}
