//! ConfigMaps, Secrets and Namespaces beyond their validation: what the API server sets on
//! write (`stringData` merged into `data`, the `Opaque` type, a Namespace's phase, finalizer
//! and name label), and which of them a pod spec references (`refs`). Pure.

pub mod pins;
pub mod refs;

use crate::model::validation::config::secret_type;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Namespace, NamespaceSpec, NamespaceStatus, Secret};

/// The label every Namespace carries with its own name (`kubernetes.io/metadata.name`).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// The finalizer the namespace controller releases once the namespace is empty.
pub const NAMESPACE_FINALIZER: &str = "kubernetes";
/// The namespaces a cluster starts with; `default` is where objects go unless told otherwise.
pub const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Conversion and defaulting of a written Secret: `stringData` overwrites `data` key by key and
/// is never stored; the type defaults to `Opaque`.
pub fn default_secret(secret: &mut Secret) {
    if let Some(strings) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(Default::default);
        for (k, v) in strings {
            data.insert(k, ByteString(v.into_bytes()));
        }
    }
    if secret.type_.as_deref().is_none_or(str::is_empty) {
        secret.type_ = Some(secret_type::OPAQUE.into());
    }
}

/// What the namespace strategy sets on create: phase Active, and the `kubernetes` finalizer
/// after any the client asked for.
pub fn prepare_namespace_create(ns: &mut Namespace) {
    let spec = ns.spec.get_or_insert_with(NamespaceSpec::default);
    let finalizers = spec.finalizers.get_or_insert_with(Vec::new);
    if !finalizers.iter().any(|f| f == NAMESPACE_FINALIZER) {
        finalizers.push(NAMESPACE_FINALIZER.into());
    }
    ns.status = Some(NamespaceStatus { phase: Some("Active".into()), conditions: None });
    default_namespace(ns);
}

/// The namespace's own name as a label, on every write.
pub fn default_namespace(ns: &mut Namespace) {
    let name = ns.metadata.name.clone().unwrap_or_default();
    ns.metadata.labels.get_or_insert_with(Default::default).insert(NAMESPACE_NAME_LABEL.into(), name);
}

/// A namespace that is being deleted.
pub fn is_terminating(ns: &Namespace) -> bool {
    ns.metadata.deletion_timestamp.is_some()
        || ns.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_data_is_merged_and_dropped() {
        let mut s: Secret = serde_json::from_value(json!({
            "metadata": {"name": "db"},
            "data": {"user": "YWRtaW4=", "password": "b2xk"},
            "stringData": {"password": "new"}
        }))
        .unwrap();
        default_secret(&mut s);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["data"], json!({"user": "YWRtaW4=", "password": "bmV3"}));
        assert_eq!(v["type"], "Opaque");
        assert!(v.get("stringData").is_none());
    }

    #[test]
    fn namespaces_start_active_with_their_name_label() {
        let mut ns = Namespace { metadata: Default::default(), ..Default::default() };
        ns.metadata.name = Some("lab".into());
        prepare_namespace_create(&mut ns);
        let v = serde_json::to_value(&ns).unwrap();
        assert_eq!(v["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(v["status"]["phase"], "Active");
        assert_eq!(v["metadata"]["labels"]["kubernetes.io/metadata.name"], "lab");
    }
}
