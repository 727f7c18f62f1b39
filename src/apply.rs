//! kubectl's client-side apply, without the transport: what to send for one manifest given
//! the live object (create it with its last-applied-configuration, patch it with the
//! three-way strategic merge patch, or nothing). The CLI sends it over HTTP; the daemon's
//! `--manifests` mode hands it to the registry.

use crate::model::meta::LAST_APPLIED;
use crate::patch::{schema, three_way};
use serde_json::Value;

/// What applying one manifest takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Create this object (the manifest plus its last-applied annotation).
    Create(Value),
    /// Send this strategic merge patch.
    Patch(Value),
    Unchanged,
}

/// The manifest as it will be stored, with its own JSON as last-applied-configuration.
pub fn with_last_applied(doc: &Value) -> Value {
    let mut modified = doc.clone();
    if let Some(a) = modified.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        a.remove(LAST_APPLIED);
        if a.is_empty() {
            modified["metadata"].as_object_mut().map(|m| m.remove("annotations"));
        }
    }
    let applied = format!("{}\n", serde_json::to_string(&modified).unwrap_or_default());
    if let Some(m) = modified.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = m.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
        if !annotations.is_object() {
            *annotations = Value::Object(Default::default());
        }
        if let Some(a) = annotations.as_object_mut() {
            a.insert(LAST_APPLIED.into(), Value::String(applied));
        }
    }
    modified
}

/// Decides how to apply `manifest` (of kind `kind_name`) over `live`.
pub fn plan(kind_name: &str, manifest: &Value, live: Option<&Value>) -> Result<Step, three_way::ThreeWayError> {
    let modified = with_last_applied(manifest);
    let Some(live) = live else { return Ok(Step::Create(modified)) };
    let original: Option<Value> =
        live["metadata"]["annotations"][LAST_APPLIED].as_str().and_then(|s| serde_json::from_str(s).ok());
    let patch = three_way::three_way(original.as_ref(), &modified, live, &schema::for_kind(kind_name))?;
    Ok(if patch.as_object().is_some_and(|o| o.is_empty()) { Step::Unchanged } else { Step::Patch(patch) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn last_applied_is_the_manifest_itself() {
        let doc = json!({"kind": "Service", "metadata": {"name": "web"}});
        let m = with_last_applied(&doc);
        let applied = m["metadata"]["annotations"][LAST_APPLIED].as_str().unwrap();
        assert_eq!(serde_json::from_str::<Value>(applied).unwrap(), doc);
        assert_eq!(with_last_applied(&m), m, "re-applying an applied object changes nothing");
    }

    #[test]
    fn create_patch_or_nothing() {
        let doc = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort"}});
        let Step::Create(created) = plan("Service", &doc, None).unwrap() else { panic!() };
        let mut live = created.clone();
        live["spec"]["clusterIP"] = json!("10.96.0.9");
        assert_eq!(plan("Service", &doc, Some(&live)).unwrap(), Step::Unchanged);
        let changed = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}});
        let Step::Patch(p) = plan("Service", &changed, Some(&live)).unwrap() else { panic!() };
        assert_eq!(p["spec"]["type"], "LoadBalancer");
    }
}
