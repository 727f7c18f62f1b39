//! The Kubernetes object kinds skiff serves, and `Object`, the one value type the store holds.
//! Pure: no I/O, no clock.

pub mod decode;
pub mod defaults;
pub mod hash;
pub mod image;
pub mod intstr;
pub mod labels;
pub mod manifest;
pub mod meta;
pub mod qos;
pub mod quantity;
pub mod quantity_format;
pub mod selector;
pub mod validation;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// The kinds skiff stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Deployment,
    ReplicaSet,
    Pod,
    Service,
    Event,
}

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
    /// Kept in the durable store; events live in memory only, as in Kubernetes' short TTL.
    pub durable: bool,
    /// Has a `/scale` subresource.
    pub scalable: bool,
    /// Has a `/status` subresource.
    pub has_status: bool,
}

pub const KINDS: [KindInfo; 5] = [
    KindInfo {
        kind: Kind::Deployment,
        name: "Deployment",
        group: "apps",
        version: "v1",
        plural: "deployments",
        singular: "deployment",
        short_names: &["deploy"],
        categories: &["all"],
        durable: true,
        scalable: true,
        has_status: true,
    },
    KindInfo {
        kind: Kind::ReplicaSet,
        name: "ReplicaSet",
        group: "apps",
        version: "v1",
        plural: "replicasets",
        singular: "replicaset",
        short_names: &["rs"],
        categories: &["all"],
        durable: true,
        scalable: true,
        has_status: true,
    },
    KindInfo {
        kind: Kind::Pod,
        name: "Pod",
        group: "",
        version: "v1",
        plural: "pods",
        singular: "pod",
        short_names: &["po"],
        categories: &["all"],
        durable: true,
        scalable: false,
        has_status: true,
    },
    KindInfo {
        kind: Kind::Service,
        name: "Service",
        group: "",
        version: "v1",
        plural: "services",
        singular: "service",
        short_names: &["svc"],
        categories: &["all"],
        durable: true,
        scalable: false,
        has_status: true,
    },
    KindInfo {
        kind: Kind::Event,
        name: "Event",
        group: "",
        version: "v1",
        plural: "events",
        singular: "event",
        short_names: &["ev"],
        categories: &[],
        durable: false,
        scalable: false,
        has_status: false,
    },
];

impl Kind {
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
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

/// A stored object of any kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Deployment(Deployment),
    ReplicaSet(ReplicaSet),
    Pod(Pod),
    Service(Service),
    Event(Event),
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
    pub fn kind(&self) -> Kind {
        match self {
            Object::Deployment(_) => Kind::Deployment,
            Object::ReplicaSet(_) => Kind::ReplicaSet,
            Object::Pod(_) => Kind::Pod,
            Object::Service(_) => Kind::Service,
            Object::Event(_) => Kind::Event,
        }
    }

    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Deployment(o) => &o.metadata,
            Object::ReplicaSet(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Event(o) => &o.metadata,
        }
    }

    pub fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Deployment(o) => &mut o.metadata,
            Object::ReplicaSet(o) => &mut o.metadata,
            Object::Pod(o) => &mut o.metadata,
            Object::Service(o) => &mut o.metadata,
            Object::Event(o) => &mut o.metadata,
        }
    }

    pub fn key(&self) -> ObjectKey {
        let m = self.meta();
        ObjectKey {
            kind: self.kind(),
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
        }
    }

    /// The object as Kubernetes JSON, with `apiVersion` and `kind`.
    pub fn to_json(&self) -> serde_json::Value {
        let r = match self {
            Object::Deployment(o) => serde_json::to_value(o),
            Object::ReplicaSet(o) => serde_json::to_value(o),
            Object::Pod(o) => serde_json::to_value(o),
            Object::Service(o) => serde_json::to_value(o),
            Object::Event(o) => serde_json::to_value(o),
        };
        // Serializing these plain data types cannot fail: no maps with non-string keys, no NaN.
        r.unwrap_or(serde_json::Value::Null)
    }

    /// The size of the object's JSON, counted without building it.
    pub fn encoded_len(&self) -> usize {
        match self {
            Object::Deployment(o) => encoded_len(o),
            Object::ReplicaSet(o) => encoded_len(o),
            Object::Pod(o) => encoded_len(o),
            Object::Service(o) => encoded_len(o),
            Object::Event(o) => encoded_len(o),
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

macro_rules! kube_object {
    ($ty:ident) => {
        impl KubeObject for $ty {
            const KIND: Kind = Kind::$ty;
            fn into_object(self) -> Object {
                Object::$ty(self)
            }
            fn from_object(obj: &Object) -> Option<&Self> {
                match obj {
                    Object::$ty(o) => Some(o),
                    _ => None,
                }
            }
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

kube_object!(Deployment);
kube_object!(ReplicaSet);
kube_object!(Pod);
kube_object!(Service);
kube_object!(Event);

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
        assert_eq!(Kind::parse("nodes"), None);
        assert_eq!(Kind::Deployment.qualified_plural(), "deployments.apps");
        assert_eq!(Kind::Pod.qualified_plural(), "pods");
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind as usize, i, "KINDS is indexed by Kind");
        }
    }
}
