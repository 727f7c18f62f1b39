//! kubectl's client-side apply, without the transport: what to send for one manifest given
//! the live object (create it with its last-applied-configuration, patch it with the
//! three-way strategic merge patch, or nothing). The CLI sends it over HTTP; the daemon's
//! `--manifests` mode hands it to the registry.

use super::{schema, three_way};
use crate::model::meta::LAST_APPLIED;
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

/// The manifest with an `annotations` map that holds no last-applied-configuration. Like
/// kubectl's `GetModifiedConfiguration`, the map stays even when empty, so both clients record
/// the same text and see each other's applies as unchanged.
fn unrecorded(doc: &Value) -> Value {
    let mut modified = doc.clone();
    if let Some(meta) = modified.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
        if !annotations.is_object() {
            *annotations = Value::Object(Default::default());
        }
        if let Some(a) = annotations.as_object_mut() {
            a.remove(LAST_APPLIED);
        }
    }
    modified
}

/// The manifest as it will be stored, with its own JSON as last-applied-configuration.
pub fn with_last_applied(doc: &Value) -> Value {
    let mut modified = unrecorded(doc);
    let applied = format!("{}\n", serde_json::to_string(&modified).unwrap_or_default());
    if let Some(a) = modified.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        a.insert(LAST_APPLIED.into(), Value::String(applied));
    }
    modified
}

/// The manifest with `metadata.namespace` filled in when it names none, as kubectl's resource
/// builder does before computing last-applied: every client then records the same namespace, so
/// a patch computed from another client's last-applied never removes it. Cluster-scoped
/// objects (`namespace` empty) get none.
fn in_namespace(manifest: &Value, namespace: &str) -> Value {
    let mut doc = manifest.clone();
    if let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut).filter(|_| !namespace.is_empty())
        && meta.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty)
    {
        meta.insert("namespace".into(), Value::String(namespace.to_string()));
    }
    doc
}

/// Decides how to apply `manifest` (of kind `kind_name`, defaulting to `namespace`) over `live`.
pub fn plan(
    kind_name: &str,
    manifest: &Value,
    namespace: &str,
    live: Option<&Value>,
) -> Result<Step, three_way::ThreeWayError> {
    plan_with(kind_name, &with_last_applied(&in_namespace(manifest, namespace)), live)
}

/// What `plan` would send, without recording the manifest as last-applied (what `kubectl diff`
/// asks the server to dry-run, so the annotation does not show as a change).
pub fn preview(
    kind_name: &str,
    manifest: &Value,
    namespace: &str,
    live: Option<&Value>,
) -> Result<Step, three_way::ThreeWayError> {
    plan_with(kind_name, &unrecorded(&in_namespace(manifest, namespace)), live)
}

fn plan_with(kind_name: &str, modified: &Value, live: Option<&Value>) -> Result<Step, three_way::ThreeWayError> {
    let Some(live) = live else { return Ok(Step::Create(modified.clone())) };
    let original: Option<Value> =
        live["metadata"]["annotations"][LAST_APPLIED].as_str().and_then(|s| serde_json::from_str(s).ok());
    let patch = three_way::three_way(original.as_ref(), modified, live, &schema::for_kind(kind_name))?;
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
        // kubectl 1.33 records exactly this for the same manifest.
        assert_eq!(applied, "{\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"web\"}}\n");
        assert_eq!(with_last_applied(&m), m, "re-applying an applied object changes nothing");
    }

    #[test]
    fn create_patch_or_nothing() {
        let doc = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort"}});
        let Step::Create(created) = plan("Service", &doc, "default", None).unwrap() else { panic!() };
        assert_eq!(created["metadata"]["namespace"], "default");
        let mut live = created.clone();
        live["spec"]["clusterIP"] = json!("10.96.0.9");
        assert_eq!(plan("Service", &doc, "default", Some(&live)).unwrap(), Step::Unchanged);
        let changed = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}});
        let Step::Patch(p) = plan("Service", &changed, "default", Some(&live)).unwrap() else { panic!() };
        assert_eq!(p["spec"]["type"], "LoadBalancer");
    }

    #[test]
    fn another_clients_last_applied_namespace_is_kept() {
        // What kubectl records for a file without `namespace:`.
        let doc = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort"}});
        let mut kubectl_applied = doc.clone();
        kubectl_applied["metadata"]["namespace"] = json!("default");
        let live = with_last_applied(&kubectl_applied);
        assert_eq!(plan("Service", &doc, "default", Some(&live)).unwrap(), Step::Unchanged);
        let changed = json!({"kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}});
        let Step::Patch(p) = plan("Service", &changed, "default", Some(&live)).unwrap() else { panic!() };
        assert!(p["metadata"].get("namespace").is_none(), "{p}");
        let Step::Patch(preview) = preview("Service", &changed, "default", Some(&live)).unwrap() else { panic!() };
        assert_eq!(preview, json!({"spec": {"type": "LoadBalancer"}}), "a preview records nothing");
    }
}
