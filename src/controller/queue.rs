//! A work queue with de-duplication, delayed requeues and per-key error back-off, on tokio's
//! clock: what each controller loop pulls its next key from.

use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

const BACKOFF_BASE: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

pub struct WorkQueue<K: Ord + Clone> {
    due: BTreeMap<K, Instant>,
    failures: BTreeMap<K, u32>,
}

impl<K: Ord + Clone> Default for WorkQueue<K> {
    fn default() -> Self {
        WorkQueue { due: BTreeMap::new(), failures: BTreeMap::new() }
    }
}

impl<K: Ord + Clone> WorkQueue<K> {
    /// Due now (an earlier due time is kept).
    pub fn add(&mut self, key: K) {
        self.add_at(key, Instant::now());
    }

    pub fn add_after(&mut self, key: K, after: Duration) {
        self.add_at(key, Instant::now() + after);
    }

    fn add_at(&mut self, key: K, at: Instant) {
        let slot = self.due.entry(key).or_insert(at);
        *slot = (*slot).min(at);
    }

    /// Requeues after a failure with exponential back-off (50 ms doubling, at most 30 s).
    pub fn add_rate_limited(&mut self, key: K) {
        let n = self.failures.entry(key.clone()).or_insert(0);
        let delay = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(*n)).min(BACKOFF_MAX);
        *n = n.saturating_add(1);
        self.add_after(key, delay);
    }

    /// The key succeeded: its back-off starts over.
    pub fn forget(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// The earliest due time, if any key is queued.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.values().min().copied()
    }

    /// Takes a key that is due now.
    pub fn pop_due(&mut self) -> Option<K> {
        let now = Instant::now();
        let key = self.due.iter().filter(|(_, at)| **at <= now).min_by_key(|(_, at)| **at).map(|(k, _)| k.clone())?;
        self.due.remove(&key);
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn dedups_delays_and_backs_off() {
        let mut q = WorkQueue::default();
        q.add_after("a", Duration::from_secs(5));
        q.add("a");
        q.add("b");
        assert_eq!(q.pop_due(), Some("a"));
        assert_eq!(q.pop_due(), Some("b"));
        assert_eq!(q.pop_due(), None);
        q.add_rate_limited("c");
        q.add_rate_limited("c");
        assert_eq!(q.next_due().unwrap() - Instant::now(), Duration::from_millis(50));
        q.pop_due();
        tokio::time::advance(Duration::from_millis(50)).await;
        assert_eq!(q.pop_due(), Some("c"));
        q.add_rate_limited("c");
        assert_eq!(q.next_due().unwrap() - Instant::now(), Duration::from_millis(200));
        q.forget(&"c");
        q.pop_due();
        q.add_rate_limited("c");
        assert_eq!(q.next_due().unwrap() - Instant::now(), Duration::from_millis(50));
    }
}
