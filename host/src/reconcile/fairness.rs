//! Fair share by fuel: a per-tenant sliding window of fuel burned, turned into a bounded
//! delay on the tenant's queue position.
//!
//! A due job is ordered by `due + max_delay × share`, where `share` is its tenant's part of
//! all fuel burned in the window. When several jobs are due, the frugal tenant's go first;
//! a greedy tenant's job is held at most `max_delay` behind its due time, so once jobs due
//! later than that arrive, it is ahead of them: nobody starves. The order only matters when
//! the caps leave jobs waiting; with free slots every due job runs at once.

use std::time::Duration;

use tokio::time::Instant;

/// Buckets in the window; the window slides by one bucket (window / 6) at a time.
const BUCKETS: usize = 6;

/// Fuel summed per bucket over the last [`BUCKETS`] buckets.
#[derive(Debug, Default, Clone)]
struct Ring {
    /// Absolute bucket number each slot currently holds.
    ids: [u64; BUCKETS],
    fuel: [u64; BUCKETS],
}

impl Ring {
    fn add(&mut self, bucket: u64, fuel: u64) {
        let slot = (bucket % BUCKETS as u64) as usize;
        if let (Some(id), Some(f)) = (self.ids.get_mut(slot), self.fuel.get_mut(slot)) {
            if *id != bucket {
                *id = bucket;
                *f = 0;
            }
            *f = f.saturating_add(fuel);
        }
    }

    fn sum(&self, bucket: u64) -> u64 {
        let oldest = bucket.saturating_sub(BUCKETS as u64 - 1);
        self.ids
            .iter()
            .zip(self.fuel.iter())
            .filter(|(id, _)| **id >= oldest && **id <= bucket)
            .fold(0u64, |acc, (_, f)| acc.saturating_add(*f))
    }
}

/// Index of a tenant in the ledger; jobs keep it so the hot path never hashes a name.
pub(crate) type TenantIdx = usize;

/// Per-tenant fuel over a sliding window.
#[derive(Debug)]
pub(crate) struct FuelLedger {
    start: Instant,
    bucket_len: Duration,
    max_delay: Duration,
    total: Ring,
    tenants: Vec<Ring>,
}

impl FuelLedger {
    pub(crate) fn new(start: Instant, window: Duration, max_delay: Duration) -> Self {
        let bucket_len = (window / BUCKETS as u32).max(Duration::from_millis(1));
        Self {
            start,
            bucket_len,
            max_delay,
            total: Ring::default(),
            tenants: Vec::new(),
        }
    }

    /// Registers a new tenant and returns its index.
    pub(crate) fn add_tenant(&mut self) -> TenantIdx {
        self.tenants.push(Ring::default());
        self.tenants.len() - 1
    }

    fn bucket(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        (elapsed / self.bucket_len.as_nanos().max(1)) as u64
    }

    /// Records fuel burned by a run of `tenant` that finished at `now`.
    pub(crate) fn record(&mut self, tenant: TenantIdx, fuel: u64, now: Instant) {
        if fuel == 0 {
            return;
        }
        let b = self.bucket(now);
        if let Some(ring) = self.tenants.get_mut(tenant) {
            ring.add(b, fuel);
            self.total.add(b, fuel);
        }
    }

    /// Fuel `tenant` burned within the window ending at `now`.
    #[cfg(test)]
    pub(crate) fn window_fuel(&self, tenant: TenantIdx, now: Instant) -> u64 {
        let b = self.bucket(now);
        self.tenants.get(tenant).map_or(0, |r| r.sum(b))
    }

    /// How far behind its due time a job of `tenant` is placed in the queue.
    pub(crate) fn penalty(&self, tenant: TenantIdx, now: Instant) -> Duration {
        if self.max_delay.is_zero() {
            return Duration::ZERO;
        }
        let b = self.bucket(now);
        let total = self.total.sum(b);
        if total == 0 {
            return Duration::ZERO;
        }
        let mine = self.tenants.get(tenant).map_or(0, |r| r.sum(b));
        let share = (mine as f64 / total as f64).clamp(0.0, 1.0);
        self.max_delay.mul_f64(share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_follows_share_and_is_bounded() {
        let t0 = Instant::now();
        let mut l = FuelLedger::new(t0, Duration::from_secs(60), Duration::from_secs(5));
        let (greedy, frugal, idle) = (l.add_tenant(), l.add_tenant(), l.add_tenant());
        assert_eq!(
            l.penalty(greedy, t0),
            Duration::ZERO,
            "no fuel yet, no penalty"
        );
        l.record(greedy, 900, t0);
        l.record(frugal, 100, t0);
        let pg = l.penalty(greedy, t0);
        let pf = l.penalty(frugal, t0);
        assert!(pg > pf, "{pg:?} vs {pf:?}");
        assert_eq!(pg, Duration::from_secs(5).mul_f64(0.9));
        assert_eq!(pf, Duration::from_secs(5).mul_f64(0.1));
        assert_eq!(l.penalty(idle, t0), Duration::ZERO);
        l.record(greedy, u64::MAX, t0);
        assert!(l.penalty(greedy, t0) <= Duration::from_secs(5));
    }

    #[test]
    fn window_slides_and_forgets_old_fuel() {
        let t0 = Instant::now();
        let mut l = FuelLedger::new(t0, Duration::from_secs(60), Duration::from_secs(5));
        let a = l.add_tenant();
        l.record(a, 1_000, t0);
        l.record(a, 500, t0 + Duration::from_secs(30));
        assert_eq!(l.window_fuel(a, t0 + Duration::from_secs(30)), 1_500);
        // The first bucket [0 s, 10 s) leaves the window once the window's start passes 10 s.
        assert_eq!(l.window_fuel(a, t0 + Duration::from_secs(65)), 500);
        assert_eq!(l.window_fuel(a, t0 + Duration::from_secs(100)), 0);
        // A slot reused for a new bucket starts from zero.
        l.record(a, 7, t0 + Duration::from_secs(120));
        assert_eq!(l.window_fuel(a, t0 + Duration::from_secs(120)), 7);
    }
}
