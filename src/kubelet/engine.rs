//! Ordering work on the container engine. Starting a container is on the critical path of
//! every rollout and restart; removing a stopped container is not, and Docker serializes much
//! of this work, so removals wait (briefly) until no start is in progress.

use crate::runtime::{ContainerRuntime, RuntimeError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Removals wait at most this long for starts to finish.
const REMOVAL_PATIENCE: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Engine {
    starting: AtomicUsize,
    quiet: Notify,
    removals: Mutex<Vec<String>>,
    queued: Notify,
}

/// Marks one container start in progress until dropped.
pub struct Starting(Arc<Engine>);

impl Drop for Starting {
    fn drop(&mut self) {
        if self.0.starting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.quiet.notify_waiters();
        }
    }
}

impl Engine {
    pub fn starting(self: &Arc<Self>) -> Starting {
        self.starting.fetch_add(1, Ordering::SeqCst);
        Starting(self.clone())
    }

    /// Returns when no container start is in progress, or after `limit`.
    pub async fn until_quiet(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let notified = self.quiet.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.starting.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await;
    }

    /// Queues a stopped container for removal by the janitor.
    pub fn remove_later(&self, id: String) {
        self.removals.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        self.queued.notify_one();
    }

    /// Removes queued containers, one at a time, each when starts allow. Runs until dropped.
    pub async fn janitor(&self, runtime: &dyn ContainerRuntime) {
        loop {
            let batch = std::mem::take(&mut *self.removals.lock().unwrap_or_else(|e| e.into_inner()));
            if batch.is_empty() {
                self.queued.notified().await;
                continue;
            }
            for id in batch {
                self.until_quiet(REMOVAL_PATIENCE).await;
                match runtime.remove(&id).await {
                    Ok(()) | Err(RuntimeError::NotFound(_)) => {}
                    Err(e) => tracing::warn!(container = %id, error = %e, "could not remove container"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_for_starts_but_not_forever() {
        let e = Arc::new(Engine::default());
        let started = tokio::time::Instant::now();
        e.until_quiet(Duration::from_secs(5)).await;
        assert_eq!(started.elapsed(), Duration::ZERO, "nothing starting: no wait");
        let guard = e.starting();
        let waiter = tokio::spawn({
            let e = e.clone();
            async move { e.until_quiet(Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(guard);
        waiter.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        let _stuck = e.starting();
        e.until_quiet(Duration::from_secs(5)).await;
        assert_eq!(started.elapsed(), Duration::from_secs(6), "bounded");
    }
}
