//! Kubernetes' restart and image-pull back-off (client-go flowcontrol.Backoff as the kubelet
//! uses it): 10 s doubling to 300 s, forgotten after 10 minutes without trouble. Pure: every
//! call takes the time.

use std::time::Duration;

pub const INITIAL: Duration = Duration::from_secs(10);
pub const MAX: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    backoff: Duration,
    last_update: jiff::Timestamp,
}

/// The back-off state of one container (or one image of one pod).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    entry: Option<Entry>,
}

fn since(later: jiff::Timestamp, earlier: jiff::Timestamp) -> Duration {
    Duration::try_from(later.duration_since(earlier)).unwrap_or(Duration::ZERO)
}

impl Backoff {
    /// An entry is stale when the event is more than 2 × MAX after its last update.
    fn live(&self, event: jiff::Timestamp) -> Option<&Entry> {
        self.entry.as_ref().filter(|e| since(event, e.last_update) <= 2 * MAX)
    }

    /// IsInBackOffSince: the current delay if `now` is still within it, counted from `event`
    /// (the container's last exit).
    pub fn in_backoff_since(&self, event: jiff::Timestamp, now: jiff::Timestamp) -> Option<Duration> {
        let e = self.live(event)?;
        (since(now, event) < e.backoff).then_some(e.backoff)
    }

    /// IsInBackOffSinceUpdate: within the delay counted from the last attempt (image pulls).
    pub fn in_backoff_since_update(&self, now: jiff::Timestamp) -> Option<Duration> {
        let e = self.live(now)?;
        (since(now, e.last_update) < e.backoff).then_some(e.backoff)
    }

    /// When the current delay, counted from `from`, runs out.
    pub fn expires(&self, from: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let e = self.entry.as_ref()?;
        from.checked_add(jiff::SignedDuration::try_from(e.backoff).ok()?).ok()
    }

    /// The time of the last attempt.
    pub fn last_update(&self) -> Option<jiff::Timestamp> {
        self.entry.as_ref().map(|e| e.last_update)
    }

    /// Next: start at 10 s (or after a stale entry), otherwise double up to 300 s.
    pub fn next(&mut self, event: jiff::Timestamp, now: jiff::Timestamp) {
        let backoff = match self.live(event) {
            Some(e) => (e.backoff * 2).min(MAX),
            None => INITIAL,
        };
        self.entry = Some(Entry { backoff, last_update: now });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    /// Crash at once after every start: restarts at 0, then 10, 20, 40 … 300, 300 s.
    #[tokio::test(start_paused = true)]
    async fn crash_loop_delays_double_to_five_minutes() {
        let clock = Clock::starting_at("2026-11-27T00:00:00Z".parse().unwrap());
        let mut b = Backoff::default();
        let mut waits = Vec::new();
        for _ in 0..9 {
            let exited = clock.now();
            let mut waited = Duration::ZERO;
            while b.in_backoff_since(exited, clock.now()).is_some() {
                tokio::time::advance(Duration::from_secs(1)).await;
                waited += Duration::from_secs(1);
            }
            waits.push(waited.as_secs());
            b.next(exited, clock.now());
        }
        assert_eq!(waits, vec![0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[tokio::test(start_paused = true)]
    async fn ten_minutes_of_good_running_resets_the_backoff() {
        let clock = Clock::starting_at("2026-11-27T00:00:00Z".parse().unwrap());
        let mut b = Backoff::default();
        for _ in 0..4 {
            let t = clock.now();
            b.next(t, t);
        }
        assert_eq!(b.in_backoff_since(clock.now(), clock.now()), Some(Duration::from_secs(80)));
        tokio::time::advance(Duration::from_secs(601)).await;
        let exited = clock.now();
        assert_eq!(b.in_backoff_since(exited, exited), None, "ran for more than 10 minutes");
        b.next(exited, exited);
        assert_eq!(b.in_backoff_since(exited, exited), Some(INITIAL));
    }

    #[test]
    fn image_pull_backoff_counts_from_the_last_attempt() {
        let t0: jiff::Timestamp = "2026-11-27T00:00:00Z".parse().unwrap();
        let mut b = Backoff::default();
        assert_eq!(b.in_backoff_since_update(t0), None);
        b.next(t0, t0);
        assert_eq!(b.in_backoff_since_update(t0 + jiff::SignedDuration::from_secs(5)), Some(INITIAL));
        assert_eq!(b.in_backoff_since_update(t0 + jiff::SignedDuration::from_secs(10)), None);
    }
}
