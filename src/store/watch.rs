//! Watch events and the bounded history that lets a watcher resume from a resourceVersion
//! (or learn, with `Expired`, that it must list again).

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
}

/// The requested resourceVersion is older than the history kept (HTTP 410 Gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired;

/// The last `capacity` events; every event with rv > `floor` is still here.
pub(super) struct History {
    events: VecDeque<WatchEvent>,
    capacity: usize,
    floor: u64,
}

impl History {
    pub(super) fn new(capacity: usize, floor: u64) -> Self {
        History { events: VecDeque::with_capacity(capacity.min(4096)), capacity: capacity.max(1), floor }
    }

    pub(super) fn push(&mut self, event: WatchEvent) {
        if self.events.len() == self.capacity
            && let Some(old) = self.events.pop_front()
        {
            self.floor = old.rv;
        }
        self.events.push_back(event);
    }

    /// Every event after `rv`, or `Expired` if some of them were already dropped.
    pub(super) fn since(&self, rv: u64) -> Result<Vec<WatchEvent>, Expired> {
        if rv < self.floor {
            return Err(Expired);
        }
        Ok(self.events.iter().filter(|e| e.rv > rv).cloned().collect())
    }
}
