//! The async loop: receives commands and finished runs, fires timers, starts runs.
//!
//! One task owns all state, so nothing is locked. Each run is its own Tokio task (runs use
//! both cores, and a panicking run cannot take the loop down) and reports back over a
//! channel. The loop drains commands and completions in batches before it dispatches, which
//! keeps the per-run cost to a few heap operations, one spawn and one channel message.

use std::{any::Any, future::Future, panic::AssertUnwindSafe, sync::Arc, time::Duration};

use futures::{future::BoxFuture, FutureExt};
use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};
use tracing::{debug, info, warn};

use super::{
    config::SchedulerConfig,
    handle::{Command, SchedulerHandle, Shared, ShutdownReport},
    job::JobTicket,
    observer::RunObserver,
    outcome::{JobOutcome, JobReport},
    queue::Slot,
    state::{Core, Dispatch},
};

/// The future a run returns.
pub type RunFuture = BoxFuture<'static, JobReport>;

/// The closure the scheduler calls to run a job. It must not block: CPU-heavy work belongs
/// in the runner's own `spawn_blocking` or in an async wasm call that yields.
pub type RunFn = Arc<dyn Fn(JobTicket) -> RunFuture + Send + Sync>;

/// Wraps an async closure as a [`RunFn`].
pub fn run_fn<F, Fut>(f: F) -> RunFn
where
    F: Fn(JobTicket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = JobReport> + Send + 'static,
{
    Arc::new(move |ticket| f(ticket).boxed())
}

/// Most completions or commands handled per loop iteration before dispatching, so a flood
/// of one kind cannot delay the other or the heartbeat for long.
const BATCH: usize = 4096;

/// Builds and starts the scheduler.
pub struct Scheduler {
    config: SchedulerConfig,
    run: RunFn,
    observers: Vec<Arc<dyn RunObserver>>,
}

impl Scheduler {
    /// A scheduler that calls `run` for each run.
    pub fn new(config: SchedulerConfig, run: RunFn) -> Self {
        Self {
            config,
            run,
            observers: Vec::new(),
        }
    }

    /// Adds an observer of finished runs.
    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn RunObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Spawns the scheduler loop on the current Tokio runtime and returns its handle.
    /// Must be called from within a Tokio runtime. The loop ends on
    /// [`SchedulerHandle::shutdown`], or when every handle is dropped.
    pub fn spawn(self) -> SchedulerHandle {
        let now = Instant::now();
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(now));
        let heartbeat = self.config.heartbeat_period;
        let core = Core::new(self.config, self.observers, now);
        let lp = Loop {
            core,
            run: self.run,
            shared: shared.clone(),
            heartbeat,
            stopping: None,
        };
        tokio::spawn(lp.run(rx));
        SchedulerHandle {
            commands: tx,
            shared,
        }
    }
}

struct Completion {
    slot: Slot,
    stamp: u64,
    report: JobReport,
}

/// Shutdown in progress: no new runs, waiting for the ones in flight until `deadline`.
struct Stopping {
    deadline: Instant,
    replies: Vec<oneshot::Sender<ShutdownReport>>,
}

struct Loop {
    core: Core,
    run: RunFn,
    shared: Arc<Shared>,
    heartbeat: Duration,
    stopping: Option<Stopping>,
}

impl Loop {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Completion>();
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                biased;
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.command(cmd),
                    None => {
                        debug!("every scheduler handle dropped; loop ends");
                        return;
                    }
                },
                Some(done) = done_rx.recv() => self.complete(done),
                () = &mut sleep => {}
            }
            for _ in 0..BATCH {
                match done_rx.try_recv() {
                    Ok(done) => self.complete(done),
                    Err(_) => break,
                }
            }
            for _ in 0..BATCH {
                match commands.try_recv() {
                    Ok(cmd) => self.command(cmd),
                    Err(_) => break,
                }
            }
            let now = Instant::now();
            let wake = if let Some(stopping) = &self.stopping {
                if self.core.in_flight() == 0 || now >= stopping.deadline {
                    self.finish_shutdown();
                    return;
                }
                stopping.deadline
            } else {
                self.core.promote_due(now);
                while let Some(dispatch) = self.core.next_dispatch() {
                    self.start(dispatch, &done_tx);
                }
                self.core.next_deadline().unwrap_or(now + self.heartbeat)
            };
            self.shared
                .beat(now, self.core.queue_depth(), self.core.in_flight());
            sleep.as_mut().reset(wake.min(now + self.heartbeat));
        }
    }

    fn command(&mut self, cmd: Command) {
        let now = Instant::now();
        match cmd {
            Command::Upsert(spec) => self.core.upsert(spec, now),
            Command::SetVersion(id, version) => self.core.set_version(&id, version, now),
            Command::Remove(id) => self.core.remove(&id),
            Command::Trigger(id) => self.core.trigger(&id, now),
            Command::Status(reply) => {
                // The caller may have given up waiting; nothing to do then.
                let _ = reply.send(self.core.status());
            }
            Command::Shutdown { grace, reply } => {
                let deadline = now + grace;
                info!(
                    in_flight = self.core.in_flight(),
                    ?grace,
                    "scheduler shutting down"
                );
                match &mut self.stopping {
                    Some(s) => {
                        s.deadline = s.deadline.min(deadline);
                        s.replies.push(reply);
                    }
                    None => {
                        self.stopping = Some(Stopping {
                            deadline,
                            replies: vec![reply],
                        });
                    }
                }
            }
        }
    }

    fn complete(&mut self, done: Completion) {
        self.core
            .complete(done.slot, done.stamp, done.report, Instant::now());
    }

    fn start(&self, dispatch: Dispatch, done: &mpsc::UnboundedSender<Completion>) {
        let run = Arc::clone(&self.run);
        let done = done.clone();
        let Dispatch {
            slot,
            stamp,
            ticket,
        } = dispatch;
        tokio::spawn(async move {
            let report = AssertUnwindSafe(async move { run(ticket).await })
                .catch_unwind()
                .await
                .unwrap_or_else(|payload| panic_report(payload.as_ref()));
            // After shutdown the loop is gone and the outcome has nowhere to go.
            let _ = done.send(Completion {
                slot,
                stamp,
                report,
            });
        });
    }

    fn finish_shutdown(&mut self) {
        let still_running = self.core.running_jobs();
        let report = ShutdownReport {
            all_finished: still_running.is_empty(),
            still_running,
        };
        if report.all_finished {
            info!("scheduler stopped; every run finished");
        } else {
            warn!(still_running = ?report.still_running, "scheduler stopped; grace period ran out with runs in flight");
        }
        self.shared.beat(
            Instant::now(),
            self.core.queue_depth(),
            self.core.in_flight(),
        );
        for reply in self.stopping.take().map(|s| s.replies).unwrap_or_default() {
            let _ = reply.send(report.clone());
        }
    }
}

/// A panicking run is a host bug, but it is reported like a trap so that the job backs off
/// and, if it keeps panicking, is quarantined.
fn panic_report(payload: &(dyn Any + Send)) -> JobReport {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "run panicked".to_owned());
    JobReport::new(
        JobOutcome::Trap {
            kind: "panic".to_owned(),
            message,
        },
        0,
    )
}
