//! What a run returns, and the observer hook that sees every finished run.

use std::{fmt, time::Duration};

use super::job::{JobId, JobState};

/// How a run ended. Kept free of wasm types: the runner maps guest results and traps onto it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The reconcile succeeded. Backoff is reset; the job runs again after `requeue_after`
    /// or, if `None`, after its jittered interval (either floored at the scheduler's
    /// `min_requeue_after`).
    Ok {
        /// The plugin's requested delay before the next run.
        requeue_after: Option<Duration>,
    },
    /// A retryable error: the job backs off exponentially.
    Transient(String),
    /// A permanent error: the job is parked until its plugin version changes.
    Terminal(String),
    /// The guest trapped (fuel, deadline, memory, or a bug). Backs off like `Transient`;
    /// enough consecutive traps quarantine the job.
    Trap {
        /// Short machine-friendly class, e.g. `fuel`, `deadline`, `memory`, `panic`.
        kind: String,
        /// Human-readable detail.
        message: String,
    },
}

impl Outcome {
    /// `Ok` with no requeue hint: the job's interval applies.
    pub fn ok() -> Self {
        Self::Ok {
            requeue_after: None,
        }
    }

    /// `Ok`, running again after `d` instead of the interval.
    pub fn requeue_after(d: Duration) -> Self {
        Self::Ok {
            requeue_after: Some(d),
        }
    }

    /// Label for the `reconcile_total{result}` metric: `success`, `transient`, `terminal`, `trap`.
    pub fn result_label(&self) -> &'static str {
        match self {
            Self::Ok { .. } => "success",
            Self::Transient(_) => "transient",
            Self::Terminal(_) => "terminal",
            Self::Trap { .. } => "trap",
        }
    }

    /// Whether this outcome counts as an error (`reconcile_errors_total`).
    pub fn is_error(&self) -> bool {
        !matches!(self, Self::Ok { .. })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok {
                requeue_after: Some(d),
            } => write!(f, "ok (requeue after {d:?})"),
            Self::Ok {
                requeue_after: None,
            } => f.write_str("ok"),
            Self::Transient(m) => write!(f, "transient: {m}"),
            Self::Terminal(m) => write!(f, "terminal: {m}"),
            Self::Trap { kind, message } => write!(f, "trap ({kind}): {message}"),
        }
    }
}

/// What the run closure returns for one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// How the run ended.
    pub outcome: Outcome,
    /// Fuel consumed; feeds the per-tenant fair-share window.
    pub fuel: u64,
    /// Wall-clock time of the run as measured by the runner.
    pub wall: Duration,
}

impl RunReport {
    /// A report with the given outcome and fuel, and zero wall time.
    pub fn new(outcome: Outcome, fuel: u64) -> Self {
        Self {
            outcome,
            fuel,
            wall: Duration::ZERO,
        }
    }
}

/// One finished run, as seen by a [`RunObserver`].
#[derive(Debug)]
pub struct RunEvent<'a> {
    /// The job that ran.
    pub job: &'a JobId,
    /// The cluster it ran against.
    pub cluster: &'a str,
    /// Its 1-based run number.
    pub tick: u64,
    /// The version it was dispatched with.
    pub version: &'a str,
    /// What the run returned.
    pub report: &'a RunReport,
    /// The job's state after the scheduler applied the outcome; `None` if the job was
    /// removed while this run was in flight.
    pub next_state: Option<JobState>,
}

/// Sees every finished run, e.g. to update metrics or the status page, without the scheduler
/// knowing about either.
///
/// Called on the scheduler's loop, once per run: keep it cheap and never block (update
/// atomics, or `try_send` to a channel).
pub trait RunObserver: Send + Sync + 'static {
    /// Called after the outcome of a run has been applied to its job.
    fn on_run(&self, event: &RunEvent<'_>);
}
