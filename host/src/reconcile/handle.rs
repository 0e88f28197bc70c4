//! The handle the rest of the host uses to drive the scheduler.

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};

use super::job::{JobId, JobSpec, JobStatus};

/// Errors from the scheduler handle.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The scheduler loop has stopped (after `shutdown`, or because its task ended).
    #[error("scheduler is shut down")]
    Closed,
}

/// What `shutdown` found when the grace period ended or the last run finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Every run in flight finished within the grace period.
    pub all_finished: bool,
    /// Jobs whose run was still in flight when the grace period ran out. Their tasks are not
    /// aborted: the runner's own deadlines end them.
    pub still_running: Vec<JobId>,
}

pub(crate) enum Command {
    Upsert(JobSpec),
    SetVersion(JobId, Arc<str>),
    Remove(JobId),
    Trigger(JobId),
    Status(oneshot::Sender<Vec<JobStatus>>),
    Shutdown {
        grace: Duration,
        reply: oneshot::Sender<ShutdownReport>,
    },
}

/// Counters the loop publishes for readers that must not wait on it (health checks, metrics).
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) epoch: Instant,
    /// Milliseconds from `epoch` to the loop's last iteration.
    pub(crate) heartbeat_ms: AtomicU64,
    pub(crate) queue_depth: AtomicUsize,
    pub(crate) in_flight: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            heartbeat_ms: AtomicU64::new(0),
            queue_depth: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    pub(crate) fn beat(&self, now: Instant, depth: usize, in_flight: usize) {
        let ms = now.saturating_duration_since(self.epoch).as_millis();
        self.heartbeat_ms
            .store(u64::try_from(ms).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.queue_depth.store(depth, Ordering::Relaxed);
        self.in_flight.store(in_flight, Ordering::Relaxed);
    }
}

/// A cheap, cloneable handle to a running scheduler.
///
/// Mutations are queued to the scheduler loop and applied in order; they return only
/// [`SchedulerError::Closed`]. Queries that need the loop's state are `async`.
#[derive(Clone, Debug)]
pub struct SchedulerHandle {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) shared: Arc<Shared>,
}

impl SchedulerHandle {
    fn send(&self, command: Command) -> Result<(), SchedulerError> {
        self.commands
            .send(command)
            .map_err(|_| SchedulerError::Closed)
    }

    /// Adds a job, due at once, or updates an existing one's interval, cluster and version.
    /// A changed version counts as [`Self::set_version`]. Re-adding a job removed while its
    /// run is in flight revives it without a second concurrent run.
    pub fn upsert_job(&self, spec: JobSpec) -> Result<(), SchedulerError> {
        self.send(Command::Upsert(spec))
    }

    /// Records a new plugin version for a job. If it differs from the current one, the
    /// backoff is reset, a parked or quarantined job is released, and the job runs at once
    /// (right after the run in flight, which finishes on the old version).
    pub fn set_version(
        &self,
        id: JobId,
        version: impl Into<Arc<str>>,
    ) -> Result<(), SchedulerError> {
        self.send(Command::SetVersion(id, version.into()))
    }

    /// Removes a job. A run in flight finishes; nothing runs after it.
    pub fn remove_job(&self, id: JobId) -> Result<(), SchedulerError> {
        self.send(Command::Remove(id))
    }

    /// Runs a job as soon as the caps allow, even if it is idle or backing off. If it is
    /// running, it runs once more right after; if already queued, nothing changes. Parked
    /// and quarantined jobs ignore triggers until their version changes.
    pub fn trigger(&self, id: JobId) -> Result<(), SchedulerError> {
        self.send(Command::Trigger(id))
    }

    /// A snapshot of every job.
    pub async fn status(&self) -> Result<Vec<JobStatus>, SchedulerError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Status(tx))?;
        rx.await.map_err(|_| SchedulerError::Closed)
    }

    /// When the scheduler loop last ran (for `/healthz`). The loop wakes at least once per
    /// heartbeat period, so an old value means it is stuck.
    pub fn heartbeat(&self) -> Instant {
        let ms = self.shared.heartbeat_ms.load(Ordering::Relaxed);
        self.shared.epoch + Duration::from_millis(ms)
    }

    /// Jobs due and waiting for a slot (the `workqueue_depth` metric).
    pub fn queue_depth(&self) -> usize {
        self.shared.queue_depth.load(Ordering::Relaxed)
    }

    /// Runs in flight.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Relaxed)
    }

    /// Stops dispatching new runs and waits up to `grace` for the runs in flight. The loop
    /// then exits, and later calls return [`SchedulerError::Closed`].
    pub async fn shutdown(&self, grace: Duration) -> Result<ShutdownReport, SchedulerError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Shutdown { grace, reply: tx })?;
        rx.await.map_err(|_| SchedulerError::Closed)
    }
}
