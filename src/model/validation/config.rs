//! ConfigMap, Secret and Namespace validation with Kubernetes' rules, messages and field paths
//! (`pkg/apis/core/validation` ValidateConfigMap, ValidateSecret, ValidateNamespace and their
//! Update variants). Secret values never appear in an error: Kubernetes prints
//! `<secret contents redacted>` where a value would go.

use k8s_openapi::api::core::v1::{ConfigMap, KeyToPath, Namespace, Secret};
use std::collections::BTreeMap;

use super::container::local_descending;
use super::field::{ErrorList, FieldError, FieldPath};
use super::names::{
    invalid_each, is_config_map_key, is_qualified_name, name_is_dns_label, name_is_dns_subdomain,
    validate_cluster_object_meta, validate_object_meta,
};

/// `core.MaxSecretSize`: the values of a Secret or ConfigMap together, 1 MiB.
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;
/// What Kubernetes prints instead of a secret value in an error.
const REDACTED: &str = "<secret contents redacted>";
const IMMUTABLE: &str = "field is immutable when `immutable` is set";

/// The Secret types whose required keys Kubernetes checks, with their keys.
pub mod secret_type {
    pub const OPAQUE: &str = "Opaque";
    pub const SERVICE_ACCOUNT_TOKEN: &str = "kubernetes.io/service-account-token";
    pub const DOCKERCFG: &str = "kubernetes.io/dockercfg";
    pub const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
    pub const BASIC_AUTH: &str = "kubernetes.io/basic-auth";
    pub const SSH_AUTH: &str = "kubernetes.io/ssh-auth";
    pub const TLS: &str = "kubernetes.io/tls";
}

fn key_errors<'a>(keys: impl Iterator<Item = &'a String>, path: &FieldPath) -> ErrorList {
    keys.flat_map(|k| invalid_each(&path.key(k), k, is_config_map_key(k))).collect()
}

/// `ValidateConfigMap`: a DNS subdomain name, valid keys in `data` and `binaryData`, no key in
/// both, at most 1 MiB of values.
pub fn validate_config_map(cm: &ConfigMap) -> ErrorList {
    let mut errs = validate_object_meta(&cm.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    let (data, binary) = (cm.data.clone().unwrap_or_default(), cm.binary_data.clone().unwrap_or_default());
    let data_path = FieldPath::new("data");
    for k in data.keys() {
        errs.extend(invalid_each(&data_path.key(k), k, is_config_map_key(k)));
        if binary.contains_key(k) {
            errs.push(FieldError::invalid(&data_path.key(k), k.as_str(), "duplicate of key present in binaryData"));
        }
    }
    errs.extend(key_errors(binary.keys(), &FieldPath::new("binaryData")));
    let size = data.values().map(String::len).sum::<usize>() + binary.values().map(|b| b.0.len()).sum::<usize>();
    if size > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long(&FieldPath::new(""), "", MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate`: an immutable ConfigMap keeps its data and stays immutable.
pub fn validate_config_map_update(new: &ConfigMap, old: &ConfigMap) -> ErrorList {
    let mut errs = ErrorList::new();
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden(&FieldPath::new("immutable"), IMMUTABLE));
        }
        if new.data != old.data {
            errs.push(FieldError::forbidden(&FieldPath::new("data"), IMMUTABLE));
        }
        if new.binary_data != old.binary_data {
            errs.push(FieldError::forbidden(&FieldPath::new("binaryData"), IMMUTABLE));
        }
    }
    errs.extend(validate_config_map(new));
    errs
}

/// `ValidateSecret`: valid keys, at most 1 MiB, and the keys each well-known type requires.
pub fn validate_secret(secret: &Secret) -> ErrorList {
    let mut errs = validate_object_meta(&secret.metadata, name_is_dns_subdomain, &FieldPath::new("metadata"));
    let data: BTreeMap<String, Vec<u8>> = secret.data.iter().flatten().map(|(k, v)| (k.clone(), v.0.clone())).collect();
    let data_path = FieldPath::new("data");
    errs.extend(key_errors(data.keys(), &data_path));
    if data.values().map(Vec::len).sum::<usize>() > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long(&data_path, "", MAX_SECRET_SIZE));
    }
    errs.extend(type_errors(secret, &data, &data_path));
    errs
}

fn type_errors(secret: &Secret, data: &BTreeMap<String, Vec<u8>>, data_path: &FieldPath) -> ErrorList {
    let required = |key: &str| FieldError::required(&data_path.key(key), "");
    match secret.type_.as_deref().unwrap_or_default() {
        secret_type::SERVICE_ACCOUNT_TOKEN => {
            let key = "kubernetes.io/service-account.name";
            let named = secret.metadata.annotations.as_ref().and_then(|a| a.get(key)).is_some_and(|v| !v.is_empty());
            let path = FieldPath::new("metadata").child("annotations").key(key);
            if named { Vec::new() } else { vec![FieldError::required(&path, "")] }
        }
        secret_type::DOCKERCFG => json_key(data, ".dockercfg", data_path),
        secret_type::DOCKER_CONFIG_JSON => json_key(data, ".dockerconfigjson", data_path),
        secret_type::BASIC_AUTH if !data.contains_key("username") && !data.contains_key("password") => {
            vec![required("username"), required("password")]
        }
        secret_type::SSH_AUTH if data.get("ssh-privatekey").is_none_or(Vec::is_empty) => {
            vec![required("ssh-privatekey")]
        }
        secret_type::TLS => {
            ["tls.crt", "tls.key"].into_iter().filter(|k| !data.contains_key(*k)).map(required).collect()
        }
        _ => Vec::new(),
    }
}

/// A required key holding a JSON object, checked as Go's `json.Unmarshal` into a map would.
fn json_key(data: &BTreeMap<String, Vec<u8>>, key: &str, data_path: &FieldPath) -> ErrorList {
    let Some(bytes) = data.get(key) else {
        return vec![FieldError::required(&data_path.key(key), "")];
    };
    match go_json_object_error(bytes) {
        Some(message) => vec![FieldError::invalid(&data_path.key(key), REDACTED, &message)],
        None => Vec::new(),
    }
}

/// The error Go's `json.Unmarshal(b, &map[string]interface{}{})` gives, for the common cases.
fn go_json_object_error(bytes: &[u8]) -> Option<String> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Some("unexpected end of JSON input".into());
    };
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(_)) => None,
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Array(_) => "array",
                serde_json::Value::String(_) => "string",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::Bool(_) => "bool",
                _ => return None,
            };
            Some(format!("json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"))
        }
        Err(_) if !b"{[\"-0123456789tfn".contains(&first) => {
            Some(format!("invalid character {:?} looking for beginning of value", char::from(first)))
        }
        Err(e) => Some(e.to_string()),
    }
}

/// `ValidateSecretUpdate`: the type never changes; an immutable Secret keeps its data.
pub fn validate_secret_update(new: &Secret, old: &Secret) -> ErrorList {
    let mut errs = ErrorList::new();
    if new.type_ != old.type_ {
        let value = new.type_.clone().unwrap_or_default();
        errs.push(FieldError::invalid(&FieldPath::new("type"), value, "field is immutable"));
    }
    if old.immutable == Some(true) {
        if new.immutable != Some(true) {
            errs.push(FieldError::forbidden(&FieldPath::new("immutable"), IMMUTABLE));
        }
        if new.data != old.data {
            errs.push(FieldError::forbidden(&FieldPath::new("data"), IMMUTABLE));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

/// `validateKeyToPath` for each of a configMap or secret volume's `items`.
pub(super) fn key_to_paths(items: Option<&[KeyToPath]>, path: &FieldPath) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, kp) in items.unwrap_or_default().iter().enumerate() {
        let item = path.index(i);
        if kp.key.is_empty() {
            errs.push(FieldError::required(&item.child("key"), ""));
        }
        let target = item.child("path");
        if kp.path.is_empty() {
            errs.push(FieldError::required(&target, ""));
        }
        errs.extend(local_descending(&kp.path, &target));
        if kp.path.starts_with("..") && !kp.path.starts_with("../") {
            errs.push(FieldError::invalid(&target, kp.path.as_str(), "must not start with '..'"));
        }
        if let Some(mode) = kp.mode.filter(|m| !(0..=0o777).contains(m)) {
            let detail = "must be a number between 0 and 0777 (octal), both inclusive";
            errs.push(FieldError::invalid(&item.child("mode"), mode, detail));
        }
    }
    errs
}

/// `ValidateNamespace`: a DNS label name, no namespace of its own, valid finalizer names.
pub fn validate_namespace(ns: &Namespace) -> ErrorList {
    let mut errs = validate_cluster_object_meta(&ns.metadata, name_is_dns_label, &FieldPath::new("metadata"));
    let path = FieldPath::new("spec").child("finalizers");
    for f in ns.spec.iter().flat_map(|s| s.finalizers.iter().flatten()) {
        errs.extend(validate_finalizer_name(f, &path));
    }
    errs
}

/// apimachinery `ValidateFinalizerName` plus core's rule that a name without `/` is one of the
/// standard ones (`kubernetes`).
fn validate_finalizer_name(name: &str, path: &FieldPath) -> ErrorList {
    let mut errs = invalid_each(path, name, is_qualified_name(name));
    if !name.contains('/') && name != "kubernetes" {
        errs.push(FieldError::invalid(
            path,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(v: serde_json::Value) -> Secret {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn docker_config_errors_read_like_go() {
        assert_eq!(
            go_json_object_error(b"bad").as_deref(),
            Some("invalid character 'b' looking for beginning of value")
        );
        assert_eq!(go_json_object_error(b"").as_deref(), Some("unexpected end of JSON input"));
        assert_eq!(
            go_json_object_error(b"[]").as_deref(),
            Some("json: cannot unmarshal array into Go value of type map[string]interface {}")
        );
        assert_eq!(go_json_object_error(b"{\"auths\":{}}"), None);
        let s = secret(json!({
            "metadata": {"name": "reg", "namespace": "default"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": "YmFk"}
        }));
        let e: Vec<String> = validate_secret(&s).iter().map(ToString::to_string).collect();
        assert_eq!(
            e,
            [
                "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'b' looking for beginning of value"
            ]
        );
    }

    #[test]
    fn volume_items_stay_inside_the_volume() {
        let items: Vec<KeyToPath> = serde_json::from_value(json!([
            {"key": "a", "path": "ok/a.conf"},
            {"key": "", "path": "/abs"},
            {"key": "b", "path": "../up", "mode": 512},
            {"key": "c", "path": "..hidden"}
        ]))
        .unwrap();
        let e: Vec<String> =
            key_to_paths(Some(&items), &FieldPath::new("items")).iter().map(ToString::to_string).collect();
        assert_eq!(
            e,
            [
                "items[1].key: Required value",
                "items[1].path: Invalid value: \"/abs\": must be a relative path",
                "items[2].path: Invalid value: \"../up\": must not contain '..'",
                "items[2].mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                "items[3].path: Invalid value: \"..hidden\": must not start with '..'",
            ]
        );
    }

    #[test]
    fn tls_needs_both_keys() {
        let s = secret(json!({"metadata": {"name": "t", "namespace": "default"}, "type": "kubernetes.io/tls"}));
        let e: Vec<String> = validate_secret(&s).iter().map(ToString::to_string).collect();
        assert_eq!(e, ["data[tls.crt]: Required value", "data[tls.key]: Required value"]);
    }
}
