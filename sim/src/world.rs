//! The world: clusters, the simulated clock and the time-ordered event queue.
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::faults::action::Faults;
use super::model::Cluster;
use super::reqlog::RequestLog;

/// How often the disk/thread-pool monitor runs (`cluster.info.update.interval`, 30s).
pub const MONITOR_MS: i64 = 30_000;
/// Events one clock catch-up may run (see [`crate::events::catch_up`]).
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

    pub fn set_speed(&mut self, speed: f64) {
        let t = self.clock.target().max(self.now);
        self.clock.reanchor(t);
        self.clock.speed = speed.max(0.0);
    }

    /// The earliest event due at or before `target`, removed from the queue.
    pub fn pop_due(&mut self, target: i64) -> Option<Event> {
        if self.has_due(target) {
            return self.events.pop().map(|Reverse(ev)| ev);
        }
        None
    }

    /// Whether an event is due at or before `target`.
    pub fn has_due(&self, target: i64) -> bool {
        self.events
            .peek()
            .is_some_and(|Reverse(ev)| ev.time <= target)
    }

    /// Number of events waiting (for the control API and benchmarks).
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }
}
