//! `pkg/apis/apps/validation/validation_test.go`: Deployments and ReplicaSets (their status
//! tables are in `apps_status`).
//!
//! Not carried over:
//! - `TestValidateDeployment` "must be greater than or equal to 0" (rollbackTo.revision) and
//!   `TestValidateDeploymentRollback`: `spec.rollbackTo` and the rollback subresource exist
//!   only in extensions/v1beta1; apps/v1, which skiff serves, has neither.
//! - `TestValidateReplicaSet` "missing-namespace" and "read-write persistent disk with > 1 pod"
//!   (whose only error is the missing namespace): skiff, like the API server's REST layer,
//!   takes the namespace from the request path, so an object never lacks one.
//! - The update tables' `metadata.name: field is immutable` errors: skiff takes the name from
//!   the request path too, so an update cannot rename; the cases are kept without it.

use serde_json::{Value, json};

use super::{
    BAD_KEY, Case, NAME_PART_MSG, NEGATIVE_MSG, PERCENT_MSG, case, check, create, make_pod_spec, permissive, update,
    workload_of,
};
use crate::model::validation::PodSecurityPolicy;

/// upstream `validDeployment()` (apps/v1 has no rollbackTo).
fn valid_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "abc", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"name": "abc"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
            "template": {"metadata": {"name": "abc", "namespace": "default", "labels": {"name": "abc"}}, "spec": make_pod_spec()}
        }
    })
}

/// The update tables' object: labels `a: b`, a Deployment's strategy Recreate.
fn update_base(kind: &str) -> Value {
    let mut v = workload_of(kind);
    if kind == "Deployment" {
        v["spec"]["strategy"] = json!({"type": "Recreate"});
    }
    v
}

fn gce_pd_volume(v: &mut Value) {
    v["spec"]["template"]["spec"]["volumes"] = json!([{"name": "gcepd", "gcePersistentDisk": {"pdName": "my-PD", "fsType": "ext4", "partition": 1, "readOnly": false}}]);
}

fn host_net(v: &mut Value) {
    v["spec"]["template"]["spec"]["hostNetwork"] = json!(true);
    v["spec"]["template"]["spec"]["containers"][0]["ports"] = json!([{"containerPort": 12345, "protocol": "TCP"}]);
}

fn mismatch(labels: &str) -> String {
    format!("spec.template.metadata.labels: Invalid value: {labels}: `selector` does not match template `labels`")
}

fn bad_key(path: &str) -> String {
    format!("{path}: Invalid value: \"{BAD_KEY}\": {NAME_PART_MSG}")
}

fn deployment_cases() -> Vec<Case> {
    let none: [&str; 0] = [];
    vec![
        case("TestValidateDeployment/valid", |_| {}, none),
        case("TestValidateDeployment/hostNetwork", host_net, none),
        case(
            "TestValidateDeployment/metadata.name: Required value",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateDeployment/`selector` does not match template `labels`",
            |v| v["spec"]["selector"] = json!({"matchLabels": {"name": "def"}}),
            [mismatch("{\"name\":\"abc\"}")],
        ),
        case(
            "TestValidateDeployment/Unsupported value: \"Never\"",
            |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never"),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""],
        ),
        case(
            "TestValidateDeployment/supported values: \"Recreate\", \"RollingUpdate\"",
            |v| v["spec"]["strategy"]["type"] = json!("randomType"),
            [
                "spec.strategy.type: Unsupported value: \"randomType\": supported values: \"Recreate\", \"RollingUpdate\"",
            ],
        ),
        case(
            "TestValidateDeployment/may not be specified when strategy `type` is 'Recreate'",
            |v| v["spec"]["strategy"] = json!({"type": "Recreate", "rollingUpdate": {}}),
            ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
        ),
        case(
            "TestValidateDeployment/a valid percent string must be",
            |v| v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": "20Percent", "maxUnavailable": 0}),
            [
                format!("spec.strategy.rollingUpdate.maxSurge: Invalid value: \"20Percent\": {PERCENT_MSG}"),
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"
                    .into(),
            ],
        ),
        case(
            "TestValidateDeployment/may not be 0 when `maxSurge` is 0",
            |v| v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": "0%", "maxUnavailable": 0}),
            ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
        ),
        case(
            "TestValidateDeployment/must not be greater than 100%",
            |v| v["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": 0, "maxUnavailable": "110%"}),
            ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"110%\": must not be greater than 100%"],
        ),
        case(
            "TestValidateDeployment/must be greater than minReadySeconds",
            |v| {
                v["spec"]["progressDeadlineSeconds"] = json!(600);
                v["spec"]["minReadySeconds"] = json!(600);
            },
            ["spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"],
        ),
        case(
            "TestValidateDeployment/ephemeral containers not allowed",
            |v| {
                let ec = json!({"name": "ec", "image": "image", "imagePullPolicy": "IfNotPresent", "terminationMessagePolicy": "File"});
                v["spec"]["template"]["spec"]["ephemeralContainers"] = json!([ec]);
            },
            ["spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"],
        ),
    ]
}

#[test]
fn validate_deployment() {
    check(deployment_cases(), |c| create(valid_deployment(), c.edit, &permissive()));
}

fn update_cases(kind: &'static str) -> Vec<Case> {
    let none: [&str; 0] = [];
    let selector = "{\"matchLabels\":{\"NoUppercaseOrSpecialCharsLike=Equals\":\"b\"}}";
    vec![
        case("Test*Update/positive replicas", |v| v["spec"]["replicas"] = json!(1), none),
        case(
            "Test*Update/Read-write volume verification",
            |v| {
                v["spec"]["replicas"] = json!(2);
                gce_pd_volume(v);
            },
            none,
        ),
        case(
            "Test*Update/invalid selector",
            |v| {
                v["spec"]["replicas"] = json!(2);
                v["spec"]["selector"] = json!({"matchLabels": {BAD_KEY: "b"}});
            },
            [
                bad_key("spec.selector.matchLabels"),
                format!("spec.selector: Invalid value: {selector}: invalid label selector"),
                format!("spec.selector: Invalid value: {selector}: field is immutable"),
            ],
        ),
        case(
            "Test*Update/invalid pod",
            |v| {
                v["spec"]["replicas"] = json!(2);
                v["spec"]["template"]["metadata"]["labels"] = json!({BAD_KEY: "b"});
                v["spec"]["template"]["spec"]["containers"] = json!([]);
            },
            [
                mismatch("{\"NoUppercaseOrSpecialCharsLike=Equals\":\"b\"}"),
                bad_key("spec.template.labels"),
                "spec.template.spec.containers: Required value".into(),
            ],
        ),
        case(
            "Test*Update/negative replicas",
            |v| v["spec"]["replicas"] = json!(-1),
            [format!("spec.replicas: Invalid value: -1: {NEGATIVE_MSG}")],
        ),
    ]
    .into_iter()
    .map(|c| Case { name: c.name.replace("Test*", &format!("TestValidate{kind}")), ..c })
    .collect()
}

#[test]
fn validate_deployment_update() {
    check(update_cases("Deployment"), |c| update(update_base("Deployment"), c.edit, &PodSecurityPolicy::default()));
}

#[test]
fn validate_replicaset_update() {
    check(update_cases("ReplicaSet"), |c| update(update_base("ReplicaSet"), c.edit, &PodSecurityPolicy::default()));
}

fn replicaset_cases() -> Vec<Case> {
    let none: [&str; 0] = [];
    vec![
        case("TestValidateReplicaSet/success abc", |_| {}, none),
        case("TestValidateReplicaSet/success abc-123", |v| v["metadata"]["name"] = json!("abc-123"), none),
        case("TestValidateReplicaSet/success hostnet", host_net, none),
        case(
            "TestValidateReplicaSet/success read-write volume",
            |v| {
                v["metadata"]["name"] = json!("abc-123");
                v["spec"]["replicas"] = json!(1);
                gce_pd_volume(v);
            },
            none,
        ),
        case(
            "TestValidateReplicaSet/zero-length ID",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateReplicaSet/empty selector",
            |v| {
                if let Some(spec) = v["spec"].as_object_mut() {
                    spec.remove("selector");
                }
            },
            ["spec.selector: Required value".to_string(), mismatch("{\"a\":\"b\"}")],
        ),
        case(
            "TestValidateReplicaSet/selector_doesnt_match",
            |v| v["spec"]["selector"] = json!({"matchLabels": {"foo": "bar"}}),
            [mismatch("{\"a\":\"b\"}")],
        ),
        case(
            "TestValidateReplicaSet/invalid manifest",
            |v| {
                if let Some(spec) = v["spec"].as_object_mut() {
                    spec.remove("template");
                }
            },
            [mismatch("null"), "spec.template.spec.containers: Required value".into()],
        ),
        case(
            "TestValidateReplicaSet/negative_replicas",
            |v| {
                v["spec"]["replicas"] = json!(-1);
                if let Some(spec) = v["spec"].as_object_mut() {
                    spec.remove("template");
                }
            },
            [
                format!("spec.replicas: Invalid value: -1: {NEGATIVE_MSG}"),
                mismatch("null"),
                "spec.template.spec.containers: Required value".into(),
            ],
        ),
        case(
            "TestValidateReplicaSet/invalid_label",
            |v| {
                v["metadata"]["name"] = json!("abc-123");
                v["metadata"]["labels"] = json!({BAD_KEY: "bar"});
            },
            [bad_key("metadata.labels")],
        ),
        case(
            "TestValidateReplicaSet/invalid_label 2",
            |v| {
                v["metadata"]["name"] = json!("abc-123");
                v["metadata"]["labels"] = json!({BAD_KEY: "bar"});
                if let Some(spec) = v["spec"].as_object_mut() {
                    spec.remove("selector");
                }
                v["spec"]["template"]["metadata"]["labels"] = json!({BAD_KEY: "b"});
            },
            [
                bad_key("metadata.labels"),
                "spec.selector: Required value".into(),
                mismatch("{\"NoUppercaseOrSpecialCharsLike=Equals\":\"b\"}"),
                bad_key("spec.template.labels"),
            ],
        ),
        case(
            "TestValidateReplicaSet/invalid_annotation",
            |v| {
                v["metadata"]["name"] = json!("abc-123");
                v["metadata"]["annotations"] = json!({BAD_KEY: "bar"});
            },
            [bad_key("metadata.annotations")],
        ),
        case(
            "TestValidateReplicaSet/invalid restart policy 1",
            |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure"),
            ["spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""],
        ),
        case(
            "TestValidateReplicaSet/invalid restart policy 2",
            |v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never"),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""],
        ),
    ]
}

#[test]
fn validate_replicaset() {
    check(replicaset_cases(), |c| create(workload_of("ReplicaSet"), c.edit, &permissive()));
}
