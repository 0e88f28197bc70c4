//! Scheduler tuning, with `#[must_use]` setters after kube-runtime's `controller::Config`.

use std::{collections::HashMap, sync::Arc, time::Duration};

/// How randomness is mixed into an exponential backoff delay `d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BackoffJitter {
    /// Uniform in `[0, d]`, then floored at the base delay. Spreads retries the most.
    Full,
    /// Uniform in `[d/2, d]`, then floored at the base delay. Keeps at least half the wait,
    /// so a failing job cannot retry almost at once.
    #[default]
    Equal,
}

/// Tuning for a [`Scheduler`](super::Scheduler).
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    pub(crate) max_concurrent: usize,
    pub(crate) per_cluster_cap: usize,
    pub(crate) cluster_caps: HashMap<Arc<str>, usize>,
    pub(crate) default_interval: Duration,
    pub(crate) interval_jitter: f64,
    pub(crate) min_requeue_after: Duration,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) backoff_jitter: BackoffJitter,
    pub(crate) quarantine_after: u32,
    pub(crate) fair_window: Duration,
    pub(crate) fair_max_delay: Duration,
    pub(crate) heartbeat_period: Duration,
    pub(crate) seed: Option<u64>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 64,
            per_cluster_cap: 16,
            cluster_caps: HashMap::new(),
            default_interval: Duration::from_secs(20),
            interval_jitter: 0.1,
            min_requeue_after: Duration::from_secs(1),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            backoff_jitter: BackoffJitter::Equal,
            quarantine_after: 5,
            fair_window: Duration::from_secs(60),
            fair_max_delay: Duration::from_secs(5),
            heartbeat_period: Duration::from_secs(1),
            seed: None,
        }
    }
}

impl SchedulerConfig {
    /// Most runs in flight at once across all jobs (default 64, at least 1).
    #[must_use]
    pub fn max_concurrent(mut self, n: usize) -> Self {
        self.max_concurrent = n.max(1);
        self
    }

    /// Most runs in flight at once against one cluster (default 16, at least 1).
    #[must_use]
    pub fn per_cluster_cap(mut self, n: usize) -> Self {
        self.per_cluster_cap = n.max(1);
        self
    }

    /// Overrides the per-cluster cap for one cluster alias (at least 1).
    #[must_use]
    pub fn cluster_cap(mut self, cluster: impl Into<Arc<str>>, n: usize) -> Self {
        self.cluster_caps.insert(cluster.into(), n.max(1));
        self
    }

    /// Interval for jobs whose spec has none (default 20 s).
    #[must_use]
    pub fn default_interval(mut self, interval: Duration) -> Self {
        self.default_interval = interval;
        self
    }

    /// Relative jitter on the interval: each wait is uniform in `interval × (1 ± j)`.
    /// Default 0.1; clamped to `[0, 0.5]` so a wait is never less than half the interval.
    #[must_use]
    pub fn interval_jitter(mut self, j: f64) -> Self {
        self.interval_jitter = if j.is_finite() {
            j.clamp(0.0, 0.5)
        } else {
            0.0
        };
        self
    }

    /// Floor on a plugin's `requeue_after` (default 1 s), so a plugin asking for 0 ms cannot
    /// spin. Benchmarks may set it to zero.
    #[must_use]
    pub fn min_requeue_after(mut self, d: Duration) -> Self {
        self.min_requeue_after = d;
        self
    }

    /// Exponential backoff from `base` (default 1 s), doubling per consecutive failure, up to
    /// `max` (default 5 min).
    #[must_use]
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max.max(base);
        self
    }

    /// How backoff delays are jittered (default [`BackoffJitter::Equal`]).
    #[must_use]
    pub fn backoff_jitter(mut self, jitter: BackoffJitter) -> Self {
        self.backoff_jitter = jitter;
        self
    }

    /// Consecutive traps that quarantine a job until its version changes (default 5, at
    /// least 1).
    #[must_use]
    pub fn quarantine_after(mut self, n: u32) -> Self {
        self.quarantine_after = n.max(1);
        self
    }

    /// Fair share: the sliding window over which tenant fuel is summed (default 60 s), and
    /// the most a tenant's jobs are held behind others' because of its share of that fuel
    /// (default 5 s). The hold is bounded, so no tenant starves.
    #[must_use]
    pub fn fair_share(mut self, window: Duration, max_delay: Duration) -> Self {
        self.fair_window = window.max(Duration::from_millis(6));
        self.fair_max_delay = max_delay;
        self
    }

    /// How often the loop wakes when idle, to refresh its heartbeat (default 1 s).
    #[must_use]
    pub fn heartbeat_period(mut self, d: Duration) -> Self {
        self.heartbeat_period = d.max(Duration::from_millis(1));
        self
    }

    /// Seeds the jitter RNG, for reproducible tests. Default: seeded from the OS.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    pub(crate) fn cap_for(&self, cluster: &str) -> usize {
        self.cluster_caps
            .get(cluster)
            .copied()
            .unwrap_or(self.per_cluster_cap)
    }
}
