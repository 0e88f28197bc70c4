//! What a run returns to the scheduler.

use std::{fmt, time::Duration};

/// How a run ended. Kept free of wasm types: the runner maps guest results and traps onto it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutcome {
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

impl JobOutcome {
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

impl fmt::Display for JobOutcome {
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
pub struct JobReport {
    /// How the run ended.
    pub outcome: JobOutcome,
    /// Fuel consumed; feeds the per-tenant fair-share window.
    pub fuel: u64,
    /// Wall-clock time of the run as measured by the runner.
    pub wall: Duration,
}

impl JobReport {
    /// A report with the given outcome and fuel, and zero wall time.
    pub fn new(outcome: JobOutcome, fuel: u64) -> Self {
        Self {
            outcome,
            fuel,
            wall: Duration::ZERO,
        }
    }
}
