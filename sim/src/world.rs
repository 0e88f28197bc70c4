//! The world: clusters, the simulated clock and the time-ordered event queue.
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::faults::Faults;
use super::model::Cluster;
use super::reqlog::RequestLog;

/// How often the disk/thread-pool monitor runs (`cluster.info.update.interval`, 30s).
pub const MONITOR_MS: i64 = 30_000;
/// Events one clock catch-up may run (see [`World::catch_up`]).
pub const CATCH_UP_BUDGET: usize = 50_000;
/// How often follower shard tasks are advanced.
pub const CCR_TICK_MS: i64 = 1_000;

/// The clock runs at `speed` × real time from an anchor; `advance` moves the anchor.
#[derive(Debug, Clone)]
pub struct Clock {
    pub anchor_real: Instant,
    pub anchor_sim: i64,
    pub speed: f64,
}

impl Clock {
    pub fn target(&self) -> i64 {
        if self.speed <= 0.0 {
            return self.anchor_sim;
        }
        self.anchor_sim + (self.anchor_real.elapsed().as_secs_f64() * 1000.0 * self.speed) as i64
    }
    pub fn reanchor(&mut self, sim: i64) {
        self.anchor_sim = sim;
        self.anchor_real = Instant::now();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    IsmJob {
        cluster: usize,
        index: String,
        gen: u64,
    },
    Monitor {
        cluster: usize,
    },
    CcrTick {
        cluster: usize,
    },
    /// A scheduled fault (or the end of one), by id in [`Faults::scheduled`].
    Fault(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    pub time: i64,
    pub seq: u64,
    pub kind: EventKind,
}

/// Tunables of the models that have no OpenSearch setting.
#[derive(Debug, Clone)]
pub struct Models {
    /// Operations per second a follower replays (per index).
    pub ccr_ops_per_sec: f64,
    /// Bytes per second a follower bootstraps from the leader.
    pub ccr_restore_bytes_per_sec: f64,
}

impl Default for Models {
    fn default() -> Self {
        Self {
            ccr_ops_per_sec: 1000.0,
            ccr_restore_bytes_per_sec: 50.0 * 1024.0 * 1024.0,
        }
    }
}

pub struct World {
    pub seed: u64,
    pub now: i64,
    pub clock: Clock,
    pub clusters: Vec<Cluster>,
    events: BinaryHeap<Reverse<Event>>,
    event_seq: u64,
    pub faults: Faults,
    pub log: RequestLog,
    pub rng: StdRng,
    pub models: Models,
}

impl World {
    pub fn new(seed: u64, start_ms: i64, speed: f64, clusters: Vec<Cluster>) -> Self {
        let mut w = Self {
            seed,
            now: start_ms,
            clock: Clock {
                anchor_real: Instant::now(),
                anchor_sim: start_ms,
                speed,
            },
            clusters,
            events: BinaryHeap::new(),
            event_seq: 0,
            faults: Faults::default(),
            log: RequestLog::default(),
            rng: StdRng::seed_from_u64(seed),
            models: Models::default(),
        };
        for c in 0..w.clusters.len() {
            w.schedule(start_ms + MONITOR_MS, EventKind::Monitor { cluster: c });
            w.schedule(start_ms + CCR_TICK_MS, EventKind::CcrTick { cluster: c });
        }
        w
    }

    pub fn schedule(&mut self, time: i64, kind: EventKind) {
        self.event_seq += 1;
        self.events.push(Reverse(Event {
            time,
            seq: self.event_seq,
            kind,
        }));
    }

    /// Brings the world up to the clock (called before every request and by the ticker).
    /// At most `CATCH_UP_BUDGET` events run per call: when the machine cannot keep up with
    /// the requested speed the clock slows down instead of starving requests of the lock.
    pub fn catch_up(&mut self) {
        let t = self.clock.target();
        if t <= self.now {
            return;
        }
        let mut budget = CATCH_UP_BUDGET;
        while let Some(Reverse(ev)) = self.events.peek() {
            if ev.time > t {
                break;
            }
            if budget == 0 {
                tracing::debug!(
                    behind_ms = t - self.now,
                    "sim cannot keep up with its speed; slowing the clock"
                );
                self.clock.reanchor(self.now);
                return;
            }
            budget -= 1;
            let Some(Reverse(ev)) = self.events.pop() else {
                break;
            };
            self.now = self.now.max(ev.time);
            self.handle(ev.kind);
        }
        self.now = self.now.max(t);
    }

    /// Moves the clock forward by `ms`, running everything due in time order.
    pub fn advance(&mut self, ms: i64) {
        let target = self.clock.target().max(self.now) + ms.max(0);
        self.clock.reanchor(target);
        self.run_until(target);
    }

    pub fn set_speed(&mut self, speed: f64) {
        let t = self.clock.target().max(self.now);
        self.clock.reanchor(t);
        self.clock.speed = speed.max(0.0);
    }

    /// Processes every event with `time <= target`, earliest first (ties in scheduling order).
    pub fn run_until(&mut self, target: i64) {
        while let Some(Reverse(ev)) = self.events.peek() {
            if ev.time > target {
                break;
            }
            let Some(Reverse(ev)) = self.events.pop() else {
                break;
            };
            self.now = self.now.max(ev.time);
            self.handle(ev.kind);
        }
        self.now = self.now.max(target);
    }

    fn handle(&mut self, kind: EventKind) {
        match kind {
            EventKind::IsmJob {
                cluster,
                index,
                gen,
            } => {
                super::ism::runner::run_job(self, cluster, &index, gen);
            }
            EventKind::Monitor { cluster } => {
                super::alloc::monitor(self, cluster);
                self.schedule(self.now + MONITOR_MS, EventKind::Monitor { cluster });
            }
            EventKind::CcrTick { cluster } => {
                super::ccr::tick(self, cluster);
                self.schedule(self.now + CCR_TICK_MS, EventKind::CcrTick { cluster });
            }
            EventKind::Fault(id) => {
                if let Some(action) = self.faults.scheduled.remove(&id) {
                    if let Err(e) = super::faults::apply(self, &action) {
                        tracing::warn!(error = %e, "scheduled fault failed");
                    }
                }
            }
        }
    }

    /// Number of events waiting (for the control API and benchmarks).
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }
}
