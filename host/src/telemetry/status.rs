//! What the status page and `/api/status` show: plain data the host assembles from the
//! scheduler, registry, guard and clients, so this module depends on none of them.
use std::sync::{Arc, RwLock};
use std::time::Instant;

use serde::Serialize;

/// Everything the status page shows, as of one moment.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StatusSnapshot {
    pub process: ProcessInfo,
    pub tenants: Vec<TenantStatus>,
    pub breakers: Vec<BreakerStatus>,
    pub clusters: Vec<ClusterStatus>,
    /// Newest first.
    pub audit: Vec<AuditLine>,
    /// With `[coordination]`: members, owners and this replica's lease.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordination: Option<CoordinationStatus>,
}

/// One replica's view of the etcd coordination.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CoordinationStatus {
    pub replica_id: String,
    pub prefix: String,
    pub lease_live: bool,
    /// Milliseconds since the last keep-alive etcd answered was sent.
    pub lease_age_ms: Option<u64>,
    pub members: Vec<String>,
    /// Tenant → owning replica, as etcd last said.
    pub owners: std::collections::BTreeMap<String, String>,
    pub owned: Vec<String>,
    pub last_error: Option<String>,
}

/// The host process itself.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ProcessInfo {
    /// Lifeguard's version.
    pub version: String,
    pub uptime_ms: u64,
    /// e.g. `live`, `dry-run`, `demo`.
    pub mode: String,
}

impl ProcessInfo {
    /// This build's version, up since `started`, in `mode`.
    pub fn current(started: Instant, mode: &str) -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            mode: mode.to_owned(),
        }
    }
}

/// One tenant and its plugins.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TenantStatus {
    pub name: String,
    pub plugins: Vec<PluginStatus>,
}

/// Where a job stands in the scheduler.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    /// Waiting for its next run.
    #[default]
    Idle,
    /// Due, waiting for a run slot.
    Queued,
    Running,
    /// Failed, waiting out an exponential backoff.
    Backoff,
    /// Stopped by a terminal error until its plugin is replaced.
    Parked,
    /// Stopped after repeated failures.
    Quarantined,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Idle => "idle",
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Backoff => "backoff",
            JobState::Parked => "parked",
            JobState::Quarantined => "quarantined",
        }
    }
}

/// One (tenant, plugin) job.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PluginStatus {
    pub name: String,
    /// The component file it was loaded from.
    pub file: String,
    /// Content hash of the loaded component (hex).
    pub version_hash: String,
    /// The version the plugin reports in `describe()`.
    pub version: String,
    pub state: JobState,
    /// The last run's outcome, if it has run.
    pub last: Option<LastRun>,
    /// Milliseconds until the next run; `None` when parked or quarantined.
    pub next_run_ms: Option<u64>,
    pub consecutive_failures: u32,
}

/// How the last run ended and what it cost.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LastRun {
    /// `ok`, `transient`, `terminal` or `trap` ([`crate::runtime::RunOutcome::label`]).
    pub outcome: String,
    /// The summary on `ok`, the error or trap message otherwise. Plugin-supplied.
    pub message: String,
    pub fuel: u64,
    pub wall_ms: u64,
    /// Epoch milliseconds.
    pub at_ms: u64,
}

impl LastRun {
    /// From a run report finished at `at_ms`.
    pub fn from_report(report: &crate::runtime::RunReport, at_ms: u64) -> Self {
        use crate::runtime::RunOutcome;
        let message = match &report.outcome {
            RunOutcome::Ok { summary, .. } => summary.clone(),
            RunOutcome::Transient { message } | RunOutcome::Terminal { message } => message.clone(),
            RunOutcome::Trap { kind, message } => format!("{kind}: {message}"),
        };
        Self {
            outcome: report.outcome.label().to_owned(),
            message,
            fuel: report.fuel,
            wall_ms: u64::try_from(report.wall.as_millis()).unwrap_or(u64::MAX),
            at_ms,
        }
    }
}

/// A cluster's mutation breaker.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BreakerState {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BreakerStatus {
    pub cluster: String,
    pub state: BreakerState,
    /// Why it is (or last was) open; empty when it never tripped.
    pub reason: String,
    /// Epoch milliseconds of the last state change.
    pub since_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ClusterStatus {
    pub name: String,
    pub url: String,
    pub reachable: bool,
    /// `green`, `yellow`, `red`, or `None` before the first answer.
    pub health: Option<String>,
}

/// One audit log line, as shown on the page.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AuditLine {
    /// Epoch milliseconds.
    pub time_ms: u64,
    pub tenant: String,
    pub plugin: String,
    pub cluster: String,
    pub verb: String,
    pub target: String,
    /// The guard's verdict: `allowed`, `denied`, `throttled`, `dry-run`, …
    pub outcome: String,
    /// The plugin's stated reason. Plugin-supplied.
    pub reason: String,
}

/// Produces the current snapshot on each request. Implemented for closures, so the host can
/// pass `Arc::new(move || build_snapshot(&sched, &registry))`.
pub trait StatusSource: Send + Sync {
    fn snapshot(&self) -> StatusSnapshot;
}

impl<F> StatusSource for F
where
    F: Fn() -> StatusSnapshot + Send + Sync,
{
    fn snapshot(&self) -> StatusSnapshot {
        self()
    }
}

/// A snapshot the host pushes into, for wiring where pulling is awkward (and for tests).
#[derive(Debug, Clone, Default)]
pub struct StatusBoard(Arc<RwLock<StatusSnapshot>>);

impl StatusBoard {
    pub fn new(initial: StatusSnapshot) -> Self {
        Self(Arc::new(RwLock::new(initial)))
    }

    pub fn set(&self, snapshot: StatusSnapshot) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
    }

    /// Changes the snapshot in place.
    pub fn update(&self, f: impl FnOnce(&mut StatusSnapshot)) {
        f(&mut self.0.write().unwrap_or_else(|e| e.into_inner()));
    }
}

impl StatusSource for StatusBoard {
    fn snapshot(&self) -> StatusSnapshot {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
