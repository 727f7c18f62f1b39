//! `pkg/apis/core/validation/validation_test.go`: TestValidateVolumeMounts,
//! TestValidateSubpathMutuallyExclusive, TestValidateDisabledSubpathExpr and
//! TestValidateMountPropagation, on the first container of a Deployment's pod template
//! (upstream's `field` is `spec.template.spec.containers[0].volumeMounts` here).
//!
//! Not carried over:
//! - TestValidateVolumeMounts' volumeDevices cases ("name exists in volumeDevice", "mountpath
//!   exists in volumeDevice", "both exist in volumeDevice"): skiff has no block devices and
//!   ignores `volumeDevices`.
//! - TestValidateMountPropagation "no container + Bidirectional": a mount always belongs to a
//!   container here.

use serde_json::{Value, json};

use super::{Case, case, check, create, permissive, pod_spec, workload};

const C0: &str = "spec.template.spec.containers[0]";

/// TestValidateVolumeMounts' volumes.
fn with_volumes() -> Value {
    let volumes = json!([
        {"name": "abc", "persistentVolumeClaim": {"claimName": "testclaim1"}},
        {"name": "abc-123", "persistentVolumeClaim": {"claimName": "testclaim2"}},
        {"name": "123", "hostPath": {"path": "/foo/baz", "type": ""}},
        {"name": "ephemeral", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10G"}}}}}},
        {"name": "image-volume", "image": {"reference": "quay.io/my/artifact:v1", "pullPolicy": "IfNotPresent"}}
    ]);
    let mut v = workload();
    pod_spec(&mut v)["volumes"] = volumes;
    v
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
    check(mount_cases(), |c| create(with_volumes(), c.edit, &permissive()));
}
