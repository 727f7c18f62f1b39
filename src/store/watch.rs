//! Watch events and the bounded history that lets a watcher resume from a resourceVersion
//! (or learn, with `Expired`, that it must list again). The history is bounded in events and
//! in bytes, so that large objects changed often cannot make it hold gigabytes.

use crate::model::Object;
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, in resourceVersion order.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub event_type: EventType,
    pub object: Arc<Object>,
    /// The object before this change (for updates and deletes).
    pub previous: Option<Arc<Object>>,
    pub rv: u64,
    /// The size of the object's JSON.
    pub size: usize,
}

/// The requested resourceVersion is older than the history kept (HTTP 410 Gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired;

/// The last events, at most `capacity` of them and `max_bytes` of objects (the newest is
/// always kept); every event with rv > `floor` is still here.
pub(super) struct History {
    events: VecDeque<WatchEvent>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    floor: u64,
}

impl History {
    pub(super) fn new(capacity: usize, max_bytes: usize, floor: u64) -> Self {
        let events = VecDeque::with_capacity(capacity.min(4096));
        History { events, capacity: capacity.max(1), max_bytes, bytes: 0, floor }
    }

    pub(super) fn push(&mut self, event: WatchEvent) {
        self.bytes += event.size;
        self.events.push_back(event);
        while self.events.len() > 1 && (self.events.len() > self.capacity || self.bytes > self.max_bytes) {
            if let Some(old) = self.events.pop_front() {
                self.bytes -= old.size;
                self.floor = old.rv;
            }
        }
    }

    /// Every event after `rv`, or `Expired` if some of them were already dropped.
    pub(super) fn since(&self, rv: u64) -> Result<Vec<WatchEvent>, Expired> {
        if rv < self.floor {
            return Err(Expired);
        }
        Ok(self.events.iter().filter(|e| e.rv > rv).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Service;

    fn event(rv: u64, size: usize) -> WatchEvent {
        let object = Arc::new(Object::Service(Service::default()));
        WatchEvent { event_type: EventType::Modified, object, previous: None, rv, size }
    }

    #[test]
    fn history_is_bounded_in_bytes_as_well_as_in_events() {
        let mut h = History::new(10, 1000, 0);
        for rv in 1..=5 {
            h.push(event(rv, 300));
        }
        assert!(h.since(1).is_err(), "only 900 bytes of events are kept");
        assert_eq!(h.since(2).unwrap().iter().map(|e| e.rv).collect::<Vec<_>>(), vec![3, 4, 5]);
        h.push(event(6, 5000));
        assert_eq!(h.since(5).unwrap().len(), 1, "the newest event stays even when larger than the bound");
        let mut h = History::new(2, usize::MAX, 0);
        for rv in 1..=3 {
            h.push(event(rv, 1));
        }
        assert_eq!((h.since(0).map(|e| e.len()), h.since(1).map(|e| e.len())), (Err(Expired), Ok(2)));
    }
}
