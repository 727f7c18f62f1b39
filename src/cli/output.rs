//! Printing objects as YAML, JSON or names, the way kubectl prints them.

use super::client::{CliError, Result};
use super::resource::qualified;
use crate::model::Kind;
use serde::Serialize;
use serde_json::{Value, json};

/// A `kind: List` around `items`, as kubectl prints several objects.
pub fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

pub fn yaml(v: &Value) -> Result<String> {
    serde_yaml::to_string(v).map_err(|e| CliError::msg(e.to_string()))
}

/// JSON indented by four spaces, like kubectl.
pub fn json(v: &Value) -> String {
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    let _ = v.serialize(&mut ser);
    String::from_utf8_lossy(&out).into_owned()
}

/// `deployment.apps/web`.
pub fn name(kind: Kind, obj: &Value) -> String {
    format!("{}/{}", qualified(kind), obj["metadata"]["name"].as_str().unwrap_or_default())
}
