//! Kubernetes events: recorded against an object with a reason and message, aggregated like
//! the client-go recorder (a repeat bumps `count` and `lastTimestamp`), kept in memory only and
//! pruned by age and number.

use crate::clock::Clock;
use crate::model::{Kind, Object, ObjectKey, meta};
use crate::store::{Op, Preconditions, Store};
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::sync::Arc;

/// Events older than this are dropped, as the apiserver's default event TTL.
const TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
/// At most this many events are kept.
const MAX_EVENTS: usize = 5000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

pub struct Recorder {
    store: Arc<Store>,
    clock: Clock,
    host: String,
}

/// A reference to `obj` as events carry it.
pub fn reference(obj: &Object) -> ObjectReference {
    let m = obj.meta();
    ObjectReference {
        api_version: Some(obj.kind().api_version()),
        kind: Some(obj.kind().info().name.to_string()),
        name: m.name.clone(),
        namespace: m.namespace.clone(),
        uid: m.uid.clone(),
        resource_version: m.resource_version.clone(),
        field_path: None,
    }
}

impl Recorder {
    pub fn new(store: Arc<Store>, clock: Clock) -> Recorder {
        Recorder { store, clock, host: "skiff".into() }
    }

    /// Records an event about `obj` from `component`. Failures are logged, never returned:
    /// an event is a notification, not state anyone depends on.
    pub async fn record(&self, obj: &Object, event_type: EventType, reason: &str, message: &str, component: &str) {
        self.record_ref(reference(obj), event_type, reason, message, component).await
    }

    pub async fn record_ref(
        &self,
        involved: ObjectReference,
        event_type: EventType,
        reason: &str,
        message: &str,
        component: &str,
    ) {
        let now = meta::time(self.clock.now());
        let namespace = involved.namespace.clone().unwrap_or_else(|| "default".into());
        let type_ = match event_type {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        };
        let (events, _) = self.store.list(Kind::Event, Some(&namespace));
        let repeat = events.iter().find_map(|e| match e.as_ref() {
            Object::Event(ev)
                if ev.involved_object.uid == involved.uid
                    && ev.reason.as_deref() == Some(reason)
                    && ev.message.as_deref() == Some(message)
                    && ev.type_.as_deref() == Some(type_)
                    && ev.source.as_ref().and_then(|s| s.component.as_deref()) == Some(component) =>
            {
                Some(ev.clone())
            }
            _ => None,
        });
        let op = match repeat {
            Some(mut ev) => {
                ev.count = Some(ev.count.unwrap_or(1) + 1);
                ev.last_timestamp = Some(now);
                ev.involved_object = involved;
                Op::Update(Object::Event(ev), Preconditions::default())
            }
            None => Op::Create(Object::Event(Event {
                metadata: ObjectMeta {
                    name: Some(format!(
                        "{}.{:x}",
                        involved.name.clone().unwrap_or_default(),
                        self.clock.now().as_nanosecond() as u64 ^ u64::from(fastrand::u16(..))
                    )),
                    namespace: Some(namespace.clone()),
                    creation_timestamp: Some(now.clone()),
                    uid: Some(uuid::Uuid::new_v4().to_string()),
                    ..Default::default()
                },
                involved_object: involved,
                reason: Some(reason.to_string()),
                message: Some(message.to_string()),
                type_: Some(type_.to_string()),
                source: Some(EventSource { component: Some(component.to_string()), host: Some(self.host.clone()) }),
                first_timestamp: Some(now.clone()),
                last_timestamp: Some(now),
                count: Some(1),
                reporting_component: Some(component.to_string()),
                reporting_instance: Some(self.host.clone()),
                ..Default::default()
            })),
        };
        let mut ops = vec![op];
        ops.extend(self.expired(&events));
        if let Err(e) = self.store.commit(ops).await {
            tracing::warn!(error = %e, reason, "could not record event");
        }
    }

    /// Deletions for events past their TTL, or the oldest beyond the cap.
    fn expired(&self, events: &[Arc<Object>]) -> Vec<Op> {
        let now = self.clock.now();
        let last = |o: &Object| match o {
            Object::Event(e) => e.last_timestamp.as_ref().map(|t| t.0),
            _ => None,
        };
        let mut by_age: Vec<&Arc<Object>> = events.iter().collect();
        by_age.sort_by_key(|o| last(o));
        let over_cap = by_age.len().saturating_sub(MAX_EVENTS);
        by_age
            .iter()
            .enumerate()
            .filter(|(i, o)| *i < over_cap || last(o).is_some_and(|t| now.duration_since(t) > TTL))
            .map(|(_, o)| Op::Delete(ObjectKey::clone(&o.key()), Preconditions::default()))
            .collect()
    }
}
