//! Randomised delays: the jittered interval and the exponential backoff.
//!
//! Jitter keeps jobs that started together from staying in lock step, so their runs (and
//! their cluster reads) spread out instead of arriving as a herd every interval.

use std::time::Duration;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::config::{BackoffJitter, SchedulerConfig};

/// Owns the RNG and the delay parameters.
#[derive(Debug)]
pub(crate) struct Delays {
    rng: StdRng,
    interval_jitter: f64,
    base: Duration,
    max: Duration,
    mode: BackoffJitter,
}

impl Delays {
    pub(crate) fn new(config: &SchedulerConfig) -> Self {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        Self {
            rng,
            interval_jitter: config.interval_jitter,
            base: config.backoff_base,
            max: config.backoff_max,
            mode: config.backoff_jitter,
        }
    }

    /// `interval × (1 + u)`, `u` uniform in `[-j, j]`.
    pub(crate) fn interval(&mut self, interval: Duration) -> Duration {
        if self.interval_jitter <= 0.0 || interval.is_zero() {
            return interval;
        }
        let j = self.interval_jitter;
        let factor = 1.0 + self.rng.random_range(-j..=j);
        interval.mul_f64(factor)
    }

    /// Backoff before the next attempt after `failures` consecutive failures (1-based):
    /// `base × 2^(failures-1)`, capped at `max`, jittered, and kept within `[base, max]`.
    pub(crate) fn backoff(&mut self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        let ceiling = self
            .base
            .checked_mul(1u32 << exp)
            .map_or(self.max, |d| d.min(self.max));
        let lo = match self.mode {
            BackoffJitter::Full => Duration::ZERO,
            BackoffJitter::Equal => ceiling / 2,
        };
        let d = if ceiling > lo {
            self.rng.random_range(lo..=ceiling)
        } else {
            ceiling
        };
        d.clamp(self.base, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delays(config: SchedulerConfig) -> Delays {
        Delays::new(&config.seed(7))
    }

    #[test]
    fn interval_jitter_stays_within_bounds_and_varies() {
        let mut d = delays(SchedulerConfig::default().interval_jitter(0.1));
        let base = Duration::from_secs(20);
        let samples: Vec<Duration> = (0..10_000).map(|_| d.interval(base)).collect();
        let (lo, hi) = (base.mul_f64(0.9), base.mul_f64(1.1));
        assert!(samples.iter().all(|s| *s >= lo && *s <= hi));
        let min = samples.iter().min().copied().unwrap_or_default();
        let max = samples.iter().max().copied().unwrap_or_default();
        // The spread should cover most of the ±10 % band, not collapse to one value.
        assert!(min < base.mul_f64(0.92), "min {min:?}");
        assert!(max > base.mul_f64(1.08), "max {max:?}");
    }

    #[test]
    fn interval_jitter_is_clamped_to_half() {
        let mut d = delays(SchedulerConfig::default().interval_jitter(3.0));
        let base = Duration::from_secs(10);
        for _ in 0..10_000 {
            let s = d.interval(base);
            assert!(
                s >= Duration::from_secs(5) && s <= Duration::from_secs(15),
                "{s:?}"
            );
        }
    }

    #[test]
    fn zero_jitter_is_exact() {
        let mut d = delays(SchedulerConfig::default().interval_jitter(0.0));
        assert_eq!(d.interval(Duration::from_secs(20)), Duration::from_secs(20));
    }

    #[test]
    fn equal_jitter_backoff_doubles_within_bounds_and_caps() {
        let config = SchedulerConfig::default()
            .backoff(Duration::from_secs(1), Duration::from_secs(300))
            .backoff_jitter(BackoffJitter::Equal);
        let mut d = delays(config);
        for failures in 1..=20u32 {
            let ceiling =
                Duration::from_secs(1u64 << (failures - 1).min(20)).min(Duration::from_secs(300));
            for _ in 0..500 {
                let b = d.backoff(failures);
                assert!(
                    b >= (ceiling / 2).max(Duration::from_secs(1)),
                    "{failures}: {b:?}"
                );
                assert!(b <= ceiling, "{failures}: {b:?}");
            }
        }
        let huge = d.backoff(u32::MAX);
        assert!(
            huge >= Duration::from_secs(150) && huge <= Duration::from_secs(300),
            "{huge:?}"
        );
    }

    #[test]
    fn full_jitter_backoff_is_floored_at_base() {
        let config = SchedulerConfig::default()
            .backoff(Duration::from_secs(1), Duration::from_secs(300))
            .backoff_jitter(BackoffJitter::Full);
        let mut d = delays(config);
        let samples: Vec<Duration> = (0..2_000).map(|_| d.backoff(6)).collect();
        assert!(samples
            .iter()
            .all(|b| *b >= Duration::from_secs(1) && *b <= Duration::from_secs(32)));
        // Full jitter reaches well below the equal-jitter floor of 16 s.
        assert!(samples.iter().any(|b| *b < Duration::from_secs(8)));
    }
}
