//! Kubernetes events: recorded against an object with a reason and message, aggregated like
//! the client-go recorder (a repeat bumps `count` and `lastTimestamp`), kept in memory only and
//! pruned by age and number. Recording never waits: events are queued and written in order by
//! one background task, off the paths of the controllers and the kubelet.

use crate::clock::Clock;
use crate::model::{Kind, Object, ObjectKey, meta};
use crate::store::{Op, Preconditions, Store};
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc;

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
    writer: Arc<Writer>,
    queue: OnceLock<mpsc::Sender<Pending>>,
}

/// Writes queued events into the store.
struct Writer {
    store: Arc<Store>,
    clock: Clock,
    host: String,
}

/// An event waiting to be written, stamped when it happened.
struct Pending {
    involved: ObjectReference,
    event_type: EventType,
    reason: String,
    message: String,
    component: String,
    at: jiff::Timestamp,
}

/// Events beyond this many waiting are dropped (with a warning) rather than slow anything.
const QUEUE: usize = 4096;

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
        Recorder { writer: Arc::new(Writer { store, clock, host: "skiff".into() }), queue: OnceLock::new() }
    }

    /// The queue, with its writer task started on first use (inside the caller's runtime).
    fn queue(&self) -> &mpsc::Sender<Pending> {
        self.queue.get_or_init(|| {
            let (tx, mut rx) = mpsc::channel::<Pending>(QUEUE);
            let writer = self.writer.clone();
            tokio::spawn(async move {
                while let Some(p) = rx.recv().await {
                    writer.write(p).await;
                }
            });
            tx
        })
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
        self.emit(involved, event_type, reason, message, component)
    }

    /// Queues an event without waiting (for callers that cannot await).
    pub fn emit(&self, involved: ObjectReference, event_type: EventType, reason: &str, message: &str, component: &str) {
        let at = self.writer.clock.now();
        let pending = Pending {
            involved,
            event_type,
            reason: reason.into(),
            message: message.into(),
            component: component.into(),
            at,
        };
        if self.queue().try_send(pending).is_err() {
            tracing::warn!(reason, "event queue full; dropping an event");
        }
    }
}

impl Writer {
    fn type_name(t: EventType) -> &'static str {
        match t {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }

    /// An event already recorded for the same object, reason, message, type and source.
    fn repeat_of(events: &[Arc<Object>], p: &Pending) -> Option<Event> {
        events.iter().find_map(|e| match e.as_ref() {
            Object::Event(ev)
                if ev.involved_object.uid == p.involved.uid
                    && ev.reason.as_deref() == Some(p.reason.as_str())
                    && ev.message.as_deref() == Some(p.message.as_str())
                    && ev.type_.as_deref() == Some(Self::type_name(p.event_type))
                    && ev.source.as_ref().and_then(|s| s.component.as_deref()) == Some(p.component.as_str()) =>
            {
                Some(ev.clone())
            }
            _ => None,
        })
    }

    fn new_event(&self, p: Pending, namespace: String) -> Event {
        let now = meta::time(p.at);
        let unique = p.at.as_nanosecond() as u64 ^ u64::from(fastrand::u16(..));
        Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{unique:x}", p.involved.name.clone().unwrap_or_default())),
                namespace: Some(namespace),
                creation_timestamp: Some(now.clone()),
                uid: Some(uuid::Uuid::new_v4().to_string()),
                ..Default::default()
            },
            involved_object: p.involved,
            reason: Some(p.reason),
            message: Some(p.message),
            type_: Some(Self::type_name(p.event_type).to_string()),
            source: Some(EventSource { component: Some(p.component.clone()), host: Some(self.host.clone()) }),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            reporting_component: Some(p.component),
            reporting_instance: Some(self.host.clone()),
            ..Default::default()
        }
    }

    async fn write(&self, p: Pending) {
        let namespace = p.involved.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into());
        let home = ObjectKey { kind: Kind::Namespace, namespace: String::new(), name: namespace.clone() };
        if self.store.get(&home).is_none() {
            // Its namespace is gone (deleted with everything in it): nowhere to keep it.
            return tracing::debug!(namespace = %namespace, reason = %p.reason, "event dropped");
        }
        let (events, _) = self.store.list(Kind::Event, Some(&namespace));
        let op = match Self::repeat_of(&events, &p) {
            Some(mut ev) => {
                ev.count = Some(ev.count.unwrap_or(1) + 1);
                ev.last_timestamp = Some(meta::time(p.at));
                ev.involved_object = p.involved;
                Op::Update(Object::Event(ev), Preconditions::default())
            }
            None => Op::Create(Object::Event(self.new_event(p, namespace))),
        };
        let mut ops = vec![op];
        ops.extend(self.expired(&events));
        if let Err(e) = self.store.commit(ops).await {
            tracing::warn!(error = %e, "could not record event");
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
