//! `kubectl describe configmap|secret|namespace`. A Secret's values are never printed, only
//! their sizes in bytes, as kubectl does.

use super::*;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};

/// Describes a ConfigMap like `kubectl describe configmap`: every value in full, binary values
/// by size.
pub fn describe_config_map(cm: &ConfigMap, events: &[Event], now: Timestamp) -> String {
    let mut w = Writer::default();
    w.kv(0, "Name", text(&cm.metadata.name));
    w.kv(0, "Namespace", text(&cm.metadata.namespace));
    labels_multiline(&mut w, "Labels", cm.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", cm.metadata.annotations.as_ref());
    w.w(0, "\nData\n====\n");
    for (k, v) in cm.data.iter().flatten() {
        w.w(0, &format!("{k}:\n----\n{v}\n\n"));
    }
    w.w(0, "\nBinaryData\n====\n");
    for (k, v) in cm.binary_data.iter().flatten() {
        w.w(0, &format!("{k}: {} bytes\n", v.0.len()));
    }
    w.w(0, "\n");
    describe_events(&mut w, events, now);
    tabbed(&w.buf)
}

/// Describes a Secret like `kubectl describe secret`: keys and byte counts only.
pub fn describe_secret(secret: &Secret) -> String {
    let mut w = Writer::default();
    w.kv(0, "Name", text(&secret.metadata.name));
    w.kv(0, "Namespace", text(&secret.metadata.namespace));
    labels_multiline(&mut w, "Labels", secret.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", secret.metadata.annotations.as_ref());
    w.w(0, &format!("\nType:\t{}\n", text(&secret.type_)));
    w.w(0, "\nData\n====\n");
    for (k, v) in secret.data.iter().flatten() {
        w.w(0, &format!("{k}:\t{} bytes\n", v.0.len()));
    }
    tabbed(&w.buf)
}

/// Describes a Namespace like `kubectl describe namespace` against a server without quotas or
/// limit ranges (kubectl then prints neither section).
pub fn describe_namespace(ns: &Namespace) -> String {
    let mut w = Writer::default();
    w.kv(0, "Name", text(&ns.metadata.name));
    labels_multiline(&mut w, "Labels", ns.metadata.labels.as_ref());
    annotations_multiline(&mut w, "Annotations", ns.metadata.annotations.as_ref());
    w.kv(0, "Status", ns.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or_default());
    tabbed(&w.buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_show_sizes_never_values() {
        let s: Secret = serde_json::from_value(json!({
            "metadata": {"name": "db", "namespace": "default"},
            "type": "Opaque",
            "data": {"password": "czNjcjN0", "user": "YWRtaW4="}
        }))
        .unwrap();
        let out = describe_secret(&s);
        assert_eq!(
            out,
            "Name:         db\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  6 bytes\nuser:      5 bytes\n"
        );
        assert!(!out.contains("s3cr3t"));
    }

    #[test]
    fn config_maps_and_namespaces() {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": "hello", "namespace": "default"},
            "data": {"MESSAGE": "Hello from a ConfigMap!"},
            "binaryData": {"logo.png": "iVBORw=="}
        }))
        .unwrap();
        let out = describe_config_map(&cm, &[], Timestamp::UNIX_EPOCH);
        assert_eq!(
            out,
            "Name:         hello\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\nMESSAGE:\n----\nHello from a ConfigMap!\n\n\nBinaryData\n====\nlogo.png: 4 bytes\n\nEvents:  <none>\n"
        );
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": "lab", "labels": {"kubernetes.io/metadata.name": "lab"}},
            "status": {"phase": "Active"}
        }))
        .unwrap();
        assert_eq!(
            describe_namespace(&ns),
            "Name:         lab\nLabels:       kubernetes.io/metadata.name=lab\nAnnotations:  <none>\nStatus:       Active\n"
        );
    }
}
