//! A lab for wire tests: the simulator with its clock stopped, real HTTP clients to it, and the
//! guard chain wired as the daemon wires it (`host/src/daemon/runner.rs`), but with every tick
//! under the test's control. What reached the cluster is read back from the sim's request log.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lifeguard::bindings::types::Context;
use lifeguard::cluster::http::{ClusterConfig, HttpCluster};
use lifeguard::cluster::{ClusterApi, DynCluster};
use lifeguard::guard::{
    AuditSink, Breaker, BreakerConfig, BudgetBook, BudgetConfig, Grant, GrantConfig, GuardCtx,
    Guarded, MaintenanceWindows, MemoryAudit,
};
use lifeguard::runtime::{
    reconcile, Clock, Engine, EngineConfig, Limits, LoadedPlugin, MemoryState, NoMetrics,
    ReasonCell, RunEnv, RunReport, StateStore,
};
use lifeguard::sim::{FaultAction, RequestRecord, Scenario, Sim, SimHandle, SimOptions};
use serde_json::{json, Value};
use tokio::sync::OnceCell;

/// The simulator's clock, as the host's.
pub struct SimClock(pub Arc<SimHandle>);

impl Clock for SimClock {
    fn now_ms(&self) -> u64 {
        self.0.now_ms().max(0) as u64
    }
}

/// One cluster of the lab: the client and its breaker.
pub struct LabCluster {
    pub alias: String,
    pub http: Arc<HttpCluster>,
    pub breaker: Arc<Breaker>,
}

/// A tenant as the daemon sees it.
#[derive(Clone)]
pub struct Tenant {
    pub name: String,
    pub grant: Arc<Grant>,
    pub dry_run: bool,
    pub windows: Arc<MaintenanceWindows>,
}

impl Tenant {
    pub fn new(name: &str, grant: GrantConfig) -> Self {
        Self {
            name: name.into(),
            grant: Arc::new(Grant::new(&grant).unwrap()),
            dry_run: false,
            windows: Arc::new(MaintenanceWindows::new(&[], &[]).unwrap()),
        }
    }

    /// A tenant granted `indices`, `policies` and every lab cluster alias (plus the sim's CCR
    /// remote alias).
    pub fn granted(name: &str, indices: &[&str], policies: &[&str]) -> Self {
        Self::new(
            name,
            GrantConfig {
                indices: indices.iter().map(|s| s.to_string()).collect(),
                policies: policies.iter().map(|s| s.to_string()).collect(),
                clusters: ["leader", "follower", "leader-cluster"]
                    .map(String::from)
                    .to_vec(),
                autofollow_rules: Vec::new(),
                raw_write: false,
            },
        )
    }
}

pub struct Lab {
    pub sim: Arc<SimHandle>,
    pub clock: Arc<dyn Clock>,
    /// `leader` first, then `follower` when the sim is a pair.
    pub clusters: Vec<LabCluster>,
    pub audit: Arc<dyn AuditSink>,
    pub budgets: BudgetBook,
    pub limits: Limits,
}

/// Client settings for the lab: quick retries, so a refused connection costs milliseconds.
pub fn client_config(alias: &str, url: &str) -> ClusterConfig {
    serde_json::from_value(json!({
        "name": alias,
        "urls": [url],
        "connect_timeout": "500ms",
        "request_timeout": "5s",
        "overall_timeout": "10s",
        "retry": {"max_attempts": 2, "base_delay": "10ms", "max_delay": "50ms"},
    }))
    .unwrap()
}

impl Lab {
    /// A lab over a TOML/JSON scenario (a pair when it has `[follower]`).
    pub async fn start(scenario: &str) -> Lab {
        Self::with(scenario, Arc::new(MemoryAudit::new(10_000))).await
    }

    /// A lab whose guard writes to `audit`.
    pub async fn with(scenario: &str, audit: Arc<dyn AuditSink>) -> Lab {
        Self::build(scenario, audit, client_config).await
    }

    /// A lab with custom client settings.
    pub async fn build(
        scenario: &str,
        audit: Arc<dyn AuditSink>,
        cfg: impl Fn(&str, &str) -> ClusterConfig,
    ) -> Lab {
        let scenario = Scenario::parse(scenario).expect("scenario parses");
        let sim = Sim::start(SimOptions {
            scenario: Some(scenario),
            ..SimOptions::default()
        })
        .await
        .expect("sim starts");
        Self::over(Arc::new(sim), audit, cfg)
    }

    /// A lab over a running sim, with custom client settings.
    pub fn over(
        sim: Arc<SimHandle>,
        audit: Arc<dyn AuditSink>,
        cfg: impl Fn(&str, &str) -> ClusterConfig,
    ) -> Lab {
        let clock: Arc<dyn Clock> = Arc::new(SimClock(sim.clone()));
        let mut urls = vec![("leader", sim.leader_url().to_string())];
        if let Some(f) = sim.follower_url() {
            urls.push(("follower", f.to_string()));
        }
        let clusters = urls
            .into_iter()
            .map(|(alias, url)| LabCluster {
                alias: alias.into(),
                http: Arc::new(HttpCluster::new(&cfg(alias, &url)).unwrap()),
                breaker: Arc::new(Breaker::new(alias, BreakerConfig::default(), clock.clone())),
            })
            .collect();
        Lab {
            sim,
            clock,
            clusters,
            audit,
            budgets: BudgetBook::new(BudgetConfig::default(), HashMap::new()),
            limits: Limits {
                deadline: Duration::from_secs(60),
                ..Limits::default()
            },
        }
    }

    pub fn cluster(&self, alias: &str) -> &LabCluster {
        self.clusters
            .iter()
            .find(|c| c.alias == alias)
            .unwrap_or_else(|| panic!("no lab cluster {alias}"))
    }

    /// The daemon's per-tick housekeeping: reset budgets and retry budgets, and feed each
    /// breaker from a fresh health and thread-pool read.
    pub async fn tick(&self) {
        self.budgets.reset_all();
        for c in &self.clusters {
            c.http.start_tick();
            let health = c.http.health().await;
            let pools = c.http.thread_pools().await;
            c.breaker
                .record_transport_result(health.is_ok() && pools.is_ok());
            if let (Ok(h), Ok(p)) = (&health, &pools) {
                c.breaker.observe(h.status, p);
            }
        }
    }

    /// The environment of one run, as `daemon::runner::run` builds it.
    pub fn env(&self, tenant: &Tenant, plugin: &str, state: Arc<dyn StateStore>) -> RunEnv {
        let reason = ReasonCell::default();
        let budget = self.budgets.tenant(&tenant.name);
        let mut clusters: HashMap<String, DynCluster> = HashMap::new();
        let mut order = Vec::new();
        for c in &self.clusters {
            let ctx = GuardCtx {
                tenant: tenant.name.clone(),
                plugin: plugin.into(),
                plugin_version: "test".into(),
                cluster: c.alias.clone(),
                grant: tenant.grant.clone(),
                dry_run: tenant.dry_run,
                budget: budget.clone(),
                breaker: c.breaker.clone(),
                windows: tenant.windows.clone(),
                audit: self.audit.clone(),
                backups: None,
                reason: reason.clone(),
                clock: self.clock.clone(),
                fence: None,
            };
            clusters.insert(c.alias.clone(), Guarded::wrap(c.http.clone(), ctx));
            order.push(c.alias.clone());
        }
        RunEnv {
            tenant: tenant.name.clone(),
            plugin: plugin.into(),
            clusters,
            cluster_order: order,
            metrics: Arc::new(NoMetrics),
            state,
            clock: self.clock.clone(),
            reason,
        }
    }

    /// The tenant's guarded view of one cluster, for calls made straight from a test.
    pub fn view(&self, tenant: &Tenant, alias: &str) -> DynCluster {
        self.env(tenant, "plugin", memory_state()).clusters[alias].clone()
    }

    /// One tick of one plugin: housekeeping, then `reconcile` through the guard.
    pub async fn run(
        &self,
        engine: &Engine,
        plugin: &LoadedPlugin,
        tenant: &Tenant,
        state: &Arc<dyn StateStore>,
        config: &Value,
        tick: u64,
    ) -> RunReport {
        self.tick().await;
        self.run_only(engine, plugin, tenant, state, config, tick)
            .await
    }

    /// `reconcile` without the per-tick housekeeping.
    pub async fn run_only(
        &self,
        engine: &Engine,
        plugin: &LoadedPlugin,
        tenant: &Tenant,
        state: &Arc<dyn StateStore>,
        config: &Value,
        tick: u64,
    ) -> RunReport {
        let env = self.env(tenant, "plugin", state.clone());
        let ctx = Context {
            tenant: tenant.name.clone(),
            plugin: "plugin".into(),
            tick,
            now_ms: self.clock.now_ms(),
            dry_run: tenant.dry_run,
            clusters: env.cluster_order.clone(),
            config: config.to_string(),
        };
        reconcile(engine, plugin, env, &self.limits, ctx).await
    }

    /// Advances simulated time (`"5m"`, `"1h"`).
    pub fn advance(&self, d: &str) {
        self.sim.advance_ms(ms(d));
    }

    pub fn inject(&self, action: Value) -> Value {
        let a: FaultAction = serde_json::from_value(action).expect("a fault action");
        self.sim.inject(a).expect("fault applies")
    }

    /// Every logged request.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.sim.requests()
    }

    /// Logged requests that change something (not GET/HEAD).
    pub fn mutations(&self) -> Vec<RequestRecord> {
        self.requests().into_iter().filter(is_mutation).collect()
    }

    /// A JSON call to the leader (0) or follower (1), in-process (logged like any request).
    pub fn call(&self, cluster: usize, method: &str, path: &str, body: Option<Value>) -> Value {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let (status, out) = self.sim.request(cluster, method, path, &bytes);
        let v: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
        assert!(status < 300, "{method} {path}: {status} {v}");
        v
    }

    /// `GET /_plugins/_ism/explain/<index>` on the leader.
    pub fn explain(&self, index: &str) -> Value {
        let v = self.call(0, "GET", &format!("/_plugins/_ism/explain/{index}"), None);
        v[index].clone()
    }

    /// The stored `policy` object of `id` on the leader.
    pub fn policy(&self, id: &str) -> Value {
        self.call(0, "GET", &format!("/_plugins/_ism/policies/{id}"), None)["policy"].clone()
    }
}

/// Whether a request changes the cluster, by the host's one definition (a `POST _search`
/// is a read, a `_rollover?dry_run` too).
pub fn is_mutation(r: &RequestRecord) -> bool {
    !lifeguard::guard::raw::is_read_request(&r.method, &r.path, &r.query)
}

/// `"<METHOD> <path>"` of a record, for readable assertions.
pub fn line(r: &RequestRecord) -> String {
    format!("{} {}", r.method, r.path)
}

/// `"90m"`, `"30s"`, `"2h"`, `"1d"` in milliseconds.
pub fn ms(d: &str) -> i64 {
    let (n, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len()));
    let n: i64 = n.parse().expect("a number");
    n * match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        other => panic!("unit {other}"),
    }
}

pub fn memory_state() -> Arc<dyn StateStore> {
    Arc::new(MemoryState::default())
}

/// Assert that a run ended `Ok`, and return its summary.
pub fn ok(report: &RunReport) -> String {
    match &report.outcome {
        lifeguard::runtime::RunOutcome::Ok { summary, .. } => summary.clone(),
        other => panic!("expected a successful run, got {other:?}"),
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One engine per test binary for the big (Python/JS) components, with wasmtime's compile
/// cache under `build/compile-cache`, so they compile once per machine, not once per run.
pub fn cached_engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(&EngineConfig {
            cache_dir: Some(repo_root().join("build/compile-cache")),
            ..EngineConfig::default()
        })
        .unwrap()
    })
}

/// A Rust plugin from `PLUGINS_DIR`, compiled once per test binary.
pub async fn rust_plugin(name: &str) -> &'static LoadedPlugin {
    static CELLS: std::sync::Mutex<Vec<(String, &'static OnceCell<LoadedPlugin>)>> =
        std::sync::Mutex::new(Vec::new());
    let cell = {
        let mut cells = CELLS.lock().unwrap();
        match cells.iter().find(|(n, _)| n == name) {
            Some((_, c)) => *c,
            None => {
                let c: &'static OnceCell<LoadedPlugin> = Box::leak(Box::new(OnceCell::new()));
                cells.push((name.to_string(), c));
                c
            }
        }
    };
    cell.get_or_init(|| async {
        let bytes = std::fs::read(super::plugin_path(name)).unwrap();
        LoadedPlugin::load(cached_engine(), &bytes).unwrap()
    })
    .await
}
