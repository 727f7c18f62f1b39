//! Decoding JSON into typed objects the way the apiserver does: type errors name the field
//! path, and unknown fields are collected (with their paths) so the caller can apply
//! `fieldValidation=Strict|Warn|Ignore`.

use crate::model::{Kind, Object, base64};
use serde::de::DeserializeOwned;
use std::fmt;

/// The apiserver's `fieldValidation` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldValidation {
    #[default]
    Strict,
    Warn,
    Ignore,
}

impl FieldValidation {
    /// Parses the query parameter; unknown values are rejected like Kubernetes does.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Strict" | "" => Some(FieldValidation::Strict),
            "Warn" => Some(FieldValidation::Warn),
            "Ignore" => Some(FieldValidation::Ignore),
            _ => None,
        }
    }
}

/// A decoded object plus the unknown fields the decoder skipped.
#[derive(Debug)]
pub struct Decoded<T> {
    pub object: T,
    pub unknown_fields: Vec<String>,
}

/// Why a document could not become an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A value of the wrong type or shape, at `path`.
    Invalid { path: String, message: String },
    /// `fieldValidation=Strict` and these fields are not part of the schema.
    UnknownFields(Vec<String>),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Invalid { path, message } if path.is_empty() || path == "." => f.write_str(message),
            DecodeError::Invalid { path, message } => write!(f, "{path}: {message}"),
            DecodeError::UnknownFields(fields) => {
                let list: Vec<String> = fields.iter().map(|p| format!("unknown field {p:?}")).collect();
                write!(f, "strict decoding error: {}", list.join(", "))
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `value` into `T`, recording unknown fields instead of failing on them.
pub fn decode<T: DeserializeOwned>(value: serde_json::Value) -> Result<Decoded<T>, DecodeError> {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let result = {
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        serde_ignored::deserialize(de, |path| unknown.push(render_ignored_path(&path.to_string())))
    };
    match result {
        Ok(object) => Ok(Decoded { object, unknown_fields: unknown }),
        Err(e) => Err(DecodeError::Invalid { path: track.path().to_string(), message: e.to_string() }),
    }
}

/// Decodes and applies the field-validation mode: Strict fails on unknown fields, Warn returns
/// them as warnings, Ignore drops them.
pub fn decode_with<T: DeserializeOwned>(
    value: serde_json::Value,
    mode: FieldValidation,
) -> Result<(T, Vec<String>), DecodeError> {
    let Decoded { object, unknown_fields } = decode(value)?;
    match mode {
        FieldValidation::Strict if !unknown_fields.is_empty() => Err(DecodeError::UnknownFields(unknown_fields)),
        FieldValidation::Warn => {
            Ok((object, unknown_fields.into_iter().map(|p| format!("unknown field {p:?}")).collect()))
        }
        _ => Ok((object, Vec::new())),
    }
}

/// A Secret's `data` is base64 as Go reads it (line breaks allowed, trailing bits ignored), so
/// it is checked with Go's rules and error text (`illegal base64 data at input byte 4`, with no
/// field path, as the API server says it) and handed on canonically encoded.
pub fn base64_as_go_reads_it(kind: Kind, mut value: serde_json::Value) -> Result<serde_json::Value, DecodeError> {
    if kind != Kind::Secret {
        return Ok(value);
    }
    for v in value.get_mut("data").and_then(serde_json::Value::as_object_mut).into_iter().flat_map(|d| d.values_mut()) {
        if let serde_json::Value::String(s) = v {
            let bytes =
                base64::decode(s).map_err(|e| DecodeError::Invalid { path: String::new(), message: e.to_string() })?;
            *s = base64::encode(&bytes);
        }
    }
    Ok(value)
}

/// Decodes a stored or received object of any kind skiff serves, choosing the type from its
/// `apiVersion` and `kind`. Unknown fields are dropped (the store only holds valid objects).
pub fn object_from_json(value: serde_json::Value) -> Result<Object, DecodeError> {
    kind_of(&value)?.decode(value, FieldValidation::Ignore).map(|(object, _)| object)
}

/// The kind a document declares, checked against the kinds skiff serves.
pub fn kind_of(value: &serde_json::Value) -> Result<Kind, DecodeError> {
    let field = |name: &str| value.get(name).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    if kind.is_empty() {
        return Err(DecodeError::Invalid { path: "kind".into(), message: "Object 'Kind' is missing".into() });
    }
    crate::model::KINDS
        .iter()
        .find(|k| k.name == kind && k.kind.api_version() == api_version)
        .map(|k| k.kind)
        .ok_or_else(|| DecodeError::Invalid {
            path: String::new(),
            message: format!("no matches for kind {kind:?} in version {api_version:?}"),
        })
}

/// serde_ignored prints `spec.?.template.?.spec.?.containers.?.0.bogus`; Kubernetes prints
/// `spec.template.spec.containers[0].bogus`.
fn render_ignored_path(raw: &str) -> String {
    let mut out = String::new();
    for segment in raw.split('.').filter(|s| *s != "?" && !s.is_empty()) {
        if segment.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use serde_json::json;

    fn deployment(spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn unknown_fields_are_reported_with_kubernetes_paths() {
        let v = deployment(json!({
            "foo": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "x", "bogus": true}]}}
        }));
        let err = decode_with::<Deployment>(v, FieldValidation::Strict).unwrap_err();
        assert_eq!(
            err.to_string(),
            "strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bogus\""
        );
    }

    #[test]
    fn warn_and_ignore_keep_the_object() {
        let v = deployment(json!({"foo": 1, "selector": {}, "template": {}}));
        let (_, warnings) = decode_with::<Deployment>(v.clone(), FieldValidation::Warn).unwrap();
        assert_eq!(warnings, vec!["unknown field \"spec.foo\"".to_string()]);
        let (_, warnings) = decode_with::<Deployment>(v, FieldValidation::Ignore).unwrap();
        assert!(warnings.is_empty());
    }

    #[test]
    fn type_errors_name_the_field() {
        let v = deployment(json!({"replicas": "two", "selector": {}, "template": {}}));
        let err = decode_with::<Deployment>(v, FieldValidation::Strict).unwrap_err();
        assert_eq!(err.to_string(), "spec.replicas: invalid type: string \"two\", expected i32");
    }
}
