//! The per-cluster circuit breaker: closed, open, half-open.
//!
//! The host feeds it what it sees each tick: [`Breaker::observe_health`],
//! [`Breaker::observe_thread_pools`] (or both at once with [`Breaker::observe`]), and
//! [`Breaker::record_transport_result`] for each request the client made. Any bad input opens
//! it. Once `cool_down` has passed since the last bad input it is half-open; the next
//! good health or thread-pool observation closes it, provided the other input is not bad
//! either, and a bad one opens it again. Mutations are refused while open or half-open (the
//! probe is the observation, not a tenant's write); reads are never refused.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cluster::model::{HealthStatus, ThreadPool};
use crate::time::Clock;

/// The health at which the breaker opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthFloor {
    /// Open on red only.
    Red,
    /// Open on yellow or red.
    Yellow,
}

/// ```toml
/// [guard.breaker]
/// health_floor = "red"          # or "yellow": open at this health or worse
/// queue_ratio = 0.8             # open when a pool's queue >= 80 % of its queue_size
/// pools = ["write", "management", "search", "force_merge"]
/// transport_failures = 5        # consecutive failed requests that open it
/// cool_down = "30s"            # open → half-open after this long without a bad input
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    /// Default `red`.
    #[serde(default = "default_floor")]
    pub health_floor: HealthFloor,
    /// Default 0.8.
    #[serde(default = "default_ratio")]
    pub queue_ratio: f64,
    /// Default write, management, search, force_merge.
    #[serde(default = "default_pools")]
    pub pools: Vec<String>,
    /// Default 5.
    #[serde(default = "default_failures")]
    pub transport_failures: u32,
    /// Default 30 s.
    #[serde(
        default = "default_cool_down",
        deserialize_with = "crate::units::deserialize_duration",
        serialize_with = "crate::units::serialize_duration"
    )]
    pub cool_down: Duration,
    /// Deprecated spelling of `cool_down` in whole seconds; still read (it wins when both are
    /// set, as before) and reported by config validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_down_secs: Option<u64>,
}

fn default_floor() -> HealthFloor {
    HealthFloor::Red
}
fn default_ratio() -> f64 {
    0.8
}
fn default_pools() -> Vec<String> {
    ["write", "management", "search", "force_merge"]
        .map(String::from)
        .to_vec()
}
fn default_failures() -> u32 {
    5
}
fn default_cool_down() -> Duration {
    Duration::from_secs(30)
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            health_floor: default_floor(),
            queue_ratio: default_ratio(),
            pools: default_pools(),
            transport_failures: default_failures(),
            cool_down: default_cool_down(),
            cool_down_secs: None,
        }
    }
}

impl BreakerConfig {
    /// The cool-down in milliseconds; the deprecated `cool_down_secs` wins when set.
    pub fn cool_down_ms(&self) -> u64 {
        match self.cool_down_secs {
            Some(secs) => secs.saturating_mul(1000),
            None => u64::try_from(self.cool_down.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The breaker's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Closed,
    Open,
    HalfOpen,
}

/// A snapshot for metrics (`breaker_open{cluster}`) and the status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakerState {
    pub state: Phase,
    /// Why it opened last; `None` while closed.
    pub reason: Option<String>,
    /// Epoch ms when it entered `state` (open and half-open count as one stretch).
    pub since_ms: u64,
}

#[derive(Debug)]
struct Inner {
    open: bool,
    reason: Option<String>,
    since_ms: u64,
    last_bad_ms: u64,
    health_bad: Option<String>,
    pools_bad: Option<String>,
    failures: u32,
    /// Last `rejected` per (node, pool).
    rejected: HashMap<(String, String), u64>,
}

/// One cluster's breaker. Cheap to share behind an `Arc`.
pub struct Breaker {
    cluster: String,
    cfg: BreakerConfig,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Breaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker")
            .field("cluster", &self.cluster)
            .field("state", &self.state())
            .finish()
    }
}

impl Breaker {
    pub fn new(cluster: &str, cfg: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now_ms();
        Self {
            cluster: cluster.to_string(),
            cfg,
            clock,
            inner: Mutex::new(Inner {
                open: false,
                reason: None,
                since_ms: now,
                last_bad_ms: 0,
                health_bad: None,
                pools_bad: None,
                failures: 0,
                rejected: HashMap::new(),
            }),
        }
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// Feed the cluster health.
    pub fn observe_health(&self, status: HealthStatus) {
        self.with(|b, now| {
            b.health_bad = self.health_verdict(status);
            b.settle(now, self.cool_down_ms());
        });
    }

    /// Feed the thread pools of every node.
    pub fn observe_thread_pools(&self, pools: &[ThreadPool]) {
        self.with(|b, now| {
            b.pools_bad = self.pools_verdict(b, pools);
            b.settle(now, self.cool_down_ms());
        });
    }

    /// Feed health and thread pools from one snapshot, deciding once.
    pub fn observe(&self, status: HealthStatus, pools: &[ThreadPool]) {
        self.with(|b, now| {
            b.health_bad = self.health_verdict(status);
            b.pools_bad = self.pools_verdict(b, pools);
            b.settle(now, self.cool_down_ms());
        });
    }

    /// Feed the result of one request to the cluster: `ok` means it got an HTTP answer.
    pub fn record_transport_result(&self, ok: bool) {
        self.with(|b, now| {
            if ok {
                b.failures = 0;
                return;
            }
            b.failures = b.failures.saturating_add(1);
            if b.failures >= self.cfg.transport_failures.max(1) {
                let reason = format!("{} consecutive transport failures", b.failures);
                b.trip(now, reason);
            }
        });
    }

    /// `Err(reason)` while mutations must wait.
    pub fn check_mutation(&self) -> Result<(), String> {
        let s = self.state();
        match s.state {
            Phase::Closed => Ok(()),
            Phase::Open | Phase::HalfOpen => Err(s.reason.unwrap_or_else(|| "unknown".into())),
        }
    }

    pub fn state(&self) -> BreakerState {
        let now = self.clock.now_ms();
        let cool = self.cool_down_ms();
        match self.inner.lock() {
            Ok(b) => BreakerState {
                state: b.phase(now, cool),
                reason: b.reason.clone(),
                since_ms: b.since_ms,
            },
            // Poisoned: a panic mid-update; fail safe.
            Err(_) => BreakerState {
                state: Phase::Open,
                reason: Some("breaker state unavailable".into()),
                since_ms: now,
            },
        }
    }

    fn with(&self, f: impl FnOnce(&mut Inner, u64)) {
        let now = self.clock.now_ms();
        if let Ok(mut b) = self.inner.lock() {
            let was_open = b.open;
            f(&mut b, now);
            if b.open != was_open {
                if b.open {
                    tracing::warn!(cluster = %self.cluster, reason = ?b.reason, "breaker opened");
                } else {
                    tracing::info!(cluster = %self.cluster, "breaker closed");
                }
            }
        }
    }

    fn cool_down_ms(&self) -> u64 {
        self.cfg.cool_down_ms()
    }

    fn health_verdict(&self, status: HealthStatus) -> Option<String> {
        let bad = matches!(
            (status, self.cfg.health_floor),
            (HealthStatus::Red, _) | (HealthStatus::Yellow, HealthFloor::Yellow)
        );
        bad.then(|| format!("cluster health is {}", health_name(status)))
    }

    fn pools_verdict(&self, b: &mut Inner, pools: &[ThreadPool]) -> Option<String> {
        let mut bad = None;
        for p in pools {
            if !self.cfg.pools.iter().any(|n| n == &p.name) {
                continue;
            }
            let key = (p.node.clone(), p.name.clone());
            let grew = b
                .rejected
                .insert(key, p.rejected)
                .is_some_and(|before| p.rejected > before);
            if bad.is_some() {
                continue;
            }
            if grew {
                bad = Some(format!(
                    "thread pool [{}] on node [{}] rejected tasks since the last look",
                    p.name, p.node
                ));
            } else if p.queue_size > 0
                && f64::from(p.queue) >= self.cfg.queue_ratio * p.queue_size as f64
            {
                bad = Some(format!(
                    "thread pool [{}] on node [{}] queue {}/{}",
                    p.name, p.node, p.queue, p.queue_size
                ));
            }
        }
        bad
    }
}

impl Inner {
    fn phase(&self, now: u64, cool: u64) -> Phase {
        if !self.open {
            Phase::Closed
        } else if now.saturating_sub(self.last_bad_ms) >= cool {
            Phase::HalfOpen
        } else {
            Phase::Open
        }
    }

    fn trip(&mut self, now: u64, reason: String) {
        if !self.open {
            self.open = true;
            self.since_ms = now;
        }
        self.reason = Some(reason);
        self.last_bad_ms = now;
    }

    /// After an observation: open on a bad input; close from half-open when all are good.
    fn settle(&mut self, now: u64, cool: u64) {
        if let Some(r) = self.health_bad.clone().or_else(|| self.pools_bad.clone()) {
            self.trip(now, r);
        } else if self.phase(now, cool) == Phase::HalfOpen {
            self.open = false;
            self.reason = None;
            self.since_ms = now;
            self.failures = 0;
        }
    }
}

fn health_name(s: HealthStatus) -> &'static str {
    match s {
        HealthStatus::Green => "green",
        HealthStatus::Yellow => "yellow",
        HealthStatus::Red => "red",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ManualClock;

    fn pool(name: &str, queue: u32, size: i64, rejected: u64) -> ThreadPool {
        ThreadPool {
            node: "n1".into(),
            name: name.into(),
            threads: 4,
            queue,
            active: 0,
            rejected,
            largest: 4,
            completed: 0,
            queue_size: size,
        }
    }

    fn breaker(cfg: BreakerConfig) -> (Breaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(1_000_000));
        (Breaker::new("prod", cfg, clock.clone()), clock)
    }

    #[test]
    fn red_health_opens_then_half_open_recovers() {
        let (b, clock) = breaker(BreakerConfig::default());
        b.observe_health(HealthStatus::Yellow);
        assert!(
            b.check_mutation().is_ok(),
            "yellow is above the default floor"
        );
        b.observe_health(HealthStatus::Red);
        let s = b.state();
        assert_eq!(s.state, Phase::Open);
        assert_eq!(s.reason.as_deref(), Some("cluster health is red"));
        assert_eq!(s.since_ms, 1_000_000);
        assert_eq!(b.check_mutation(), Err("cluster health is red".into()));
        // Good news before the cool-down does not close it.
        clock.advance(10_000);
        b.observe_health(HealthStatus::Green);
        assert_eq!(b.state().state, Phase::Open);
        clock.advance(30_000);
        assert_eq!(b.state().state, Phase::HalfOpen);
        assert!(
            b.check_mutation().is_err(),
            "half-open still refuses writes"
        );
        b.observe_health(HealthStatus::Green);
        assert_eq!(b.state().state, Phase::Closed);
        assert_eq!(b.state().reason, None);
        assert!(b.check_mutation().is_ok());
    }

    #[test]
    fn half_open_reopens_on_bad_observation() {
        let (b, clock) = breaker(BreakerConfig::default());
        b.observe_health(HealthStatus::Red);
        clock.advance(31_000);
        assert_eq!(b.state().state, Phase::HalfOpen);
        b.observe_health(HealthStatus::Red);
        assert_eq!(b.state().state, Phase::Open);
        clock.advance(29_000);
        assert_eq!(b.state().state, Phase::Open, "cool-down restarted");
    }

    #[test]
    fn yellow_floor() {
        let (b, _) = breaker(BreakerConfig {
            health_floor: HealthFloor::Yellow,
            ..Default::default()
        });
        b.observe_health(HealthStatus::Yellow);
        assert_eq!(b.state().state, Phase::Open);
    }

    #[test]
    fn saturated_queue_opens_unbounded_and_unmonitored_ignored() {
        let (b, clock) = breaker(BreakerConfig::default());
        b.observe_thread_pools(&[
            pool("write", 79, 100, 0),
            pool("generic", 1000, 100, 0),
            pool("search", 5000, -1, 0),
        ]);
        assert_eq!(b.state().state, Phase::Closed);
        b.observe_thread_pools(&[pool("write", 80, 100, 0)]);
        let s = b.state();
        assert_eq!(s.state, Phase::Open);
        assert!(s.reason.unwrap().contains("queue 80/100"));
        // A good pool observation does not close it while health is bad either.
        clock.advance(31_000);
        b.observe_health(HealthStatus::Red);
        clock.advance(31_000);
        b.observe_thread_pools(&[pool("write", 0, 100, 0)]);
        assert_eq!(b.state().state, Phase::Open);
        b.observe(HealthStatus::Green, &[pool("write", 0, 100, 0)]);
        assert_eq!(
            b.state().state,
            Phase::Open,
            "that was a bad look, cool-down again"
        );
        clock.advance(31_000);
        b.observe(HealthStatus::Green, &[pool("write", 0, 100, 0)]);
        assert_eq!(b.state().state, Phase::Closed);
    }

    #[test]
    fn growing_rejections_open() {
        let (b, _) = breaker(BreakerConfig::default());
        b.observe_thread_pools(&[pool("write", 0, 100, 7)]);
        assert_eq!(b.state().state, Phase::Closed, "first look is the baseline");
        b.observe_thread_pools(&[pool("write", 0, 100, 7)]);
        assert_eq!(b.state().state, Phase::Closed);
        b.observe_thread_pools(&[pool("write", 0, 100, 9)]);
        let s = b.state();
        assert_eq!(s.state, Phase::Open);
        assert!(s.reason.unwrap().contains("rejected"));
    }

    #[test]
    fn consecutive_transport_failures_open() {
        let (b, clock) = breaker(BreakerConfig {
            transport_failures: 3,
            ..Default::default()
        });
        b.record_transport_result(false);
        b.record_transport_result(false);
        b.record_transport_result(true);
        b.record_transport_result(false);
        b.record_transport_result(false);
        assert_eq!(b.state().state, Phase::Closed, "a success resets the count");
        b.record_transport_result(false);
        assert_eq!(
            b.check_mutation(),
            Err("3 consecutive transport failures".into())
        );
        clock.advance(30_000);
        b.observe(HealthStatus::Green, &[]);
        assert_eq!(b.state().state, Phase::Closed);
    }

    #[test]
    fn config_defaults_and_unknown_fields() {
        let c: BreakerConfig = toml::from_str("health_floor = \"yellow\"").unwrap();
        assert_eq!(c.health_floor, HealthFloor::Yellow);
        assert_eq!(c.transport_failures, 5);
        assert_eq!(c.pools.len(), 4);
        assert!(toml::from_str::<BreakerConfig>("cooldown = 3").is_err());
    }
}
