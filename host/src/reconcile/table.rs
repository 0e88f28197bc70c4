//! The job table: one slot per job, found by id through a map, by slot everywhere else.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::time::Instant;

use super::{
    fairness::TenantIdx,
    job::{JobId, JobState, JobStatus},
    outcome::JobOutcome,
    queue::{ClusterIdx, Slot},
};

/// Everything the scheduler keeps about one job.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) id: JobId,
    pub(crate) cluster_name: Arc<str>,
    pub(crate) cluster: ClusterIdx,
    pub(crate) tenant: TenantIdx,
    pub(crate) interval: Option<Duration>,
    pub(crate) version: Arc<str>,
    pub(crate) state: JobState,
    /// Stamp of the one queue entry that is valid for this job; see `queue`.
    pub(crate) stamp: u64,
    pub(crate) next_run: Option<Instant>,
    /// Cluster the in-flight run was counted on, and the version it was dispatched with.
    pub(crate) in_flight: Option<(ClusterIdx, Arc<str>)>,
    /// A trigger or version change arrived while running: run again right after.
    pub(crate) rerun: bool,
    /// Removed while running: dropped when the run finishes.
    pub(crate) removed: bool,
    pub(crate) ticks: u64,
    pub(crate) runs: u64,
    pub(crate) failures: u32,
    pub(crate) traps: u32,
    pub(crate) last_outcome: Option<JobOutcome>,
    pub(crate) last_fuel: Option<u64>,
    pub(crate) last_wall: Option<Duration>,
    pub(crate) last_finished: Option<Instant>,
}

impl Job {
    pub(crate) fn status(&self, default_interval: Duration) -> JobStatus {
        JobStatus {
            id: self.id.clone(),
            cluster: self.cluster_name.clone(),
            version: self.version.clone(),
            state: self.state,
            last_outcome: self.last_outcome.clone(),
            last_fuel: self.last_fuel,
            last_wall: self.last_wall,
            last_finished: self.last_finished,
            interval: self.interval.unwrap_or(default_interval),
            consecutive_failures: self.failures,
            consecutive_traps: self.traps,
            next_run: self.next_run,
            runs: self.runs,
            rerun_pending: self.rerun,
        }
    }
}

/// Slots with a free list, so removing jobs does not grow the table forever.
#[derive(Debug, Default)]
pub(crate) struct JobTable {
    slots: Vec<Option<Job>>,
    free: Vec<Slot>,
    by_id: HashMap<JobId, Slot>,
}

impl JobTable {
    pub(crate) fn slot_of(&self, id: &JobId) -> Option<Slot> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn get(&self, slot: Slot) -> Option<&Job> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub(crate) fn get_mut(&mut self, slot: Slot) -> Option<&mut Job> {
        self.slots.get_mut(slot as usize).and_then(Option::as_mut)
    }

    pub(crate) fn insert(&mut self, job: Job) -> Slot {
        let id = job.id.clone();
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = Some(job);
                }
                slot
            }
            None => {
                self.slots.push(Some(job));
                // More than u32::MAX jobs is far beyond any config; saturate rather than wrap.
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.by_id.insert(id, slot);
        slot
    }

    pub(crate) fn remove(&mut self, slot: Slot) -> Option<Job> {
        let job = self.slots.get_mut(slot as usize)?.take()?;
        if self.by_id.get(&job.id) == Some(&slot) {
            self.by_id.remove(&job.id);
        }
        self.free.push(slot);
        Some(job)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Job> {
        self.slots.iter().flatten()
    }
}
