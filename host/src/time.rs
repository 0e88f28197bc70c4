//! The host's notion of now, and how it writes instants: one [`Clock`] trait with the wall
//! clock, the simulator's clock and a manual one for tests, and the RFC 3339 stamps of
//! [`lifeguard_common::calendar`].
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use lifeguard_common::calendar::{
    civil_from_days, utc_seconds, weekday, MIN_PER_DAY, MS_PER_DAY, MS_PER_MIN,
};

use crate::sim::SimHandle;

/// Epoch milliseconds now. A simulated cluster brings its own, sped-up clock.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// The simulator's time, so plugins and the guard see simulated time (`demo`, `plan --sim`).
pub struct SimClock(pub Arc<SimHandle>);

impl Clock for SimClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.now_ms()).unwrap_or(0)
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn new(ms: u64) -> Self {
        Self(AtomicU64::new(ms))
    }
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// `2024-05-06T07:08:09.123Z` of epoch milliseconds.
pub fn rfc3339_ms(ms: u64) -> String {
    lifeguard_common::calendar::rfc3339_ms(i64::try_from(ms).unwrap_or(i64::MAX))
}
