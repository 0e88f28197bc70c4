//! What a run may reach: its tenant's cluster views, metrics, state and clock. The runtime
//! only sees these traits; the daemon wires the real implementations.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::cluster::DynCluster;

pub use crate::time::{Clock, SystemClock};

/// Where plugin metrics go. The host adds the prefix and the tenant/plugin labels and
/// enforces the series cap.
pub trait MetricsSink: Send + Sync {
    /// `kind` is `counter`, `gauge` or `histogram`.
    fn record(
        &self,
        tenant: &str,
        plugin: &str,
        kind: MetricKind,
        name: &str,
        value: f64,
        labels: &[(String, String)],
    );
}

/// The three metric kinds of the WIT `metrics` interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// Drops every metric; for `check` and tests.
#[derive(Debug, Default)]
pub struct NoMetrics;

impl MetricsSink for NoMetrics {
    fn record(&self, _: &str, _: &str, _: MetricKind, _: &str, _: f64, _: &[(String, String)]) {}
}

/// A plugin's small persistent key-value state, per (tenant, plugin). Reads come from
/// what [`StateStore::prepare`] made current before the run; writes are durable (on disk,
/// or in etcd under ownership) when they return `Ok`.
#[async_trait::async_trait]
pub trait StateStore: Send + Sync {
    /// Bring the readable copy up to date before a run; the default has nothing to do.
    async fn prepare(&self) -> Result<(), crate::cluster::ApiError> {
        Ok(())
    }
    fn get(&self, key: &str) -> Option<String>;
    async fn set(&self, key: &str, value: &str) -> Result<(), crate::cluster::ApiError>;
    async fn delete(&self, key: &str) -> Result<(), crate::cluster::ApiError>;
    fn keys(&self) -> Vec<String>;
}

/// The reason a plugin stated for its following mutations (`log.set-reason`). Shared with the
/// guard views of the same run, which copy it into every audit line.
#[derive(Debug, Default, Clone)]
pub struct ReasonCell(Arc<Mutex<String>>);

impl ReasonCell {
    pub fn set(&self, reason: String) {
        if let Ok(mut r) = self.0.lock() {
            *r = reason;
        }
    }

    pub fn get(&self) -> String {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Everything one run may touch besides its own memory.
#[derive(Clone)]
pub struct RunEnv {
    pub tenant: String,
    pub plugin: String,
    /// Cluster alias → the tenant's (guarded) view of that cluster. Aliases absent here are
    /// `denied`.
    pub clusters: HashMap<String, DynCluster>,
    /// Order of aliases as given to the plugin in `context.clusters`.
    pub cluster_order: Vec<String>,
    pub metrics: Arc<dyn MetricsSink>,
    pub state: Arc<dyn StateStore>,
    pub clock: Arc<dyn Clock>,
    pub reason: ReasonCell,
}

impl RunEnv {
    /// An environment with no clusters, no-op metrics and in-memory state: enough to call
    /// `describe()`.
    pub fn isolated(tenant: &str, plugin: &str) -> Self {
        Self {
            tenant: tenant.into(),
            plugin: plugin.into(),
            clusters: HashMap::new(),
            cluster_order: Vec::new(),
            metrics: Arc::new(NoMetrics),
            state: Arc::new(crate::runtime::env::MemoryState::default()),
            clock: Arc::new(SystemClock),
            reason: ReasonCell::default(),
        }
    }
}

/// State kept in memory only.
#[derive(Debug, Default)]
pub struct MemoryState(Mutex<std::collections::BTreeMap<String, String>>);

#[async_trait::async_trait]
impl StateStore for MemoryState {
    fn get(&self, key: &str) -> Option<String> {
        self.0.lock().ok()?.get(key).cloned()
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), crate::cluster::ApiError> {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key.into(), value.into());
        }
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), crate::cluster::ApiError> {
        if let Ok(mut m) = self.0.lock() {
            m.remove(key);
        }
        Ok(())
    }
    fn keys(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}
