//! The running host: config → clusters, guards, registry, scheduler, telemetry, wired into
//! one [`Host`]. `lifeguard run`, `plan` and `demo` all start one of these.
//!
//! | module    | job |
//! |-----------|-----|
//! | `build`   | turn a validated config into clusters (client → snapshot), tenants and guards |
//! | `runner`  | one scheduled run: guarded views → sandboxed `reconcile` → scheduler outcome |
//! | `jobs`    | keep scheduler jobs in step with the registry (new, changed, removed files) |
//! | `ticker`  | per-tick housekeeping: budgets, retry budgets, breaker inputs, ISM pause |
//! | `gauges`  | the cluster gauges of `/metrics` (failed ISM indices, transitions, CCR lag) |
//! | `status`  | the status page's snapshot |
//! | `once`    | the host driven tick by tick, without a scheduler (`lifeguard plan`) |
mod build;
mod gauges;
mod jobs;
pub mod once;
mod runner;
mod status;
mod ticker;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::{info, warn};

use crate::config::Loaded;
use crate::guard::{AuditSink, BreakerState, BudgetBook, PolicyBackups};
use crate::reconcile::{SchedulerConfig, SchedulerHandle};
use crate::registry::{Registry, WatchHandle};
use crate::runtime::{
    Clock, Engine, EngineConfig, FileState, Limits, PoolConfig, StateStore, SystemClock,
};
use crate::telemetry::{Health, Metrics};

pub use build::{ClusterRt, TenantRt};

/// How to start a host besides its config file.
#[derive(Clone)]
pub struct HostOptions {
    /// Time as plugins see it (the simulator brings a sped-up clock).
    pub clock: Arc<dyn Clock>,
    /// Force dry-run for every tenant (`lifeguard plan`).
    pub force_dry_run: bool,
    /// Override the telemetry address (`None` = config; `Some("")` = off).
    pub telemetry_listen: Option<String>,
    /// Watch the plugin directory for changes.
    pub hot_reload: bool,
    /// How long a per-cluster snapshot serves reads; `None` = the shortest job interval.
    pub snapshot_ttl: Option<Duration>,
    /// Scheduler tuning (e.g. a seed), on top of the config.
    pub scheduler_seed: Option<u64>,
    /// Clock milliseconds per real millisecond (the simulator's speed; 1 for wall time).
    /// Plugins ask for `requeue_after` in their clock's time; the scheduler waits real time.
    pub time_scale: f64,
    /// A second audit sink every line is teed into once it is durable in the file, for
    /// readers in this process (`plan`, `demo`).
    pub audit_copy: Option<Arc<dyn AuditSink>>,
}

impl Default for HostOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            force_dry_run: false,
            telemetry_listen: None,
            hot_reload: true,
            snapshot_ttl: None,
            scheduler_seed: None,
            time_scale: 1.0,
            audit_copy: None,
        }
    }
}

/// Everything the host shares between its tasks. Its parts are the daemon's own; `run`,
/// `plan`, `demo` and the tests see it through the methods below.
pub struct Host {
    config: Loaded,
    options: HostOptions,
    engine: Engine,
    limits: Limits,
    registry: Arc<Registry>,
    clusters: HashMap<String, ClusterRt>,
    tenants: HashMap<String, TenantRt>,
    budgets: Arc<BudgetBook>,
    audit: Arc<dyn AuditSink>,
    backups: Arc<PolicyBackups>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    gauges: gauges::ClusterGauges,
    started: Instant,
    states: Mutex<HashMap<(String, String), Arc<dyn StateStore>>>,
    last_runs: Mutex<HashMap<(String, String), crate::telemetry::LastRun>>,
    /// `[coordination]`: this replica's lease and ownership; `None` runs every tenant.
    coord: Option<Arc<crate::coord::Coordination>>,
}

/// A started host.
pub struct HostHandle {
    pub host: Arc<Host>,
    pub scheduler: SchedulerHandle,
    pub telemetry_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    /// Released after the scheduler drained, so no run acts past the hand-over.
    coord_stop: watch::Sender<bool>,
    coord_task: Option<tokio::task::JoinHandle<()>>,
    _watch: Option<WatchHandle>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Build(String),
    #[error("plugin {file}: {error}")]
    Plugin { file: String, error: String },
    #[error("telemetry: {0}")]
    Telemetry(String),
}

impl Host {
    /// The plugin state of (tenant, plugin), opened once: in etcd with coordination, so it
    /// follows the tenant to whichever replica owns it; on disk otherwise.
    pub(crate) fn state(&self, tenant: &str, plugin: &str) -> Result<Arc<dyn StateStore>, String> {
        let key = (tenant.to_string(), plugin.to_string());
        let mut states = self
            .states
            .lock()
            .map_err(|_| "state lock poisoned".to_string())?;
        if let Some(s) = states.get(&key) {
            return Ok(s.clone());
        }
        let s: Arc<dyn StateStore> = match &self.coord {
            Some(c) => Arc::new(crate::coord::EtcdState::new(c.clone(), tenant, plugin)),
            None => {
                let dir = self.config.state_dir().join("plugins");
                Arc::new(FileState::open(&dir, tenant, plugin).map_err(|e| e.to_string())?)
            }
        };
        states.insert(key, s.clone());
        Ok(s)
    }

    /// Count a finished run in metrics and remember it for the status page.
    pub(crate) fn record_run(
        &self,
        tenant: &str,
        plugin: &str,
        report: &crate::runtime::RunReport,
    ) {
        self.metrics.observe_run(tenant, plugin, report);
        let last = crate::telemetry::LastRun::from_report(report, self.options.clock.now_ms());
        if let Ok(mut m) = self.last_runs.lock() {
            m.insert((tenant.to_string(), plugin.to_string()), last);
        }
    }

    /// Where the audit log is written.
    pub fn audit_path(&self) -> PathBuf {
        self.config.audit_file()
    }

    /// The plugin registry (loaded versions, reload events).
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The host's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// `host.shutdown_grace` from the config.
    pub fn shutdown_grace(&self) -> Duration {
        self.config.resolved.shutdown_grace
    }

    /// The housekeeping beat (see [`crate::config::Resolved::tick_period`]).
    pub fn tick_period(&self) -> Duration {
        self.config.resolved.tick_period
    }

    /// Where plugin state and the compile cache live.
    pub fn state_dir(&self) -> PathBuf {
        self.config.state_dir()
    }

    /// The configured tenants' names, in config order.
    pub fn tenant_names(&self) -> Vec<String> {
        self.config
            .config
            .tenants
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// Each cluster's breaker, by cluster alias.
    pub fn breakers(&self) -> BTreeMap<String, BreakerState> {
        self.clusters
            .iter()
            .map(|(name, c)| (name.clone(), c.breaker.state()))
            .collect()
    }

    /// The guard's fence for runs of this replica (`None` without coordination).
    pub(crate) fn fence(&self) -> Option<Arc<dyn crate::guard::Fence>> {
        self.coord
            .clone()
            .map(|c| c as Arc<dyn crate::guard::Fence>)
    }

    /// The coordination state, with `[coordination]`.
    pub fn coordination(&self) -> Option<&Arc<crate::coord::Coordination>> {
        self.coord.as_ref()
    }

    /// Whether this replica runs `tenant`'s jobs now.
    pub(crate) fn runs_tenant(&self, tenant: &str) -> bool {
        self.coord.as_ref().is_none_or(|c| c.owns(tenant))
    }

    /// Stop the engine's epoch ticker (running plugins hit their deadline).
    pub fn shutdown_engine(&self) {
        self.engine.shutdown();
    }
}

/// Build and start a host: load every configured plugin, start the scheduler, the tick
/// task, the watcher and the telemetry listener.
pub async fn start(config: Loaded, options: HostOptions) -> Result<HostHandle, StartError> {
    for w in &config.resolved.warnings {
        warn!("config: {w}");
    }
    let pool = PoolConfig {
        // Concurrent runs, plus `describe` calls of versions loading meanwhile.
        instances: u32::try_from(config.config.host.max_concurrent_runs)
            .unwrap_or(u32::MAX)
            .saturating_add(32),
        ..PoolConfig::default()
    };
    let engine = Engine::new(&EngineConfig {
        cache_dir: Some(config.state_dir().join("compile-cache")),
        incremental_cache: Some(config.state_dir().join("compile-cache/incremental.cache")),
        pool: Some(pool),
        ..EngineConfig::default()
    })
    .map_err(|e| StartError::Build(format!("engine: {e:#}")))?;
    let host = Arc::new(build::host(config, options, engine)?);
    host.health.set_config_loaded(true);
    host.health.set_interval(host.config.resolved.interval);
    host.health
        .expect_clusters(host.clusters.keys().cloned().collect::<Vec<_>>());

    // Every configured plugin must load before the first tick.
    for file in jobs::configured_files(&host) {
        host.registry
            .load(&file)
            .await
            .map_err(|e| StartError::Plugin {
                file: file.clone(),
                error: e.to_string(),
            })?;
        host.metrics
            .plugin_reloaded(crate::telemetry::ReloadResult::Ok);
    }
    host.health.set_plugins_compiled(true);

    let mut sched_cfg = SchedulerConfig::default()
        .max_concurrent(host.config.config.host.max_concurrent_runs)
        .per_cluster_cap(host.config.config.host.max_concurrent_per_cluster)
        .default_interval(host.config.resolved.interval)
        .quarantine_after(host.config.config.limits.quarantine_after)
        .backoff(
            host.config.resolved.backoff_base,
            host.config.resolved.backoff_max,
        )
        .min_requeue_after(host.config.resolved.tick_period.min(Duration::from_secs(1)));
    if let Some(seed) = host.options.scheduler_seed {
        sched_cfg = sched_cfg.seed(seed);
    }
    let scheduler =
        crate::reconcile::Scheduler::new(sched_cfg, runner::run_fn(host.clone())).spawn();
    jobs::sync_all(&host, &scheduler);

    let (stop, stop_rx) = watch::channel(false);
    let (coord_stop, coord_stop_rx) = watch::channel(false);
    let mut coord_task = None;
    let mut tasks = Vec::new();
    if let Some(c) = &host.coord {
        let gate = c.clone();
        host.health.add_gate(move || {
            if gate.lease_live() {
                Ok(())
            } else {
                Err("coordination lease not live (etcd unreachable or no quorum)".into())
            }
        });
        coord_task = Some(c.spawn(coord_stop_rx));
        tasks.push(jobs::follow_ownership(
            host.clone(),
            scheduler.clone(),
            stop_rx.clone(),
        ));
    }
    tasks.push(ticker::spawn(
        host.clone(),
        scheduler.clone(),
        stop_rx.clone(),
    ));
    tasks.push(jobs::follow_registry(
        host.clone(),
        scheduler.clone(),
        stop_rx.clone(),
    ));
    let watch_handle = if host.options.hot_reload {
        let h = host.clone();
        let wanted: Arc<dyn Fn(&str) -> bool + Send + Sync> =
            Arc::new(move |f: &str| jobs::configured_files(&h).iter().any(|c| c == f));
        match host.registry.watch(wanted) {
            Ok(w) => Some(w),
            Err(e) => {
                warn!(error = %e, "cannot watch the plugin directory; hot reload is off");
                None
            }
        }
    } else {
        None
    };
    let (telemetry_addr, refresher) = status::serve(&host, &scheduler, stop_rx).await?;
    tasks.push(refresher);
    info!(
        tenants = host.tenants.len(),
        clusters = host.clusters.len(),
        telemetry = ?telemetry_addr,
        "lifeguard is running"
    );
    Ok(HostHandle {
        host,
        scheduler,
        telemetry_addr,
        stop,
        coord_stop,
        coord_task,
        _watch: watch_handle,
        tasks,
    })
}

impl HostHandle {
    /// Stop dispatching, let in-flight runs finish within `grace`, flush the audit, stop
    /// the tasks. Returns whether every run finished in time.
    pub async fn shutdown(self, grace: Duration) -> bool {
        let report = self.scheduler.shutdown(grace).await;
        let _ = self.coord_stop.send(true);
        if let Some(t) = self.coord_task {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
        self.host.engine.shutdown();
        match report {
            Ok(r) => {
                info!(?r, "scheduler drained");
                r.all_finished
            }
            Err(e) => {
                warn!(error = %e, "scheduler shutdown");
                false
            }
        }
    }
}
