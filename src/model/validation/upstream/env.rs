//! `pkg/apis/core/validation/validation_test.go`: TestValidateEnv, TestRelaxedValidateEnv,
//! TestValidateEnvFrom and TestRelaxedValidateEnvFrom, on the first container of a
//! Deployment's pod template (upstream's `field` is `spec.template.spec.containers[0].env`).
//!
//! Not carried over: the strict-name cases of TestValidateEnv and TestValidateEnvFrom
//! ("invalid name a".."d") and the relaxed tables' repeats of the strict ones:
//! RelaxedEnvironmentVariableValidation is GA in 1.34 and skiff applies only the relaxed rule,
//! under which those names are valid.

use serde_json::{Value, json};

use super::{Case, NAME_PART_MSG, SUBDOMAIN_MSG, case, check, create, permissive, raw, workload};

const C0: &str = "spec.template.spec.containers[0]";
const RELAXED_MSG: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";
const ENV_PATHS: &str = "supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"";

fn env(v: &mut Value, vars: Value) {
    super::ctr(v)["env"] = vars;
}

fn field_ref(path: &str) -> Value {
    json!({"fieldRef": {"apiVersion": "v1", "fieldPath": path}})
}

fn secret_ref(name: &str) -> Value {
    json!({"secretKeyRef": {"name": name, "key": "a-key"}})
}

fn config_map_ref(name: &str) -> Value {
    json!({"configMapKeyRef": {"name": name, "key": "some-key"}})
}

fn merged(parts: &[Value]) -> Value {
    let mut out = serde_json::Map::new();
    for part in parts {
        out.extend(part.as_object().cloned().unwrap_or_default());
    }
    Value::Object(out)
}

fn env_success() -> Value {
    let mut vars = vec![
        json!({"name": "abc", "value": "value"}),
        json!({"name": "ABC", "value": "value"}),
        json!({"name": "AbC_123", "value": "value"}),
        json!({"name": "abc", "value": ""}),
        json!({"name": "a.b.c", "value": "value"}),
        json!({"name": "a-b-c", "value": "value"}),
    ];
    let paths = [
        "metadata.annotations['key']",
        "metadata.labels['key']",
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.serviceAccountName",
        "status.hostIP",
        "status.podIP",
        "status.podIPs",
    ];
    vars.extend(paths.iter().map(|p| json!({"name": "abc", "valueFrom": field_ref(p)})));
    vars.push(
        json!({"name": "secret_value", "valueFrom": {"secretKeyRef": {"name": "some-secret", "key": "secret-key"}}}),
    );
    vars.push(json!({"name": "ENV_VAR_1", "valueFrom": config_map_ref("some-config-map")}));
    Value::Array(vars)
}

fn relaxed_names() -> Value {
    let names = ["!\"#$%&'()", "* +,-./0123456789", ":;<>?@", "ABCDEFG", "abcdefghijklmn", "[\\]^_`{}|~"];
    Value::Array(names.iter().map(|n| json!({"name": n, "value": "value"})).collect())
}

fn one_var(v: &mut Value, value_from: Value) {
    env(v, json!([{"name": "abc", "valueFrom": value_from}]));
}

fn env_cases() -> Vec<Case> {
    let e0 = format!("{C0}.env[0]");
    let more_than_one =
        format!("{e0}.valueFrom: Invalid value: \"\": may not have more than one field specified at a time");
    let not_supported = |p: &str| format!("{e0}.valueFrom.fieldRef.fieldPath: Unsupported value: \"{p}\": {ENV_PATHS}");
    vec![
        case("TestValidateEnv/successCase", |v| env(v, env_success()), [""; 0]),
        case("TestValidateEnv/updateSuccessCase (relaxed names)", |v| env(v, relaxed_names()), [""; 0]),
        case(
            "TestValidateEnv/zero-length name",
            |v| env(v, json!([{"name": ""}])),
            [format!("{e0}.name: Required value")],
        ),
        case(
            "TestValidateEnv/value and valueFrom specified",
            |v| env(v, json!([{"name": "abc", "value": "foo", "valueFrom": field_ref("metadata.name")}])),
            [format!("{e0}.valueFrom: Invalid value: \"\": may not be specified when `value` is not empty")],
        ),
        case(
            "TestValidateEnv/valueFrom without a source",
            |v| one_var(v, json!({})),
            [format!(
                "{e0}.valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
            )],
        ),
        case(
            "TestValidateEnv/valueFrom.fieldRef and valueFrom.secretKeyRef specified",
            |v| one_var(v, merged(&[field_ref("metadata.name"), secret_ref("a-secret")])),
            [more_than_one.clone()],
        ),
        case(
            "TestValidateEnv/valueFrom.fieldRef and valueFrom.configMapKeyRef set",
            |v| one_var(v, merged(&[field_ref("metadata.name"), config_map_ref("some-config-map")])),
            [more_than_one.clone()],
        ),
        case(
            "TestValidateEnv/valueFrom.fieldRef, secretKeyRef and configMapKeyRef specified",
            |v| {
                one_var(
                    v,
                    merged(&[field_ref("metadata.name"), secret_ref("a-secret"), config_map_ref("some-config-map")]),
                )
            },
            [more_than_one],
        ),
        case(
            "TestValidateEnv/valueFrom.secretKeyRef.name invalid",
            |v| one_var(v, secret_ref("$%^&*#")),
            [format!("{e0}.valueFrom.secretKeyRef.name: Invalid value: \"$%^&*#\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnv/valueFrom.configMapKeyRef.name invalid",
            |v| one_var(v, config_map_ref("$%^&*#")),
            [format!("{e0}.valueFrom.configMapKeyRef.name: Invalid value: \"$%^&*#\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnv/missing FieldPath on ObjectFieldSelector",
            |v| one_var(v, field_ref("")),
            [format!("{e0}.valueFrom.fieldRef.fieldPath: Required value")],
        ),
        case(
            "TestValidateEnv/invalid fieldPath",
            |v| one_var(v, field_ref("metadata.whoops")),
            [format!(
                "{e0}.valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.whoops\": error converting fieldPath: field label not supported: metadata.whoops"
            )],
        ),
        case(
            "TestValidateEnv/metadata.name with subscript",
            |v| one_var(v, field_ref("metadata.name['key']")),
            [format!(
                "{e0}.valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.name['key']\": error converting fieldPath: field label does not support subscript: metadata.name['key']"
            )],
        ),
        case(
            "TestValidateEnv/metadata.labels without subscript",
            |v| one_var(v, field_ref("metadata.labels")),
            [not_supported("metadata.labels")],
        ),
        case(
            "TestValidateEnv/metadata.annotations without subscript",
            |v| one_var(v, field_ref("metadata.annotations")),
            [not_supported("metadata.annotations")],
        ),
        case(
            "TestValidateEnv/metadata.annotations with invalid key",
            |v| one_var(v, field_ref("metadata.annotations['invalid~key']")),
            [format!("{e0}.valueFrom.fieldRef: Invalid value: \"invalid~key\": {NAME_PART_MSG}")],
        ),
        case(
            "TestValidateEnv/metadata.labels with invalid key",
            |v| one_var(v, field_ref("metadata.labels['Www.k8s.io/test']")),
            [format!("{e0}.valueFrom.fieldRef: Invalid value: \"Www.k8s.io/test\": prefix part {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnv/unsupported fieldPath",
            |v| one_var(v, field_ref("status.phase")),
            [not_supported("status.phase")],
        ),
        case(
            "TestRelaxedValidateEnv/illegal character",
            |v| env(v, json!([{"name": "=abc"}])),
            [format!("{e0}.name: Invalid value: \"=abc\": {RELAXED_MSG}")],
        ),
    ]
}

#[test]
fn validate_env() {
    check(env_cases(), |c| create(workload(), c.edit, &permissive()));
}

/// Defaulting gives a fieldRef apiVersion `v1`; this case runs on a defaulted template.
#[test]
fn validate_env_missing_api_version() {
    let cases = vec![case(
        "TestValidateEnv/missing APIVersion on ObjectFieldSelector",
        |v| one_var(v, json!({"fieldRef": {"fieldPath": "metadata.name"}})),
        [format!("{C0}.env[0].valueFrom.fieldRef.apiVersion: Required value")],
    )];
    check(cases, |c| raw(workload(), c.edit, &permissive()));
}

fn env_from(v: &mut Value, sources: Value) {
    super::ctr(v)["envFrom"] = sources;
}

fn env_from_cases() -> Vec<Case> {
    let f0 = format!("{C0}.envFrom[0]");
    vec![
        case(
            "TestValidateEnvFrom/successCase",
            |v| {
                let sources = [
                    ("", "configMapRef"),
                    ("pre_", "configMapRef"),
                    ("a.b", "configMapRef"),
                    ("", "secretRef"),
                    ("pre_", "secretRef"),
                    ("a.b", "secretRef"),
                ];
                env_from(
                    v,
                    Value::Array(sources.iter().map(|(p, r)| json!({"prefix": p, *r: {"name": "abc"}})).collect()),
                );
            },
            [""; 0],
        ),
        case(
            "TestValidateEnvFrom/updateSuccessCase (relaxed prefixes)",
            |v| {
                let prefixes = ["* +,-./0123456789", ":;<>?@", "abcdefghijklmn", "[\\]^_`{}|~", "!\"#$%&'()"];
                env_from(
                    v,
                    Value::Array(prefixes.iter().map(|p| json!({"prefix": p, "secretRef": {"name": "abc"}})).collect()),
                );
            },
            [""; 0],
        ),
        case(
            "TestValidateEnvFrom/zero-length name (configMapRef)",
            |v| env_from(v, json!([{"configMapRef": {"name": ""}}])),
            [format!("{f0}.configMapRef.name: Required value")],
        ),
        case(
            "TestValidateEnvFrom/invalid name (configMapRef)",
            |v| env_from(v, json!([{"configMapRef": {"name": "$"}}])),
            [format!("{f0}.configMapRef.name: Invalid value: \"$\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnvFrom/zero-length name (secretRef)",
            |v| env_from(v, json!([{"secretRef": {"name": ""}}])),
            [format!("{f0}.secretRef.name: Required value")],
        ),
        case(
            "TestValidateEnvFrom/invalid name (secretRef)",
            |v| env_from(v, json!([{"secretRef": {"name": "&"}}])),
            [format!("{f0}.secretRef.name: Invalid value: \"&\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnvFrom/no refs",
            |v| env_from(v, json!([{}])),
            [format!("{C0}.envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`")],
        ),
        case(
            "TestValidateEnvFrom/multiple refs",
            |v| env_from(v, json!([{"secretRef": {"name": "abc"}, "configMapRef": {"name": "abc"}}])),
            [format!("{C0}.envFrom: Invalid value: \"\": may not have more than one field specified at a time")],
        ),
        case(
            "TestValidateEnvFrom/invalid secret ref name",
            |v| env_from(v, json!([{"secretRef": {"name": "$%^&*#"}}])),
            [format!("{f0}.secretRef.name: Invalid value: \"$%^&*#\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateEnvFrom/invalid config ref name",
            |v| env_from(v, json!([{"configMapRef": {"name": "$%^&*#"}}])),
            [format!("{f0}.configMapRef.name: Invalid value: \"$%^&*#\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestRelaxedValidateEnvFrom/invalid prefix",
            |v| env_from(v, json!([{"prefix": "=abc", "configMapRef": {"name": "abc"}}])),
            [format!("{f0}.prefix: Invalid value: \"=abc\": {RELAXED_MSG}")],
        ),
    ]
}

#[test]
fn validate_env_from() {
    check(env_from_cases(), |c| create(workload(), c.edit, &permissive()));
}
