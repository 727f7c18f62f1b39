//! Resource metrics for `kubectl top` and the HPA: each pod's CPU and memory from successive
//! engine readings (`usage`, pure), its request rate from the proxy's counters, sampled every
//! `RESOLUTION` by one task (`sampler`) into a snapshot that readers load without locking.

pub mod sampler;
pub mod usage;

use arc_swap::ArcSwap;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How often pods are sampled, and so each sample's window: the HPA's sync period.
pub const RESOLUTION: std::time::Duration = std::time::Duration::from_secs(15);

/// The Pods metric the HPA can scale on: requests per second the proxy sent each pod.
pub const REQUESTS_PER_SECOND: &str = "skiff_http_requests_per_second";

/// A container's (or a pod's, or the node's) usage over one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu_nanocores: u64,
    /// The working set: usage minus the inactive page cache.
    pub memory_bytes: u64,
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, o: Usage) -> Usage {
        Usage { cpu_nanocores: self.cpu_nanocores + o.cpu_nanocores, memory_bytes: self.memory_bytes + o.memory_bytes }
    }
}

/// One pod's metrics over the window ending at `timestamp`.
#[derive(Clone, Debug, PartialEq)]
pub struct PodMetrics {
    pub timestamp: Timestamp,
    pub window: SignedDuration,
    /// Per container name.
    pub containers: BTreeMap<String, Usage>,
    /// Requests per second through the proxy, in thousandths.
    pub requests_per_second_milli: i64,
}

impl PodMetrics {
    pub fn total(&self) -> Usage {
        self.containers.values().fold(Usage::default(), |a, b| a + *b)
    }
}

/// Everything sampled at one tick; pods are keyed by (namespace, name).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub pods: BTreeMap<(String, String), PodMetrics>,
}

impl Snapshot {
    /// The node's usage: what its pods use, over the latest window.
    pub fn node(&self) -> Option<(Timestamp, SignedDuration, Usage)> {
        let latest = self.pods.values().max_by_key(|p| p.timestamp)?;
        let total = self.pods.values().fold(Usage::default(), |a, p| a + p.total());
        Some((latest.timestamp, latest.window, total))
    }
}

/// The latest snapshot: one writer (the sampler), any number of lock-free readers.
#[derive(Default)]
pub struct MetricsStore(ArcSwap<Snapshot>);

impl MetricsStore {
    pub fn load(&self) -> Arc<Snapshot> {
        self.0.load_full()
    }

    pub fn publish(&self, snapshot: Snapshot) {
        self.0.store(Arc::new(snapshot));
    }
}
