//! `pkg/apis/core/validation/validation_test.go`: TestValidateInitContainers,
//! TestValidatePorts and TestValidatePullPolicy, on a Deployment's pod template (upstream's
//! `initContainers[0]` is `spec.template.spec.initContainers[0]` here). The cases left out of
//! TestValidateInitContainers are those left out of TestValidateContainers, for the same
//! reasons (see `containers`).

use serde_json::{Value, json};

use super::containers::{ctr_set, negative_probe, set_containers, tcp};
use super::{Case, PORT_RANGE_MSG, case, check, container_with, create, make_container, pod_spec, raw, workload};
use crate::model::validation::PodSecurityPolicy;

const P: &str = "spec.template.spec";

fn init_base(v: &mut Value, init: Value) {
    set_containers(v, json!([container_with("app", json!({"image": "nginx"}))]));
    pod_spec(v)["initContainers"] = init;
}

fn sidecar(extra: Value) -> Value {
    let mut c = container_with("life-123", extra);
    c["restartPolicy"] = json!("Always");
    c
}

fn init_success() -> Value {
    let ports = json!({"ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}, {"containerPort": 80, "hostPort": 80, "protocol": "UDP"}]});
    let mut restartable = container_with(
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
        container_with("container-1-same-host-port-different-protocol", ports.clone()),
        container_with("container-2-same-host-port-different-protocol", ports),
        restartable,
        container_with(
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
            |v| init_base(v, json!([container_with("init", json!({"terminationMessagePolicy": "Unknown"}))])),
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
                init_base(v, json!([container_with("abc", json!({"ports": [port.clone(), port]}))]));
            },
            [format!("{i0}.ports[1].hostPort: Duplicate value: \"TCP//8080\"")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: Lifecycle",
            |v| {
                init_base(
                    v,
                    json!([container_with(
                        "debug",
                        json!({"lifecycle": {"preStop": {"exec": {"command": ["ls", "-l"]}}}})
                    )]),
                )
            },
            [forbidden("lifecycle")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: LivenessProbe",
            |v| {
                init_base(
                    v,
                    json!([container_with(
                        "debug",
                        json!({"livenessProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})
                    )]),
                )
            },
            [forbidden("livenessProbe")],
        ),
        case(
            "TestValidateInitContainers/uses disallowed field: ReadinessProbe",
            |v| init_base(v, json!([container_with("debug", json!({"readinessProbe": {"tcpSocket": {"port": 80}}}))])),
            [forbidden("readinessProbe")],
        ),
        case(
            "TestValidateInitContainers/Container uses disallowed field: StartupProbe",
            |v| {
                init_base(
                    v,
                    json!([container_with(
                        "debug",
                        json!({"startupProbe": {"tcpSocket": {"port": 80}, "successThreshold": 1}})
                    )]),
                )
            },
            [forbidden("startupProbe")],
        ),
        case(
            "TestValidateInitContainers/Disallowed field with other errors should only return a single Forbidden",
            |v| init_base(v, json!([container_with("debug", negative_probe("startupProbe"))])),
            [forbidden("startupProbe")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: OnFailure",
            |v| init_base(v, json!([container_with("init", json!({"restartPolicy": "OnFailure"}))])),
            [not_supported("OnFailure")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: Never",
            |v| init_base(v, json!([container_with("init", json!({"restartPolicy": "Never"}))])),
            [not_supported("Never")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: invalid",
            |v| init_base(v, json!([container_with("init", json!({"restartPolicy": "invalid"}))])),
            [not_supported("invalid")],
        ),
        case(
            "TestValidateInitContainers/Not supported RestartPolicy: empty",
            |v| init_base(v, json!([container_with("init", json!({"restartPolicy": ""}))])),
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
            |v| set_containers(v, json!([container_with("abc", json!({"image": "image:latest"}))])),
            none,
        ),
        case("TestValidatePullPolicy/NotPresent2", |v| set_containers(v, json!([make_container("abc1")])), none),
        case(
            "TestValidatePullPolicy/Always1",
            |v| {
                set_containers(
                    v,
                    json!([container_with("123", json!({"image": "image:latest", "imagePullPolicy": "Always"}))]),
                )
            },
            none,
        ),
        case(
            "TestValidatePullPolicy/Always2",
            |v| set_containers(v, json!([container_with("1234", json!({"imagePullPolicy": "Always"}))])),
            none,
        ),
        case(
            "TestValidatePullPolicy/Never1",
            |v| {
                set_containers(
                    v,
                    json!([container_with("abc-123", json!({"image": "image:latest", "imagePullPolicy": "Never"}))]),
                )
            },
            none,
        ),
        case(
            "TestValidatePullPolicy/Never2",
            |v| set_containers(v, json!([container_with("abc-1234", json!({"imagePullPolicy": "Never"}))])),
            none,
        ),
    ]
}

#[test]
fn validate_pull_policy() {
    check(pull_policy_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}
