//! Resource metrics for `kubectl top` and the HPA: each pod's CPU and memory from successive
//! engine readings (`usage`, pure), its request rate from the proxy's counters, sampled by one
//! task (`sampler`) into a snapshot that readers load without locking: every `RESOLUTION`
//! while someone reads them (an HPA, `kubectl top`), every `IDLE_RESOLUTION` otherwise.

pub mod sampler;
pub mod usage;

use arc_swap::ArcSwap;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How often pods are sampled while the metrics are read, and so each sample's window: the
/// HPA's sync period.
pub const RESOLUTION: std::time::Duration = std::time::Duration::from_secs(15);

/// How often pods are sampled while nobody reads the metrics: metrics-server's default
/// `--metric-resolution`. A read wakes the sampler at once.
pub const IDLE_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a read keeps the sampler at `RESOLUTION`.
const DEMAND_LASTS: std::time::Duration = std::time::Duration::from_secs(120);

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

/// The latest snapshot: one writer (the sampler), any number of lock-free readers; each read
/// is demand that keeps the sampler at `RESOLUTION`.
pub struct MetricsStore {
    snapshot: ArcSwap<Snapshot>,
    /// When the metrics were last read, in milliseconds since `epoch` (0: never).
    last_read_ms: AtomicU64,
    epoch: Instant,
    woken: Notify,
}

impl Default for MetricsStore {
    fn default() -> Self {
        MetricsStore {
            snapshot: ArcSwap::default(),
            last_read_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            woken: Notify::new(),
        }
    }
}

impl MetricsStore {
    /// The latest snapshot; wakes an idle sampler.
    pub fn load(&self) -> Arc<Snapshot> {
        let was_demanded = self.demanded();
        let now_ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX).max(1);
        self.last_read_ms.store(now_ms, Ordering::Relaxed);
        if !was_demanded {
            self.woken.notify_one();
        }
        self.snapshot.load_full()
    }

    pub fn publish(&self, snapshot: Snapshot) {
        self.snapshot.store(Arc::new(snapshot));
    }

    /// Read within the last `DEMAND_LASTS`.
    fn demanded(&self) -> bool {
        let last = self.last_read_ms.load(Ordering::Relaxed);
        last != 0 && self.epoch.elapsed().saturating_sub(Duration::from_millis(last)) < DEMAND_LASTS
    }

    /// The time until the next sample is due: `RESOLUTION` while demanded, else
    /// `IDLE_RESOLUTION` or until a read.
    pub async fn next_tick(&self) {
        let period = if self.demanded() { RESOLUTION } else { IDLE_RESOLUTION };
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = self.woken.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reads_keep_the_sampler_fast_and_wake_it_when_idle() {
        let store = Arc::new(MetricsStore::default());
        let started = Instant::now();
        store.next_tick().await;
        assert_eq!(started.elapsed(), IDLE_RESOLUTION, "nobody reads: metrics-server's pace");
        let waiting = tokio::spawn({
            let store = store.clone();
            async move { store.next_tick().await }
        });
        tokio::time::advance(Duration::from_secs(5)).await;
        store.load();
        waiting.await.unwrap();
        let started = Instant::now();
        store.next_tick().await;
        assert_eq!(started.elapsed(), RESOLUTION, "read: the HPA's pace");
        tokio::time::advance(DEMAND_LASTS).await;
        let started = Instant::now();
        store.next_tick().await;
        assert_eq!(started.elapsed(), IDLE_RESOLUTION, "demand wears off");
    }
}
