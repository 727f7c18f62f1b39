//! The async shell around the controllers' pure decisions: a generic reconcile loop fed by the
//! store's watch (with a periodic resync as the safety net) and one executor per controller.

mod config_rollout;
mod deployment;
mod gc;
mod hpa;
mod namespace;
mod replicaset;

pub use config_rollout::ConfigRolloutController;
pub use deployment::DeploymentController;
pub use gc::GarbageCollector;
pub use hpa::HpaController;
pub use namespace::NamespaceController;
pub use replicaset::ReplicaSetController;

use super::queue::WorkQueue;
use crate::registry::ApiError;
use crate::store::{Store, WatchEvent};
use async_trait::async_trait;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// One controller: which keys an event touches, every key, and one reconcile.
#[async_trait]
pub trait Reconciler: Send + Sync + 'static {
    type Key: Ord + Clone + Send + Sync + Debug;
    const NAME: &'static str;
    fn keys_for(&self, event: &WatchEvent) -> Vec<Self::Key>;
    fn all_keys(&self) -> Vec<Self::Key>;
    /// Brings `key` closer to its desired state; `Some(d)`: look again after `d`.
    async fn reconcile(&self, key: &Self::Key) -> Result<Option<Duration>, ApiError>;
}

/// Runs `r` until `shutdown`: every watched change enqueues the keys it touches, every key is
/// re-synced every `resync`, failures back off per key.
pub async fn run<R: Reconciler>(r: Arc<R>, store: Arc<Store>, resync: Duration, shutdown: CancellationToken) {
    let mut watch = match store.watch(None) {
        Ok(w) => w.receiver,
        Err(_) => return tracing::error!(controller = R::NAME, "cannot watch the store"),
    };
    let mut queue = WorkQueue::default();
    let mut resync_timer = tokio::time::interval(resync);
    loop {
        let due = queue.next_due();
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            event = watch.recv() => match event {
                Ok(e) => r.keys_for(&e).into_iter().for_each(|k| queue.add(k)),
                Err(RecvError::Lagged(_)) => r.all_keys().into_iter().for_each(|k| queue.add(k)),
                Err(RecvError::Closed) => return,
            },
            _ = resync_timer.tick() => r.all_keys().into_iter().for_each(|k| queue.add(k)),
            _ = sleep_until(due) => {
                while let Some(key) = queue.pop_due() {
                    reconcile_one(&*r, &mut queue, key).await;
                }
            }
        }
    }
}

async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn reconcile_one<R: Reconciler>(r: &R, queue: &mut WorkQueue<R::Key>, key: R::Key) {
    let span = tracing::debug_span!("reconcile", controller = R::NAME, key = ?key);
    match r.reconcile(&key).instrument(span).await {
        Ok(after) => {
            queue.forget(&key);
            if let Some(after) = after {
                queue.add_after(key, after);
            }
        }
        Err(ApiError::Conflict { .. }) => queue.add_rate_limited(key),
        Err(e) => {
            tracing::warn!(controller = R::NAME, key = ?key, error = %e, "reconcile failed; retrying");
            queue.add_rate_limited(key);
        }
    }
}
