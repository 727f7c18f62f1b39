//! The Kubernetes object kinds skiff serves, and `Object`, the one value type the store holds.
//! Pure: no I/O, no clock.

pub mod base64;
pub mod config;
pub mod decode;
pub mod defaults;
pub mod deployment;
pub mod hash;
pub mod hpa;
pub mod image;
pub mod intstr;
pub mod labels;
pub mod manifest;
pub mod meta;
pub mod ports;
pub mod qos;
pub mod quantity;
pub mod quantity_format;
pub mod selector;
pub mod validation;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// What the API and the CLI need to know about a kind.
#[derive(Debug)]
pub struct KindInfo {
    pub kind: Kind,
    pub name: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Lives in a namespace (false: cluster-scoped, like Node).
    pub namespaced: bool,
    /// Kept in the durable store; events and state skiff derives live in memory only.
    pub durable: bool,
    /// Written by skiff itself from what it observes; clients may only read it.
    pub read_only: bool,
    /// Has a `/scale` subresource.
    pub scalable: bool,
    /// Has a `/status` subresource.
    pub has_status: bool,
}

/// Declares every kind once: the `Kind` enum, its `KINDS` table (indexed by `Kind`), the
/// `Object` enum holding one typed object of any kind, and the glue between them.
macro_rules! kinds {
    ($($kind:ident { $($field:ident: $value:expr,)* ..$base:expr }),* $(,)?) => {
        /// The kinds skiff stores.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind { $($kind),* }

        pub const KINDS: [KindInfo; [$(stringify!($kind)),*].len()] =
            [$(KindInfo { kind: Kind::$kind, name: stringify!($kind), $($field: $value,)* ..$base }),*];

        /// A stored object of any kind.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Object { $($kind($kind)),* }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $(Object::$kind(_) => Kind::$kind),* }
            }

            pub fn meta(&self) -> &ObjectMeta {
                match self { $(Object::$kind(o) => &o.metadata),* }
            }

            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $(Object::$kind(o) => &mut o.metadata),* }
            }

            /// The object as Kubernetes JSON, with `apiVersion` and `kind`.
            pub fn to_json(&self) -> serde_json::Value {
                let r = match self { $(Object::$kind(o) => serde_json::to_value(o)),* };
                // Serializing these plain data types cannot fail: no maps with non-string keys, no NaN.
                r.unwrap_or(serde_json::Value::Null)
            }

            /// The size of the object's JSON, counted without building it.
            pub fn encoded_len(&self) -> usize {
                match self { $(Object::$kind(o) => encoded_len(o)),* }
            }
        }

        impl Kind {
            /// Decodes `value` as this kind, reporting unknown fields per `mode`.
            pub fn decode(
                self,
                value: serde_json::Value,
                mode: decode::FieldValidation,
            ) -> Result<(Object, Vec<String>), decode::DecodeError> {
                let value = decode::base64_as_go_reads_it(self, value)?;
                match self { $(Kind::$kind => decode::decode_with(value, mode).map(|(o, w)| (Object::$kind(o), w))),* }
            }
        }

        $(impl KubeObject for $kind {
            const KIND: Kind = Kind::$kind;
            fn into_object(self) -> Object {
                Object::$kind(self)
            }
            fn from_object(obj: &Object) -> Option<&Self> {
                match obj {
                    Object::$kind(o) => Some(o),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        })*
    };
}

/// The defaults most kinds share; each entry below says only where it differs.
const fn served(group: &'static str, plural: &'static str, singular: &'static str) -> KindInfo {
    KindInfo {
        kind: Kind::Event,
        name: "",
        group,
        version: "v1",
        plural,
        singular,
        short_names: &[],
        categories: &[],
        namespaced: true,
        durable: true,
        read_only: false,
        scalable: false,
        has_status: false,
    }
}

kinds! {
    Deployment {
        short_names: &["deploy"], categories: &["all"], scalable: true, has_status: true,
        ..served("apps", "deployments", "deployment")
    },
    ReplicaSet {
        short_names: &["rs"], categories: &["all"], scalable: true, has_status: true,
        ..served("apps", "replicasets", "replicaset")
    },
    Pod { short_names: &["po"], categories: &["all"], has_status: true, ..served("", "pods", "pod") },
    Service { short_names: &["svc"], categories: &["all"], has_status: true, ..served("", "services", "service") },
    Event { short_names: &["ev"], durable: false, ..served("", "events", "event") },
    Endpoints { short_names: &["ep"], durable: false, read_only: true, ..served("", "endpoints", "endpoints") },
    EndpointSlice {
        durable: false, read_only: true,
        ..served("discovery.k8s.io", "endpointslices", "endpointslice")
    },
    Node {
        short_names: &["no"], namespaced: false, read_only: true, has_status: true,
        ..served("", "nodes", "node")
    },
    ConfigMap { short_names: &["cm"], ..served("", "configmaps", "configmap") },
    Secret { ..served("", "secrets", "secret") },
    Namespace {
        short_names: &["ns"], namespaced: false, has_status: true,
        ..served("", "namespaces", "namespace")
    },
    HorizontalPodAutoscaler {
        version: "v2", short_names: &["hpa"], categories: &["all"], has_status: true,
        ..served("autoscaling", "horizontalpodautoscalers", "horizontalpodautoscaler")
    },
}

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
    }

    /// Where its collections live: `/api/v1` for the core group, `/apis/<group>/v1` otherwise.
    pub fn api_prefix(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            format!("/api/{}", info.version)
        } else {
            format!("/apis/{}/{}", info.group, info.version)
        }
    }

    /// `apps/v1` or `v1`.
    pub fn api_version(self) -> String {
        let info = self.info();
        if info.group.is_empty() { info.version.to_string() } else { format!("{}/{}", info.group, info.version) }
    }

    /// The resource as Kubernetes names it in messages: `deployments.apps`, `pods`.
    pub fn qualified_plural(self) -> String {
        let info = self.info();
        if info.group.is_empty() { info.plural.to_string() } else { format!("{}.{}", info.plural, info.group) }
    }

    /// The kind as Kubernetes names it in `is invalid` messages: `Deployment.apps`, `Pod`.
    pub fn qualified_kind(self) -> String {
        let info = self.info();
        if info.group.is_empty() { info.name.to_string() } else { format!("{}.{}", info.name, info.group) }
    }

    /// Resolves what a user or kubectl may type: plural, singular, short name, kind, `deployments.apps`.
    pub fn parse(s: &str) -> Option<Kind> {
        let lower = s.to_ascii_lowercase();
        let base = lower.split('.').next().unwrap_or_default();
        KINDS
            .iter()
            .find(|k| {
                base == k.plural
                    || base == k.singular
                    || k.short_names.contains(&base)
                    || base == k.name.to_ascii_lowercase()
            })
            .map(|k| k.kind)
    }

    /// Looks a kind up by group and plural, as it appears in an API path.
    pub fn from_path(group: &str, plural: &str) -> Option<Kind> {
        KINDS.iter().find(|k| k.group == group && k.plural == plural).map(|k| k.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().name)
    }
}

/// Where an object lives: kind, namespace, name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind.info().plural, self.namespace, self.name)
    }
}

impl Object {
    pub fn key(&self) -> ObjectKey {
        let m = self.meta();
        ObjectKey {
            kind: self.kind(),
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
        }
    }

    /// The resourceVersion as a number (0 when unset or not numeric).
    pub fn resource_version(&self) -> u64 {
        meta::resource_version(self.meta())
    }
}

/// The length of `value`'s JSON, counted without building it.
pub fn encoded_len<T: Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, nor can serializing these plain data types.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// A typed kind that can be wrapped in and borrowed from an `Object`.
pub trait KubeObject: Clone + Serialize + DeserializeOwned + Send + Sync + fmt::Debug + 'static {
    const KIND: Kind;
    fn into_object(self) -> Object;
    fn from_object(obj: &Object) -> Option<&Self>;
    fn metadata(&self) -> &ObjectMeta;
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
}

/// Borrows a typed object out of a shared `Object`, cloning it.
pub fn typed<T: KubeObject>(obj: &Arc<Object>) -> Option<T> {
    T::from_object(obj).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_resolve_from_what_users_type() {
        assert_eq!(Kind::parse("deploy"), Some(Kind::Deployment));
        assert_eq!(Kind::parse("deployments.apps"), Some(Kind::Deployment));
        assert_eq!(Kind::parse("Deployment"), Some(Kind::Deployment));
        assert_eq!(Kind::parse("rs"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::parse("po"), Some(Kind::Pod));
        assert_eq!(Kind::parse("svc"), Some(Kind::Service));
        assert_eq!(Kind::parse("nodes"), Some(Kind::Node));
        assert_eq!(Kind::parse("cm"), Some(Kind::ConfigMap));
        assert_eq!(Kind::parse("secrets"), Some(Kind::Secret));
        assert_eq!(Kind::parse("ns"), Some(Kind::Namespace));
        assert!(!Kind::Namespace.info().namespaced);
        assert_eq!(Kind::parse("hpa"), Some(Kind::HorizontalPodAutoscaler));
        assert_eq!(Kind::HorizontalPodAutoscaler.api_version(), "autoscaling/v2");
        assert_eq!(Kind::parse("cronjobs"), None);
        assert_eq!(Kind::Deployment.qualified_plural(), "deployments.apps");
        assert_eq!(Kind::Pod.qualified_plural(), "pods");
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind as usize, i, "KINDS is indexed by Kind");
        }
    }
}
