//! `pkg/apis/core/validation/validation_test.go`: TestValidateContainers,
//! TestValidateInitContainers, TestValidatePorts and TestValidatePullPolicy, run on the
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
    Case, NEGATIVE_MSG, PORT_RANGE_MSG, SUBDOMAIN_MSG, case, check, create, make_container, make_pod_spec, permissive,
    pod_spec, raw,
};
use crate::model::validation::pod::PodSecurityPolicy;

const P: &str = "spec.template.spec";

/// A Deployment whose pod template holds upstream's containers.
fn workload() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "abc", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": make_pod_spec()}}
    })
}

fn set_containers(v: &mut Value, containers: Value) {
    pod_spec(v)["containers"] = containers;
}

fn with(name: &str, extra: Value) -> Value {
    let mut c = make_container(name);
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    c
}

fn tcp(port: i32) -> Value {
    json!({"tcpSocket": {"port": port}})
}

fn resources(limits: Value, requests: Value) -> Value {
    json!({"resources": {"limits": limits, "requests": requests}})
}

fn success_containers() -> Value {
    let both = json!({"cpu": "10", "memory": "10G"});
    json!([
        make_container("abc"),
        with("def", json!({"image": " "})),
        with("ghi", json!({"image": " some  "})),
        make_container("123"),
        make_container("abc-123"),
        with("life-123", json!({"lifecycle": {"preStop": {"exec": {"command": ["ls", "-l"]}}}})),
        with(
            "resources-test",
            json!({"resources": {"limits": {"cpu": "10", "memory": "10G", "my.org/resource": "10"}}})
        ),
        with("resources-test-with-request-and-limit", resources(both.clone(), both)),
        with("resources-request-limit-simple", resources(json!({"cpu": "10"}), json!({"cpu": "8"}))),
        with(
            "resources-request-limit-edge",
            resources(
                json!({"cpu": "10", "memory": "10G", "my.org/resource": "10"}),
                json!({"cpu": "10", "memory": "10G", "my.org/resource": "10"})
            )
        ),
        with(
            "resources-request-limit-partials",
            resources(json!({"cpu": "10", "my.org/resource": "10"}), json!({"cpu": "9.5", "memory": "10G"}))
        ),
        with("resources-request", json!({"resources": {"requests": {"cpu": "9.5", "memory": "10G"}}})),
        with(
            "resources-resize-policy",
            json!({"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}, {"resourceName": "memory", "restartPolicy": "RestartContainer"}]})
        ),
        with(
            "same-host-port-different-protocol",
            json!({"ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}, {"containerPort": 80, "hostPort": 80, "protocol": "UDP"}]})
        ),
        with("fallback-to-logs-termination-message", json!({"terminationMessagePolicy": "FallbackToLogsOnError"})),
        with("file-termination-message", json!({"terminationMessagePolicy": "File"})),
        with("env-from-source", json!({"envFrom": [{"configMapRef": {"name": "test"}}]})),
        with("abc-1234", json!({"securityContext": {"privileged": true}})),
        with("live-123", json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})),
        with("startup-123", json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})),
        with("resize-policy-cpu", json!({"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]})),
        with(
            "resize-policy-mem",
            json!({"resizePolicy": [{"resourceName": "memory", "restartPolicy": "RestartContainer"}]})
        ),
        with(
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

fn negative_probe(kind: &str) -> Value {
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
    set_containers(v, json!([with("life-123", extra)]));
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
            |v| set_containers(v, json!([with("abc", json!({"image": ""}))])),
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
                set_containers(v, json!([with("abc", port(80)), with("def", port(81))]));
            },
            [format!("{P}.containers[1].ports[0].hostPort: Duplicate value: \"TCP//80\"")],
        ),
        case(
            "TestValidateContainers/unknown volume name",
            |v| {
                set_containers(
                    v,
                    json!([with("abc", json!({"volumeMounts": [{"name": "anything", "mountPath": "/foo"}]}))]),
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

fn ctr_set(v: &mut Value, field: &str, value: Value) {
    super::ctr(v)[field] = value;
}

#[test]
fn validate_containers_raw() {
    check(container_raw_cases(), |c| raw(workload(), c.edit, &PodSecurityPolicy::default()));
}

fn init_base(v: &mut Value, init: Value) {
    set_containers(v, json!([with("app", json!({"image": "nginx"}))]));
    pod_spec(v)["initContainers"] = init;
}

fn sidecar(extra: Value) -> Value {
    let mut c = with("life-123", extra);
    c["restartPolicy"] = json!("Always");
    c
}

fn init_success() -> Value {
    let ports = json!({"ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}, {"containerPort": 80, "hostPort": 80, "protocol": "UDP"}]});
    let mut restartable = with(
        "container-3-restart-always-with-lifecycle-hook-and-probes",
        json!({
            "lifecycle": {"postStart": {"exec": {"command": ["echo", "post start"]}}, "preStop": {"exec": {"command": ["echo", "pre stop"]}}},
            "livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1},
            "readinessProbe": {"tcpSocket": {"port": 80}},
            "startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}
        }),
    );
    restartable["restartPolicy"] = json!("Always");
    json!([
        with("container-1-same-host-port-different-protocol", ports.clone()),
        with("container-2-same-host-port-different-protocol", ports),
        restartable,
        with(
            "container-4-allowed-resize-policy",
            json!({"resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]})
        ),
    ])
}

fn init_cases() -> Vec<Case> {
    let i0 = format!("{P}.initContainers[0]");
    let forbidden = |field: &str| {
        format!(
            "{P}.initContainers[0].{field}: Forbidden: may not be set for init containers without restartPolicy=Always"
        )
    };
    let not_supported = |policy: &str| {
        format!("{P}.initContainers[0].restartPolicy: Unsupported value: \"{policy}\": supported values: \"Always\"")
    };
    vec![
        case("TestValidateInitContainers/successCase", |v| init_base(v, init_success()), [""; 0]),
        case(
            "TestValidateInitContainers/empty name",
            |v| init_base(v, json!([make_container("")])),
            [format!("{i0}.name: Required value")],
        ),
        case(
            "TestValidateInitContainers/name collision with regular container",
            |v| init_base(v, json!([make_container("app")])),
            [format!("{i0}.name: Duplicate value: \"app\"")],
        ),
        case(
            "TestValidateInitContainers/invalid termination message policy",
            |v| init_base(v, json!([with("init", json!({"terminationMessagePolicy": "Unknown"}))])),
            [format!(
                "{i0}.terminationMessagePolicy: Unsupported value: \"Unknown\": supported values: \"File\", \"FallbackToLogsOnError\""
            )],
        ),
        case(
            "TestValidateInitContainers/duplicate names",
            |v| init_base(v, json!([make_container("init"), make_container("init")])),
            [format!("{P}.initContainers[1].name: Duplicate value: \"init\"")],
        ),
        case(
            "TestValidateInitContainers/duplicate ports",
            |v| {
                let port = json!({"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"});
                init_base(v, json!([with("abc", json!({"ports": [port.clone(), port]}))]));
            },
            [format!("{i0}.ports[1].hostPort: Duplicate value: \"TCP//8080\"")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: Lifecycle",
            |v| {
                init_base(
                    v,
                    json!([with("debug", json!({"lifecycle": {"preStop": {"exec": {"command": ["ls", "-l"]}}}}))]),
                )
            },
            [forbidden("lifecycle")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: LivenessProbe",
            |v| {
                init_base(
                    v,
                    json!([with(
                        "debug",
                        json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})
                    )]),
                )
            },
            [forbidden("livenessProbe")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: ReadinessProbe",
            |v| init_base(v, json!([with("debug", json!({"readinessProbe": {"tcpSocket": {"port": 80}}}))])),
            [forbidden("readinessProbe")],
        ),
        case(
            "TestValidateInitContainers/Container uses disallowed field: StartupProbe",
            |v| {
                init_base(
                    v,
                    json!([with("debug", json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}}))]),
                )
            },
            [forbidden("startupProbe")],
        ),
        case(
            "TestValidateInitContainers/Disallowed field with other errors should only return a single Forbidden",
            |v| init_base(v, json!([with("debug", negative_probe("startupProbe"))])),
            [forbidden("startupProbe")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: OnFailure",
            |v| init_base(v, json!([with("init", json!({"restartPolicy": "OnFailure"}))])),
            [not_supported("OnFailure")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: Never",
            |v| init_base(v, json!([with("init", json!({"restartPolicy": "Never"}))])),
            [not_supported("Never")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: invalid",
            |v| init_base(v, json!([with("init", json!({"restartPolicy": "invalid"}))])),
            [not_supported("invalid")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: empty",
            |v| init_base(v, json!([with("init", json!({"restartPolicy": ""}))])),
            [not_supported("")],
        ),
        case(
            "TestValidateInitContainers/invalid startup probe in restartable container, successThreshold != 1",
            |v| {
                init_base(
                    v,
                    json!([sidecar(json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}}))]),
                )
            },
            [format!("{i0}.startupProbe.successThreshold: Invalid value: 2: must be 1")],
        ),
        case(
            "TestValidateInitContainers/invalid readiness probe, terminationGracePeriodSeconds set.",
            |v| {
                init_base(
                    v,
                    json!([sidecar(
                        json!({"readinessProbe": {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 10}})
                    )]),
                )
            },
            [format!(
                "{i0}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"
            )],
        ),
        case(
            "TestValidateInitContainers/invalid liveness probe, successThreshold != 1",
            |v| {
                init_base(
                    v,
                    json!([sidecar(json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 2}}))]),
                )
            },
            [format!("{i0}.livenessProbe.successThreshold: Invalid value: 2: must be 1")],
        ),
        case(
            "TestValidateInitContainers/invalid lifecycle, no exec command.",
            |v| init_base(v, json!([sidecar(json!({"lifecycle": {"preStop": {"exec": {}}}}))])),
            [format!("{i0}.lifecycle.preStop.exec.command: Required value")],
        ),
        case(
            "TestValidateInitContainers/invalid lifecycle, zero tcp socket port.",
            |v| init_base(v, json!([sidecar(json!({"lifecycle": {"preStop": tcp(0)}}))])),
            [format!("{i0}.lifecycle.preStop.tcpSocket.port: Invalid value: 0: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidateInitContainers/invalid lifecycle, no action.",
            |v| init_base(v, json!([sidecar(json!({"lifecycle": {"preStop": {}}}))])),
            [format!("{i0}.lifecycle.preStop: Required value: must specify a handler type")],
        ),
    ]
}

#[test]
fn validate_init_containers() {
    check(init_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}

fn init_raw_cases() -> Vec<Case> {
    let i0 = format!("{P}.initContainers[0]");
    vec![
        case(
            "TestValidateInitContainers/invalid lifecycle, no http path.",
            |v| {
                init_base(
                    v,
                    json!([sidecar(json!({"lifecycle": {"preStop": {"httpGet": {"port": 80, "scheme": "HTTP"}}}}))]),
                )
            },
            [format!("{i0}.lifecycle.preStop.httpGet.path: Required value")],
        ),
        case(
            "TestValidateInitContainers/invalid lifecycle, no http scheme.",
            |v| {
                init_base(
                    v,
                    json!([sidecar(json!({"lifecycle": {"preStop": {"httpGet": {"path": "/", "port": 80}}}}))]),
                )
            },
            [format!(
                "{i0}.lifecycle.preStop.httpGet.scheme: Unsupported value: \"\": supported values: \"HTTP\", \"HTTPS\""
            )],
        ),
    ]
}

#[test]
fn validate_init_containers_raw() {
    check(init_raw_cases(), |c| raw(workload(), c.edit, &PodSecurityPolicy::default()));
}

fn ports(v: &mut Value, ports: Value) {
    ctr_set(v, "ports", ports);
}

fn port_cases() -> Vec<Case> {
    let p0 = format!("{P}.containers[0].ports[0]");
    let not_supported = |p: &str| {
        format!(
            "{P}.containers[0].ports[0].protocol: Unsupported value: \"{p}\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        )
    };
    vec![
        case(
            "TestValidatePorts/successCase",
            |v| {
                ports(
                    v,
                    json!([
                        {"name": "abc", "containerPort": 80, "hostPort": 80, "protocol": "TCP"},
                        {"name": "easy", "containerPort": 82, "protocol": "TCP"},
                        {"name": "as", "containerPort": 83, "protocol": "UDP"},
                        {"name": "do-re-me", "containerPort": 84, "protocol": "SCTP"},
                        {"containerPort": 85, "protocol": "TCP"}
                    ]),
                )
            },
            [""; 0],
        ),
        case(
            "TestValidatePorts/nonCanonicalCase",
            |v| ports(v, json!([{"containerPort": 80, "protocol": "TCP"}])),
            [""; 0],
        ),
        case(
            "TestValidatePorts/name > 15 characters",
            |v| ports(v, json!([{"name": "a".repeat(16), "containerPort": 80, "protocol": "TCP"}])),
            [format!("{p0}.name: Invalid value: \"{}\": must be no more than 15 bytes", "a".repeat(16))],
        ),
        case(
            "TestValidatePorts/name contains invalid characters",
            |v| ports(v, json!([{"name": "a.b.c", "containerPort": 80, "protocol": "TCP"}])),
            [format!(
                "{p0}.name: Invalid value: \"a.b.c\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
            )],
        ),
        case(
            "TestValidatePorts/name is a number",
            |v| ports(v, json!([{"name": "80", "containerPort": 80, "protocol": "TCP"}])),
            [format!("{p0}.name: Invalid value: \"80\": must contain at least one letter (a-z)")],
        ),
        case(
            "TestValidatePorts/name not unique",
            |v| {
                ports(
                    v,
                    json!([{"name": "abc", "containerPort": 80, "protocol": "TCP"}, {"name": "abc", "containerPort": 81, "protocol": "TCP"}]),
                )
            },
            [format!("{P}.containers[0].ports[1].name: Duplicate value: \"abc\"")],
        ),
        case(
            "TestValidatePorts/zero container port",
            |v| ports(v, json!([{"containerPort": 0, "protocol": "TCP"}])),
            [format!("{p0}.containerPort: Required value")],
        ),
        case(
            "TestValidatePorts/invalid container port",
            |v| ports(v, json!([{"containerPort": 65536, "protocol": "TCP"}])),
            [format!("{p0}.containerPort: Invalid value: 65536: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidatePorts/invalid host port",
            |v| ports(v, json!([{"containerPort": 80, "hostPort": 65536, "protocol": "TCP"}])),
            [format!("{p0}.hostPort: Invalid value: 65536: {PORT_RANGE_MSG}")],
        ),
        case(
            "TestValidatePorts/invalid protocol case",
            |v| ports(v, json!([{"containerPort": 80, "protocol": "tcp"}])),
            [not_supported("tcp")],
        ),
        case(
            "TestValidatePorts/invalid protocol",
            |v| ports(v, json!([{"containerPort": 80, "protocol": "ICMP"}])),
            [not_supported("ICMP")],
        ),
    ]
}

#[test]
fn validate_ports() {
    check(port_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}

fn pull_policy_cases() -> Vec<Case> {
    let none = [""; 0];
    vec![
        case(
            "TestValidatePullPolicy/NotPresent1",
            |v| set_containers(v, json!([with("abc", json!({"image": "image:latest"}))])),
            none,
        ),
        case("TestValidatePullPolicy/NotPresent2", |v| set_containers(v, json!([make_container("abc1")])), none),
        case(
            "TestValidatePullPolicy/Always1",
            |v| set_containers(v, json!([with("123", json!({"image": "image:latest", "imagePullPolicy": "Always"}))])),
            none,
        ),
        case(
            "TestValidatePullPolicy/Always2",
            |v| set_containers(v, json!([with("1234", json!({"imagePullPolicy": "Always"}))])),
            none,
        ),
        case(
            "TestValidatePullPolicy/Never1",
            |v| {
                set_containers(
                    v,
                    json!([with("abc-123", json!({"image": "image:latest", "imagePullPolicy": "Never"}))]),
                )
            },
            none,
        ),
        case(
            "TestValidatePullPolicy/Never2",
            |v| set_containers(v, json!([with("abc-1234", json!({"imagePullPolicy": "Never"}))])),
            none,
        ),
    ]
}

#[test]
fn validate_pull_policy() {
    check(pull_policy_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}
