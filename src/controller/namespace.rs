//! The namespace controller's decisions, pure: a terminating namespace has everything in it
//! deleted (pods gracefully, through the kubelet); once only the events those deletions
//! recorded are left, they go with the namespace itself.

use crate::model::{Kind, Object, ObjectKey, meta};
use std::sync::Arc;

/// What to do next for a terminating namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Start deleting these objects (key and uid, so a newer namesake is spared).
    Delete(Vec<(ObjectKey, String)>),
    /// Deletions are under way (pods terminating, owners waiting for dependents).
    Wait,
    /// Nothing but events is left: remove them and the namespace in one go.
    Finalize(Vec<ObjectKey>),
}

/// The next step, given every object in the namespace.
pub fn plan(contents: &[Arc<Object>]) -> Step {
    let (events, others): (Vec<&Arc<Object>>, Vec<&Arc<Object>>) =
        contents.iter().partition(|o| o.kind() == Kind::Event);
    if others.is_empty() {
        return Step::Finalize(events.iter().map(|o| o.key()).collect());
    }
    let to_delete: Vec<(ObjectKey, String)> = others
        .iter()
        .filter(|o| !meta::is_terminating(o.meta()))
        .map(|o| (o.key(), meta::uid(o.meta()).to_string()))
        .collect();
    if to_delete.is_empty() { Step::Wait } else { Step::Delete(to_delete) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    fn m(name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("lab".into()),
            uid: Some(format!("uid-{name}")),
            ..Default::default()
        }
    }

    #[test]
    fn deletes_then_waits_then_finalizes() {
        let cm = Arc::new(Object::ConfigMap(ConfigMap { metadata: m("settings"), ..Default::default() }));
        let event = Arc::new(Object::Event(Event { metadata: m("web.1"), ..Default::default() }));
        let mut pod = Pod { metadata: m("web"), ..Default::default() };
        let Step::Delete(keys) = plan(&[cm.clone(), event.clone(), Arc::new(Object::Pod(pod.clone()))]) else {
            panic!("expected deletions")
        };
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(names, ["settings", "web"], "events stay until the end");
        pod.metadata.deletion_timestamp = Some(Time(jiff::Timestamp::UNIX_EPOCH));
        assert_eq!(plan(&[event.clone(), Arc::new(Object::Pod(pod))]), Step::Wait);
        assert_eq!(plan(std::slice::from_ref(&event)), Step::Finalize(vec![event.key()]));
        assert_eq!(plan(&[]), Step::Finalize(Vec::new()));
    }
}
