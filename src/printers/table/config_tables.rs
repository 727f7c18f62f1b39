//! Table columns and cells for ConfigMaps, Secrets and Namespaces, as the apiserver's printers
//! (printConfigMap, printSecret, printNamespace) render them: counts of keys, never values.

use super::{AGE, Column, NAME, col, name_of};
use crate::printers::duration::age;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use serde_json::Value;

pub(super) const CONFIG_MAP_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
        0,
    ),
    AGE,
];

pub(super) const SECRET_COLUMNS: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
        0,
    ),
    col(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
        0,
    ),
    AGE,
];

pub(super) const NAMESPACE_COLUMNS: &[Column] = &[NAME, col("Status", "string", "The status of the namespace", 0), AGE];

pub(super) fn config_map_cells(cm: &ConfigMap, now: Timestamp) -> Vec<Value> {
    let keys = cm.data.as_ref().map_or(0, |d| d.len()) + cm.binary_data.as_ref().map_or(0, |d| d.len());
    vec![name_of(&cm.metadata.name).into(), keys.into(), age(cm.metadata.creation_timestamp.as_ref(), now).into()]
}

pub(super) fn secret_cells(s: &Secret, now: Timestamp) -> Vec<Value> {
    vec![
        name_of(&s.metadata.name).into(),
        s.type_.clone().unwrap_or_default().into(),
        s.data.as_ref().map_or(0, |d| d.len()).into(),
        age(s.metadata.creation_timestamp.as_ref(), now).into(),
    ]
}

pub(super) fn namespace_cells(ns: &Namespace, now: Timestamp) -> Vec<Value> {
    let phase = ns.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
    vec![name_of(&ns.metadata.name).into(), phase.into(), age(ns.metadata.creation_timestamp.as_ref(), now).into()]
}
