//! A container's environment as the kubelet makes it (makeEnvironmentVariables): `envFrom`
//! first (with `prefix`; keys that are no valid variable names skipped and reported), then
//! `env` in order, later names replacing earlier ones; `$(VAR)` expanded in plain values;
//! `valueFrom` resolved from ConfigMaps, Secrets (both honouring `optional`) and the pod's own
//! fields. A missing object or key is the error the kubelet reports as
//! CreateContainerConfigError, in its words. Pure: objects come from a `ConfigSource`.

use super::container::expand;
use crate::model::validation::names::is_relaxed_env_var_name;
use crate::model::{Kind, meta};
use k8s_openapi::api::core::v1::{ConfigMap, Container, ObjectFieldSelector, Pod, Secret};
use std::collections::BTreeMap;

/// Where a pod's ConfigMaps and Secrets are looked up (its namespace).
pub trait ConfigSource {
    fn config_map(&self, name: &str) -> Option<ConfigMap>;
    fn secret(&self, name: &str) -> Option<Secret>;
}

/// Why a container's environment cannot be made, worded as the kubelet words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("configmap {0:?} not found")]
    ConfigMapNotFound(String),
    #[error("secret {0:?} not found")]
    SecretNotFound(String),
    #[error("couldn't find key {key} in {} {namespace}/{name}", kind.info().name)]
    MissingKey { kind: Kind, key: String, namespace: String, name: String },
}

/// `envFrom` keys that were skipped because they are no valid variable names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub kind: Kind,
    pub name: String,
    pub keys: Vec<String>,
}

impl Skipped {
    /// The kubelet's InvalidEnvironmentVariableNames event message.
    pub fn message(&self, namespace: &str) -> String {
        let source = if self.kind == Kind::Secret { "secret" } else { "configMap" };
        format!(
            "Keys [{}] from the EnvFrom {source} {namespace}/{} were skipped since they are considered invalid environment variable names.",
            self.keys.join(", "),
            self.name
        )
    }
}

/// The resolved environment, in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub skipped: Vec<Skipped>,
}

impl Environment {
    fn set(&mut self, name: String, value: String) {
        match self.vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name, value)),
        }
    }

    fn map(&self) -> BTreeMap<String, String> {
        self.vars.iter().cloned().collect()
    }
}

/// Fetches each object once, remembering what it found.
struct Lookup<'a, S: ConfigSource> {
    source: &'a S,
    config_maps: BTreeMap<String, Option<ConfigMap>>,
    secrets: BTreeMap<String, Option<Secret>>,
}

impl<S: ConfigSource> Lookup<'_, S> {
    fn config_map(&mut self, name: &str) -> Option<&ConfigMap> {
        let source = self.source;
        self.config_maps.entry(name.into()).or_insert_with(|| source.config_map(name)).as_ref()
    }

    fn secret(&mut self, name: &str) -> Option<&Secret> {
        let source = self.source;
        self.secrets.entry(name.into()).or_insert_with(|| source.secret(name)).as_ref()
    }
}

/// The environment of `container` in `pod`, or the error that holds it back.
pub fn resolve(pod: &Pod, container: &Container, source: &impl ConfigSource) -> Result<Environment, ConfigError> {
    let mut lookup = Lookup { source, config_maps: BTreeMap::new(), secrets: BTreeMap::new() };
    let mut env = Environment::default();
    env_from(container, &mut lookup, &mut env)?;
    let namespace = meta::namespace(&pod.metadata);
    for var in container.env.iter().flatten() {
        let value = match (var.value.as_deref().filter(|v| !v.is_empty()), var.value_from.as_ref()) {
            (Some(v), _) => expand(v, &env.map()),
            (None, Some(from)) if from.config_map_key_ref.is_some() || from.secret_key_ref.is_some() => {
                match key_ref(from, namespace, &mut lookup)? {
                    Some(v) => v,
                    None => continue,
                }
            }
            (None, Some(from)) => from.field_ref.as_ref().map(|f| field_value(pod, f)).unwrap_or_default(),
            (None, None) => String::new(),
        };
        env.set(var.name.clone(), value);
    }
    Ok(env)
}

fn env_from<S: ConfigSource>(c: &Container, lookup: &mut Lookup<S>, env: &mut Environment) -> Result<(), ConfigError> {
    for from in c.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or_default();
        let (kind, name, data) = if let Some(r) = from.config_map_ref.as_ref() {
            let data = match lookup.config_map(&r.name) {
                Some(cm) => cm.data.clone().unwrap_or_default(),
                None if r.optional == Some(true) => continue,
                None => return Err(ConfigError::ConfigMapNotFound(r.name.clone())),
            };
            (Kind::ConfigMap, r.name.clone(), data)
        } else if let Some(r) = from.secret_ref.as_ref() {
            let data = match lookup.secret(&r.name) {
                Some(s) => text_of(s),
                None if r.optional == Some(true) => continue,
                None => return Err(ConfigError::SecretNotFound(r.name.clone())),
            };
            (Kind::Secret, r.name.clone(), data)
        } else {
            continue;
        };
        let mut invalid = Vec::new();
        for (k, v) in data {
            let name = format!("{prefix}{k}");
            if is_relaxed_env_var_name(&name).is_empty() {
                env.set(name, v);
            } else {
                invalid.push(name);
            }
        }
        if !invalid.is_empty() {
            env.skipped.push(Skipped { kind, name, keys: invalid });
        }
    }
    Ok(())
}

/// A Secret's values as the strings environment variables hold.
fn text_of(s: &Secret) -> BTreeMap<String, String> {
    s.data.iter().flatten().map(|(k, v)| (k.clone(), String::from_utf8_lossy(&v.0).into_owned())).collect()
}

/// The value of a `configMapKeyRef` or `secretKeyRef`; `None` when it is optional and absent.
fn key_ref<S: ConfigSource>(
    from: &k8s_openapi::api::core::v1::EnvVarSource,
    namespace: &str,
    lookup: &mut Lookup<S>,
) -> Result<Option<String>, ConfigError> {
    let missing_key = |kind: Kind, key: &str, name: &str| ConfigError::MissingKey {
        kind,
        key: key.into(),
        namespace: namespace.into(),
        name: name.into(),
    };
    if let Some(r) = from.config_map_key_ref.as_ref() {
        let optional = r.optional == Some(true);
        let Some(cm) = lookup.config_map(&r.name) else {
            return if optional { Ok(None) } else { Err(ConfigError::ConfigMapNotFound(r.name.clone())) };
        };
        return match cm.data.as_ref().and_then(|d| d.get(&r.key)) {
            Some(v) => Ok(Some(v.clone())),
            None if optional => Ok(None),
            None => Err(missing_key(Kind::ConfigMap, &r.key, &r.name)),
        };
    }
    let Some(r) = from.secret_key_ref.as_ref() else { return Ok(None) };
    let optional = r.optional == Some(true);
    let Some(secret) = lookup.secret(&r.name) else {
        return if optional { Ok(None) } else { Err(ConfigError::SecretNotFound(r.name.clone())) };
    };
    match secret.data.as_ref().and_then(|d| d.get(&r.key)) {
        Some(v) => Ok(Some(String::from_utf8_lossy(&v.0).into_owned())),
        None if optional => Ok(None),
        None => Err(missing_key(Kind::Secret, &r.key, &r.name)),
    }
}

/// The downward API fields a container can know before it starts (its IP is not known yet).
fn field_value(pod: &Pod, f: &ObjectFieldSelector) -> String {
    let m = &pod.metadata;
    let spec = pod.spec.as_ref();
    let subscript = |map: &Option<BTreeMap<String, String>>, prefix: &str| {
        let key = f.field_path.strip_prefix(prefix)?.strip_suffix("']")?;
        map.as_ref()?.get(key).cloned()
    };
    match f.field_path.as_str() {
        "metadata.name" => meta::name(m).into(),
        "metadata.namespace" => meta::namespace(m).into(),
        "metadata.uid" => meta::uid(m).into(),
        "spec.nodeName" | "spec.host" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()).unwrap_or_default(),
        "status.hostIP" | "status.hostIPs" => pod.status.as_ref().and_then(|s| s.host_ip.clone()).unwrap_or_default(),
        _ => subscript(&m.labels, "metadata.labels['")
            .or_else(|| subscript(&m.annotations, "metadata.annotations['"))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Objects(Vec<ConfigMap>, Vec<Secret>);

    impl ConfigSource for Objects {
        fn config_map(&self, name: &str) -> Option<ConfigMap> {
            self.0.iter().find(|c| c.metadata.name.as_deref() == Some(name)).cloned()
        }
        fn secret(&self, name: &str) -> Option<Secret> {
            self.1.iter().find(|s| s.metadata.name.as_deref() == Some(name)).cloned()
        }
    }

    fn objects() -> Objects {
        let cm = serde_json::from_value(
            json!({"metadata": {"name": "settings"}, "data": {"MESSAGE": "hi", "MODE": "fast"}}),
        );
        let secret = serde_json::from_value(json!({"metadata": {"name": "db"}, "data": {"password": "czNjcjN0"}}));
        Objects(vec![cm.unwrap()], vec![secret.unwrap()])
    }

    fn with(container: serde_json::Value) -> (Pod, Container) {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "default", "uid": "u1", "labels": {"app": "web"}},
            "spec": {"nodeName": "host", "containers": [container]}
        }))
        .unwrap();
        let c = pod.spec.as_ref().unwrap().containers[0].clone();
        (pod, c)
    }

    #[test]
    fn env_from_then_env_with_expansion_and_refs() {
        let (pod, c) = with(json!({
            "name": "web",
            "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}, {"secretRef": {"name": "db"}}],
            "env": [
                {"name": "GREETING", "value": "$(APP_MESSAGE) there"},
                {"name": "APP_MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "MESSAGE"}}},
                {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "MAYBE", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "x", "optional": true}}},
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}
            ]
        }));
        let env = resolve(&pod, &c, &objects()).unwrap();
        let vars: Vec<(&str, &str)> = env.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            vars,
            [
                ("APP_MESSAGE", "hi"),
                ("APP_MODE", "hi"),
                ("password", "s3cr3t"),
                ("GREETING", "hi there"),
                ("PASS", "s3cr3t"),
                ("POD", "web-1"),
                ("APP", "web")
            ]
        );
        assert!(env.skipped.is_empty());
    }

    #[test]
    fn missing_objects_and_keys_read_like_the_kubelet() {
        let (pod, c) = with(json!({"name": "web", "envFrom": [{"configMapRef": {"name": "nope"}}]}));
        assert_eq!(resolve(&pod, &c, &objects()).unwrap_err().to_string(), "configmap \"nope\" not found");
        let (pod, c) = with(
            json!({"name": "web", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "NOPE"}}}]}),
        );
        assert_eq!(
            resolve(&pod, &c, &objects()).unwrap_err().to_string(),
            "couldn't find key NOPE in ConfigMap default/settings"
        );
        let (pod, c) = with(
            json!({"name": "web", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "user"}}}]}),
        );
        assert_eq!(
            resolve(&pod, &c, &objects()).unwrap_err().to_string(),
            "couldn't find key user in Secret default/db"
        );
        let (pod, c) = with(json!({"name": "web", "envFrom": [{"secretRef": {"name": "nope", "optional": true}}]}));
        assert_eq!(resolve(&pod, &c, &objects()).unwrap(), Environment::default());
    }

    #[test]
    fn invalid_names_from_env_from_are_skipped_and_reported() {
        let (pod, c) =
            with(json!({"name": "web", "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "A="}]}));
        let env = resolve(&pod, &c, &objects()).unwrap();
        assert!(env.vars.is_empty());
        assert_eq!(
            env.skipped[0].message("default"),
            "Keys [A=MESSAGE, A=MODE] from the EnvFrom configMap default/settings were skipped since they are considered invalid environment variable names."
        );
    }
}
