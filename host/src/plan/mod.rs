//! `lifeguard plan`: what every configured plugin would change, without changing anything.
//!
//! The host is built from the config as `lifeguard run` builds it, with dry-run forced for
//! every tenant, and driven by hand ([`crate::daemon::once`]) for N ticks: each tick runs
//! every job once. The guard answers each mutation with a plausible result and records it in
//! the audit log with the plugin's reason; those lines, grouped by tenant, are the plan.
//!
//! A plan never writes where the daemon keeps its state: plugin state is copied into a
//! scratch directory (so plugins start where the daemon left them), the audit log goes there
//! too, and the scratch directory is removed at the end. The compile cache is reused if it
//! exists. The ISM pauser is never ticked (pausing ISM is a mutation).
//!
//! | module     | job |
//! |------------|-----|
//! | `report`   | the plan: mutations grouped by tenant, counts by verb, failed runs, JSON |
//! | `render`   | the plan as text |
//! | `sim`      | `--sim SCENARIO`: an embedded simulator, and its request log read back |
//! | `progress` | the progress line on stderr (terminals only) |
mod progress;
mod render;
pub mod report;
pub mod sim;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{load_file, ConfigError, Loaded};
use crate::daemon::{once, HostOptions, StartError};
use crate::guard::MemoryAudit;
use crate::runtime::{Clock, RunOutcome, SystemClock};
use crate::sim::SimHandle;

pub use progress::Progress;
pub use render::text as render_text;
pub use report::{Counts, FailedRun, Plan, PlannedMutation, SimRequests, TenantPlan};

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// The host's TOML configuration.
    pub config: PathBuf,
    /// Ticks to run (each runs every job once); at least 1.
    pub ticks: u64,
    /// Plan against an embedded simulator started from this scenario instead of the
    /// configured clusters.
    pub sim: Option<PathBuf>,
    /// Show a progress line on stderr (only drawn on a terminal).
    pub progress: bool,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("--ticks must be at least 1")]
    NoTicks,
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("simulator: {0}")]
    Scenario(String),
    #[error("starting the host: {0}")]
    Start(#[from] StartError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Make the plan.
pub async fn run(opts: PlanOptions) -> Result<Plan, PlanError> {
    if opts.ticks == 0 {
        return Err(PlanError::NoTicks);
    }
    let mut loaded = load_file(&opts.config)?;
    let sim = match &opts.sim {
        Some(p) => Some(sim::start(p).await?),
        None => None,
    };
    if let Some((handle, follower)) = &sim {
        sim::point_at(&mut loaded, handle, follower.as_deref());
    }
    let scratch = Scratch::create()?;
    let result = plan(
        loaded,
        sim.as_ref().map(|(h, _)| h.clone()),
        &scratch,
        &opts,
    )
    .await;
    if let Some((handle, _)) = sim {
        // The host (and its clock's clone) is gone by now; if not, the listeners stop
        // with the runtime.
        if let Ok(h) = Arc::try_unwrap(handle) {
            h.shutdown().await;
        }
    }
    result
}

async fn plan(
    mut loaded: Loaded,
    sim: Option<Arc<SimHandle>>,
    scratch: &Scratch,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    let real_state = loaded.state_dir();
    let state = scratch.0.join("state");
    copy_dir(&real_state.join("plugins"), &state.join("plugins"))?;
    let cache = Some(real_state.join("compile-cache")).filter(|d| d.is_dir());
    let audit_path = scratch.0.join("audit.jsonl");
    loaded.config.host.state_dir = state;
    loaded.config.host.audit_file = audit_path;

    let clock: Arc<dyn Clock> = match &sim {
        Some(s) => Arc::new(crate::time::SimClock(s.clone())),
        None => Arc::new(SystemClock),
    };
    // The plan reads its lines from memory; the file stays for the operator to inspect.
    let audit = Arc::new(MemoryAudit::new(usize::MAX));
    let options = HostOptions {
        clock,
        force_dry_run: true,
        telemetry_listen: Some(String::new()),
        hot_reload: false,
        audit_copy: Some(audit.clone()),
        ..HostOptions::default()
    };
    let host = once::prepare(loaded, options, cache).await?;
    let tenants = host.tenant_names();
    let jobs = once::job_list(&host).len();
    let period = host.tick_period();
    let requests_before = sim.as_ref().map_or(0, |s| s.requests().len());

    let mut plan = Plan::new(opts.ticks, &tenants);
    let mut progress = progress::Progress::new(opts.progress, jobs * opts.ticks as usize);
    for tick in 1..=opts.ticks {
        if tick > 1 {
            if let Some(s) = &sim {
                s.advance(period);
            }
        }
        let ticks = opts.ticks;
        let runs = once::tick(&host, tick, &mut |t: &str, p: &str| {
            progress.run(tick, ticks, t, p)
        })
        .await;
        plan.add_lines(tick, &audit.take());
        for r in runs {
            if let Some(f) = failure(&r) {
                plan.add_failure(f);
            }
        }
    }
    progress.clear();
    host.shutdown_engine();
    drop(host);
    plan.finish();
    if let Some(s) = &sim {
        let log = s.requests();
        let (reads, writes) = sim::count(log.get(requests_before..).unwrap_or_default());
        plan.sim_requests = Some(SimRequests { reads, writes });
    }
    Ok(plan)
}

fn failure(r: &once::JobRun) -> Option<FailedRun> {
    let (outcome, message) = match &r.report.outcome {
        RunOutcome::Ok { .. } => return None,
        RunOutcome::Transient { message } => ("transient".to_string(), message.clone()),
        RunOutcome::Terminal { message } => ("terminal".to_string(), message.clone()),
        RunOutcome::Trap { kind, message } => {
            (format!("trap ({})", kind.as_str()), message.clone())
        }
    };
    Some(FailedRun {
        tick: r.tick,
        tenant: r.tenant.clone(),
        plugin: r.plugin.clone(),
        outcome,
        message,
    })
}

/// A scratch directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> Result<Self, PlanError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("lifeguard-plan-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PlanError + '_ {
    move |source| PlanError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Copy `src` (if it exists) into `dst`, recursively.
fn copy_dir(src: &Path, dst: &Path) -> Result<(), PlanError> {
    if !src.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dst).map_err(io(dst))?;
    for entry in std::fs::read_dir(src).map_err(io(src))? {
        let entry = entry.map_err(io(src))?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if from.is_dir() {
            copy_dir(&from, &to)?;
        } else {
            std::fs::copy(&from, &to).map_err(io(&from))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_dir_copies_nested_files_and_ignores_missing() {
        let base = std::env::temp_dir().join(format!("lifeguard-plan-test-{}", std::process::id()));
        let src = base.join("src");
        std::fs::create_dir_all(src.join("t/p")).unwrap();
        std::fs::write(src.join("t/p/state.json"), b"{\"runs\":3}").unwrap();
        copy_dir(&src, &base.join("dst")).unwrap();
        assert_eq!(
            std::fs::read(base.join("dst/t/p/state.json")).unwrap(),
            b"{\"runs\":3}"
        );
        copy_dir(&base.join("missing"), &base.join("dst2")).unwrap();
        assert!(!base.join("dst2").exists());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn scratch_is_removed_on_drop() {
        let s = Scratch::create().unwrap();
        let p = s.0.clone();
        std::fs::write(p.join("x"), b"1").unwrap();
        drop(s);
        assert!(!p.exists());
    }
}
