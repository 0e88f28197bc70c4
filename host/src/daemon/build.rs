//! From a validated config to the host's runtime pieces.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::bindings::cluster::{ClusterHealth, ThreadPool};
use crate::cluster::http::HttpCluster;
use crate::cluster::DynCluster;
use crate::config::{Loaded, TenantConfig};
use crate::coord::Coordination;
use crate::guard::{
    AuditSink, Breaker, BudgetBook, FileAudit, Grant, GrantConfig, IsmPauser, MaintenanceWindows,
    PolicyBackups, TeeAudit,
};
use crate::registry::Registry;
use crate::runtime::{Engine, Limits};
use crate::snapshot::{Snapshot, SnapshotObserver};
use crate::telemetry::{Health, Metrics};

use super::{Host, HostOptions, StartError};

/// One cluster: the HTTP client, the shared snapshot on top of it, its breaker.
#[derive(Clone)]
pub struct ClusterRt {
    pub name: String,
    pub url: String,
    pub http: Arc<HttpCluster>,
    /// What plugins' views wrap: reads served once per tick.
    pub snapshot: Arc<Snapshot>,
    pub breaker: Arc<Breaker>,
    pub ism_pauser: Option<Arc<IsmPauser>>,
}

impl ClusterRt {
    pub fn api(&self) -> DynCluster {
        self.snapshot.clone()
    }
}

/// One tenant: its config, grant and windows.
#[derive(Clone)]
pub struct TenantRt {
    pub config: TenantConfig,
    pub grant: Arc<Grant>,
    pub windows: Arc<MaintenanceWindows>,
    /// Plugin entry name → its interval.
    pub intervals: HashMap<String, Duration>,
}

/// Feeds every fresh health and thread-pool read into the cluster's breaker and metrics.
struct BreakerFeed {
    breaker: Arc<Breaker>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
}

impl SnapshotObserver for BreakerFeed {
    fn health(&self, cluster: &str, health: &ClusterHealth) {
        self.health.cluster_reached(cluster);
        self.breaker.observe_health(health.status);
        publish(&self.breaker, &self.metrics, cluster);
    }

    fn thread_pools(&self, cluster: &str, pools: &[ThreadPool]) {
        self.breaker.observe_thread_pools(pools);
        publish(&self.breaker, &self.metrics, cluster);
    }
}

/// Mirror a breaker's state into `breaker_open{cluster,reason}`.
pub(super) fn publish(breaker: &Breaker, metrics: &Metrics, cluster: &str) {
    let s = breaker.state();
    let open = !matches!(s.state, crate::guard::Phase::Closed);
    metrics.set_breaker(cluster, open, s.reason.as_deref().unwrap_or(""));
}

pub(super) fn host(
    config: Loaded,
    options: HostOptions,
    engine: Engine,
) -> Result<Host, StartError> {
    let c = &config.config;
    let r = &config.resolved;
    let limits = Limits {
        fuel: c.limits.fuel,
        deadline: r.deadline,
        memory_bytes: r.memory_bytes as usize,
        max_arg_bytes: r.max_arg_bytes as usize,
        ..Limits::default()
    };
    let mut metrics = Metrics::new();
    if c.coordination.is_some() {
        metrics.enable_coordination();
    }
    let metrics = Arc::new(metrics);
    let health = Arc::new(Health::new());
    let ttl = options.snapshot_ttl.unwrap_or(r.tick_period);
    let global_windows = MaintenanceWindows::new(&c.guard.maintenance, &[])
        .map_err(|e| StartError::Build(format!("guard.maintenance: {e}")))?;

    let mut clusters = HashMap::new();
    for cc in &c.clusters {
        let http = Arc::new(
            HttpCluster::new(cc)
                .map_err(|e| StartError::Build(format!("cluster [{}]: {e}", cc.name)))?,
        );
        let breaker = Arc::new(Breaker::new(
            &cc.name,
            c.guard.breaker.clone(),
            options.clock.clone(),
        ));
        let feed = Arc::new(BreakerFeed {
            breaker: breaker.clone(),
            metrics: metrics.clone(),
            health: health.clone(),
        });
        let snapshot = Arc::new(Snapshot::new(http.clone(), ttl, Some(feed)));
        let pauses = c.guard.maintenance.iter().any(|w| w.pause_ism);
        let ism_pauser = pauses.then(|| {
            Arc::new(IsmPauser::new(
                &cc.name,
                http.clone(),
                global_windows.clone(),
                config
                    .state_dir()
                    .join(format!("ism-pause-{}.json", cc.name)),
            ))
        });
        clusters.insert(
            cc.name.clone(),
            ClusterRt {
                name: cc.name.clone(),
                url: cc.urls.first().cloned().unwrap_or_default(),
                http,
                snapshot,
                breaker,
                ism_pauser,
            },
        );
    }

    let mut tenants = HashMap::new();
    let mut budget_overrides = HashMap::new();
    for (ti, t) in c.tenants.iter().enumerate() {
        let grant = Grant::new(&GrantConfig {
            indices: t.indices.iter().map(|s| s.get_ref().clone()).collect(),
            policies: t.policies.clone(),
            clusters: t.clusters.iter().map(|s| s.get_ref().clone()).collect(),
            autofollow_rules: t.autofollow_rules.clone(),
            raw_write: t.raw_write,
        })
        .map_err(|e| StartError::Build(format!("tenant [{}]: {e}", t.name)))?;
        let windows = MaintenanceWindows::new(&c.guard.maintenance, &t.guard.maintenance)
            .map_err(|e| StartError::Build(format!("tenant [{}] maintenance: {e}", t.name)))?;
        if let Some(b) = &t.guard.budget {
            budget_overrides.insert(t.name.clone(), *b);
        }
        let intervals = t
            .plugins
            .iter()
            .zip(r.plugin_intervals.get(ti).cloned().unwrap_or_default())
            .map(|(p, i)| (p.name.clone(), i))
            .collect();
        tenants.insert(
            t.name.clone(),
            TenantRt {
                config: t.clone(),
                grant: Arc::new(grant),
                windows: Arc::new(windows),
                intervals,
            },
        );
    }

    let audit_path = config.audit_file();
    let file = Arc::new(
        FileAudit::open_rotating(
            &audit_path,
            c.guard.audit_recent,
            config.resolved.audit_rotation,
        )
        .map_err(|e| StartError::Build(format!("audit log {}: {e}", audit_path.display())))?,
    );
    let backups = Arc::new(PolicyBackups::new(file.dir()).with_keep(c.guard.policy_backups_keep));
    let audit: Arc<dyn AuditSink> = match &options.audit_copy {
        Some(copy) => Arc::new(TeeAudit::new(file, copy.clone())),
        None => file,
    };
    let registry = Registry::new(engine.clone(), config.plugin_dir());
    let coord = c.coordination.clone().map(|k| {
        let names = c.tenants.iter().map(|t| t.name.clone()).collect();
        Arc::new(Coordination::new(k, names, metrics.clone()))
    });
    Ok(Host {
        coord,
        budgets: Arc::new(BudgetBook::new(c.guard.budget, budget_overrides)),
        config,
        options,
        engine,
        limits,
        registry,
        clusters,
        tenants,
        audit,
        backups,
        metrics,
        health,
        gauges: Default::default(),
        started: Instant::now(),
        states: Mutex::new(HashMap::new()),
        last_runs: Mutex::new(HashMap::new()),
    })
}
