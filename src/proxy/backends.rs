//! Backend snapshots for the request path: an immutable list of ready endpoints behind an
//! `ArcSwap`, swapped whole by the one writer, read without locks. Each backend carries an
//! in-flight counter the drain step waits on, and a draining flag that closes the race between
//! "picked from an old snapshot" and "the pod left rotation".

use super::dial::Target;
use super::revision::{Revision, RevisionStats};
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use tokio::sync::Notify;

/// Requests in flight to one pod, and whether it is leaving rotation.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    draining: AtomicBool,
    idle: Notify,
}

impl InFlight {
    /// Counts a request in, unless the pod is draining (then the caller picks again).
    pub fn enter(self: &Arc<Self>) -> Option<PodSlot> {
        self.count.fetch_add(1, Ordering::SeqCst);
        if self.draining.load(Ordering::SeqCst) {
            self.leave();
            return None;
        }
        Some(PodSlot(self.clone()))
    }

    fn leave(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 && self.draining.load(Ordering::SeqCst) {
            self.idle.notify_waiters();
        }
    }

    /// Whether the pod takes new requests (it is not leaving rotation).
    pub fn accepting(&self) -> bool {
        !self.draining.load(Ordering::SeqCst)
    }

    pub fn set_draining(&self, draining: bool) {
        self.draining.store(draining, Ordering::SeqCst);
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Returns once nothing is in flight (call after `set_draining(true)`).
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Holds one request's place in its pod's in-flight count until dropped.
#[derive(Debug)]
pub struct PodSlot(Arc<InFlight>);

impl Drop for PodSlot {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Holds one request's place at its pod and in the Service's in-flight gauge until dropped.
#[derive(Debug)]
pub struct InFlightGuard {
    _pod: PodSlot,
    stats: Arc<Stats>,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Per-backend counters for /metrics: answers by status class (1xx…5xx), requests in flight.
#[derive(Debug, Default)]
pub struct Stats {
    pub by_class: [AtomicU64; 5],
    pub in_flight: AtomicU64,
}

impl Stats {
    pub fn record(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
    }
}

/// One ready pod behind one Service port.
#[derive(Debug, Clone)]
pub struct Backend {
    pub pod_uid: String,
    pub pod_name: String,
    pub target: Target,
    /// The target as the URI authority requests to it carry (made once, not per request).
    pub authority: http::uri::Authority,
    pub in_flight: Arc<InFlight>,
    pub stats: Arc<Stats>,
    /// The pod's revision (its pod-template-hash; empty without one).
    pub revision: Arc<str>,
    pub revision_stats: Arc<RevisionStats>,
}

impl Backend {
    /// Counts a request in at this pod, unless it is draining (then the caller picks again).
    pub fn enter(&self) -> Option<InFlightGuard> {
        let pod = self.in_flight.enter()?;
        self.stats.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(InFlightGuard { _pod: pod, stats: self.stats.clone() })
    }

    /// Whether the pod takes new requests (a pod leaving rotation stays in the snapshot until
    /// the writer swaps it, and takes none meanwhile).
    pub fn accepting(&self) -> bool {
        self.in_flight.accepting()
    }
}

/// The ready backends of one Service port, in a stable order, and every revision the Service
/// has had (for version affinity and per-revision traffic).
#[derive(Debug, Default)]
pub struct Backends {
    pub list: Vec<Arc<Backend>>,
    pub revisions: Vec<Revision>,
}

/// What the request path holds: the current snapshot, swapped by the writer.
pub type Snapshot = Arc<ArcSwap<Backends>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn drain_waits_for_requests_in_flight() {
        let f = Arc::new(InFlight::default());
        let guard = f.enter().unwrap();
        f.set_draining(true);
        assert!(f.enter().is_none(), "a draining pod takes no new request");
        let waiter = tokio::spawn({
            let f = f.clone();
            async move { f.wait_idle().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(guard);
        tokio::time::timeout(Duration::from_secs(1), waiter).await.unwrap().unwrap();
    }

    #[test]
    fn a_request_counts_in_the_gauge_until_its_guard_drops() {
        let b = Backend {
            pod_uid: "u".into(),
            pod_name: "p".into(),
            target: Target::Published(([127, 0, 0, 1], 1).into()),
            authority: Target::Published(([127, 0, 0, 1], 1).into()).authority().unwrap(),
            in_flight: Arc::new(InFlight::default()),
            stats: Arc::new(Stats::default()),
            revision: "".into(),
            revision_stats: Arc::default(),
        };
        let guard = b.enter().unwrap();
        assert_eq!((b.in_flight.count(), b.stats.in_flight.load(Ordering::Relaxed)), (1, 1));
        b.in_flight.set_draining(true);
        assert!(b.enter().is_none());
        assert_eq!(b.stats.in_flight.load(Ordering::Relaxed), 1, "a refused request is not counted");
        drop(guard);
        assert_eq!((b.in_flight.count(), b.stats.in_flight.load(Ordering::Relaxed)), (0, 0));
    }
}
