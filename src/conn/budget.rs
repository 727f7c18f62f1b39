//! The descriptor budget. At start the daemon raises its RLIMIT_NOFILE soft limit to the hard
//! limit, keeps a reserve that no client can take (probes, the engine connection, the state
//! store, logs, events), and shares the rest between API connections and Service connections,
//! of which half is for the clients and half for their upstream connections to the pods. When
//! a budget or a listener's cap stops a connection from being served, its alarm says which,
//! in the log and as an event, at most once per cooldown.

use super::slot::Slot;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::Instant;

/// An alarm rings at most once in this time.
const COOLDOWN: Duration = Duration::from_secs(10);

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
pub fn raise_nofile_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        return Ok(limit.rlim_max);
    }
    Ok(limit.rlim_cur)
}

/// How a descriptor limit is shared out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub limit: u64,
    /// Never given to clients: probes, the engine, the store, logs, events.
    pub reserve: usize,
    /// API connections.
    pub api: usize,
    /// Client connections over all Service ports (as many again are kept for upstreams).
    pub services: usize,
}

impl Plan {
    /// Shares `limit` descriptors: an eighth (at least 256) in reserve, at most a quarter of the
    /// rest (and at most `api_max`) for API connections, and half of what remains for Service
    /// clients, the other half for the proxy's connections to the pods.
    pub fn new(limit: u64, api_max: usize) -> Plan {
        let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
        let reserve = (limit_usize / 8).max(256);
        let rest = limit_usize.saturating_sub(reserve);
        let api = api_max.min(rest / 4).max(1);
        let services = (rest.saturating_sub(api) / 2).max(1);
        Plan { limit, reserve, api, services }
    }
}

/// What a listener serves, for logs and events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Api,
    Service { namespace: String, name: String, port: u16 },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Api => write!(f, "the API"),
            Subject::Service { namespace, name, port } => write!(f, "Service {namespace}/{name} port {port}"),
        }
    }
}

/// A limit that stopped connections from being served, for the event recorder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub subject: Subject,
    pub reason: &'static str,
    pub message: String,
}

/// The ids of the `n` entries with the smallest `since`.
pub(super) fn oldest(entries: impl Iterator<Item = (u64, u64)>, n: usize) -> Vec<u64> {
    let mut heap = std::collections::BinaryHeap::with_capacity(n + 1);
    for entry in entries {
        heap.push(entry);
        if heap.len() > n {
            heap.pop();
        }
    }
    heap.into_iter().map(|(_, id)| id).collect()
}

/// Rings at most once per cooldown.
#[derive(Debug)]
pub struct Alarm {
    base: Instant,
    /// Milliseconds after `base` of the last ring, plus one (0: never rang).
    last: AtomicU64,
}

impl Default for Alarm {
    fn default() -> Self {
        Alarm { base: Instant::now(), last: AtomicU64::new(0) }
    }
}

impl Alarm {
    /// True if this call rings it.
    pub fn ring(&self) -> bool {
        let now = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let last = self.last.load(Ordering::Relaxed);
        let cooled = last == 0 || now.saturating_sub(last) >= COOLDOWN.as_millis() as u64;
        cooled && self.last.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

/// Descriptors one kind of connection may hold, as tickets, and the connections holding
/// them, so that the longest-idle one of any listener can be closed when they are all out.
pub struct Budget {
    /// "API connections" or "Service connections".
    what: &'static str,
    permits: Arc<Semaphore>,
    limit: usize,
    /// The clock every connection of this budget is timed on, so idle times compare.
    epoch: Instant,
    holders: Mutex<Holders>,
    spent: Alarm,
    notices: Option<mpsc::Sender<Notice>>,
}

#[derive(Default)]
struct Holders {
    slots: HashMap<u64, Arc<Slot>>,
    next: u64,
}

/// One connection's descriptor, given back when the connection is dropped.
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    budget: Arc<Budget>,
    id: u64,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.budget.holders().slots.remove(&self.id);
    }
}

impl Budget {
    /// `notices`, if given, receives a notice whenever an alarm of this budget rings.
    pub fn new(what: &'static str, limit: usize, notices: Option<mpsc::Sender<Notice>>) -> Arc<Budget> {
        let limit = limit.max(1);
        Arc::new(Budget {
            what,
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            epoch: Instant::now(),
            holders: Mutex::default(),
            spent: Alarm::default(),
            notices,
        })
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn in_use(&self) -> usize {
        self.limit - self.permits.available_permits()
    }

    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    fn holders(&self) -> std::sync::MutexGuard<'_, Holders> {
        // A panic while holding the lock leaves the map usable (each step is one insert/remove).
        self.holders.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ticket(self: &Arc<Self>, permit: OwnedSemaphorePermit, slot: &Arc<Slot>) -> Ticket {
        let mut holders = self.holders();
        let id = holders.next;
        holders.next += 1;
        holders.slots.insert(id, slot.clone());
        Ticket { _permit: permit, budget: self.clone(), id }
    }

    /// A ticket for the connection `slot`, if one is left.
    pub fn try_take(self: &Arc<Self>, slot: &Arc<Slot>) -> Option<Ticket> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        Some(self.ticket(permit, slot))
    }

    /// Waits for a ticket; `None` only if the budget is closed.
    pub async fn take(self: &Arc<Self>, slot: &Arc<Slot>) -> Option<Ticket> {
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        Some(self.ticket(permit, slot))
    }

    /// Tells the `n` longest-idle connections holding a ticket, on any listener, to close;
    /// false if none is idle.
    pub fn evict_idlest(&self, n: usize) -> bool {
        let holders = self.holders();
        let idle = holders.slots.iter().filter(|(_, s)| s.phase().is_idle()).map(|(&id, s)| (s.since(), id));
        let idlest = oldest(idle, n);
        for id in &idlest {
            if let Some(slot) = holders.slots.get(id) {
                slot.evict.notify_one();
            }
        }
        !idlest.is_empty()
    }

    /// Every ticket is out and no idle connection could be closed for `subject`.
    pub fn spent(&self, subject: &Subject) {
        if self.spent.ring() {
            let message = format!(
                "descriptor budget for {} exhausted: all {} in use; new connections to {subject} wait",
                self.what, self.limit
            );
            self.report(Notice { subject: subject.clone(), reason: "DescriptorBudgetExhausted", message });
        }
    }

    /// `subject` has `limit` connections open, none idle; its `alarm` rings for it.
    pub fn listener_full(&self, subject: &Subject, limit: usize, alarm: &Alarm) {
        if alarm.ring() {
            let message =
                format!("{subject} has {limit} connections open (its limit), none idle; new connections wait");
            self.report(Notice { subject: subject.clone(), reason: "ConnectionLimitReached", message });
        }
    }

    fn report(&self, notice: Notice) {
        tracing::warn!(subject = %notice.subject, reason = notice.reason, "{}", notice.message);
        if let Some(tx) = &self.notices {
            let _ = tx.try_send(notice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_comes_first_then_the_api_then_services_and_their_upstreams() {
        let p = Plan::new(1024, 1024);
        assert_eq!((p.reserve, p.api, p.services), (256, 192, 288));
        assert!(p.reserve + p.api + 2 * p.services <= 1024);
        let p = Plan::new(20_000, 1024);
        assert_eq!((p.reserve, p.api, p.services), (2500, 1024, 8238));
        let p = Plan::new(4096, 1024);
        assert_eq!((p.reserve, p.api, p.services), (512, 896, 1344));
        assert!(p.reserve + p.api + 2 * p.services <= 4096);
    }

    #[test]
    fn the_longest_idle_are_chosen() {
        let mut ids = oldest([(5, 1), (1, 2), (9, 3), (3, 4)].into_iter(), 2);
        ids.sort();
        assert_eq!(ids, vec![2, 4]);
        assert!(oldest(std::iter::empty(), 2).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_alarm_rings_once_per_cooldown() {
        let alarm = Alarm::default();
        assert!(alarm.ring());
        assert!(!alarm.ring());
        tokio::time::advance(Duration::from_secs(9)).await;
        assert!(!alarm.ring());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(alarm.ring());
    }

    #[tokio::test]
    async fn a_spent_budget_says_which_and_frees_its_longest_idle_holder() {
        let (tx, mut rx) = mpsc::channel(4);
        let budget = Budget::new("API connections", 2, Some(tx));
        let (busy, idle) = (Arc::new(Slot::new(budget.epoch())), Arc::new(Slot::new(budget.epoch())));
        busy.request_started(false);
        let _busy = budget.try_take(&busy).unwrap();
        let idle_ticket = budget.try_take(&idle).unwrap();
        assert!(budget.try_take(&Arc::new(Slot::new(budget.epoch()))).is_none());
        assert!(budget.evict_idlest(1));
        tokio::time::timeout(Duration::from_secs(1), idle.evict.notified()).await.expect("the idle one is told");
        drop(idle_ticket);
        assert_eq!(budget.in_use(), 1);
        assert!(!budget.evict_idlest(1), "the busy one is never closed for room");
        budget.spent(&Subject::Api);
        budget.spent(&Subject::Api);
        let notice = rx.try_recv().unwrap();
        assert_eq!(notice.reason, "DescriptorBudgetExhausted");
        assert_eq!(
            notice.message,
            "descriptor budget for API connections exhausted: all 2 in use; new connections to the API wait"
        );
        assert!(rx.try_recv().is_err(), "once per cooldown");
    }
}
