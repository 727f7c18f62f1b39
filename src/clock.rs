//! The one clock: wall time derived from tokio's monotonic clock, so that everything that reads
//! the time moves with `tokio::time::pause()`/`advance()` in tests and never jumps backwards.

use tokio::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    wall_base: jiff::Timestamp,
    mono_base: Instant,
}

impl Clock {
    /// Anchors wall time to the system clock once, at start.
    pub fn system() -> Self {
        Self::starting_at(jiff::Timestamp::now())
    }

    /// A clock that reads `start` now and then advances with tokio's clock.
    pub fn starting_at(start: jiff::Timestamp) -> Self {
        Clock { wall_base: start, mono_base: Instant::now() }
    }

    pub fn now(&self) -> jiff::Timestamp {
        let elapsed = Instant::now().saturating_duration_since(self.mono_base);
        let elapsed = jiff::SignedDuration::try_from(elapsed).unwrap_or(jiff::SignedDuration::MAX);
        self.wall_base.checked_add(elapsed).unwrap_or(jiff::Timestamp::MAX)
    }

    /// The tokio instant at which wall time `ts` is (or was) reached.
    pub fn instant_at(&self, ts: jiff::Timestamp) -> Instant {
        let offset = ts.duration_since(self.wall_base);
        match std::time::Duration::try_from(offset) {
            Ok(d) => self.mono_base + d,
            Err(_) => self.mono_base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn moves_with_paused_tokio_time() {
        let start: jiff::Timestamp = "2026-11-27T00:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        tokio::time::advance(std::time::Duration::from_secs(90)).await;
        assert_eq!(clock.now().to_string(), "2026-11-27T00:01:30Z");
        let later: jiff::Timestamp = "2026-11-27T00:02:00Z".parse().unwrap();
        assert_eq!(clock.instant_at(later) - Instant::now(), std::time::Duration::from_secs(30));
    }
}
