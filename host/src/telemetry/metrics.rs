//! The host's Prometheus metrics, in controller-runtime's vocabulary under `lifeguard_`, plus
//! the plugins' own metrics (see [`super::plugin_metrics`]). The host calls the typed methods;
//! nothing outside this file touches a family directly.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::escape::label_value;
use super::plugin_metrics::{PluginMetrics, DEFAULT_SERIES_CAP};
use super::TelemetryError;
use crate::runtime::{MetricKind, MetricsSink, RunOutcome, RunReport, TrapKind};

type L1 = [(&'static str, String); 1];
type L2 = [(&'static str, String); 2];
type L3 = [(&'static str, String); 3];
type HistFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// controller-runtime's reconcile buckets, stretched to the run deadline's range.
fn reconcile_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    ])
}

/// ISM transitions are minutes to days apart: 1 min … 7 d.
fn transition_histogram() -> Histogram {
    Histogram::new([
        60.0, 300.0, 900.0, 3600.0, 14_400.0, 43_200.0, 86_400.0, 259_200.0, 604_800.0,
    ])
}

fn l1(k: &'static str, v: &str) -> L1 {
    [(k, label_value(v))]
}
fn l2(k1: &'static str, v1: &str, k2: &'static str, v2: &str) -> L2 {
    [(k1, label_value(v1)), (k2, label_value(v2))]
}
fn l3(k1: &'static str, v1: &str, k2: &'static str, v2: &str, k3: &'static str, v3: &str) -> L3 {
    [
        (k1, label_value(v1)),
        (k2, label_value(v2)),
        (k3, label_value(v3)),
    ]
}

/// How a plugin (re)load ended, the `result` of `plugin_reloads_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadResult {
    /// The new version compiled and was swapped in.
    Ok,
    /// The new file was rejected; the old version keeps running.
    Rejected,
    /// The plugin's file was removed and the plugin unloaded.
    Removed,
}

impl ReloadResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ReloadResult::Ok => "ok",
            ReloadResult::Rejected => "rejected",
            ReloadResult::Removed => "removed",
        }
    }
}

/// Every metric Lifeguard exports. Cheap to share behind an `Arc`; all methods take `&self`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reconcile: Family<L3, Counter>,
    reconcile_errors: Family<L2, Counter>,
    reconcile_time: HistFamily<L2>,
    workqueue_depth: Gauge,
    fuel: Family<L2, Counter>,
    traps: Family<L3, Counter>,
    reloads: Family<L1, Counter>,
    version_info: Family<L3, Gauge>,
    breaker_open: Family<L2, Gauge>,
    mutations: Family<L3, Counter>,
    http_requests: Family<L2, Counter>,
    http_retries: Family<L1, Counter>,
    ism_failed: Family<L1, Gauge>,
    transition_latency: HistFamily<L1>,
    follower_lag: Family<L1, Gauge>,
    paused_followers: Family<L1, Gauge>,
    plugin: Arc<PluginMetrics>,
    /// The label values last set for series that must exist once per key (a breaker has one
    /// reason, a plugin one version), so the previous series can be removed on change.
    breaker_reasons: Mutex<HashMap<String, String>>,
    versions: Mutex<HashMap<(String, String), String>>,
    /// Traps per tenant, for in-process readers ([`Metrics::traps_by_tenant`]).
    tenant_traps: Mutex<BTreeMap<String, u64>>,
    /// Lease and ownership families; exported once [`Metrics::enable_coordination`] ran.
    coord: super::coord_metrics::CoordMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Metrics with the default cap of 100 series per plugin.
    pub fn new() -> Self {
        Self::with_series_cap(DEFAULT_SERIES_CAP)
    }

    /// Metrics allowing each (tenant, plugin) at most `cap` series of its own.
    pub fn with_series_cap(cap: usize) -> Self {
        let mut registry = Registry::with_prefix("lifeguard");
        let dropped = Family::default();
        let mut m = Self {
            registry: Registry::default(),
            reconcile: Family::default(),
            reconcile_errors: Family::default(),
            reconcile_time: Family::new_with_constructor(reconcile_histogram),
            workqueue_depth: Gauge::default(),
            fuel: Family::default(),
            traps: Family::default(),
            reloads: Family::default(),
            version_info: Family::default(),
            breaker_open: Family::default(),
            mutations: Family::default(),
            http_requests: Family::default(),
            http_retries: Family::default(),
            ism_failed: Family::default(),
            transition_latency: Family::new_with_constructor(transition_histogram),
            follower_lag: Family::default(),
            paused_followers: Family::default(),
            plugin: Arc::new(PluginMetrics::new(cap, dropped.clone())),
            breaker_reasons: Mutex::default(),
            versions: Mutex::default(),
            tenant_traps: Mutex::default(),
            coord: Default::default(),
        };
        let r = &mut registry;
        // Counter names lack `_total`: the encoder appends it.
        r.register(
            "reconcile",
            "Reconciliations per plugin run, by result.",
            m.reconcile.clone(),
        );
        r.register(
            "reconcile_errors",
            "Reconciliations that did not end in ok.",
            m.reconcile_errors.clone(),
        );
        r.register(
            "reconcile_time_seconds",
            "Wall-clock time of one plugin run.",
            m.reconcile_time.clone(),
        );
        r.register(
            "workqueue_depth",
            "Jobs due and waiting for a run slot.",
            m.workqueue_depth.clone(),
        );
        r.register(
            "fuel_consumed",
            "Wasm fuel spent by plugin runs.",
            m.fuel.clone(),
        );
        r.register(
            "plugin_traps",
            "Plugin runs stopped by the host, by kind.",
            m.traps.clone(),
        );
        r.register(
            "plugin_reloads",
            "Plugin loads and hot reloads, by result.",
            m.reloads.clone(),
        );
        r.register(
            "plugin_version_info",
            "The loaded plugin version (always 1).",
            m.version_info.clone(),
        );
        r.register(
            "breaker_open",
            "1 while the cluster's mutation breaker is open.",
            m.breaker_open.clone(),
        );
        r.register(
            "mutations",
            "Mutations attempted by plugins, by verb and outcome.",
            m.mutations.clone(),
        );
        r.register(
            "http_requests",
            "Requests sent to clusters, by status.",
            m.http_requests.clone(),
        );
        r.register(
            "http_retries",
            "Requests retried after a retryable failure.",
            m.http_retries.clone(),
        );
        r.register(
            "ism_failed_indices",
            "Managed indices whose ISM policy is failed.",
            m.ism_failed.clone(),
        );
        r.register(
            "ism_transition_latency_seconds",
            "Time managed indices spent in ISM's transition step: from the transition action's start to the next state's start, as explain reports them.",
            m.transition_latency.clone(),
        );
        r.register(
            "ccr_follower_lag_ops",
            "Operations the follower index is behind its leader.",
            m.follower_lag.clone(),
        );
        r.register(
            "ccr_paused_followers",
            "Follower indices in PAUSED state.",
            m.paused_followers.clone(),
        );
        let plugin = r.sub_registry_with_prefix("plugin");
        plugin.register(
            "series_dropped",
            "Plugin metric series refused by the per-plugin cap or a name clash.",
            dropped,
        );
        plugin.register_collector(Box::new(Arc::clone(&m.plugin)));
        m.registry = registry;
        m
    }

    /// Export the coordination families (`[coordination]` is configured).
    pub fn enable_coordination(&mut self) {
        self.coord.register(&mut self.registry);
    }

    /// The coordination families (recorded whether exported or not).
    pub fn coord(&self) -> &super::coord_metrics::CoordMetrics {
        &self.coord
    }

    /// The whole registry in the text exposition format.
    pub fn encode(&self) -> Result<String, TelemetryError> {
        let mut out = String::with_capacity(16 * 1024);
        encode(&mut out, &self.registry).map_err(|_| TelemetryError::Encode)?;
        Ok(out)
    }

    /// One finished run: `reconcile_total`, `reconcile_errors_total`,
    /// `reconcile_time_seconds`, `fuel_consumed_total`, `plugin_traps_total`.
    pub fn observe_run(&self, tenant: &str, plugin: &str, report: &RunReport) {
        let result = report.outcome.label();
        self.reconcile
            .get_or_create(&l3("tenant", tenant, "plugin", plugin, "result", result))
            .inc();
        let key = l2("tenant", tenant, "plugin", plugin);
        if !matches!(report.outcome, RunOutcome::Ok { .. }) {
            self.reconcile_errors.get_or_create(&key).inc();
        }
        self.reconcile_time
            .get_or_create(&key)
            .observe(report.wall.as_secs_f64());
        self.fuel.get_or_create(&key).inc_by(report.fuel);
        if let RunOutcome::Trap { kind, .. } = &report.outcome {
            self.traps
                .get_or_create(&l3(
                    "tenant",
                    tenant,
                    "plugin",
                    plugin,
                    "kind",
                    kind.as_str(),
                ))
                .inc();
            if let Ok(mut t) = self.tenant_traps.lock() {
                *t.entry(tenant.to_string()).or_insert(0) += 1;
            }
        }
    }

    /// Traps counted so far, per tenant.
    pub fn traps_by_tenant(&self) -> BTreeMap<String, u64> {
        self.tenant_traps
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }

    /// A plugin-reported counter (e.g. `threshold_changes_total`) summed per tenant.
    pub fn plugin_counter_by_tenant(&self, name: &str) -> BTreeMap<String, f64> {
        self.plugin.counter_by_tenant(name)
    }

    pub fn set_queue_depth(&self, depth: usize) {
        self.workqueue_depth
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    pub fn plugin_reloaded(&self, result: ReloadResult) {
        self.reloads
            .get_or_create(&l1("result", result.as_str()))
            .inc();
    }

    /// Records the version now loaded for a plugin, replacing the previous one's series.
    pub fn set_plugin_version(&self, tenant: &str, plugin: &str, version: &str) {
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        let key = (tenant.to_owned(), plugin.to_owned());
        if let Some(old) = versions.insert(key, version.to_owned()) {
            if old != version {
                self.version_info
                    .remove(&l3("tenant", tenant, "plugin", plugin, "version", &old));
            }
        }
        self.version_info
            .get_or_create(&l3("tenant", tenant, "plugin", plugin, "version", version))
            .set(1);
    }

    /// A job (tenant, plugin) is scheduled: its error, trap and dropped-series counters start
    /// at 0, so they exist before the first event and `increase()` sees that event.
    pub fn job_started(&self, tenant: &str, plugin: &str) {
        // `get_or_create` makes the series; the guard it returns is let go at once.
        drop(
            self.reconcile_errors
                .get_or_create(&l2("tenant", tenant, "plugin", plugin)),
        );
        for kind in TrapKind::ALL {
            let labels = l3("tenant", tenant, "plugin", plugin, "kind", kind.as_str());
            drop(self.traps.get_or_create(&labels));
        }
        self.plugin.job_started(tenant, plugin);
    }

    /// Drops the version and every plugin-reported series of an unloaded plugin. Its
    /// reconcile counters stay: counters are never taken back.
    pub fn forget_plugin(&self, tenant: &str, plugin: &str) {
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = versions.remove(&(tenant.to_owned(), plugin.to_owned())) {
            self.version_info
                .remove(&l3("tenant", tenant, "plugin", plugin, "version", &old));
        }
        self.plugin.forget(tenant, plugin);
    }

    /// The breaker of `cluster` is `open` (1) or not (0) because of `reason`. One series per
    /// cluster: a new reason replaces the old series rather than leaving it at 1.
    pub fn set_breaker(&self, cluster: &str, open: bool, reason: &str) {
        let mut reasons = self
            .breaker_reasons
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(old) = reasons.insert(cluster.to_owned(), reason.to_owned()) {
            if old != reason {
                self.breaker_open
                    .remove(&l2("cluster", cluster, "reason", &old));
            }
        }
        self.breaker_open
            .get_or_create(&l2("cluster", cluster, "reason", reason))
            .set(i64::from(open));
    }

    /// One mutation attempted by a plugin; `outcome` is the guard's verdict (`allowed`,
    /// `denied`, `throttled`, `dry-run`, `budget`, …).
    pub fn mutation(&self, tenant: &str, verb: &str, outcome: &str) {
        self.mutations
            .get_or_create(&l3("tenant", tenant, "verb", verb, "outcome", outcome))
            .inc();
    }

    /// One request answered with `status`, or `None` for a transport failure (`status="error"`).
    pub fn http_request(&self, cluster: &str, status: Option<u16>) {
        let status = status.map_or_else(|| "error".to_owned(), |s| s.to_string());
        self.http_requests
            .get_or_create(&l2("cluster", cluster, "status", &status))
            .inc();
    }

    /// Catch the counters up with a client's own monotonic totals (polled once per tick).
    pub fn set_http_stats(&self, stats: &crate::cluster::http::HttpStats) {
        for (status, total) in &stats.requests_by_status {
            let c =
                self.http_requests
                    .get_or_create(&l2("cluster", &stats.cluster, "status", status));
            c.inc_by(total.saturating_sub(c.get()));
        }
        let r = self
            .http_retries
            .get_or_create(&l1("cluster", &stats.cluster));
        r.inc_by(stats.retries_total.saturating_sub(r.get()));
    }

    pub fn http_retry(&self, cluster: &str) {
        self.http_retries
            .get_or_create(&l1("cluster", cluster))
            .inc();
    }

    pub fn set_ism_failed(&self, cluster: &str, failed: u64) {
        self.ism_failed
            .get_or_create(&l1("cluster", cluster))
            .set(i64::try_from(failed).unwrap_or(i64::MAX));
    }

    pub fn observe_transition_latency(&self, cluster: &str, latency: Duration) {
        self.transition_latency
            .get_or_create(&l1("cluster", cluster))
            .observe(latency.as_secs_f64());
    }

    pub fn set_follower_lag(&self, index: &str, ops: u64) {
        self.follower_lag
            .get_or_create(&l1("index", index))
            .set(i64::try_from(ops).unwrap_or(i64::MAX));
    }

    pub fn set_paused_followers(&self, cluster: &str, paused: u64) {
        self.paused_followers
            .get_or_create(&l1("cluster", cluster))
            .set(i64::try_from(paused).unwrap_or(i64::MAX));
    }

    /// Live plugin-reported series of one plugin (at most the cap).
    pub fn plugin_series(&self, tenant: &str, plugin: &str) -> usize {
        self.plugin.series_count(tenant, plugin)
    }
}

impl MetricsSink for Metrics {
    fn record(
        &self,
        tenant: &str,
        plugin: &str,
        kind: MetricKind,
        name: &str,
        value: f64,
        labels: &[(String, String)],
    ) {
        self.plugin
            .record(tenant, plugin, kind, name, value, labels);
    }
}
