//! The scheduler's state machine, synchronous and free of I/O: the async loop in
//! `scheduler` feeds it commands, due timers and finished runs, and asks it what to start.

use std::{collections::HashMap, sync::Arc};

use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::{
    backoff::Delays,
    config::SchedulerConfig,
    fairness::{FuelLedger, TenantIdx},
    job::{JobId, JobSpec, JobState, JobStatus, JobTicket},
    observer::{RunEvent, RunObserver},
    outcome::JobReport,
    policy::{decide, Next},
    queue::{ClusterIdx, Entry, ReadyQueues, Slot, Timers},
    table::{Job, JobTable},
};

/// A run the loop should start.
#[derive(Debug)]
pub(crate) struct Dispatch {
    pub(crate) slot: Slot,
    pub(crate) stamp: u64,
    pub(crate) ticket: JobTicket,
}

/// All scheduler state.
pub(crate) struct Core {
    config: SchedulerConfig,
    jobs: JobTable,
    timers: Timers,
    ready: ReadyQueues,
    ledger: FuelLedger,
    delays: Delays,
    clusters: HashMap<Arc<str>, ClusterIdx>,
    tenants: HashMap<Arc<str>, TenantIdx>,
    observers: Vec<Arc<dyn RunObserver>>,
    next_stamp: u64,
    queued: usize,
}

impl Core {
    pub(crate) fn new(
        config: SchedulerConfig,
        observers: Vec<Arc<dyn RunObserver>>,
        now: Instant,
    ) -> Self {
        Self {
            jobs: JobTable::default(),
            timers: Timers::default(),
            ready: ReadyQueues::new(config.max_concurrent),
            ledger: FuelLedger::new(now, config.fair_window, config.fair_max_delay),
            delays: Delays::new(&config),
            clusters: HashMap::new(),
            tenants: HashMap::new(),
            observers,
            next_stamp: 0,
            queued: 0,
            config,
        }
    }

    /// Jobs due and waiting for a slot (the `workqueue_depth` metric).
    pub(crate) fn queue_depth(&self) -> usize {
        self.queued
    }

    /// Runs in flight.
    pub(crate) fn in_flight(&self) -> usize {
        self.ready.running()
    }

    /// When the earliest timer fires.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_at()
    }

    pub(crate) fn status(&self) -> Vec<JobStatus> {
        self.jobs
            .iter()
            .filter(|j| !j.removed)
            .map(|j| j.status(self.config.default_interval))
            .collect()
    }

    /// Ids of jobs with a run in flight, removed ones included.
    pub(crate) fn running_jobs(&self) -> Vec<JobId> {
        self.jobs
            .iter()
            .filter(|j| j.state == JobState::Running)
            .map(|j| j.id.clone())
            .collect()
    }

    fn cluster_idx(&mut self, name: &Arc<str>) -> ClusterIdx {
        if let Some(&idx) = self.clusters.get(name) {
            return idx;
        }
        let idx = self.ready.add_cluster(self.config.cap_for(name));
        self.clusters.insert(name.clone(), idx);
        idx
    }

    fn tenant_idx(&mut self, name: &Arc<str>) -> TenantIdx {
        if let Some(&idx) = self.tenants.get(name) {
            return idx;
        }
        let idx = self.ledger.add_tenant();
        self.tenants.insert(name.clone(), idx);
        idx
    }

    fn stamp(&mut self) -> u64 {
        self.next_stamp += 1;
        self.next_stamp
    }

    /// Adds a job, or updates its interval, cluster and version. A new job is due at once.
    pub(crate) fn upsert(&mut self, spec: JobSpec, now: Instant) {
        let cluster = self.cluster_idx(&spec.cluster);
        let Some(slot) = self.jobs.slot_of(&spec.id) else {
            let tenant = self.tenant_idx(&spec.id.tenant);
            debug!(job = %spec.id, cluster = %spec.cluster, version = %spec.version, "job added");
            let slot = self.jobs.insert(Job {
                id: spec.id,
                cluster_name: spec.cluster,
                cluster,
                tenant,
                interval: spec.interval,
                version: spec.version,
                state: JobState::Idle,
                stamp: 0,
                next_run: None,
                in_flight: None,
                rerun: false,
                removed: false,
                ticks: 0,
                runs: 0,
                failures: 0,
                traps: 0,
                last_outcome: None,
                last_fuel: None,
                last_wall: None,
                last_finished: None,
            });
            self.enqueue(slot, now, now);
            return;
        };
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        // Re-adding a job removed while its run was in flight keeps the one entry, so the
        // old and the new never run at once.
        job.removed = false;
        let mut requeue = false;
        if job.cluster != cluster {
            job.cluster = cluster;
            job.cluster_name = spec.cluster;
            // A queued entry sits in the old cluster's queue; move it.
            requeue = job.state == JobState::Queued;
        }
        let mut reschedule = None;
        if job.interval != spec.interval {
            job.interval = spec.interval;
            if let (JobState::Idle, Some(at)) = (job.state, job.next_run) {
                reschedule = Some(at);
            }
        }
        let version_changed = job.version != spec.version;
        if requeue {
            self.enqueue(slot, now, now);
        } else if let Some(at) = reschedule {
            // A shorter interval should take effect now, not after the old, longer wait.
            let interval = spec.interval.unwrap_or(self.config.default_interval);
            let sooner = now + self.delays.interval(interval);
            if sooner < at {
                self.wait(slot, sooner, JobState::Idle);
            }
        }
        if version_changed {
            self.set_version(&spec.id, spec.version, now);
        }
    }

    /// Records a new plugin version: resets backoff, releases a parked or quarantined job,
    /// and runs the new version at once (right after the run in flight, if any).
    pub(crate) fn set_version(&mut self, id: &JobId, version: Arc<str>, now: Instant) {
        let Some(slot) = self.jobs.slot_of(id) else {
            debug!(job = %id, "set_version for an unknown job ignored");
            return;
        };
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        if job.version == version {
            return;
        }
        info!(job = %id, from = %job.version, to = %version, state = %job.state, "plugin version changed");
        job.version = version;
        job.failures = 0;
        job.traps = 0;
        match job.state {
            JobState::Running => job.rerun = true,
            JobState::Queued => {}
            _ => self.enqueue(slot, now, now),
        }
    }

    /// Removes a job; a run in flight finishes first and its outcome is dropped.
    pub(crate) fn remove(&mut self, id: &JobId) {
        let Some(slot) = self.jobs.slot_of(id) else {
            return;
        };
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        debug!(job = %id, state = %job.state, "job removed");
        match job.state {
            JobState::Running => {
                job.removed = true;
                job.rerun = false;
            }
            state => {
                if state == JobState::Queued {
                    self.queued = self.queued.saturating_sub(1);
                }
                // Its queue entries go stale with the slot.
                self.jobs.remove(slot);
            }
        }
    }

    /// Runs a job as soon as a slot is free; see `SchedulerHandle::trigger`.
    pub(crate) fn trigger(&mut self, id: &JobId, now: Instant) {
        let Some(slot) = self.jobs.slot_of(id) else {
            debug!(job = %id, "trigger for an unknown job ignored");
            return;
        };
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        match job.state {
            JobState::Idle | JobState::Backoff => self.enqueue(slot, now, now),
            JobState::Queued => {}
            JobState::Running => job.rerun = !job.removed,
            JobState::Parked | JobState::Quarantined => {
                debug!(job = %id, state = %job.state, "trigger ignored until the version changes");
            }
        }
    }

    /// Queues the job as due at `due`, weighted by its tenant's fuel share.
    fn enqueue(&mut self, slot: Slot, due: Instant, now: Instant) {
        let stamp = self.stamp();
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        let key = due + self.ledger.penalty(job.tenant, now);
        if job.state != JobState::Queued {
            self.queued += 1;
        }
        job.state = JobState::Queued;
        job.stamp = stamp;
        job.next_run = None;
        self.ready.push(
            job.cluster,
            Entry {
                at: key,
                stamp,
                slot,
            },
        );
    }

    /// Puts the job on a timer (idle or backoff).
    fn wait(&mut self, slot: Slot, at: Instant, state: JobState) {
        let stamp = self.stamp();
        let Some(job) = self.jobs.get_mut(slot) else {
            return;
        };
        job.state = state;
        job.stamp = stamp;
        job.next_run = Some(at);
        self.timers.push(Entry { at, stamp, slot });
    }

    /// Moves jobs whose timer fired into the ready queues.
    pub(crate) fn promote_due(&mut self, now: Instant) {
        while let Some(e) = self.timers.pop_due(now) {
            let live = self.jobs.get(e.slot).is_some_and(|j| {
                j.stamp == e.stamp && matches!(j.state, JobState::Idle | JobState::Backoff)
            });
            if live {
                self.enqueue(e.slot, e.at, now);
            }
        }
    }

    /// The next run to start under the caps, if any.
    pub(crate) fn next_dispatch(&mut self) -> Option<Dispatch> {
        loop {
            let (cluster, e) = self.ready.pop_next()?;
            let Some(job) = self.jobs.get_mut(e.slot) else {
                continue;
            };
            if job.stamp != e.stamp || job.state != JobState::Queued || job.cluster != cluster {
                continue;
            }
            job.state = JobState::Running;
            job.ticks += 1;
            job.in_flight = Some((cluster, job.version.clone()));
            self.queued = self.queued.saturating_sub(1);
            self.ready.started(cluster);
            return Some(Dispatch {
                slot: e.slot,
                stamp: e.stamp,
                ticket: JobTicket {
                    id: job.id.clone(),
                    cluster: job.cluster_name.clone(),
                    tick: job.ticks,
                    version: job.version.clone(),
                },
            });
        }
    }

    /// Applies a finished run and tells the observers.
    pub(crate) fn complete(&mut self, slot: Slot, stamp: u64, report: JobReport, now: Instant) {
        let Some(job) = self.jobs.get_mut(slot) else {
            warn!(slot, "completion for an empty slot ignored");
            return;
        };
        let in_flight = job.in_flight.take();
        let Some((cluster, run_version)) = in_flight.filter(|_| job.stamp == stamp) else {
            warn!(job = %job.id, "completion for a run not in flight ignored");
            return;
        };
        self.ready.finished(cluster);
        self.ledger.record(job.tenant, report.fuel, now);
        job.runs += 1;
        job.last_fuel = Some(report.fuel);
        job.last_wall = Some(report.wall);
        job.last_finished = Some(now);
        let tick = job.ticks;
        let next = decide(
            job,
            &run_version,
            &report.outcome,
            &self.config,
            &mut self.delays,
            now,
        );
        match next {
            Next::Remove => {
                if let Some(job) = self.jobs.remove(slot) {
                    self.notify(&job, tick, &run_version, &report, None);
                }
                return;
            }
            Next::ReadyNow => self.enqueue(slot, now, now),
            Next::Wait { at, state } => self.wait(slot, at, state),
            Next::Stop(state) => {
                job.state = state;
                job.next_run = None;
                warn!(job = %job.id, state = %state, outcome = %report.outcome,
                    "job stopped until its plugin version changes");
            }
        }
        if let Some(job) = self.jobs.get(slot) {
            if let Next::Wait {
                state: JobState::Backoff,
                at,
            } = next
            {
                debug!(job = %job.id, failures = job.failures, delay = ?at.saturating_duration_since(now),
                    outcome = %report.outcome, "backing off");
            }
            self.notify(job, tick, &run_version, &report, Some(job.state));
        }
        if let Some(job) = self.jobs.get_mut(slot) {
            job.last_outcome = Some(report.outcome);
        }
    }

    fn notify(
        &self,
        job: &Job,
        tick: u64,
        version: &str,
        report: &JobReport,
        next_state: Option<JobState>,
    ) {
        if self.observers.is_empty() {
            return;
        }
        let event = RunEvent {
            job: &job.id,
            cluster: &job.cluster_name,
            tick,
            version,
            report,
            next_state,
        };
        for o in &self.observers {
            o.on_run(&event);
        }
    }
}
