//! The observer hook that sees every finished run (metrics, the status page), so the
//! scheduler knows neither.

use super::job::{JobId, JobState};
use super::outcome::JobReport;

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
    pub report: &'a JobReport,
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
