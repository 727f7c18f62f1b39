//! Per-container validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` validateContainerCommon and helpers): ports, mounts, probes,
//! lifecycle handlers, and skiff's privileged-container policy; environment and resources
//! are checked by `env` and `resources`.
//! Used by `pod` for containers and init containers; never panics on any input.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, HTTPGetAction, Lifecycle, LifecycleHandler, Probe, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::PodSecurityPolicy;
use super::env::{validate_env, validate_env_from};
use super::field::{ErrorList, FieldError, FieldPath};
use super::names::{
    invalid_each, is_http_header_name, is_valid_port_name, is_valid_port_num, validate_dns1123_label,
    validate_nonnegative,
};
use super::resources::validate_resources;

/// Everything a container check needs from the pod around it.
pub(super) struct Ctx<'a> {
    pub(super) policy: &'a PodSecurityPolicy,
    /// The valid volumes by name, with the kind of their source (`emptyDir`, `image`, ...).
    pub(super) volumes: BTreeMap<String, &'static str>,
    pub(super) grace: Option<i64>,
}

/// Required when empty, NotSupported when not one of `values` (listed in `values`' order).
pub(super) fn one_of(value: &str, path: &FieldPath, values: &[&str]) -> ErrorList {
    if value.is_empty() {
        vec![FieldError::required(path, "")]
    } else if values.contains(&value) {
        ErrorList::new()
    } else {
        vec![FieldError::not_supported(path, value, values)]
    }
}

/// `validatePathNoBacksteps`.
pub(super) fn no_backsteps(target: &str, path: &FieldPath) -> ErrorList {
    if target.split('/').any(|part| part == "..") {
        vec![FieldError::invalid(path, target, "must not contain '..'")]
    } else {
        ErrorList::new()
    }
}

/// `validateLocalDescendingPath` (subPath and subPathExpr).
pub(super) fn local_descending(target: &str, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    if target.starts_with('/') {
        errs.push(FieldError::invalid(path, target, "must be a relative path"));
    }
    errs.extend(no_backsteps(target, path));
    errs
}

/// `validateContainerCommon`: name, image, terminationMessagePolicy, ports, env, envFrom,
/// volume mounts, imagePullPolicy, resources, and skiff's privileged check.
pub(super) fn validate_container_common(c: &Container, path: &FieldPath, ctx: &Ctx) -> ErrorList {
    let mut errs = ErrorList::new();
    let name_path = path.child("name");
    if c.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        errs.extend(validate_dns1123_label(&c.name, &name_path));
    }
    if c.image.as_deref().is_none_or(str::is_empty) {
        errs.push(FieldError::required(&path.child("image"), ""));
    }
    let policy = c.termination_message_policy.as_deref().unwrap_or_default();
    let policies = ["File", "FallbackToLogsOnError"];
    errs.extend(one_of(policy, &path.child("terminationMessagePolicy"), &policies));
    errs.extend(validate_ports(c.ports.as_deref().unwrap_or_default(), &path.child("ports")));
    errs.extend(validate_env(c.env.as_deref().unwrap_or_default(), &path.child("env")));
    errs.extend(validate_env_from(c.env_from.as_deref().unwrap_or_default(), &path.child("envFrom")));
    let mounts = c.volume_mounts.as_deref().unwrap_or_default();
    errs.extend(validate_mounts(mounts, &ctx.volumes, is_privileged(c), &path.child("volumeMounts")));
    let pull = c.image_pull_policy.as_deref().unwrap_or_default();
    errs.extend(one_of(pull, &path.child("imagePullPolicy"), &["Always", "IfNotPresent", "Never"]));
    if let Some(resources) = c.resources.as_ref() {
        errs.extend(validate_resources(resources, &path.child("resources")));
    }
    errs.extend(validate_privileged(c, path, ctx.policy));
    errs
}

/// `validateContainerPorts`.
fn validate_ports(ports: &[ContainerPort], path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = path.index(i);
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = is_valid_port_name(name);
            if !msgs.is_empty() {
                errs.extend(invalid_each(&idx.child("name"), name, msgs));
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(&idx.child("name"), name));
            }
        }
        errs.extend(validate_port_numbers(port, &idx));
        let protocol = port.protocol.as_deref().unwrap_or_default();
        errs.extend(one_of(protocol, &idx.child("protocol"), &["SCTP", "TCP", "UDP"]));
    }
    errs
}

fn validate_port_numbers(port: &ContainerPort, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let container_path = path.child("containerPort");
    if port.container_port == 0 {
        errs.push(FieldError::required(&container_path, ""));
    } else {
        for msg in is_valid_port_num(i64::from(port.container_port)) {
            errs.push(FieldError::invalid(&container_path, port.container_port, &msg));
        }
    }
    if let Some(host) = port.host_port.filter(|p| *p != 0) {
        for msg in is_valid_port_num(i64::from(host)) {
            errs.push(FieldError::invalid(&path.child("hostPort"), host, &msg));
        }
    }
    errs
}

/// `AccumulateUniqueHostPorts`: `protocol/hostIP/hostPort` may be used once.
pub(super) fn host_port_conflicts(containers: &[Container], path: &FieldPath) -> ErrorList {
    let mut seen = BTreeSet::new();
    let mut errs = ErrorList::new();
    for (ci, c) in containers.iter().enumerate() {
        for (pi, port) in c.ports.iter().flatten().enumerate() {
            let Some(host) = port.host_port.filter(|p| *p != 0) else {
                continue;
            };
            let protocol = port.protocol.as_deref().unwrap_or_default();
            let key = format!("{protocol}/{}/{host}", port.host_ip.as_deref().unwrap_or_default());
            if !seen.insert(key.clone()) {
                let field = path.index(ci).child("ports").index(pi).child("hostPort");
                errs.push(FieldError::duplicate(&field, key));
            }
        }
    }
    errs
}

/// `ValidateVolumeMounts`: names refer to valid volumes, mount paths are set and unique, sub
/// paths stay inside the volume, and propagation and recursive read-only are consistent.
/// (Upstream reports sub path, propagation and recursiveReadOnly problems at
/// `volumeMounts.<field>`, without the index.)
fn validate_mounts(
    mounts: &[VolumeMount],
    volumes: &BTreeMap<String, &'static str>,
    privileged: bool,
    path: &FieldPath,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut mount_points = BTreeSet::new();
    for (i, m) in mounts.iter().enumerate() {
        let idx = path.index(i);
        if m.name.is_empty() {
            errs.push(FieldError::required(&idx.child("name"), ""));
        }
        if !volumes.contains_key(&m.name) {
            errs.push(FieldError::not_found(&idx.child("name"), m.name.as_str()));
        }
        if m.mount_path.is_empty() {
            errs.push(FieldError::required(&idx.child("mountPath"), ""));
        }
        if !mount_points.insert(m.mount_path.as_str()) {
            errs.push(FieldError::invalid(&idx.child("mountPath"), m.mount_path.as_str(), "must be unique"));
        }
        if volumes.get(&m.name) == Some(&"image") {
            errs.extend(no_sub_paths_in_images(m, &idx));
        }
        errs.extend(validate_sub_paths(m, path, &idx));
        if let Some(propagation) = m.mount_propagation.as_deref() {
            errs.extend(validate_propagation(propagation, privileged, &path.child("mountPropagation")));
        }
        errs.extend(validate_recursive_read_only(m, &path.child("recursiveReadOnly")));
    }
    errs
}

fn no_sub_paths_in_images(m: &VolumeMount, idx: &FieldPath) -> ErrorList {
    let detail = "not allowed in image volume sources";
    [("subPath", &m.sub_path), ("subPathExpr", &m.sub_path_expr)]
        .into_iter()
        .filter_map(|(field, value)| value.as_deref().filter(|v| !v.is_empty()).map(|v| (field, v)))
        .map(|(field, value)| FieldError::invalid(&idx.child(field), value, detail))
        .collect()
}

/// `validateMountPropagation`: a known mode, and Bidirectional only for privileged containers.
fn validate_propagation(mode: &str, privileged: bool, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let modes = ["Bidirectional", "HostToContainer", "None"];
    if !modes.contains(&mode) {
        errs.push(FieldError::not_supported(path, mode, &modes));
    }
    if mode == "Bidirectional" && !privileged {
        let detail = "Bidirectional mount propagation is available only to privileged containers";
        errs.push(FieldError::forbidden(path, detail));
    }
    errs
}

/// `validateMountRecursiveReadOnly`: Enabled and IfPossible need `readOnly` and no propagation.
fn validate_recursive_read_only(m: &VolumeMount, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    match m.recursive_read_only.as_deref() {
        None | Some("Disabled") => {}
        Some("Enabled" | "IfPossible") => {
            if m.read_only != Some(true) {
                errs.push(FieldError::forbidden(path, "may only be specified when readOnly is true"));
            }
            if m.mount_propagation.as_deref().is_some_and(|p| p != "None") {
                let detail = "may only be specified when mountPropagation is None or not specified";
                errs.push(FieldError::forbidden(path, detail));
            }
        }
        Some(other) => errs.push(FieldError::not_supported(path, other, &["Disabled", "Enabled", "IfPossible"])),
    }
    errs
}

fn validate_sub_paths(m: &VolumeMount, path: &FieldPath, idx: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    let sub_path = m.sub_path.as_deref().unwrap_or_default();
    if !sub_path.is_empty() {
        errs.extend(local_descending(sub_path, &path.child("subPath")));
    }
    if let Some(expr) = m.sub_path_expr.as_deref().filter(|e| !e.is_empty()) {
        if !sub_path.is_empty() {
            let detail = "subPathExpr and subPath are mutually exclusive";
            errs.push(FieldError::invalid(&idx.child("subPathExpr"), expr, detail));
        }
        errs.extend(local_descending(expr, &path.child("subPathExpr")));
    }
    errs
}

pub(super) fn validate_probes_and_lifecycle(c: &Container, path: &FieldPath, grace: Option<i64>) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(lifecycle) = c.lifecycle.as_ref() {
        errs.extend(validate_lifecycle(lifecycle, grace, &path.child("lifecycle")));
    }
    let probes = [
        ("livenessProbe", c.liveness_probe.as_ref(), true),
        ("readinessProbe", c.readiness_probe.as_ref(), false),
        ("startupProbe", c.startup_probe.as_ref(), true),
    ];
    for (field, probe, single_success) in probes {
        let Some(probe) = probe else { continue };
        let p = path.child(field);
        errs.extend(validate_probe(probe, &p));
        if single_success && probe.success_threshold.unwrap_or(0) != 1 {
            let threshold = probe.success_threshold.unwrap_or(0);
            errs.push(FieldError::invalid(&p.child("successThreshold"), threshold, "must be 1"));
        }
        if let Some(grace) = probe.termination_grace_period_seconds.filter(|_| !single_success) {
            let detail = "must not be set for readinessProbes";
            errs.push(FieldError::invalid(&p.child("terminationGracePeriodSeconds"), grace, detail));
        }
    }
    errs
}

/// `validateProbe`: exactly one handler and non-negative numbers.
fn validate_probe(p: &Probe, path: &FieldPath) -> ErrorList {
    let handlers = [
        ("exec", p.exec.is_some()),
        ("httpGet", p.http_get.is_some()),
        ("tcpSocket", p.tcp_socket.is_some()),
        ("grpc", p.grpc.is_some()),
    ];
    let mut errs = validate_handler_count(&handlers, path);
    errs.extend(validate_probe_handlers(p, path));
    let numbers = [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("periodSeconds", p.period_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ];
    for (field, value) in numbers {
        errs.extend(validate_nonnegative(i64::from(value.unwrap_or(0)), &path.child(field)));
    }
    if let Some(grace) = p.termination_grace_period_seconds.filter(|g| *g <= 0) {
        let field = path.child("terminationGracePeriodSeconds");
        errs.push(FieldError::invalid(&field, grace, "must be greater than 0"));
    }
    errs
}

/// The first handler counts; each further one is Forbidden; none at all is Required.
fn validate_handler_count(handlers: &[(&str, bool)], path: &FieldPath) -> ErrorList {
    let mut set = handlers.iter().filter(|(_, on)| *on).map(|(name, _)| *name);
    if set.next().is_none() {
        return vec![FieldError::required(path, "must specify a handler type")];
    }
    set.map(|extra| FieldError::forbidden(&path.child(extra), "may not specify more than 1 handler type")).collect()
}

fn first_handler<'a>(handlers: &[(&'a str, bool)]) -> Option<&'a str> {
    handlers.iter().find(|(_, on)| *on).map(|(name, _)| *name)
}

fn validate_probe_handlers(p: &Probe, path: &FieldPath) -> ErrorList {
    let handlers = [
        ("exec", p.exec.is_some()),
        ("httpGet", p.http_get.is_some()),
        ("tcpSocket", p.tcp_socket.is_some()),
        ("grpc", p.grpc.is_some()),
    ];
    match first_handler(&handlers) {
        Some("exec") => exec_command(p.exec.as_ref().and_then(|e| e.command.as_ref()), &path.child("exec")),
        Some("httpGet") => {
            p.http_get.as_ref().map(|h| validate_http_get(h, &path.child("httpGet"))).unwrap_or_default()
        }
        Some("tcpSocket") => tcp_port(p.tcp_socket.as_ref().map(|t| &t.port), &path.child("tcpSocket")),
        Some("grpc") => {
            let port = p.grpc.as_ref().map(|g| g.port).unwrap_or_default();
            port_num_or_name(&IntOrString::Int(port), &path.child("grpc").child("port"))
        }
        _ => ErrorList::new(),
    }
}

fn exec_command(command: Option<&Vec<String>>, path: &FieldPath) -> ErrorList {
    if command.is_none_or(Vec::is_empty) {
        vec![FieldError::required(&path.child("command"), "")]
    } else {
        ErrorList::new()
    }
}

fn tcp_port(port: Option<&IntOrString>, path: &FieldPath) -> ErrorList {
    port.map(|p| port_num_or_name(p, &path.child("port"))).unwrap_or_default()
}

/// `validateLifecycle`: each of postStart and preStop has exactly one handler.
fn validate_lifecycle(l: &Lifecycle, grace: Option<i64>, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (field, handler) in [("postStart", &l.post_start), ("preStop", &l.pre_stop)] {
        if let Some(h) = handler {
            errs.extend(validate_lifecycle_handler(h, grace, &path.child(field)));
        }
    }
    errs
}

fn validate_lifecycle_handler(h: &LifecycleHandler, grace: Option<i64>, path: &FieldPath) -> ErrorList {
    let handlers = [
        ("exec", h.exec.is_some()),
        ("httpGet", h.http_get.is_some()),
        ("tcpSocket", h.tcp_socket.is_some()),
        ("sleep", h.sleep.is_some()),
    ];
    let mut errs = validate_handler_count(&handlers, path);
    errs.extend(match first_handler(&handlers) {
        Some("exec") => exec_command(h.exec.as_ref().and_then(|e| e.command.as_ref()), &path.child("exec")),
        Some("httpGet") => {
            h.http_get.as_ref().map(|x| validate_http_get(x, &path.child("httpGet"))).unwrap_or_default()
        }
        Some("tcpSocket") => tcp_port(h.tcp_socket.as_ref().map(|t| &t.port), &path.child("tcpSocket")),
        Some("sleep") => validate_sleep(h.sleep.as_ref().map(|s| s.seconds), grace, &path.child("sleep")),
        _ => ErrorList::new(),
    });
    errs
}

/// `validateSleepAction` with zero allowed (PodLifecycleSleepActionAllowZero, on since 1.33).
fn validate_sleep(seconds: Option<i64>, grace: Option<i64>, path: &FieldPath) -> ErrorList {
    match (seconds, grace) {
        (Some(s), Some(g)) if s < 0 || s > g => {
            let detail = format!("must be non-negative and less than terminationGracePeriodSeconds ({g})");
            vec![FieldError::invalid(path, s, &detail)]
        }
        _ => ErrorList::new(),
    }
}

/// `validateHTTPGetAction`.
fn validate_http_get(http: &HTTPGetAction, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    if http.path.as_deref().is_none_or(str::is_empty) {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    errs.extend(port_num_or_name(&http.port, &path.child("port")));
    let scheme = http.scheme.as_deref().unwrap_or_default();
    if scheme != "HTTP" && scheme != "HTTPS" {
        errs.push(FieldError::not_supported(&path.child("scheme"), scheme, &["HTTP", "HTTPS"]));
    }
    for header in http.http_headers.iter().flatten() {
        errs.extend(invalid_each(&path.child("httpHeaders"), &header.name, is_http_header_name(&header.name)));
    }
    errs
}

/// `ValidatePortNumOrName`: a number in 1..=65535 or an IANA service name.
pub fn port_num_or_name(port: &IntOrString, path: &FieldPath) -> ErrorList {
    match port {
        IntOrString::Int(n) => {
            is_valid_port_num(i64::from(*n)).iter().map(|msg| FieldError::invalid(path, *n, msg)).collect()
        }
        IntOrString::String(s) => invalid_each(path, s, is_valid_port_name(s)),
    }
}

fn is_privileged(c: &Container) -> bool {
    c.security_context.as_ref().and_then(|s| s.privileged) == Some(true)
}

/// skiff: `securityContext.privileged: true` needs `--allow-privileged`.
fn validate_privileged(c: &Container, path: &FieldPath, policy: &PodSecurityPolicy) -> Option<FieldError> {
    (is_privileged(c) && !policy.allow_privileged).then(|| {
        let field = path.child("securityContext").child("privileged");
        let detail = "privileged containers are refused by skiff by default (start the daemon with --allow-privileged to allow them)";
        FieldError::forbidden(&field, detail)
    })
}

#[cfg(test)]
mod tests {
    use crate::model::defaults::default_pod_template;
    use crate::model::validation::field::FieldPath;
    use crate::model::validation::{PodSecurityPolicy, pod::validate_pod_template};
    use k8s_openapi::api::core::v1::PodTemplateSpec;
    use serde_json::{Value, json};

    /// The errors of a defaulted template with this spec, rendered.
    fn errors(spec: Value) -> Vec<String> {
        let mut t: PodTemplateSpec =
            serde_json::from_value(json!({"spec": spec})).unwrap_or_else(|e| panic!("bad fixture: {e}"));
        default_pod_template(&mut t);
        let path = FieldPath::new("spec").child("template");
        let errs = validate_pod_template(&t, &path, &PodSecurityPolicy::default());
        errs.iter().map(ToString::to_string).collect()
    }

    fn container(extra: Value) -> Value {
        let mut c = json!({"name": "web", "image": "nginx:1.25"});
        if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
            c.extend(extra.clone());
        }
        c
    }

    /// The errors of a template with one container: `web` plus `extra`.
    fn one(extra: Value) -> Vec<String> {
        errors(json!({"containers": [container(extra)]}))
    }

    const P: &str = "spec.template.spec.containers[0]";

    #[test]
    fn ports() {
        let e = one(json!({"ports": [{"containerPort": 70000}]}));
        assert_eq!(
            e,
            vec![format!("{P}.ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive")]
        );
        let e = one(json!({"ports": [{"containerPort": 0}]}));
        assert_eq!(e, vec![format!("{P}.ports[0].containerPort: Required value")]);
        let e = one(json!({"ports": [{"containerPort": 80, "hostPort": -1}]}));
        assert_eq!(
            e,
            vec![format!("{P}.ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive")]
        );
        let e = one(json!({"ports": [{"containerPort": 80, "protocol": "HTTP"}]}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
            )]
        );
        let e = one(json!({"ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 81, "name": "web"}]}));
        assert_eq!(e, vec![format!("{P}.ports[1].name: Duplicate value: \"web\"")]);
        let e = one(json!({"ports": [{"containerPort": 80, "name": "8080"}]}));
        assert_eq!(
            e,
            vec![format!("{P}.ports[0].name: Invalid value: \"8080\": must contain at least one letter (a-z)")]
        );
    }

    #[test]
    fn env() {
        let e = one(json!({"env": [{"name": "A=B"}, {"name": ""}, {"name": "1-ok.too"}]}));
        assert_eq!(
            e,
            vec![
                format!(
                    "{P}.env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
                ),
                format!("{P}.env[1].name: Required value"),
            ]
        );
        let e = one(
            json!({"env": [{"name": "X", "value": "v", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}),
        );
        assert_eq!(
            e,
            vec![format!("{P}.env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty")]
        );
        let e = one(json!({"env": [{"name": "X", "valueFrom": {}}]}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            )]
        );
        let e = one(json!({"envFrom": [{"prefix": "P_"}]}));
        assert_eq!(
            e,
            vec![format!("{P}.envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`")]
        );
    }

    #[test]
    fn probes() {
        let e = one(json!({"livenessProbe": {"httpGet": {"port": 80}, "successThreshold": 2}}));
        assert_eq!(e, vec![format!("{P}.livenessProbe.successThreshold: Invalid value: 2: must be 1")]);
        let e = one(json!({"startupProbe": {"exec": {"command": ["true"]}, "successThreshold": 3}}));
        assert_eq!(e, vec![format!("{P}.startupProbe.successThreshold: Invalid value: 3: must be 1")]);
        let e = one(json!({"readinessProbe": {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 5}}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes"
            )]
        );
        let e = one(json!({"livenessProbe": {"httpGet": {"port": 80}, "tcpSocket": {"port": 80}}}));
        assert_eq!(
            e,
            vec![format!("{P}.livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type")]
        );
        let e = one(json!({"readinessProbe": {"periodSeconds": 3}}));
        assert_eq!(e, vec![format!("{P}.readinessProbe: Required value: must specify a handler type")]);
        let e = one(json!({"readinessProbe": {"exec": {"command": ["x"]}, "initialDelaySeconds": -1}}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0"
            )]
        );
        let e = one(json!({"livenessProbe": {"httpGet": {"port": 0}}}));
        assert_eq!(
            e,
            vec![format!("{P}.livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive")]
        );
        let e = one(json!({"livenessProbe": {"tcpSocket": {"port": "Web"}}}));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with(&format!("{P}.livenessProbe.tcpSocket.port: Invalid value: \"Web\": must contain only"))
        );
        let e = one(
            json!({"livenessProbe": {"httpGet": {"port": 80, "scheme": "FTP"}, "terminationGracePeriodSeconds": 0}}),
        );
        assert_eq!(
            e,
            vec![
                format!(
                    "{P}.livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""
                ),
                format!("{P}.livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"),
            ]
        );
        let e = one(json!({"livenessProbe": {"exec": {}}}));
        assert_eq!(e, vec![format!("{P}.livenessProbe.exec.command: Required value")]);
    }

    #[test]
    fn lifecycle() {
        let e = one(json!({"lifecycle": {"preStop": {"sleep": {"seconds": 40}}}}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.lifecycle.preStop.sleep: Invalid value: 40: must be non-negative and less than terminationGracePeriodSeconds (30)"
            )]
        );
        let e = one(json!({"lifecycle": {"postStart": {}}}));
        assert_eq!(e, vec![format!("{P}.lifecycle.postStart: Required value: must specify a handler type")]);
        let init = errors(
            json!({"containers": [container(json!({}))], "initContainers": [{"name": "i", "image": "x", "readinessProbe": {"exec": {"command": ["x"]}}}]}),
        );
        assert_eq!(
            init,
            vec![
                "spec.template.spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
            ]
        );
        let sidecar = errors(
            json!({"containers": [container(json!({}))], "initContainers": [{"name": "i", "image": "x", "restartPolicy": "Always", "readinessProbe": {"exec": {"command": ["x"]}}}]}),
        );
        assert_eq!(sidecar, Vec::<String>::new());
        let regular = one(json!({"restartPolicy": "Always"}));
        assert_eq!(regular, vec![format!("{P}.restartPolicy: Forbidden: may not be set for non-init containers")]);
    }

    #[test]
    fn resources() {
        let e = one(json!({"resources": {"limits": {"cpu": "abc"}}}));
        assert_eq!(
            e,
            vec![format!(
                "{P}.resources.limits[cpu]: Invalid value: \"abc\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            )]
        );
        let e = one(json!({"resources": {"limits": {"memory": "-1Gi"}}}));
        assert_eq!(
            e,
            vec![format!("{P}.resources.limits[memory]: Invalid value: \"-1Gi\": must be greater than or equal to 0")]
        );
        let e = one(json!({"resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}}}));
        assert_eq!(
            e,
            vec![format!("{P}.resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1")]
        );
        let e = one(json!({"resources": {"limits": {"gpu": "1"}}}));
        assert_eq!(
            e,
            vec![
                format!(
                    "{P}.resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified"
                ),
                format!(
                    "{P}.resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"
                ),
            ]
        );
        let e = one(json!({"resources": {"requests": {"example.com/dongle": "1.5"}}}));
        assert_eq!(
            e,
            vec![
                format!("{P}.resources.requests[example.com/dongle]: Invalid value: \"1500m\": must be an integer"),
                format!("{P}.resources.limits: Required value: Limit must be set for non overcommitable resources"),
            ]
        );
    }
}
