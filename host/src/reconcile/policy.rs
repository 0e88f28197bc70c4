//! The error policy: what a finished run means for its job's next run (kube-runtime's
//! `error_policy`, with controller-runtime's per-item exponential backoff).

use tokio::time::Instant;

use super::{
    backoff::Delays, config::SchedulerConfig, job::JobState, outcome::JobOutcome, table::Job,
};

/// Where a job goes after a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The job was removed while running: drop it.
    Remove,
    /// Queue it again at once (a trigger or version change arrived while it ran).
    ReadyNow,
    /// Wait on a timer, in the given state (idle or backoff).
    Wait { at: Instant, state: JobState },
    /// Stop until the version changes (parked or quarantined).
    Stop(JobState),
}

/// Applies a finished run's outcome to the job's counters and decides its next step.
///
/// `run_version` is the version the run was dispatched with: if the job's version changed
/// meanwhile, the outcome describes replaced code, so it neither parks nor backs off the job,
/// which runs the new version at once.
pub(crate) fn decide(
    job: &mut Job,
    run_version: &str,
    outcome: &JobOutcome,
    config: &SchedulerConfig,
    delays: &mut Delays,
    now: Instant,
) -> Next {
    if job.removed {
        return Next::Remove;
    }
    let rerun = std::mem::take(&mut job.rerun);
    if *job.version != *run_version {
        return Next::ReadyNow;
    }
    match outcome {
        JobOutcome::Ok { requeue_after } => {
            job.failures = 0;
            job.traps = 0;
            if rerun {
                return Next::ReadyNow;
            }
            // The floor also guards against a zero interval from a bad config.
            let wait = match requeue_after {
                Some(d) => *d,
                None => delays.interval(job.interval.unwrap_or(config.default_interval)),
            }
            .max(config.min_requeue_after);
            Next::Wait {
                at: now + wait,
                state: JobState::Idle,
            }
        }
        JobOutcome::Transient(_) => {
            job.failures = job.failures.saturating_add(1);
            job.traps = 0;
            retry(job, rerun, delays, now)
        }
        JobOutcome::Trap { .. } => {
            job.failures = job.failures.saturating_add(1);
            job.traps = job.traps.saturating_add(1);
            if job.traps >= config.quarantine_after {
                Next::Stop(JobState::Quarantined)
            } else {
                retry(job, rerun, delays, now)
            }
        }
        JobOutcome::Terminal(_) => {
            job.failures = job.failures.saturating_add(1);
            job.traps = 0;
            Next::Stop(JobState::Parked)
        }
    }
}

/// A failed run backs off, unless someone asked for a run while it was in flight: that
/// explicit request wins, as controller-runtime re-adds a key marked dirty during processing.
fn retry(job: &Job, rerun: bool, delays: &mut Delays, now: Instant) -> Next {
    if rerun {
        return Next::ReadyNow;
    }
    Next::Wait {
        at: now + delays.backoff(job.failures),
        state: JobState::Backoff,
    }
}
