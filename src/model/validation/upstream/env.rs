//! `pkg/apis/core/validation/validation_test.go`: TestValidateEnv, TestRelaxedValidateEnv,
//! TestValidateEnvFrom, TestRelaxedValidateEnvFrom, TestValidateVolumeMounts,
//! TestValidateSubpathMutuallyExclusive, TestValidateDisabledSubpathExpr and
//! TestValidateMountPropagation, on the first container of a Deployment's pod template
//! (upstream's `field` is `spec.template.spec.containers[0].env` and so on here).
//!
//! Not carried over:
//! - The strict-name cases of TestValidateEnv and TestValidateEnvFrom ("invalid name a".."d")
//!   and the relaxed tables' repeats of the strict ones: RelaxedEnvironmentVariableValidation
//!   is GA in 1.34 and skiff applies only the relaxed rule, under which those names are valid.
//! - TestValidateVolumeMounts' volumeDevices cases ("name exists in volumeDevice", "mountpath
//!   exists in volumeDevice", "both exist in volumeDevice"): skiff has no block devices and
//!   ignores `volumeDevices`.
//! - TestValidateMountPropagation "no container + Bidirectional": a mount always belongs to a
//!   container here.

use serde_json::{Value, json};

use super::{Case, NAME_PART_MSG, SUBDOMAIN_MSG, case, check, create, make_pod_spec, permissive, raw};

const C0: &str = "spec.template.spec.containers[0]";
const RELAXED_MSG: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";
const ENV_PATHS: &str = "supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"";

fn workload() -> Value {
    let volumes = json!([
        {"name": "abc", "persistentVolumeClaim": {"claimName": "testclaim1"}},
        {"name": "abc-123", "persistentVolumeClaim": {"claimName": "testclaim2"}},
        {"name": "123", "hostPath": {"path": "/foo/baz", "type": ""}},
        {"name": "ephemeral", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10G"}}}}}},
        {"name": "image-volume", "image": {"reference": "quay.io/my/artifact:v1", "pullPolicy": "IfNotPresent"}}
    ]);
    let mut spec = make_pod_spec();
    spec["volumes"] = volumes;
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "abc", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}
    })
}

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

fn mounts(v: &mut Value, mounts: Value) {
    super::ctr(v)["volumeMounts"] = mounts;
}

/// TestValidateMountPropagation's setting: one hostPath volume `foo`, one mount of it, and
/// the container's `privileged` as given.
fn propagation(v: &mut Value, mode: Option<&str>, privileged: Option<bool>) {
    super::pod_spec(v)["volumes"] = json!([{"name": "foo", "hostPath": {"path": "/foo/baz", "type": ""}}]);
    let mut mount = json!({"name": "foo", "mountPath": "/foo"});
    if let Some(mode) = mode {
        mount["mountPropagation"] = json!(mode);
    }
    if let Some(privileged) = privileged {
        super::ctr(v)["securityContext"] = json!({"privileged": privileged});
    }
    mounts(v, json!([mount]));
}

fn mount_success() -> Value {
    let rro = |path: &str, read_only: bool, mode: &str| json!({"name": "123", "mountPath": path, "readOnly": read_only, "recursiveReadOnly": mode});
    json!([
        {"name": "abc", "mountPath": "/foo"},
        {"name": "123", "mountPath": "/bar"},
        {"name": "abc-123", "mountPath": "/baz"},
        {"name": "abc-123", "mountPath": "/baa", "subPath": ""},
        {"name": "abc-123", "mountPath": "/bab", "subPath": "baz"},
        {"name": "abc-123", "mountPath": "d:", "subPath": ""},
        {"name": "abc-123", "mountPath": "F:", "subPath": ""},
        {"name": "abc-123", "mountPath": "G:\\mount", "subPath": ""},
        {"name": "abc-123", "mountPath": "/bac", "subPath": ".baz"},
        {"name": "abc-123", "mountPath": "/bad", "subPath": "..baz"},
        {"name": "ephemeral", "mountPath": "/foobar"},
        {"name": "123", "mountPath": "/rro-nil", "readOnly": true},
        rro("/rro-disabled", true, "Disabled"),
        rro("/rro-disabled-2", false, "Disabled"),
        rro("/rro-ifpossible", true, "IfPossible"),
        rro("/rro-enabled", true, "Enabled"),
        {"name": "123", "mountPath": "/rro-enabled-2", "readOnly": true, "recursiveReadOnly": "Enabled", "mountPropagation": "None"},
        {"name": "image-volume", "mountPath": "/image-volume"}
    ])
}

fn mount_cases() -> Vec<Case> {
    let m = format!("{C0}.volumeMounts");
    let backstep = |p: &str| format!("{C0}.volumeMounts.subPath: Invalid value: \"{p}\": must not contain '..'");
    let rro_needs_ro = format!("{m}.recursiveReadOnly: Forbidden: may only be specified when readOnly is true");
    let bidirectional = format!(
        "{m}.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
    );
    let none = [""; 0];
    vec![
        case("TestValidateVolumeMounts/successCase", |v| mounts(v, mount_success()), none),
        case(
            "TestValidateVolumeMounts/empty name",
            |v| mounts(v, json!([{"name": "", "mountPath": "/foo"}])),
            [format!("{m}[0].name: Required value"), format!("{m}[0].name: Not found: \"\"")],
        ),
        case(
            "TestValidateVolumeMounts/name not found",
            |v| mounts(v, json!([{"name": "", "mountPath": "/foo"}])),
            [format!("{m}[0].name: Required value"), format!("{m}[0].name: Not found: \"\"")],
        ),
        case(
            "TestValidateVolumeMounts/empty mountpath",
            |v| mounts(v, json!([{"name": "abc", "mountPath": ""}])),
            [format!("{m}[0].mountPath: Required value")],
        ),
        case(
            "TestValidateVolumeMounts/mountpath collision",
            |v| mounts(v, json!([{"name": "foo", "mountPath": "/path/a"}, {"name": "bar", "mountPath": "/path/a"}])),
            [
                format!("{m}[0].name: Not found: \"foo\""),
                format!("{m}[1].name: Not found: \"bar\""),
                format!("{m}[1].mountPath: Invalid value: \"/path/a\": must be unique"),
            ],
        ),
        case(
            "TestValidateVolumeMounts/absolute subpath",
            |v| mounts(v, json!([{"name": "abc", "mountPath": "/bar", "subPath": "/baz"}])),
            [format!("{m}.subPath: Invalid value: \"/baz\": must be a relative path")],
        ),
        case(
            "TestValidateVolumeMounts/subpath in ..",
            |v| mounts(v, json!([{"name": "abc", "mountPath": "/bar", "subPath": "../baz"}])),
            [backstep("../baz")],
        ),
        case(
            "TestValidateVolumeMounts/subpath contains ..",
            |v| mounts(v, json!([{"name": "abc", "mountPath": "/bar", "subPath": "baz/../bat"}])),
            [backstep("baz/../bat")],
        ),
        case(
            "TestValidateVolumeMounts/subpath ends in ..",
            |v| mounts(v, json!([{"name": "abc", "mountPath": "/bar", "subPath": "./.."}])),
            [backstep("./..")],
        ),
        case(
            "TestValidateVolumeMounts/disabled MountPropagation feature gate",
            |v| mounts(v, json!([{"name": "abc", "mountPath": "/bar", "mountPropagation": "Bidirectional"}])),
            [bidirectional.clone()],
        ),
        case(
            "TestValidateVolumeMounts/rro but not ro",
            |v| {
                mounts(
                    v,
                    json!([{"name": "123", "mountPath": "/rro-bad1", "readOnly": false, "recursiveReadOnly": "Enabled"}]),
                )
            },
            [rro_needs_ro.clone()],
        ),
        case(
            "TestValidateVolumeMounts/rro with incompatible propagation",
            |v| {
                mounts(
                    v,
                    json!([{"name": "123", "mountPath": "/rro-bad2", "readOnly": true, "recursiveReadOnly": "Enabled", "mountPropagation": "HostToContainer"}]),
                )
            },
            [format!(
                "{m}.recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified"
            )],
        ),
        case(
            "TestValidateVolumeMounts/rro-if-possible but not ro",
            |v| {
                mounts(
                    v,
                    json!([{"name": "123", "mountPath": "/rro-bad1", "readOnly": false, "recursiveReadOnly": "IfPossible"}]),
                )
            },
            [rro_needs_ro],
        ),
        case(
            "TestValidateVolumeMounts/subPath not allowed for image volume sources",
            |v| mounts(v, json!([{"name": "image-volume", "mountPath": "/image-volume-err-1", "subPath": "/foo"}])),
            [
                format!("{m}[0].subPath: Invalid value: \"/foo\": not allowed in image volume sources"),
                format!("{m}.subPath: Invalid value: \"/foo\": must be a relative path"),
            ],
        ),
        case(
            "TestValidateVolumeMounts/subPathExpr not allowed for image volume sources",
            |v| {
                mounts(
                    v,
                    json!([{"name": "image-volume", "mountPath": "/image-volume-err-2", "subPathExpr": "$(POD_NAME)"}]),
                )
            },
            [format!("{m}[0].subPathExpr: Invalid value: \"$(POD_NAME)\": not allowed in image volume sources")],
        ),
        case(
            "TestValidateSubpathMutuallyExclusive/subpath and subpathexpr not specified",
            |v| mounts(v, json!([{"name": "abc-123", "mountPath": "/bab"}])),
            none,
        ),
        case(
            "TestValidateSubpathMutuallyExclusive/subpath expr specified",
            |v| mounts(v, json!([{"name": "abc-123", "mountPath": "/bab", "subPathExpr": "$(POD_NAME)"}])),
            none,
        ),
        case(
            "TestValidateSubpathMutuallyExclusive/subpath specified",
            |v| mounts(v, json!([{"name": "abc-123", "mountPath": "/bab", "subPath": "baz"}])),
            none,
        ),
        case(
            "TestValidateSubpathMutuallyExclusive/subpath and subpathexpr specified",
            |v| {
                mounts(
                    v,
                    json!([{"name": "abc-123", "mountPath": "/bab", "subPath": "baz", "subPathExpr": "$(POD_NAME)"}]),
                )
            },
            [format!(
                "{m}[0].subPathExpr: Invalid value: \"$(POD_NAME)\": subPathExpr and subPath are mutually exclusive"
            )],
        ),
        case(
            "TestValidateDisabledSubpathExpr/subpath expr not specified",
            |v| mounts(v, json!([{"name": "abc-123", "mountPath": "/bab"}])),
            none,
        ),
        case(
            "TestValidateDisabledSubpathExpr/subpath expr specified",
            |v| mounts(v, json!([{"name": "abc-123", "mountPath": "/bab", "subPathExpr": "$(POD_NAME)"}])),
            none,
        ),
        case("TestValidateMountPropagation/default, no propagation", |v| propagation(v, None, None), none),
        case(
            "TestValidateMountPropagation/default, HostToContainer",
            |v| propagation(v, Some("HostToContainer"), None),
            none,
        ),
        case("TestValidateMountPropagation/default, None", |v| propagation(v, Some("None"), None), none),
        case(
            "TestValidateMountPropagation/default, Bidirectional",
            |v| propagation(v, Some("Bidirectional"), None),
            [bidirectional.clone()],
        ),
        case(
            "TestValidateMountPropagation/non-privileged, no propagation",
            |v| propagation(v, None, Some(false)),
            none,
        ),
        case(
            "TestValidateMountPropagation/non-privileged, HostToContainer",
            |v| propagation(v, Some("HostToContainer"), Some(false)),
            none,
        ),
        case(
            "TestValidateMountPropagation/non-privileged, Bidirectional",
            |v| propagation(v, Some("Bidirectional"), Some(false)),
            [bidirectional],
        ),
        case("TestValidateMountPropagation/privileged, no propagation", |v| propagation(v, None, Some(true)), none),
        case(
            "TestValidateMountPropagation/privileged, HostToContainer",
            |v| propagation(v, Some("HostToContainer"), Some(true)),
            none,
        ),
        case(
            "TestValidateMountPropagation/privileged, Bidirectional",
            |v| propagation(v, Some("Bidirectional"), Some(true)),
            none,
        ),
        case(
            "TestValidateMountPropagation/privileged, invalid",
            |v| propagation(v, Some("invalid"), Some(true)),
            [format!(
                "{m}.mountPropagation: Unsupported value: \"invalid\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""
            )],
        ),
    ]
}

#[test]
fn validate_volume_mounts() {
    check(mount_cases(), |c| create(workload(), c.edit, &permissive()));
}
