//! Scheduler tests on a paused Tokio clock. The run closure is scripted per ticket and
//! records when each run started and what ran concurrently, so the tests assert observed
//! behaviour rather than internal state alone.

mod capacity;
mod dedup;
mod fairness;
mod invariants;
mod lifecycle;
mod outcomes;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::time::Instant;

use super::*;

/// What one run does: how long it takes, what it reports, how much fuel it burns.
#[derive(Clone, Debug)]
pub(super) struct Step {
    pub(super) outcome: JobOutcome,
    pub(super) fuel: u64,
    pub(super) takes: Duration,
}

impl Step {
    pub(super) fn ok() -> Self {
        Self {
            outcome: JobOutcome::ok(),
            fuel: 1,
            takes: Duration::ZERO,
        }
    }

    pub(super) fn with(outcome: JobOutcome) -> Self {
        Self {
            outcome,
            ..Self::ok()
        }
    }

    pub(super) fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = fuel;
        self
    }

    pub(super) fn takes(mut self, d: Duration) -> Self {
        self.takes = d;
        self
    }
}

pub(super) type Script = Arc<dyn Fn(&JobTicket) -> Step + Send + Sync>;

/// One observed run start.
#[derive(Clone, Debug)]
pub(super) struct Rec {
    pub(super) at: Duration,
    pub(super) ticket: JobTicket,
}

#[derive(Default)]
pub(super) struct Concurrency {
    global: usize,
    max_global: usize,
    per_job: HashMap<JobId, usize>,
    per_cluster: HashMap<String, usize>,
    max_per_cluster: HashMap<String, usize>,
    overlaps: usize,
}

pub(super) struct Harness {
    pub(super) handle: SchedulerHandle,
    log: Arc<Mutex<Vec<Rec>>>,
    conc: Arc<Mutex<Concurrency>>,
    pub(super) events: Arc<AtomicUsize>,
}

/// Counts observer events.
struct Counter(Arc<AtomicUsize>);

impl RunObserver for Counter {
    fn on_run(&self, _event: &RunEvent<'_>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Harness {
    pub(super) fn start(config: SchedulerConfig, script: Script) -> Self {
        let t0 = Instant::now();
        let log: Arc<Mutex<Vec<Rec>>> = Arc::default();
        let conc: Arc<Mutex<Concurrency>> = Arc::default();
        let events = Arc::new(AtomicUsize::new(0));
        let (log2, conc2) = (log.clone(), conc.clone());
        let run = run_fn(move |ticket: JobTicket| {
            let step = script(&ticket);
            let (log, conc) = (log2.clone(), conc2.clone());
            async move {
                let cluster = ticket.cluster.to_string();
                {
                    let mut c = conc.lock().unwrap();
                    c.global += 1;
                    c.max_global = c.max_global.max(c.global);
                    let n = c.per_job.entry(ticket.id.clone()).or_default();
                    *n += 1;
                    if *n > 1 {
                        c.overlaps += 1;
                    }
                    let k = c.per_cluster.entry(cluster.clone()).or_default();
                    *k += 1;
                    let k = *k;
                    let m = c.max_per_cluster.entry(cluster.clone()).or_default();
                    *m = (*m).max(k);
                }
                log.lock().unwrap().push(Rec {
                    at: Instant::now() - t0,
                    ticket: ticket.clone(),
                });
                if !step.takes.is_zero() {
                    tokio::time::sleep(step.takes).await;
                }
                {
                    let mut c = conc.lock().unwrap();
                    c.global -= 1;
                    *c.per_job.entry(ticket.id.clone()).or_default() -= 1;
                    *c.per_cluster.entry(cluster).or_default() -= 1;
                }
                JobReport {
                    outcome: step.outcome,
                    fuel: step.fuel,
                    wall: step.takes,
                }
            }
        });
        let handle = Scheduler::new(config, run)
            .observer(Arc::new(Counter(events.clone())))
            .spawn();
        Self {
            handle,
            log,
            conc,
            events,
        }
    }

    /// Every run start so far, in order.
    pub(super) fn log(&self) -> Vec<Rec> {
        self.log.lock().unwrap().clone()
    }

    /// Start times of one job's runs, relative to the harness start.
    pub(super) fn starts(&self, id: &JobId) -> Vec<Duration> {
        self.log()
            .into_iter()
            .filter(|r| &r.ticket.id == id)
            .map(|r| r.at)
            .collect()
    }

    pub(super) fn max_global(&self) -> usize {
        self.conc.lock().unwrap().max_global
    }

    pub(super) fn max_in_cluster(&self, cluster: &str) -> usize {
        self.conc
            .lock()
            .unwrap()
            .max_per_cluster
            .get(cluster)
            .copied()
            .unwrap_or(0)
    }

    /// Times a job started while a run of the same job was in flight.
    pub(super) fn overlaps(&self) -> usize {
        self.conc.lock().unwrap().overlaps
    }

    pub(super) async fn status_of(&self, id: &JobId) -> JobStatus {
        self.handle
            .status()
            .await
            .unwrap()
            .into_iter()
            .find(|s| &s.id == id)
            .unwrap_or_else(|| panic!("no status for {id}"))
    }
}

pub(super) fn id(tenant: &str, plugin: &str) -> JobId {
    JobId::new(tenant, plugin)
}

pub(super) fn spec(tenant: &str, plugin: &str, cluster: &str) -> JobSpec {
    JobSpec::new(id(tenant, plugin), cluster, "v1")
}

/// A config with fixed seed and no jitter, so that timings are exact unless a test wants
/// jitter.
pub(super) fn exact() -> SchedulerConfig {
    SchedulerConfig::default().seed(42).interval_jitter(0.0)
}

/// Gaps between consecutive instants.
pub(super) fn gaps(starts: &[Duration]) -> Vec<Duration> {
    starts.windows(2).map(|w| w[1] - w[0]).collect()
}

pub(super) async fn advance(d: Duration) {
    tokio::time::sleep(d).await;
}

pub(super) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(super) fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}
