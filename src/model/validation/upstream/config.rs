//! `pkg/apis/core/validation/validation_test.go`: TestValidateConfigMap,
//! TestValidateConfigMapUpdate, TestValidateSecret, TestValidateSecretUpdate,
//! TestValidateDockerConfigSecret, TestValidateBasicAuthSecret, TestValidateSSHAuthSecret,
//! TestValidateNamespace and the finalizer names of TestValidateNamespaceFinalizeUpdate.
//! Upstream asserts valid or invalid; the messages are those of validation.go.
//!
//! Not carried over: "empty namespace" (skiff takes the namespace from the request path);
//! TestValidateConfigMapUpdate's "invalid" (a missing resourceVersion: skiff's store checks
//! versions, not validation); TestValidateNamespaceUpdate's rename (refused before validation:
//! the name must match the URL); TestValidateNamespaceStatusUpdate (skiff alone writes a
//! namespace's phase).

use serde_json::{Value, json};

use super::{
    BAD_KEY, Case, LABEL_MSG, NAME_PART_MSG, SUBDOMAIN_MSG, case, check, create, decode, permissive, rendered,
};
use crate::model::validation::config::MAX_SECRET_SIZE;
use crate::registry::strategy;

const CONFIG_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const REDACTED: &str = "Invalid value: \"<secret contents redacted>\"";

/// upstream `newConfigMap("validname", "validns", {"key": "value"}, {"bin": "value"})`.
fn config_map() -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "validname", "namespace": "validns"},
        "data": {"key": "value"}, "binaryData": {"bin": "dmFsdWU="}
    })
}

/// A ConfigMap holding only `data` (upstream's cases with `binaryData` nil).
fn data_only(v: &mut Value, data: Value) {
    v["data"] = data;
    v["binaryData"] = Value::Null;
}

fn binary_only(v: &mut Value, binary: Value) {
    v["data"] = Value::Null;
    v["binaryData"] = binary;
}

fn big() -> String {
    "a".repeat(MAX_SECRET_SIZE + 1)
}

fn config_map_cases() -> Vec<Case> {
    let long = "a".repeat(254);
    let too_long = format!("binaryData[{long}]: Invalid value: \"{long}\": must be no more than 253 bytes");
    vec![
        case("TestValidateConfigMap/valid", |_| {}, [""; 0]),
        case("TestValidateConfigMap/max key length", |v| data_only(v, json!({"a".repeat(253): "value"})), [""; 0]),
        case("TestValidateConfigMap/leading dot key", |v| data_only(v, json!({".ab": "value"})), [""; 0]),
        case(
            "TestValidateConfigMap/empty name",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateConfigMap/invalid name",
            |v| v["metadata"]["name"] = json!(BAD_KEY),
            [format!("metadata.name: Invalid value: \"{BAD_KEY}\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateConfigMap/invalid key",
            |v| data_only(v, json!({"a*b": "value"})),
            [format!("data[a*b]: Invalid value: \"a*b\": {CONFIG_KEY_MSG}")],
        ),
        case(
            "TestValidateConfigMap/invalid namespace",
            |v| v["metadata"]["namespace"] = json!(BAD_KEY),
            [format!("metadata.namespace: Invalid value: \"{BAD_KEY}\": {LABEL_MSG}")],
        ),
        case(
            "TestValidateConfigMap/dot key",
            |v| data_only(v, json!({".": "value"})),
            ["data[.]: Invalid value: \".\": must not be '.'"],
        ),
        case(
            "TestValidateConfigMap/double dot key",
            |v| data_only(v, json!({"..": "value"})),
            ["data[..]: Invalid value: \"..\": must not be '..'"],
        ),
        case(
            "TestValidateConfigMap/over max key length",
            |v| data_only(v, json!({"a".repeat(254): "value"})),
            [too_long.replacen("binaryData", "data", 1)],
        ),
        case(
            "TestValidateConfigMap/over max size",
            |v| data_only(v, json!({"key": big()})),
            [": Too long: may not be more than 1048576 bytes"],
        ),
        case(
            "TestValidateConfigMap/duplicated key",
            |v| {
                v["data"] = json!({"key": "value1"});
                v["binaryData"] = json!({"key": "dmFsdWUy"});
            },
            ["data[key]: Invalid value: \"key\": duplicate of key present in binaryData"],
        ),
        case(
            "TestValidateConfigMap/binary data invalid key",
            |v| binary_only(v, json!({"a*b": "dmFsdWU="})),
            [format!("binaryData[a*b]: Invalid value: \"a*b\": {CONFIG_KEY_MSG}")],
        ),
        case(
            "TestValidateConfigMap/binary data leading dot key",
            |v| binary_only(v, json!({".ab": "dmFsdWU="})),
            [""; 0],
        ),
        case(
            "TestValidateConfigMap/binary data dot key",
            |v| binary_only(v, json!({".": "dmFsdWU="})),
            ["binaryData[.]: Invalid value: \".\": must not be '.'"],
        ),
        case(
            "TestValidateConfigMap/binary data double dot key",
            |v| binary_only(v, json!({"..": "dmFsdWU="})),
            ["binaryData[..]: Invalid value: \"..\": must not be '..'"],
        ),
        case(
            "TestValidateConfigMap/binary data over max key length",
            |v| binary_only(v, json!({"a".repeat(254): "dmFsdWU="})),
            [too_long],
        ),
        case(
            "TestValidateConfigMap/binary data max size",
            |v| binary_only(v, json!({"bin": crate::model::base64::encode(big().as_bytes())})),
            [": Too long: may not be more than 1048576 bytes"],
        ),
        case(
            "TestValidateConfigMap/binary data non utf-8 bytes",
            |v| binary_only(v, json!({"key": "AP4A/w=="})),
            [""; 0],
        ),
    ]
}

/// upstream `validSecret()`: `foo` in `bar` holding `data-1: bar`.
fn secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "foo", "namespace": "bar"}, "data": {"data-1": "YmFy"}})
}

fn typed(v: &mut Value, type_: &str, data: Value) {
    v["type"] = json!(type_);
    v["data"] = data;
}

fn service_account_token(v: &mut Value) {
    v["type"] = json!("kubernetes.io/service-account-token");
    v["metadata"]["annotations"] = json!({"kubernetes.io/service-account.name": "foo"});
}

fn secret_cases() -> Vec<Case> {
    let sa_required = "metadata.annotations[kubernetes.io/service-account.name]: Required value";
    vec![
        case("TestValidateSecret/valid", |_| {}, [""; 0]),
        case(
            "TestValidateSecret/empty name",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateSecret/invalid name",
            |v| v["metadata"]["name"] = json!(BAD_KEY),
            [format!("metadata.name: Invalid value: \"{BAD_KEY}\": {SUBDOMAIN_MSG}")],
        ),
        case(
            "TestValidateSecret/invalid namespace",
            |v| v["metadata"]["namespace"] = json!(BAD_KEY),
            [format!("metadata.namespace: Invalid value: \"{BAD_KEY}\": {LABEL_MSG}")],
        ),
        case(
            "TestValidateSecret/over max size",
            |v| v["data"] = json!({"over": crate::model::base64::encode(&vec![0; MAX_SECRET_SIZE + 1])}),
            ["data: Too long: may not be more than 1048576 bytes"],
        ),
        case(
            "TestValidateSecret/invalid key",
            |v| v["data"]["a*b"] = json!("d2hvb3Bz"),
            [format!("data[a*b]: Invalid value: \"a*b\": {CONFIG_KEY_MSG}")],
        ),
        case("TestValidateSecret/valid service-account-token secret", service_account_token, [""; 0]),
        case(
            "TestValidateSecret/empty service-account-token annotation",
            |v| {
                service_account_token(v);
                v["metadata"]["annotations"]["kubernetes.io/service-account.name"] = json!("");
            },
            [sa_required],
        ),
        case(
            "TestValidateSecret/missing service-account-token annotation",
            |v| {
                service_account_token(v);
                v["metadata"]["annotations"] = json!({"other": "x"});
            },
            [sa_required],
        ),
        case(
            "TestValidateSecret/missing service-account-token annotations",
            |v| {
                service_account_token(v);
                v["metadata"]["annotations"] = Value::Null;
            },
            [sa_required],
        ),
        case("TestValidateSecret/leading dot key", |v| v["data"][".key"] = json!("YmFy"), [""; 0]),
        case(
            "TestValidateSecret/dot key",
            |v| v["data"]["."] = json!("YmFy"),
            ["data[.]: Invalid value: \".\": must not be '.'"],
        ),
        case(
            "TestValidateSecret/double dot key",
            |v| v["data"][".."] = json!("YmFy"),
            ["data[..]: Invalid value: \"..\": must not be '..'"],
        ),
    ]
}

/// base64 of upstream's valid `.dockercfg` and `.dockerconfigjson` documents.
const DOCKERCFG: &str = "eyJodHRwczovL2luZGV4LmRvY2tlci5pby92MS8iOiB7ImF1dGgiOiAiWTJ4MVpXUnliMjlzWlhJd01EQXhPbkJoYzNOM2IzSmsiLCJlbWFpbCI6ICJmYWtlQGV4YW1wbGUuY29tIn19";
const DOCKERCONFIGJSON: &str = "eyJhdXRocyI6eyJodHRwczovL2luZGV4LmRvY2tlci5pby92MS8iOiB7ImF1dGgiOiAiWTJ4MVpXUnliMjlzWlhJd01EQXhPbkJoYzNOM2IzSmsiLCJlbWFpbCI6ICJmYWtlQGV4YW1wbGUuY29tIn19fQ==";

fn typed_secret_cases() -> Vec<Case> {
    let bad = "invalid character 'b' looking for beginning of value";
    vec![
        case(
            "TestValidateDockerConfigSecret/valid dockercfg",
            |v| typed(v, "kubernetes.io/dockercfg", json!({".dockercfg": DOCKERCFG})),
            [""; 0],
        ),
        case(
            "TestValidateDockerConfigSecret/missing dockercfg",
            |v| typed(v, "kubernetes.io/dockercfg", json!({})),
            ["data[.dockercfg]: Required value"],
        ),
        case(
            "TestValidateDockerConfigSecret/empty dockercfg",
            |v| typed(v, "kubernetes.io/dockercfg", json!({".dockercfg": ""})),
            [format!("data[.dockercfg]: {REDACTED}: unexpected end of JSON input")],
        ),
        case(
            "TestValidateDockerConfigSecret/invalid dockercfg",
            |v| typed(v, "kubernetes.io/dockercfg", json!({".dockercfg": "YmFk"})),
            [format!("data[.dockercfg]: {REDACTED}: {bad}")],
        ),
        case(
            "TestValidateDockerConfigSecret/valid config.json",
            |v| typed(v, "kubernetes.io/dockerconfigjson", json!({".dockerconfigjson": DOCKERCONFIGJSON})),
            [""; 0],
        ),
        case(
            "TestValidateDockerConfigSecret/missing config.json",
            |v| typed(v, "kubernetes.io/dockerconfigjson", json!({})),
            ["data[.dockerconfigjson]: Required value"],
        ),
        case(
            "TestValidateDockerConfigSecret/empty config.json",
            |v| typed(v, "kubernetes.io/dockerconfigjson", json!({".dockerconfigjson": ""})),
            [format!("data[.dockerconfigjson]: {REDACTED}: unexpected end of JSON input")],
        ),
        case(
            "TestValidateDockerConfigSecret/invalid config.json",
            |v| typed(v, "kubernetes.io/dockerconfigjson", json!({".dockerconfigjson": "YmFk"})),
            [format!("data[.dockerconfigjson]: {REDACTED}: {bad}")],
        ),
        case(
            "TestValidateBasicAuthSecret/valid",
            |v| typed(v, "kubernetes.io/basic-auth", json!({"username": "dXNlcm5hbWU=", "password": "cGFzc3dvcmQ="})),
            [""; 0],
        ),
        case(
            "TestValidateBasicAuthSecret/missing username and password",
            |v| typed(v, "kubernetes.io/basic-auth", json!({})),
            ["data[username]: Required value", "data[password]: Required value"],
        ),
        case(
            "TestValidateSSHAuthSecret/valid",
            |v| typed(v, "kubernetes.io/ssh-auth", json!({"ssh-privatekey": "Zm9vLWJhci1iYXo="})),
            [""; 0],
        ),
        case(
            "TestValidateSSHAuthSecret/missing private key",
            |v| typed(v, "kubernetes.io/ssh-auth", json!({})),
            ["data[ssh-privatekey]: Required value"],
        ),
    ]
}

fn namespace() -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "abc", "labels": {"a": "b"}}})
}

fn namespace_cases() -> Vec<Case> {
    let not_standard = "name is neither a standard finalizer name nor is it fully qualified";
    vec![
        case("TestValidateNamespace/success", |_| {}, [""; 0]),
        case(
            "TestValidateNamespace/success with finalizers",
            |v| {
                v["metadata"] = json!({"name": "abc-123"});
                v["spec"] = json!({"finalizers": ["example.com/something", "example.com/other"]});
            },
            [""; 0],
        ),
        case(
            "TestValidateNamespace/zero-length name",
            |v| v["metadata"]["name"] = json!(""),
            ["metadata.name: Required value: name or generateName is required"],
        ),
        case(
            "TestValidateNamespace/defined-namespace",
            |v| v["metadata"] = json!({"name": "abc-123", "namespace": "makesnosense"}),
            ["metadata.namespace: Forbidden: not allowed on this type"],
        ),
        case(
            "TestValidateNamespace/invalid-labels",
            |v| v["metadata"]["labels"] = json!({BAD_KEY: "b"}),
            [format!("metadata.labels: Invalid value: \"{BAD_KEY}\": {NAME_PART_MSG}")],
        ),
        case(
            "TestValidateNamespaceFinalizeUpdate/not a standard name",
            |v| v["spec"] = json!({"finalizers": ["Foo"]}),
            [format!("spec.finalizers: Invalid value: \"Foo\": {not_standard}")],
        ),
        case(
            "TestValidateNamespaceFinalizeUpdate/qualified names",
            |v| v["spec"] = json!({"finalizers": ["foo.com/bar", "what.com/bar"]}),
            [""; 0],
        ),
    ]
}

/// An update from `base` edited by `old` to `base` edited by `new`.
struct UpdateCase {
    name: &'static str,
    old: fn(&mut Value),
    new: fn(&mut Value),
    want: Vec<&'static str>,
}

fn run_update(base: fn() -> Value, c: &UpdateCase) -> Vec<String> {
    let (mut old, mut new) = (base(), base());
    (c.old)(&mut old);
    (c.new)(&mut new);
    let (Ok(mut old), Ok(mut new)) = (decode(old), decode(new)) else {
        return vec!["decode".into()];
    };
    strategy::prepare_create(&mut old, jiff::Timestamp::UNIX_EPOCH);
    strategy::prepare_update(&mut new, &old);
    rendered(strategy::validate(&new, Some(&old), &permissive()))
}

fn immutable(v: &mut Value) {
    v["immutable"] = json!(true);
}

/// Upstream's ConfigMap and Secret update tables are the same eight cases.
fn update_cases() -> Vec<UpdateCase> {
    let u = |name, old, new, want: &[&'static str]| UpdateCase { name, old, new, want: want.to_vec() };
    let data_forbidden: &'static str = "data: Forbidden: field is immutable when `immutable` is set";
    let immutable_forbidden: &'static str = "immutable: Forbidden: field is immutable when `immutable` is set";
    vec![
        u("valid", |_| {}, |_| {}, &[]),
        u("mark immutable", |_| {}, immutable, &[]),
        u("revert immutable", immutable, |_| {}, &[immutable_forbidden]),
        u("mark immutable mutable", immutable, |v| v["immutable"] = json!(false), &[immutable_forbidden]),
        u("add data", |_| {}, |v| v["data"]["key-2"] = json!("dmFsdWUtMg=="), &[]),
        u(
            "add data in immutable",
            immutable,
            |v| {
                immutable(v);
                v["data"]["key-2"] = json!("dmFsdWUtMg==");
            },
            &[data_forbidden],
        ),
        u("change data", |_| {}, |v| v["data"] = json!({"key": "Zm9v", "data-1": "Zm9v"}), &[]),
        u(
            "change data in immutable",
            immutable,
            |v| {
                immutable(v);
                v["data"] = json!({"key": "Zm9v", "data-1": "Zm9v"});
            },
            &[data_forbidden],
        ),
    ]
}

#[test]
fn validate_config_map() {
    check(config_map_cases(), |c| create(config_map(), c.edit, &permissive()));
}

#[test]
fn validate_secret() {
    check(secret_cases(), |c| create(secret(), c.edit, &permissive()));
    check(typed_secret_cases(), |c| create(secret(), c.edit, &permissive()));
}

#[test]
fn validate_namespace() {
    check(namespace_cases(), |c| create(namespace(), c.edit, &permissive()));
}

#[test]
fn validate_updates() {
    let mut failures = Vec::new();
    for (kind, base) in [("ConfigMap", config_map as fn() -> Value), ("Secret", secret)] {
        for c in update_cases() {
            let got = run_update(base, &c);
            if got != c.want {
                failures.push(format!("TestValidate{kind}Update/{}: got {got:?}, want {:?}", c.name, c.want));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
