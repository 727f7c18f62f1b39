//! The ConfigMaps and Secrets a pod spec references: in `env[].valueFrom`, `envFrom` and
//! volumes (also projected ones), of every container and init container; and renaming them.

use crate::model::Kind;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use std::collections::BTreeSet;

/// One referenced object in the pod's namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigRef {
    /// `Kind::ConfigMap` or `Kind::Secret`.
    pub kind: Kind,
    pub name: String,
}

impl ConfigRef {
    pub fn config_map(name: &str) -> ConfigRef {
        ConfigRef { kind: Kind::ConfigMap, name: name.into() }
    }

    pub fn secret(name: &str) -> ConfigRef {
        ConfigRef { kind: Kind::Secret, name: name.into() }
    }
}

/// Every ConfigMap and Secret `spec` references, each once.
pub fn pod_spec_refs(spec: &PodSpec) -> BTreeSet<ConfigRef> {
    let mut refs = BTreeSet::new();
    let mut spec = spec.clone();
    rename(&mut spec, |r| {
        refs.insert(r.clone());
        None
    });
    refs
}

/// True when `spec` references `r`.
pub fn references(spec: &PodSpec, r: &ConfigRef) -> bool {
    pod_spec_refs(spec).contains(r)
}

/// Calls `f` on every reference in `spec`, replacing the name where it returns one.
pub fn rename(spec: &mut PodSpec, mut f: impl FnMut(&ConfigRef) -> Option<String>) {
    let mut visit = |kind: Kind, name: &mut String| {
        if let Some(new) = f(&ConfigRef { kind, name: name.clone() }) {
            *name = new;
        }
    };
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
        rename_in_container(c, &mut visit);
    }
    for v in spec.volumes.iter_mut().flatten() {
        if let Some(cm) = v.config_map.as_mut() {
            visit(Kind::ConfigMap, &mut cm.name);
        }
        if let Some(name) = v.secret.as_mut().and_then(|s| s.secret_name.as_mut()) {
            visit(Kind::Secret, name);
        }
        for source in v.projected.iter_mut().flat_map(|p| p.sources.iter_mut().flatten()) {
            if let Some(cm) = source.config_map.as_mut() {
                visit(Kind::ConfigMap, &mut cm.name);
            }
            if let Some(s) = source.secret.as_mut() {
                visit(Kind::Secret, &mut s.name);
            }
        }
    }
}

fn rename_in_container(c: &mut Container, visit: &mut impl FnMut(Kind, &mut String)) {
    for from in c.env_from.iter_mut().flatten() {
        if let Some(cm) = from.config_map_ref.as_mut() {
            visit(Kind::ConfigMap, &mut cm.name);
        }
        if let Some(s) = from.secret_ref.as_mut() {
            visit(Kind::Secret, &mut s.name);
        }
    }
    for var in c.env.iter_mut().flatten() {
        let Some(from) = var.value_from.as_mut() else { continue };
        if let Some(k) = from.config_map_key_ref.as_mut() {
            visit(Kind::ConfigMap, &mut k.name);
        }
        if let Some(k) = from.secret_key_ref.as_mut() {
            visit(Kind::Secret, &mut k.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> PodSpec {
        serde_json::from_value(json!({
            "containers": [{
                "name": "web",
                "env": [
                    {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "a"}}},
                    {"name": "B", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "C", "value": "plain"}
                ],
                "envFrom": [{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "api"}}]
            }],
            "initContainers": [{"name": "init", "envFrom": [{"configMapRef": {"name": "init-cm"}}]}],
            "volumes": [
                {"name": "files", "configMap": {"name": "files"}},
                {"name": "certs", "secret": {"secretName": "tls"}},
                {"name": "both", "projected": {"sources": [{"configMap": {"name": "p"}}, {"secret": {"name": "q"}}]}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn finds_every_reference_once() {
        let refs: Vec<ConfigRef> = pod_spec_refs(&spec()).into_iter().collect();
        let mut want = vec![
            ConfigRef::config_map("settings"),
            ConfigRef::config_map("init-cm"),
            ConfigRef::config_map("files"),
            ConfigRef::config_map("p"),
            ConfigRef::secret("db"),
            ConfigRef::secret("api"),
            ConfigRef::secret("tls"),
            ConfigRef::secret("q"),
        ];
        want.sort();
        assert_eq!(refs, want);
    }

    #[test]
    fn renames_in_place() {
        let mut s = spec();
        rename(&mut s, |r| (r.kind == Kind::Secret).then(|| format!("{}-pinned", r.name)));
        assert!(references(&s, &ConfigRef::secret("db-pinned")));
        assert!(references(&s, &ConfigRef::config_map("settings")));
        assert!(!references(&s, &ConfigRef::secret("tls")));
    }
}
