//! What a `configMap` or `secret` volume holds (the kubelet's MakePayload): every key, or the
//! `items` asked for at their `path`, each with its mode. Secret files default to 0400 — a
//! deliberate difference from Kubernetes' 0644; an explicit `defaultMode` or `mode` wins.
//! Pure; the errors are the kubelet's words.

use crate::model::Kind;
use k8s_openapi::api::core::v1::{ConfigMap, ConfigMapVolumeSource, KeyToPath, Secret, SecretVolumeSource};
use std::collections::BTreeMap;
use std::fmt;

/// A ConfigMap volume's files without `defaultMode` (Kubernetes' default, 0644).
pub const CONFIG_MAP_MODE: u32 = 0o644;
/// A Secret volume's files without `defaultMode`: readable by their owner only.
pub const SECRET_MODE: u32 = 0o400;

/// One file of a volume. Its bytes are never printed (they may be a Secret's).
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    pub data: Vec<u8>,
    pub mode: u32,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "File({} bytes, mode {:o})", self.data.len(), self.mode)
    }
}

/// The files of a volume by relative path.
pub type Payload = BTreeMap<String, File>;

/// Why a volume cannot be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VolumeError {
    #[error("{} {name:?} not found", kind.info().singular)]
    NotFound { kind: Kind, name: String },
    #[error("configmap references non-existent config key: {0}")]
    MissingConfigMapKey(String),
    #[error("references non-existent secret key: {0}")]
    MissingSecretKey(String),
}

fn mode(m: Option<i32>, default: u32) -> u32 {
    m.and_then(|m| u32::try_from(m).ok()).unwrap_or(default)
}

/// Every key at its own name, or only `items`; a missing item is an error unless `optional`.
fn project(
    data: BTreeMap<String, Vec<u8>>,
    items: Option<&[KeyToPath]>,
    default_mode: u32,
    optional: bool,
    missing: impl Fn(&str) -> VolumeError,
) -> Result<Payload, VolumeError> {
    let Some(items) = items.filter(|i| !i.is_empty()) else {
        return Ok(data.into_iter().map(|(k, data)| (k, File { data, mode: default_mode })).collect());
    };
    let mut payload = Payload::new();
    for item in items {
        match data.get(&item.key) {
            Some(bytes) => {
                payload.insert(item.path.clone(), File { data: bytes.clone(), mode: mode(item.mode, default_mode) });
            }
            None if optional => {}
            None => return Err(missing(&item.key)),
        }
    }
    Ok(payload)
}

/// The files of a `configMap` volume; `cm` is `None` when the ConfigMap does not exist.
pub fn config_map_payload(src: &ConfigMapVolumeSource, cm: Option<&ConfigMap>) -> Result<Payload, VolumeError> {
    let optional = src.optional == Some(true);
    let Some(cm) = cm else {
        return if optional {
            Ok(Payload::new())
        } else {
            Err(VolumeError::NotFound { kind: Kind::ConfigMap, name: src.name.clone() })
        };
    };
    let mut data: BTreeMap<String, Vec<u8>> =
        cm.data.iter().flatten().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect();
    data.extend(cm.binary_data.iter().flatten().map(|(k, v)| (k.clone(), v.0.clone())));
    let default_mode = mode(src.default_mode, CONFIG_MAP_MODE);
    project(data, src.items.as_deref(), default_mode, optional, |k| VolumeError::MissingConfigMapKey(k.into()))
}

/// The files of a `secret` volume; `secret` is `None` when the Secret does not exist.
pub fn secret_payload(src: &SecretVolumeSource, secret: Option<&Secret>) -> Result<Payload, VolumeError> {
    let optional = src.optional == Some(true);
    let Some(secret) = secret else {
        return if optional {
            Ok(Payload::new())
        } else {
            let name = src.secret_name.clone().unwrap_or_default();
            Err(VolumeError::NotFound { kind: Kind::Secret, name })
        };
    };
    let data = secret.data.iter().flatten().map(|(k, v)| (k.clone(), v.0.clone())).collect();
    let default_mode = mode(src.default_mode, SECRET_MODE);
    project(data, src.items.as_deref(), default_mode, optional, |k| VolumeError::MissingSecretKey(k.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn config_maps_project_all_keys_or_items() {
        let cm: ConfigMap =
            from(json!({"metadata": {"name": "c"}, "data": {"a.conf": "A"}, "binaryData": {"logo": "AP8="}}));
        let all = config_map_payload(&from(json!({"name": "c"})), Some(&cm)).unwrap();
        assert_eq!(all["a.conf"], File { data: b"A".to_vec(), mode: 0o644 });
        assert_eq!(all["logo"].data, [0, 0xff]);
        let src = from(
            json!({"name": "c", "defaultMode": 0o440, "items": [{"key": "a.conf", "path": "etc/a.conf", "mode": 0o600}, {"key": "logo", "path": "logo.bin"}]}),
        );
        let some = config_map_payload(&src, Some(&cm)).unwrap();
        assert_eq!(some.keys().collect::<Vec<_>>(), ["etc/a.conf", "logo.bin"]);
        assert_eq!((some["etc/a.conf"].mode, some["logo.bin"].mode), (0o600, 0o440));
        let missing = from(json!({"name": "c", "items": [{"key": "nope", "path": "x"}]}));
        assert_eq!(
            config_map_payload(&missing, Some(&cm)).unwrap_err().to_string(),
            "configmap references non-existent config key: nope"
        );
        assert_eq!(
            config_map_payload(&from(json!({"name": "c"})), None).unwrap_err().to_string(),
            "configmap \"c\" not found"
        );
        assert!(config_map_payload(&from(json!({"name": "c", "optional": true})), None).unwrap().is_empty());
    }

    #[test]
    fn secrets_are_owner_only_unless_asked() {
        let s: Secret = from(json!({"metadata": {"name": "db"}, "data": {"password": "czNjcjN0"}}));
        let p = secret_payload(&from(json!({"secretName": "db"})), Some(&s)).unwrap();
        assert_eq!(p["password"], File { data: b"s3cr3t".to_vec(), mode: 0o400 });
        assert!(!format!("{p:?}").contains("s3cr3t"), "never printed");
        let p = secret_payload(&from(json!({"secretName": "db", "defaultMode": 420})), Some(&s)).unwrap();
        assert_eq!(p["password"].mode, 0o644);
        assert_eq!(
            secret_payload(&from(json!({"secretName": "db"})), None).unwrap_err().to_string(),
            "secret \"db\" not found"
        );
        let missing = from(json!({"secretName": "db", "items": [{"key": "user", "path": "u"}]}));
        assert_eq!(
            secret_payload(&missing, Some(&s)).unwrap_err().to_string(),
            "references non-existent secret key: user"
        );
    }
}
