//! A Service's revisions (pod-template-hashes) and the traffic each one saw: the data the
//! backend snapshots carry and version affinity routes by.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64};

/// Traffic to one revision of a Service: requests answered, clients pinned (pins made and
/// moved in, minus pins moved away, since the revision appeared).
#[derive(Debug, Default)]
pub struct RevisionStats {
    pub requests: AtomicU64,
    pub pinned: AtomicI64,
}

/// A revision a Service has had, with its counters.
#[derive(Clone, Debug)]
pub struct Revision {
    pub hash: Arc<str>,
    pub stats: Arc<RevisionStats>,
}
