//! Backend choice per request: round robin over the current snapshot (lock-free: one atomic
//! cursor), or, for `sessionAffinity: ClientIP`, the backend this client used last, within
//! its timeout.

use super::backends::Backend;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The next backend in rotation, skipping `exclude` (a pod that just failed).
pub fn round_robin<'a>(
    backends: &'a [Arc<Backend>],
    cursor: &AtomicUsize,
    exclude: Option<&str>,
) -> Option<&'a Arc<Backend>> {
    let n = backends.len();
    if n == 0 {
        return None;
    }
    let start = cursor.fetch_add(1, Ordering::Relaxed);
    (0..n).map(|i| &backends[(start + i) % n]).find(|b| exclude != Some(b.pod_uid.as_str()))
}

/// ClientIP session affinity: client address → pod, forgotten after `timeout` of silence.
pub struct Affinity {
    timeout: Duration,
    table: Mutex<HashMap<IpAddr, (String, Instant)>>,
}

impl Affinity {
    pub fn new(timeout: Duration) -> Affinity {
        Affinity { timeout, table: Mutex::new(HashMap::new()) }
    }

    /// The client's pod if it still serves, else the next in rotation (remembered).
    pub fn pick<'a>(
        &self,
        client: IpAddr,
        backends: &'a [Arc<Backend>],
        cursor: &AtomicUsize,
        exclude: Option<&str>,
        now: Instant,
    ) -> Option<&'a Arc<Backend>> {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        if table.len() > 65536 {
            table.retain(|_, (_, at)| now.duration_since(*at) < self.timeout);
        }
        let remembered = table
            .get(&client)
            .filter(|(_, at)| now.duration_since(*at) < self.timeout)
            .and_then(|(uid, _)| backends.iter().find(|b| &b.pod_uid == uid && exclude != Some(uid.as_str())));
        let chosen = remembered.or_else(|| round_robin(backends, cursor, exclude))?;
        table.insert(client, (chosen.pod_uid.clone(), now));
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::backends::{InFlight, Stats};

    fn backends(n: usize) -> Vec<Arc<Backend>> {
        (0..n)
            .map(|i| {
                let target = crate::proxy::dial::Target::Published(([127, 0, 0, 1], 40000 + i as u16).into());
                Arc::new(Backend {
                    pod_uid: format!("u{i}"),
                    pod_name: format!("p{i}"),
                    target,
                    authority: target.authority().unwrap(),
                    revision: "".into(),
                    revision_stats: Arc::default(),
                    in_flight: Arc::new(InFlight::default()),
                    stats: Arc::new(Stats::default()),
                })
            })
            .collect()
    }

    #[test]
    fn round_robin_spreads_evenly_and_skips_the_excluded() {
        let b = backends(3);
        let cursor = AtomicUsize::new(0);
        let picks: Vec<&str> = (0..6).map(|_| round_robin(&b, &cursor, None).unwrap().pod_name.as_str()).collect();
        assert_eq!(picks, vec!["p0", "p1", "p2", "p0", "p1", "p2"]);
        assert_eq!(round_robin(&b, &cursor, Some("u0")).unwrap().pod_name, "p1");
        assert!(round_robin(&[], &cursor, None).is_none());
        assert!(round_robin(&b[..1], &cursor, Some("u0")).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn client_ip_affinity_sticks_until_the_timeout() {
        let b = backends(3);
        let cursor = AtomicUsize::new(0);
        let a = Affinity::new(Duration::from_secs(10));
        let (c1, c2): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let first = a.pick(c1, &b, &cursor, None, Instant::now()).unwrap().pod_name.clone();
        for _ in 0..5 {
            assert_eq!(a.pick(c1, &b, &cursor, None, Instant::now()).unwrap().pod_name, first);
        }
        assert_ne!(a.pick(c2, &b, &cursor, None, Instant::now()).unwrap().pod_name, first);
        tokio::time::advance(Duration::from_secs(11)).await;
        let later = a.pick(c1, &b, &cursor, None, Instant::now()).unwrap().pod_name.clone();
        assert_ne!(later, first, "affinity expired; rotation moved on");
        // The remembered pod left: the client moves to another one.
        assert_ne!(a.pick(c1, &b, &cursor, Some("u9"), Instant::now()).unwrap().pod_name, "");
    }
}
