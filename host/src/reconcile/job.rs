//! Job identity, specification, the ticket handed to the run closure, and the status snapshot.

use std::{fmt, sync::Arc, time::Duration};

use tokio::time::Instant;

use super::outcome::JobOutcome;

/// Identity of a job: one tenant's plugin. The scheduler never runs two runs of the same
/// `JobId` at once.
///
/// Both parts are `Arc<str>` so that cloning an id into every [`JobTicket`] costs two
/// reference-count increments, not two string allocations.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId {
    /// Tenant name, as in the config.
    pub tenant: Arc<str>,
    /// Plugin name within the tenant.
    pub plugin: Arc<str>,
}

impl JobId {
    /// Builds an id from anything string-like.
    pub fn new(tenant: impl Into<Arc<str>>, plugin: impl Into<Arc<str>>) -> Self {
        Self {
            tenant: tenant.into(),
            plugin: plugin.into(),
        }
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.plugin)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({self})")
    }
}

/// What the rest of the host declares about a job; see
/// [`SchedulerHandle::upsert_job`](super::SchedulerHandle::upsert_job).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// The job's identity.
    pub id: JobId,
    /// Cluster alias the job runs against; bounds it by the per-cluster cap.
    pub cluster: Arc<str>,
    /// Base interval between successful runs; `None` uses the scheduler's default (20 s).
    /// Jitter is applied on top.
    pub interval: Option<Duration>,
    /// Opaque plugin version (e.g. a content hash). A change un-parks, un-quarantines and
    /// resets the backoff.
    pub version: Arc<str>,
}

impl JobSpec {
    /// A spec with the scheduler's default interval.
    pub fn new(id: JobId, cluster: impl Into<Arc<str>>, version: impl Into<Arc<str>>) -> Self {
        Self {
            id,
            cluster: cluster.into(),
            interval: None,
            version: version.into(),
        }
    }

    /// Overrides the interval between successful runs.
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }
}

/// Handed to the run closure for each run.
#[derive(Clone, Debug)]
pub struct JobTicket {
    /// The job to run.
    pub id: JobId,
    /// The job's cluster alias at dispatch time.
    pub cluster: Arc<str>,
    /// 1-based number of this run of this job (the job's "tick").
    pub tick: u64,
    /// The plugin version the scheduler believes current at dispatch time.
    pub version: Arc<str>,
}

/// Where a job is in its life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its next interval or `requeue_after`.
    Idle,
    /// Due, waiting for a free slot under the global and per-cluster caps.
    Queued,
    /// A run is in flight.
    Running,
    /// Waiting out an exponential backoff after a transient error or a trap.
    Backoff,
    /// Stopped by a terminal error until its version changes.
    Parked,
    /// Stopped after too many consecutive traps until its version changes.
    Quarantined,
}

impl JobState {
    /// Lower-case name, for logs, metrics labels and the status page.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Backoff => "backoff",
            Self::Parked => "parked",
            Self::Quarantined => "quarantined",
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point-in-time view of one job, from
/// [`SchedulerHandle::status`](super::SchedulerHandle::status).
#[derive(Clone, Debug)]
pub struct JobStatus {
    /// The job's identity.
    pub id: JobId,
    /// Its cluster alias.
    pub cluster: Arc<str>,
    /// Its current plugin version.
    pub version: Arc<str>,
    /// Its state.
    pub state: JobState,
    /// JobOutcome of the last finished run, if any.
    pub last_outcome: Option<JobOutcome>,
    /// Fuel consumed by the last finished run.
    pub last_fuel: Option<u64>,
    /// Wall-clock time of the last finished run.
    pub last_wall: Option<Duration>,
    /// When the last run finished.
    pub last_finished: Option<Instant>,
    /// The interval in effect (the spec's, or the scheduler's default), before jitter.
    pub interval: Duration,
    /// Failed runs (transient, trap or terminal) since the last success or version change.
    pub consecutive_failures: u32,
    /// Traps since the last non-trap outcome or version change.
    pub consecutive_traps: u32,
    /// When the job is next due, if it is waiting on a timer (idle or backoff).
    pub next_run: Option<Instant>,
    /// Runs finished since the job was added.
    pub runs: u64,
    /// A trigger arrived while running: the job runs again as soon as the run finishes.
    pub rerun_pending: bool,
}
