//! `pkg/apis/core/validation/validation_test.go`: TestValidateProbe, Test_validateProbe and
//! TestValidateHandler, on a probe of the first container of a Deployment's pod template.
//! Upstream calls the generic validateProbe; here each case uses the probe kind that adds no
//! error of its own: a readinessProbe (no `successThreshold` rule), or a livenessProbe where a
//! probe-level `terminationGracePeriodSeconds` is set (readiness probes may not have one).
//! Handler cases whose object defaulting would repair (an empty path or scheme) run on a
//! defaulted template.

use serde_json::{Value, json};

use super::{Case, NEGATIVE_MSG, PORT_RANGE_MSG, case, check, create, raw, workload};
use crate::model::validation::PodSecurityPolicy;

const C0: &str = "spec.template.spec.containers[0]";
const HEADER_MSG: &str = "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')";
const NO_SCHEME: &str = "Unsupported value: \"\": supported values: \"HTTP\", \"HTTPS\"";

fn readiness(v: &mut Value, probe: Value) {
    super::ctr(v)["readinessProbe"] = probe;
}

fn liveness(v: &mut Value, probe: Value) {
    super::ctr(v)["livenessProbe"] = probe;
}

fn exec_with(field: &str, value: i64) -> Value {
    json!({"exec": {"command": ["echo"]}, field: value})
}

fn negative(field: &str, value: i64) -> String {
    format!("{C0}.readinessProbe.{field}: Invalid value: {value}: {NEGATIVE_MSG}")
}

fn probe_cases() -> Vec<Case> {
    let none = [""; 0];
    let grace = |value: i64| {
        format!("{C0}.livenessProbe.terminationGracePeriodSeconds: Invalid value: {value}: must be greater than 0")
    };
    vec![
        case("TestValidateProbe/nil", |_| {}, none),
        case("TestValidateProbe/InitialDelaySeconds 10", |v| readiness(v, exec_with("initialDelaySeconds", 10)), none),
        case("TestValidateProbe/TimeoutSeconds 10", |v| readiness(v, exec_with("timeoutSeconds", 10)), none),
        case("TestValidateProbe/PeriodSeconds 10", |v| readiness(v, exec_with("periodSeconds", 10)), none),
        case("TestValidateProbe/SuccessThreshold 10", |v| readiness(v, exec_with("successThreshold", 10)), none),
        case("TestValidateProbe/FailureThreshold 10", |v| readiness(v, exec_with("failureThreshold", 10)), none),
        case(
            "TestValidateProbe/no handler",
            |v| readiness(v, json!({"timeoutSeconds": 10, "initialDelaySeconds": 10})),
            [format!("{C0}.readinessProbe: Required value: must specify a handler type")],
        ),
        case(
            "TestValidateProbe/InitialDelaySeconds -10",
            |v| readiness(v, exec_with("initialDelaySeconds", -10)),
            [negative("initialDelaySeconds", -10)],
        ),
        case(
            "TestValidateProbe/TimeoutSeconds -10",
            |v| readiness(v, exec_with("timeoutSeconds", -10)),
            [negative("timeoutSeconds", -10)],
        ),
        case(
            "TestValidateProbe/PeriodSeconds -10",
            |v| readiness(v, exec_with("periodSeconds", -10)),
            [negative("periodSeconds", -10)],
        ),
        case(
            "TestValidateProbe/SuccessThreshold -10",
            |v| readiness(v, exec_with("successThreshold", -10)),
            [negative("successThreshold", -10)],
        ),
        case(
            "TestValidateProbe/FailureThreshold -10",
            |v| readiness(v, exec_with("failureThreshold", -10)),
            [negative("failureThreshold", -10)],
        ),
        case(
            "Test_validateProbe/empty probe",
            |v| readiness(v, json!({})),
            [format!("{C0}.readinessProbe: Required value: must specify a handler type")],
        ),
        case("Test_validateProbe/exec", |v| readiness(v, json!({"exec": {"command": ["echo"]}})), none),
        case(
            "Test_validateProbe/initialDelaySeconds -1",
            |v| readiness(v, exec_with("initialDelaySeconds", -1)),
            [negative("initialDelaySeconds", -1)],
        ),
        case(
            "Test_validateProbe/timeoutSeconds -1",
            |v| readiness(v, exec_with("timeoutSeconds", -1)),
            [negative("timeoutSeconds", -1)],
        ),
        case(
            "Test_validateProbe/periodSeconds -1",
            |v| readiness(v, exec_with("periodSeconds", -1)),
            [negative("periodSeconds", -1)],
        ),
        case(
            "Test_validateProbe/successThreshold -1",
            |v| readiness(v, exec_with("successThreshold", -1)),
            [negative("successThreshold", -1)],
        ),
        case(
            "Test_validateProbe/failureThreshold -1",
            |v| readiness(v, exec_with("failureThreshold", -1)),
            [negative("failureThreshold", -1)],
        ),
        case(
            "Test_validateProbe/terminationGracePeriodSeconds -1",
            |v| liveness(v, exec_with("terminationGracePeriodSeconds", -1)),
            [grace(-1)],
        ),
        case(
            "Test_validateProbe/terminationGracePeriodSeconds 0",
            |v| liveness(v, exec_with("terminationGracePeriodSeconds", 0)),
            [grace(0)],
        ),
        case(
            "Test_validateProbe/terminationGracePeriodSeconds 1",
            |v| liveness(v, exec_with("terminationGracePeriodSeconds", 1)),
            none,
        ),
    ]
}

#[test]
fn validate_probe() {
    check(probe_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}

fn http(v: &mut Value, action: Value) {
    readiness(v, json!({"httpGet": action}));
}

fn handler_cases() -> Vec<Case> {
    let none = [""; 0];
    let h = format!("{C0}.readinessProbe.httpGet");
    vec![
        case("TestValidateHandler/exec", |v| readiness(v, json!({"exec": {"command": ["echo"]}})), none),
        case(
            "TestValidateHandler/httpGet port 1",
            |v| http(v, json!({"path": "/", "port": 1, "host": "", "scheme": "HTTP"})),
            none,
        ),
        case(
            "TestValidateHandler/httpGet port 65535",
            |v| http(v, json!({"path": "/foo", "port": 65535, "host": "host", "scheme": "HTTP"})),
            none,
        ),
        case(
            "TestValidateHandler/httpGet named port",
            |v| http(v, json!({"path": "/", "port": "port", "host": "", "scheme": "HTTP"})),
            none,
        ),
        case(
            "TestValidateHandler/httpGet Host header",
            |v| {
                http(
                    v,
                    json!({"path": "/", "port": "port", "scheme": "HTTP", "httpHeaders": [{"name": "Host", "value": "foo.example.com"}]}),
                )
            },
            none,
        ),
        case(
            "TestValidateHandler/httpGet repeated header",
            |v| {
                let headers = json!([{"name": "X-Forwarded-For", "value": "1.2.3.4"}, {"name": "X-Forwarded-For", "value": "5.6.7.8"}]);
                http(v, json!({"path": "/", "port": "port", "scheme": "HTTP", "httpHeaders": headers}));
            },
            none,
        ),
        case(
            "TestValidateHandler/empty handler",
            |v| readiness(v, json!({})),
            [format!("{C0}.readinessProbe: Required value: must specify a handler type")],
        ),
        case(
            "TestValidateHandler/empty exec command",
            |v| readiness(v, json!({"exec": {"command": []}})),
            [format!("{C0}.readinessProbe.exec.command: Required value")],
        ),
        case(
            "TestValidateHandler/header with colon",
            |v| {
                http(
                    v,
                    json!({"path": "/", "port": "port", "scheme": "HTTP", "httpHeaders": [{"name": "Host:", "value": "foo.example.com"}]}),
                )
            },
            [format!("{h}.httpHeaders: Invalid value: \"Host:\": {HEADER_MSG}")],
        ),
        case(
            "TestValidateHandler/header with underscores",
            |v| {
                http(
                    v,
                    json!({"path": "/", "port": "port", "scheme": "HTTP", "httpHeaders": [{"name": "X_Forwarded_For", "value": "foo.example.com"}]}),
                )
            },
            [format!("{h}.httpHeaders: Invalid value: \"X_Forwarded_For\": {HEADER_MSG}")],
        ),
    ]
}

#[test]
fn validate_handler() {
    check(handler_cases(), |c| create(workload(), c.edit, &PodSecurityPolicy::default()));
}

/// The handlers upstream leaves without path and scheme, which defaulting would fill in.
fn raw_handler_cases() -> Vec<Case> {
    let h = format!("{C0}.readinessProbe.httpGet");
    vec![
        case(
            "TestValidateHandler/httpGet no path, port 0",
            |v| http(v, json!({"path": "", "port": 0, "host": ""})),
            [
                format!("{h}.path: Required value"),
                format!("{h}.port: Invalid value: 0: {PORT_RANGE_MSG}"),
                format!("{h}.scheme: {NO_SCHEME}"),
            ],
        ),
        case(
            "TestValidateHandler/httpGet port 65536",
            |v| http(v, json!({"path": "/foo", "port": 65536, "host": "host"})),
            [format!("{h}.port: Invalid value: 65536: {PORT_RANGE_MSG}"), format!("{h}.scheme: {NO_SCHEME}")],
        ),
        case(
            "TestValidateHandler/httpGet no path, empty port name",
            |v| http(v, json!({"path": "", "port": "", "host": ""})),
            [
                format!("{h}.path: Required value"),
                format!(
                    "{h}.port: Invalid value: \"\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
                ),
                format!("{h}.port: Invalid value: \"\": must contain at least one letter (a-z)"),
                format!("{h}.scheme: {NO_SCHEME}"),
            ],
        ),
    ]
}

#[test]
fn validate_handler_raw() {
    check(raw_handler_cases(), |c| raw(workload(), c.edit, &PodSecurityPolicy::default()));
}
