//! `pkg/apis/core/validation/validation_test.go`: TestValidatePodSpec (its failure cases and
//! the successes that concern fields skiff stores), TestValidateRestartPolicy and
//! TestValidateDNSPolicy, on a Pod (upstream's `field` is `spec` here).
//!
//! Not carried over, because skiff ignores the field (it has no scheduler, no service
//! accounts, no DNS server and applies no pod-level security context):
//! - "with hostAliases with invalid IP", "with hostAliases with invalid hostname";
//! - "bad supplementalGroups large than math.MaxInt32", "bad supplementalGroups less than 0",
//!   "bad runAsUser large than math.MaxInt32", "bad runAsUser less than 0",
//!   "bad fsGroup large than math.MaxInt32", "bad fsGroup less than 0",
//!   "bad empty fsGroupchangepolicy", "bad invalid fsgroupchangepolicy" and
//!   "ShareProcessNamespace and HostPID both set" (pod `securityContext`);
//! - TestValidatePodDNSConfig (`dnsConfig`).

use serde_json::{Value, json};

use super::{Case, SUBDOMAIN_MSG, case, check, create, make_container, make_pod_spec, permissive, raw};
use crate::model::validation::PodSecurityPolicy;

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod", "namespace": "default"}, "spec": make_pod_spec()})
}

fn spec(v: &mut Value) -> &mut Value {
    &mut v["spec"]
}

fn host_network_port(v: &mut Value, host_port: i32) {
    spec(v)["hostNetwork"] = json!(true);
    let mut c = make_container("ctr");
    c["ports"] = json!([{"hostPort": host_port, "containerPort": 2600, "protocol": "TCP"}]);
    spec(v)["containers"] = json!([c]);
}

fn subdomain(field: &str, value: &str) -> String {
    format!("spec.{field}: Invalid value: \"{value}\": {SUBDOMAIN_MSG}")
}

fn pod_spec_cases() -> Vec<Case> {
    let none = [""; 0];
    let deadline = |value: i64| {
        format!("spec.activeDeadlineSeconds: Invalid value: {value}: must be between 1 and 2147483647, inclusive")
    };
    vec![
        case(
            "TestValidatePodSpec/populate PriorityClassName",
            |v| spec(v)["priorityClassName"] = json!("valid-name"),
            none,
        ),
        case(
            "TestValidatePodSpec/populate RuntimeClassName",
            |v| spec(v)["runtimeClassName"] = json!("valid-sandbox"),
            none,
        ),
        // Defaulting gives a volume without a source an emptyDir, as Kubernetes does.
        case(
            "TestValidatePodSpec/bad volume (defaulted)",
            |v| spec(v)["volumes"] = json!([{"name": ""}]),
            ["spec.volumes[0].name: Required value"],
        ),
        case(
            "TestValidatePodSpec/no containers",
            |v| spec(v)["containers"] = json!([]),
            ["spec.containers: Required value"],
        ),
        case(
            "TestValidatePodSpec/bad container",
            |v| spec(v)["containers"] = json!([{"name": ""}]),
            ["spec.containers[0].name: Required value", "spec.containers[0].image: Required value"],
        ),
        case(
            "TestValidatePodSpec/bad init container",
            |v| spec(v)["initContainers"] = json!([{"name": ""}]),
            ["spec.initContainers[0].name: Required value", "spec.initContainers[0].image: Required value"],
        ),
        case(
            "TestValidatePodSpec/bad DNS policy",
            |v| spec(v)["dnsPolicy"] = json!("invalid"),
            [
                "spec.dnsPolicy: Unsupported value: \"invalid\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
            ],
        ),
        case(
            "TestValidatePodSpec/bad service account name",
            |v| spec(v)["serviceAccountName"] = json!("invalidName"),
            [subdomain("serviceAccountName", "invalidName")],
        ),
        case(
            "TestValidatePodSpec/bad restart policy",
            |v| spec(v)["restartPolicy"] = json!("UnknowPolicy"),
            [
                "spec.restartPolicy: Unsupported value: \"UnknowPolicy\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ],
        ),
        case(
            "TestValidatePodSpec/with hostNetwork hostPort not equal to containerPort",
            |v| host_network_port(v, 8080),
            [
                "spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true",
            ],
        ),
        case(
            "TestValidatePodSpec/bad-active-deadline-seconds",
            |v| spec(v)["activeDeadlineSeconds"] = json!(0),
            [deadline(0)],
        ),
        case(
            "TestValidatePodSpec/active-deadline-seconds-too-large",
            |v| spec(v)["activeDeadlineSeconds"] = json!(2_147_483_648_i64),
            [deadline(2_147_483_648)],
        ),
        case(
            "TestValidatePodSpec/bad nodeName",
            |v| spec(v)["nodeName"] = json!("node name"),
            [subdomain("nodeName", "node name")],
        ),
        case(
            "TestValidatePodSpec/bad PriorityClassName",
            |v| spec(v)["priorityClassName"] = json!("InvalidName"),
            [subdomain("priorityClassName", "InvalidName")],
        ),
        case(
            "TestValidatePodSpec/bad RuntimeClassName",
            |v| spec(v)["runtimeClassName"] = json!("invalid/sandbox"),
            [subdomain("runtimeClassName", "invalid/sandbox")],
        ),
        case("TestValidateRestartPolicy/Always", |v| spec(v)["restartPolicy"] = json!("Always"), none),
        case("TestValidateRestartPolicy/OnFailure", |v| spec(v)["restartPolicy"] = json!("OnFailure"), none),
        case("TestValidateRestartPolicy/Never", |v| spec(v)["restartPolicy"] = json!("Never"), none),
        case(
            "TestValidateRestartPolicy/newpolicy",
            |v| spec(v)["restartPolicy"] = json!("newpolicy"),
            [
                "spec.restartPolicy: Unsupported value: \"newpolicy\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            ],
        ),
        case("TestValidateDNSPolicy/ClusterFirst", |v| spec(v)["dnsPolicy"] = json!("ClusterFirst"), none),
        case("TestValidateDNSPolicy/Default", |v| spec(v)["dnsPolicy"] = json!("Default"), none),
        case(
            "TestValidateDNSPolicy/ClusterFirstWithHostNet",
            |v| spec(v)["dnsPolicy"] = json!("ClusterFirstWithHostNet"),
            none,
        ),
        // A pod with dnsPolicy None needs a dnsConfig upstream; the case gives it one.
        case(
            "TestValidateDNSPolicy/None",
            |v| {
                spec(v)["dnsPolicy"] = json!("None");
                spec(v)["dnsConfig"] = json!({"nameservers": ["1.2.3.4"]});
            },
            none,
        ),
        case(
            "TestValidateDNSPolicy/invalid",
            |v| spec(v)["dnsPolicy"] = json!("invalid"),
            [
                "spec.dnsPolicy: Unsupported value: \"invalid\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
            ],
        ),
    ]
}

#[test]
fn validate_pod_spec() {
    check(pod_spec_cases(), |c| create(pod(), c.edit, &permissive()));
}

/// Cases defaulting would repair: a volume without a source (given an emptyDir), an empty
/// policy, and a hostNetwork pod's hostPort (set to its containerPort).
fn raw_cases() -> Vec<Case> {
    vec![
        case(
            "TestValidatePodSpec/bad volume",
            |v| spec(v)["volumes"] = json!([{"name": ""}]),
            ["spec.volumes[0]: Required value: must specify a volume type", "spec.volumes[0].name: Required value"],
        ),
        case(
            "TestValidatePodSpec/with hostNetwork hostPort unspecified",
            |v| host_network_port(v, 0),
            [
                "spec.containers[0].ports[0].hostPort: Invalid value: 0: must match `containerPort` when `hostNetwork` is true",
            ],
        ),
        case(
            "TestValidateRestartPolicy/empty",
            |v| spec(v)["restartPolicy"] = json!(""),
            ["spec.restartPolicy: Required value"],
        ),
        case("TestValidateDNSPolicy/empty", |v| spec(v)["dnsPolicy"] = json!(""), ["spec.dnsPolicy: Required value"]),
    ]
}

#[test]
fn validate_pod_spec_raw() {
    check(raw_cases(), |c| raw(pod(), c.edit, &permissive()));
}

#[test]
fn host_network_needs_skiffs_flag() {
    let cases = vec![case(
        "TestValidatePodSpec/hostNetwork under skiff's default policy",
        |v| host_network_port(v, 2600),
        [
            "spec.hostNetwork: Forbidden: sharing the host's namespaces (hostNetwork) is refused by skiff by default (start the daemon with --allow-host-namespaces to allow it)",
        ],
    )];
    check(cases, |c| create(pod(), c.edit, &PodSecurityPolicy::default()));
}
