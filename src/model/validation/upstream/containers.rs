//! `pkg/apis/core/validation/validation_test.go`: TestValidateContainers, run on the
//! containers of a Deployment's pod template (upstream's `containers[0]` is
//! `spec.template.spec.containers[0]` here).
//!
//! Not carried over:
//! - "invalid env var name" (`ev!1`): with RelaxedEnvironmentVariableValidation (GA in 1.34,
//!   and skiff's only rule) that name is valid.
//! - "invalid lifecycle, no http port.", "invalid lifecycle, no tcp socket port." and
//!   "invalid liveness probe, no tcp socket port.": the v1 schema requires `port`; skiff
//!   refuses such a manifest while decoding (`...tcpSocket: missing field \`port\``) instead
//!   of reporting port 0, which the zero-port cases cover.
//! - The resizePolicy cases: skiff does not resize containers in place and ignores the field.

use serde_json::{Value, json};

use super::{
    Case, NEGATIVE_MSG, PORT_RANGE_MSG, SUBDOMAIN_MSG, case, check, container_with, create, make_container, permissive,
    pod_spec, raw, workload,
};
use crate::model::validation::PodSecurityPolicy;

const P: &str = "spec.template.spec";

pub(super) fn set_containers(v: &mut Value, containers: Value) {
    pod_spec(v)["containers"] = containers;
}

pub(super) fn tcp(port: i32) -> Value {
    json!({"tcpSocket": {"port": port}})
}

fn resources(limits: Value, requests: Value) -> Value {
    json!({"resources": {"limits": limits, "requests": requests}})
}

fn success_containers() -> Value {
    let both = json!({"cpu": "10", "memory": "10G"});
    json!([
        make_container("abc"),
        container_with("def", json!({"image": " "})),
        container_with("ghi", json!({"image": " some  "})),
        make_container("123"),
        make_container("abc-123"),
        container_with("life-123", json!({"lifecycle": {"preStop": {"exec": {"command": ["ls", "-l"]}}}})),
        container_with(
            "resources-test",
            json!({"resources": {"limits": {"cpu": "10", "memory": "10G", "my.org/resource": "10"}}})
        ),
        container_with("resources-test-with-request-and-limit", resources(both.clone(), both)),
        container_with("resources-request-limit-simple", resources(json!({"cpu": "10"}), json!({"cpu": "8"}))),
        container_with(
            "resources-request-limit-edge",
            resources(
                json!({"cpu": "10", "memory": "10G", "my.org/resource": "10"}),
                json!({"cpu": "10", "memory": "10G", "my.org/resource": "10"})
            )
        ),
        container_with(
            "resources-request-limit-partials",
            resources(json!({"cpu": "10", "my.org/resource": "10"}), json!({"cpu": "9.5", "memory": "10G"}))
        ),
        container_with("resources-request", json!({"resources": {"requests": {"cpu": "9.5", "memory": "10G"}}})),
        container_with(
            "resources-resize-policy",
            json!({"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}, {"resourceName": "memory", "restartPolicy": "RestartContainer"}]})
        ),
        container_with(
            "same-host-port-different-protocol",
            json!({"ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}, {"containerPort": 80, "hostPort": 80, "protocol": "UDP"}]})
        ),
        container_with(
            "fallback-to-logs-termination-message",
            json!({"terminationMessagePolicy": "FallbackToLogsOnError"})
        ),
        container_with("file-termination-message", json!({"terminationMessagePolicy": "File"})),
        container_with("env-from-source", json!({"envFrom": [{"configMapRef": {"name": "test"}}]})),
        container_with("abc-1234", json!({"securityContext": {"privileged": true}})),
        container_with("live-123", json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})),
        container_with("startup-123", json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})),
        container_with(
            "resize-policy-cpu",
            json!({"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]})
        ),
        container_with(
            "resize-policy-mem",
            json!({"resizePolicy": [{"resourceName": "memory", "restartPolicy": "RestartContainer"}]})
        ),
        container_with(
            "resize-policy-cpu-and-mem",
            json!({"resizePolicy": [{"resourceName": "memory", "restartPolicy": "NotRequired"}, {"resourceName": "cpu", "restartPolicy": "RestartContainer"}]})
        ),
    ])
}

#[test]
fn validate_containers_success() {
    let cases = vec![case("TestValidateContainers/successCase", |v| set_containers(v, success_containers()), [""; 0])];
    check(cases, |c| create(workload(), c.edit, &permissive()));
}

pub(super) fn negative_probe(kind: &str) -> Value {
    json!({kind: {"tcpSocket": {"port": 80}, "initialDelaySeconds": -1, "timeoutSeconds": -1, "periodSeconds": -1,
        "successThreshold": -1, "failureThreshold": -1, "terminationGracePeriodSeconds": -1}})
}

fn negative_probe_errors(kind: &str) -> Vec<String> {
    let fields = ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"];
    let mut want: Vec<String> =
        fields.iter().map(|f| format!("{P}.containers[0].{kind}.{f}: Invalid value: -1: {NEGATIVE_MSG}")).collect();
    want.push(format!(
        "{P}.containers[0].{kind}.terminationGracePeriodSeconds: Invalid value: -1: must be greater than 0"
    ));
    want.push(if kind == "readinessProbe" {
        format!("{P}.containers[0].{kind}.terminationGracePeriodSeconds: Invalid value: -1: must not be set for readinessProbes")
    } else {
        format!("{P}.containers[0].{kind}.successThreshold: Invalid value: -1: must be 1")
    });
    want
}

fn one(v: &mut Value, extra: Value) {
    set_containers(v, json!([container_with("life-123", extra)]));
}

fn container_error_cases() -> Vec<Case> {
    let c0 = format!("{P}.containers[0]");
    let standard = |name: &str| {
        [
            format!(
                "{c0}.resources.limits[{name}]: Invalid value: \"{name}\": must be a standard resource type or fully qualified"
            ),
            format!(
                "{c0}.resources.limits[{name}]: Invalid value: \"{name}\": must be a standard resource for containers"
            ),
        ]
    };
    vec![
        case(
            "TestValidateContainers/zero-length name",
            |v| set_containers(v, json!([make_container("")])),
            [format!("{c0}.name: Required value")],
        ),
        case(
            "TestValidateContainers/zero-length-image",
            |v| set_containers(v, json!([container_with("abc", json!({"image": ""}))])),
            [format!("{c0}.image: Required value")],
        ),
        case(
            "TestValidateContainers/name > 63 characters",
            |v| set_containers(v, json!([make_container(&"a".repeat(64))])),
            [format!("{c0}.name: Invalid value: \"{}\": must be no more than 63 bytes", "a".repeat(64))],
        ),
        case(
            "TestValidateContainers/name not a DNS label",
            |v| set_containers(v, json!([make_container("a.b.c")])),
            [format!("{c0}.name: Invalid value: \"a.b.c\": must not contain dots")],
        ),
        case(
            "TestValidateContainers/name not unique",
            |v| set_containers(v, json!([make_container("abc"), make_container("abc")])),
            [format!("{P}.containers[1].name: Duplicate value: \"abc\"")],
        ),
        case(
            "TestValidateContainers/host port not unique",
            |v| {
                let port = |c: i32| json!({"ports": [{"containerPort": c, "hostPort": 80, "protocol": "TCP"}]});
                set_containers(v, json!([container_with("abc", port(80)), container_with("def", port(81))]));
            },
            [format!("{P}.containers[1].ports[0].hostPort: Duplicate value: \"TCP//80\"")],
        ),
        case(
            "TestValidateContainers/unknown volume name",
            |v| {
                set_containers(
                    v,
                    json!([container_with(
                        "abc",
                        json!({"volumeMounts": [{"name": "anything", "mountPath": "/foo"}]})
                    )]),
                )
            },
            [format!("{c0}.volumeMounts[0].name: Not found: \"anything\"")],
        ),
        case(
            "TestValidateContainers/invalid lifecycle, no exec command.",
            |v| one(v, json!({"lifecycle": {"preStop": {"exec": {}}}})),
            [format!("{c0}.lifecycle.preStop.exec.command: Required value")],
        ),
        case(
            "TestValidateContainers/invalid lifecycle, zero tcp socket port.",
            |v| one(v, json!({"lifecycle": {"preStop": tcp(0)}})),
            [format!("{c0}.lifecycle.preStop.tcpSocket.port: Invalid value: 0: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidateContainers/invalid lifecycle, no action.",
            |v| one(v, json!({"lifecycle": {"preStop": {}}})),
            [format!("{c0}.lifecycle.preStop: Required value: must specify a handler type")],
        ),
        case(
            "TestValidateContainers/invalid readiness probe, terminationGracePeriodSeconds set.",
            |v| one(v, json!({"readinessProbe": {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 10}})),
            [format!(
                "{c0}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"
            )],
        ),
        case(
            "TestValidateContainers/invalid liveness probe, no action.",
            |v| one(v, json!({"livenessProbe": {"successThreshold": 1}})),
            [format!("{c0}.livenessProbe: Required value: must specify a handler type")],
        ),
        case(
            "TestValidateContainers/invalid liveness probe, successThreshold != 1",
            |v| one(v, json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}})),
            [format!("{c0}.livenessProbe.successThreshold: Invalid value: 2: must be 1")],
        ),
        case(
            "TestValidateContainers/invalid startup probe, successThreshold != 1",
            |v| one(v, json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}})),
            [format!("{c0}.startupProbe.successThreshold: Invalid value: 2: must be 1")],
        ),
        case(
            "TestValidateContainers/invalid liveness probe, negative numbers",
            |v| one(v, negative_probe("livenessProbe")),
            negative_probe_errors("livenessProbe"),
        ),
        case(
            "TestValidateContainers/invalid readiness probe, negative numbers",
            |v| one(v, negative_probe("readinessProbe")),
            negative_probe_errors("readinessProbe"),
        ),
        case(
            "TestValidateContainers/invalid startup probe, negative numbers",
            |v| one(v, negative_probe("startupProbe")),
            negative_probe_errors("startupProbe"),
        ),
        case(
            "TestValidateContainers/invalid message termination policy",
            |v| one(v, json!({"terminationMessagePolicy": "Unknown"})),
            [format!(
                "{c0}.terminationMessagePolicy: Unsupported value: \"Unknown\": supported values: \"File\", \"FallbackToLogsOnError\""
            )],
        ),
        // Upstream: `Forbidden: disallowed by cluster policy`; skiff names its own flag.
        case(
            "TestValidateContainers/privilege disabled",
            |v| one(v, json!({"securityContext": {"privileged": true}})),
            [format!(
                "{c0}.securityContext.privileged: Forbidden: privileged containers are refused by skiff by default (start the daemon with --allow-privileged to allow them)"
            )],
        ),
        case(
            "TestValidateContainers/invalid compute resource",
            |v| one(v, json!({"resources": {"limits": {"disk": "10G"}}})),
            standard("disk"),
        ),
        case(
            "TestValidateContainers/Resource CPU invalid",
            |v| one(v, json!({"resources": {"limits": {"cpu": "-10", "memory": "0"}}})),
            [format!("{c0}.resources.limits[cpu]: Invalid value: \"-10\": {NEGATIVE_MSG}")],
        ),
        case(
            "TestValidateContainers/Resource Requests CPU invalid",
            |v| one(v, json!({"resources": {"requests": {"cpu": "-10", "memory": "0"}}})),
            [format!("{c0}.resources.requests[cpu]: Invalid value: \"-10\": {NEGATIVE_MSG}")],
        ),
        case(
            "TestValidateContainers/Resource Memory invalid",
            |v| one(v, json!({"resources": {"limits": {"cpu": "0", "memory": "-10"}}})),
            [format!("{c0}.resources.limits[memory]: Invalid value: \"-10\": {NEGATIVE_MSG}")],
        ),
        case(
            "TestValidateContainers/Request limit simple invalid",
            |v| one(v, resources(json!({"cpu": "5", "memory": "3"}), json!({"cpu": "6", "memory": "3"}))),
            [format!("{c0}.resources.requests: Invalid value: \"6\": must be less than or equal to cpu limit of 5")],
        ),
        case(
            "TestValidateContainers/Invalid storage limit request",
            |v| one(v, json!({"resources": {"limits": {"attachable-volumes-aws-ebs": "10"}}})),
            standard("attachable-volumes-aws-ebs"),
        ),
        case(
            "TestValidateContainers/CPU request limit multiple invalid",
            |v| one(v, resources(json!({"cpu": "5", "memory": "3"}), json!({"cpu": "6", "memory": "3"}))),
            [format!("{c0}.resources.requests: Invalid value: \"6\": must be less than or equal to cpu limit of 5")],
        ),
        case(
            "TestValidateContainers/Memory request limit multiple invalid",
            |v| one(v, resources(json!({"cpu": "5", "memory": "3"}), json!({"cpu": "5", "memory": "4"}))),
            [format!("{c0}.resources.requests: Invalid value: \"4\": must be less than or equal to memory limit of 3")],
        ),
        case(
            "TestValidateContainers/Invalid env from",
            |v| one(v, json!({"envFrom": [{"configMapRef": {"name": "$%^&*#"}}]})),
            [format!("{c0}.envFrom[0].configMapRef.name: Invalid value: \"$%^&*#\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateContainers/Forbidden RestartPolicy: Always",
            |v| one(v, json!({"restartPolicy": "Always"})),
            [forbidden_restart()],
        ),
        case(
            "TestValidateContainers/Forbidden RestartPolicy: OnFailure",
            |v| one(v, json!({"restartPolicy": "OnFailure"})),
            [forbidden_restart()],
        ),
        case(
            "TestValidateContainers/Forbidden RestartPolicy: Never",
            |v| one(v, json!({"restartPolicy": "Never"})),
            [forbidden_restart()],
        ),
        case(
            "TestValidateContainers/Forbidden RestartPolicy: invalid",
            |v| one(v, json!({"restartPolicy": "invalid"})),
            [forbidden_restart()],
        ),
        case(
            "TestValidateContainers/Forbidden RestartPolicy: empty",
            |v| one(v, json!({"restartPolicy": ""})),
            [forbidden_restart()],
        ),
    ]
}

fn forbidden_restart() -> String {
    format!("{P}.containers[0].restartPolicy: Forbidden: may not be set for non-init containers")
}

#[test]
fn validate_containers_errors() {
    check(container_error_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}

/// Cases whose object defaulting would repair; they run on a defaulted template.
fn container_raw_cases() -> Vec<Case> {
    let c0 = format!("{P}.containers[0]");
    vec![
        case(
            "TestValidateContainers/invalid lifecycle, no http path.",
            |v| ctr_set(v, "lifecycle", json!({"preStop": {"httpGet": {"port": 80, "scheme": "HTTP"}}})),
            [format!("{c0}.lifecycle.preStop.httpGet.path: Required value")],
        ),
        case(
            "TestValidateContainers/invalid lifecycle, no http scheme.",
            |v| ctr_set(v, "lifecycle", json!({"preStop": {"httpGet": {"path": "/", "port": 80}}})),
            [format!(
                "{c0}.lifecycle.preStop.httpGet.scheme: Unsupported value: \"\": supported values: \"HTTP\", \"HTTPS\""
            )],
        ),
        case(
            "TestValidateContainers/empty message termination policy",
            |v| ctr_set(v, "terminationMessagePolicy", json!("")),
            [format!("{c0}.terminationMessagePolicy: Required value")],
        ),
        case(
            "TestValidatePorts/protocol required",
            |v| ctr_set(v, "ports", json!([{"name": "abc", "containerPort": 80}])),
            [format!("{c0}.ports[0].protocol: Required value")],
        ),
    ]
}

pub(super) fn ctr_set(v: &mut Value, field: &str, value: Value) {
    super::ctr(v)[field] = value;
}

#[test]
fn validate_containers_raw() {
    check(container_raw_cases(), |c| raw(workload(), c.edit, &PodSecurityPolicy::default()));
}
