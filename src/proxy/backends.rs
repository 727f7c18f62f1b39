//! Backend snapshots for the request path: an immutable list of ready endpoints behind an
//! `ArcSwap`, swapped whole by the one writer, read without locks. Each backend carries an
//! in-flight counter the drain step waits on, and a draining flag that closes the race between
//! "picked from an old snapshot" and "the pod left rotation".

use arc_swap::ArcSwap;
use std::net::SocketAddr;
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
    pub fn enter(self: &Arc<Self>) -> Option<InFlightGuard> {
        self.count.fetch_add(1, Ordering::SeqCst);
        if self.draining.load(Ordering::SeqCst) {
            self.leave();
            return None;
        }
        Some(InFlightGuard(self.clone()))
    }

    fn leave(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 && self.draining.load(Ordering::SeqCst) {
            self.idle.notify_waiters();
        }
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

/// Holds one request's place in the in-flight count until dropped.
#[derive(Debug)]
pub struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Per-backend request counters for /metrics, by status class (1xx…5xx).
#[derive(Debug, Default)]
pub struct Stats {
    pub by_class: [AtomicU64; 5],
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
    pub addr: SocketAddr,
    pub in_flight: Arc<InFlight>,
    pub stats: Arc<Stats>,
}

/// The ready backends of one Service port, in a stable order.
#[derive(Debug, Default)]
pub struct Backends {
    pub list: Vec<Backend>,
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
}
