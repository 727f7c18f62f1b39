//! One connection's place on its listener: which phase of a request it is in and since when,
//! how many bytes it has received, and the deadline that phase allows (a pure function, so
//! the timeouts are tested without a clock). The connection's own task writes it; the accept
//! loop reads it to pick an idle connection to close when the listener is full.

use super::Limits;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Where a connection is in its request cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Accepted; no byte of a request yet.
    New = 0,
    /// A request head is arriving.
    Head = 1,
    /// The request is being handled and its body is still arriving.
    Body = 2,
    /// The request body is in; the response is being produced or sent.
    Busy = 3,
    /// Keep-alive: the last response is sent, no byte of the next request yet.
    Idle = 4,
}

impl Phase {
    fn from_u8(v: u8) -> Phase {
        match v {
            0 => Phase::New,
            1 => Phase::Head,
            2 => Phase::Body,
            3 => Phase::Busy,
            _ => Phase::Idle,
        }
    }

    /// Nothing of a request is in flight: closing the connection loses no work.
    pub fn is_idle(self) -> bool {
        matches!(self, Phase::New | Phase::Idle)
    }
}

/// What the deadline of a phase depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub phase: Phase,
    /// When the phase began (for `Head` after `New`: when the connection was accepted).
    pub since: Duration,
    /// Body bytes received since the body phase began.
    pub body_bytes: u64,
}

/// When a connection in `state` must be closed, as time since the listener's epoch; `None`
/// while a response is being produced (the proxy bounds that with its response timeout).
///
/// Like HAProxy's `timeout http-request`, the first request head must be complete within the
/// header timeout of the accept, later heads within it of their first byte; like nginx's
/// `keepalive_timeout`, an idle keep-alive connection is closed after the idle timeout; like
/// Apache's `RequestReadTimeout body=20,MinRate=500`, a body gets the body timeout plus one
/// second for every `body_min_rate` bytes received.
pub fn deadline(state: State, limits: &Limits) -> Option<Duration> {
    match state.phase {
        Phase::New | Phase::Head => Some(state.since + limits.header_timeout),
        Phase::Idle => Some(state.since + limits.idle_timeout),
        Phase::Body => {
            let earned = Duration::from_secs_f64(state.body_bytes as f64 / limits.body_min_rate.max(1) as f64);
            Some(state.since + limits.body_timeout + earned)
        }
        Phase::Busy => None,
    }
}

/// The shared record of one connection.
pub struct Slot {
    epoch: Instant,
    phase: AtomicU8,
    since_ms: AtomicU64,
    bytes_in: AtomicU64,
    body_from: AtomicU64,
    /// Told to close (the listener needs room).
    pub evict: Notify,
}

impl Slot {
    /// A connection accepted now, on a listener whose clock started at `epoch`.
    pub fn new(epoch: Instant) -> Slot {
        let slot = Slot {
            epoch,
            phase: AtomicU8::new(Phase::New as u8),
            since_ms: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            body_from: AtomicU64::new(0),
            evict: Notify::new(),
        };
        slot.since_ms.store(slot.now_ms(), Ordering::Relaxed);
        slot
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(Instant::now().saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Relaxed))
    }

    fn enter(&self, phase: Phase) {
        self.since_ms.store(self.now_ms(), Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    pub fn state(&self) -> State {
        let bytes = self.bytes_in.load(Ordering::Relaxed);
        State {
            phase: self.phase(),
            since: Duration::from_millis(self.since_ms.load(Ordering::Relaxed)),
            body_bytes: bytes.saturating_sub(self.body_from.load(Ordering::Relaxed)),
        }
    }

    /// `n` bytes arrived from the client. The first byte after `New` or `Idle` starts a head.
    pub fn received(&self, n: usize) {
        self.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
        match self.phase() {
            Phase::New => self.phase.store(Phase::Head as u8, Ordering::Relaxed),
            Phase::Idle => self.enter(Phase::Head),
            _ => {}
        }
    }

    /// A request head was parsed; its body (if any) is still to come.
    pub fn request_started(&self, has_body: bool) {
        if has_body {
            self.body_from.store(self.bytes_in.load(Ordering::Relaxed), Ordering::Relaxed);
            self.enter(Phase::Body);
        } else {
            self.phase.store(Phase::Busy as u8, Ordering::Relaxed);
        }
    }

    /// The request body has been read to its end.
    pub fn body_finished(&self) {
        if self.phase() == Phase::Body {
            self.phase.store(Phase::Busy as u8, Ordering::Relaxed);
        }
    }

    /// The response has been sent (or abandoned): the connection waits for the next request.
    pub fn response_finished(&self) {
        self.enter(Phase::Idle);
    }

    /// When the phase began, for choosing the longest-idle connection.
    pub fn since(&self) -> u64 {
        self.since_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Under the defaults: 10 s for a head, 75 s idle, 20 s plus 1 s per 500 bytes for a body.
    fn at(phase: Phase, since: u64, body_bytes: u64) -> Option<Duration> {
        deadline(State { phase, since: Duration::from_secs(since), body_bytes }, &Limits::default())
    }

    #[test]
    fn each_phase_has_its_deadline() {
        assert_eq!(at(Phase::New, 5, 0), Some(Duration::from_secs(15)), "the first head: header timeout from accept");
        assert_eq!(at(Phase::Head, 5, 0), Some(Duration::from_secs(15)));
        assert_eq!(at(Phase::Idle, 5, 0), Some(Duration::from_secs(80)), "keep-alive: idle timeout");
        assert_eq!(at(Phase::Busy, 5, 0), None, "a response in progress is not timed here");
        // A body earns one second per 500 bytes on top of the body timeout.
        assert_eq!(at(Phase::Body, 5, 0), Some(Duration::from_secs(25)));
        assert_eq!(at(Phase::Body, 5, 5_000), Some(Duration::from_secs(35)));
        // 1 byte a second never keeps up: after 60 s the deadline has long passed.
        let trickle = at(Phase::Body, 0, 60).unwrap();
        assert!(trickle < Duration::from_secs(21), "{trickle:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn phases_follow_the_request_cycle() {
        let slot = Slot::new(Instant::now());
        assert!(slot.phase().is_idle());
        tokio::time::advance(Duration::from_secs(3)).await;
        slot.received(10);
        assert_eq!(slot.state().phase, Phase::Head);
        assert_eq!(slot.state().since, Duration::ZERO, "the first head counts from the accept");
        slot.request_started(true);
        slot.received(700);
        assert_eq!(slot.state(), State { phase: Phase::Body, since: Duration::from_secs(3), body_bytes: 700 });
        slot.body_finished();
        assert_eq!(slot.phase(), Phase::Busy);
        tokio::time::advance(Duration::from_secs(1)).await;
        slot.response_finished();
        assert_eq!((slot.phase(), slot.since()), (Phase::Idle, 4000));
        tokio::time::advance(Duration::from_secs(2)).await;
        slot.received(1);
        assert_eq!(slot.state().since, Duration::from_secs(6), "a later head counts from its first byte");
    }
}
