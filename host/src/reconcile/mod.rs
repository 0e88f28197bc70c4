//! The reconcile scheduler: when each (tenant, plugin) job runs. It knows neither wasm nor
//! HTTP; it is handed a [`RunFn`] and calls it with a [`JobTicket`].
//!
//! Semantics, after controller-runtime and kube-runtime:
//!
//! - **Dedup.** A job is queued or running at most once. A trigger while it runs marks it to
//!   run once more right after.
//! - **Caps.** At most `max_concurrent` runs in flight, and at most the cluster's cap against
//!   one cluster. A cluster at its cap does not hold back other clusters' jobs.
//! - **Outcomes** (see `policy`):
//!   - `Ok` resets the backoff; the next run is after `requeue_after` (floored at
//!     `min_requeue_after`) or the interval with ±jitter (default 20 s ± 10 %);
//!   - `Transient` and `Trap` back off exponentially (1 s doubling to 5 min, jittered);
//!   - `Terminal` parks the job; `quarantine_after` consecutive traps (default 5)
//!     quarantine it. Both last until the job's version changes.
//! - **Versions.** A new version resets the backoff, releases a parked or quarantined job,
//!   and runs it at once; a run in flight finishes on the old version, and its outcome is
//!   not held against the new one.
//! - **Fair share.** When jobs wait for a slot, each is ordered by its due time plus a hold
//!   proportional to its tenant's share of the fuel burned in a sliding window (up to
//!   `fair_max_delay`). A frugal tenant's due jobs go before a greedy tenant's, and the
//!   greedy tenant waits at most that bounded hold: nobody starves.
//! - **Shutdown** stops dispatching and waits for in-flight runs up to a grace period.
//!
//! ```
//! use std::time::Duration;
//!
//! use lifeguard::reconcile::{
//!     run_fn, JobId, JobSpec, JobOutcome, JobReport, Scheduler, SchedulerConfig, SchedulerError,
//! };
//!
//! # async fn demo() -> Result<(), SchedulerError> {
//! let run = run_fn(|_ticket| async move {
//!     // The runner looks up the plugin for `_ticket.id`, runs it and maps the result.
//!     JobReport::new(JobOutcome::ok(), 0)
//! });
//! let handle = Scheduler::new(SchedulerConfig::default().max_concurrent(32), run).spawn();
//! handle.upsert_job(JobSpec::new(JobId::new("acme", "rollover"), "prod", "sha256:ab12"))?;
//! let report = handle.shutdown(Duration::from_secs(10)).await?;
//! assert!(report.all_finished);
//! # Ok(())
//! # }
//! ```
//!
//! | module        | job |
//! |---------------|-----|
//! | `job`         | ids, specs, tickets, states, status |
//! | `outcome`     | what a run returns: [`JobOutcome`], [`JobReport`] |
//! | `observer`    | the [`RunObserver`] hook that sees every finished run |
//! | `config`      | [`SchedulerConfig`] |
//! | `backoff`     | interval jitter and exponential backoff |
//! | `fairness`    | per-tenant fuel window |
//! | `queue`       | timer heap and per-cluster ready queues |
//! | `table`       | the job table |
//! | `policy`      | outcome → next step |
//! | `state`       | the synchronous state machine |
//! | `scheduler`   | the async loop and [`Scheduler`] |
//! | `handle`      | [`SchedulerHandle`] |

mod backoff;
mod config;
mod fairness;
mod handle;
mod job;
mod observer;
mod outcome;
mod policy;
mod queue;
mod scheduler;
mod state;
mod table;

#[cfg(test)]
mod tests;

pub use config::{BackoffJitter, SchedulerConfig};
pub use handle::{SchedulerError, SchedulerHandle, ShutdownReport};
pub use job::{JobId, JobSpec, JobState, JobStatus, JobTicket};
pub use observer::{RunEvent, RunObserver};
pub use outcome::{JobOutcome, JobReport};
pub use scheduler::{run_fn, RunFn, RunFuture, Scheduler};
