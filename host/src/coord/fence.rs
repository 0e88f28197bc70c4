//! The lease clock: whether this replica's etcd lease is provably live, on the monotonic
//! clock, with no etcd request per check.
//!
//! The deadline is the send time of the last keep-alive etcd answered, plus the TTL it
//! granted, minus a safety margin. Measuring from the send (not the answer) errs on the safe
//! side: etcd restarted the TTL no earlier than it received the request.
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The share of the TTL kept as a margin against clock drift and scheduling delay.
const MARGIN_FRACTION: f64 = 0.2;

#[derive(Debug, Default)]
pub struct LeaseClock {
    state: Mutex<Option<Renewal>>,
}

#[derive(Debug, Clone, Copy)]
struct Renewal {
    sent: Instant,
    deadline: Instant,
}

impl LeaseClock {
    /// etcd answered a grant or keep-alive sent at `sent` with `ttl`.
    pub fn renewed(&self, sent: Instant, ttl: Duration) {
        let margin = ttl.mul_f64(MARGIN_FRACTION);
        let deadline = sent + ttl.saturating_sub(margin);
        if let Ok(mut s) = self.state.lock() {
            // A late answer to an older request must not move the deadline back.
            if s.is_none_or(|r| deadline > r.deadline) {
                *s = Some(Renewal { sent, deadline });
            }
        }
    }

    /// The lease is gone (revoked, expired, or a new one is being granted).
    pub fn lost(&self) {
        if let Ok(mut s) = self.state.lock() {
            *s = None;
        }
    }

    /// Whether the lease is provably live now.
    pub fn live(&self) -> bool {
        self.live_at(Instant::now())
    }

    pub fn live_at(&self, now: Instant) -> bool {
        self.state
            .lock()
            .ok()
            .and_then(|s| *s)
            .is_some_and(|r| now < r.deadline)
    }

    /// Time since the last renewal was sent, if there is a live one.
    pub fn age(&self) -> Option<Duration> {
        let r = self.state.lock().ok().and_then(|s| *s)?;
        Some(Instant::now().saturating_duration_since(r.sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn live_until_ttl_minus_margin_from_the_send() {
        let c = LeaseClock::default();
        assert!(!c.live(), "no lease yet");
        let sent = Instant::now();
        tokio::time::advance(Duration::from_millis(300)).await;
        c.renewed(sent, Duration::from_secs(10));
        assert!(c.live());
        // 10 s − 20 % = 8 s after the send, not after the answer.
        tokio::time::advance(Duration::from_millis(7_600)).await;
        assert!(c.live());
        tokio::time::advance(Duration::from_millis(200)).await;
        assert!(
            !c.live(),
            "8 s after the send the lease is no longer provably live"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_old_answer_does_not_shorten_and_lost_clears() {
        let c = LeaseClock::default();
        let first = Instant::now();
        tokio::time::advance(Duration::from_secs(2)).await;
        c.renewed(Instant::now(), Duration::from_secs(10));
        c.renewed(first, Duration::from_secs(10));
        tokio::time::advance(Duration::from_millis(7_000)).await;
        assert!(c.live(), "deadline still counts from the newer send");
        c.lost();
        assert!(!c.live());
        assert!(c.age().is_none());
    }
}
