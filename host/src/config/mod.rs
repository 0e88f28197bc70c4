//! The TOML configuration of `lifeguard run`: clusters, tenants and their plugins, limits.
//! Every error names the file, the line and the key (see [`load`]).
mod load;
mod locate;
mod validate;

#[cfg(test)]
mod fuzz_tests;

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

pub use load::{load_file, parse_str, ConfigError};

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub host: HostConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Clusters by alias: URLs, auth, TLS, timeouts, retries.
    #[serde(default)]
    pub clusters: Vec<crate::cluster::http::ClusterConfig>,
    /// Platform guard settings: breaker, default budgets, global maintenance windows.
    #[serde(default)]
    pub guard: crate::guard::GuardConfig,
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
    /// Several replicas on etcd; absent = one process, as always.
    #[serde(default)]
    pub coordination: Option<crate::coord::CoordinationConfig>,
}

/// Host-wide settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// Directory holding plugin `.wasm` files; watched for changes.
    pub plugin_dir: PathBuf,
    /// Directory for plugin state, the compile cache and the ISM-pause record.
    pub state_dir: PathBuf,
    /// The audit log (JSON lines).
    pub audit_file: PathBuf,
    /// Default reconcile interval, e.g. "20s".
    pub interval: Spanned<String>,
    /// Where `/metrics`, `/healthz`, `/readyz` and the status page listen; empty disables.
    pub telemetry_listen: String,
    /// Dry-run for every tenant: mutations are recorded, never sent.
    pub dry_run: bool,
    /// Two tenants granted the same index pattern: `warn` or `reject`.
    pub on_overlap: OverlapPolicy,
    /// How long in-flight runs may take to finish on shutdown.
    pub shutdown_grace: Spanned<String>,
    /// Global cap on concurrent runs.
    pub max_concurrent_runs: usize,
    /// Cap on concurrent runs per cluster.
    pub max_concurrent_per_cluster: usize,
    /// First delay after a failed run; doubles per consecutive failure (with jitter).
    pub backoff_base: Spanned<String>,
    /// Longest backoff delay.
    pub backoff_max: Spanned<String>,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            plugin_dir: PathBuf::from("build/plugins"),
            state_dir: PathBuf::from("var/lifeguard"),
            audit_file: PathBuf::from("var/lifeguard/audit.jsonl"),
            interval: Spanned::new(0..0, "20s".into()),
            telemetry_listen: "127.0.0.1:9464".into(),
            dry_run: false,
            on_overlap: OverlapPolicy::Warn,
            shutdown_grace: Spanned::new(0..0, "10s".into()),
            max_concurrent_runs: 64,
            max_concurrent_per_cluster: 16,
            backoff_base: Spanned::new(0..0, "1s".into()),
            backoff_max: Spanned::new(0..0, "5m".into()),
        }
    }
}

/// What to do when two tenants' index grants overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlapPolicy {
    Warn,
    Reject,
}

/// Sandbox limits per run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Fuel per run (1e9 ≈ 60–120 ms of CPU).
    pub fuel: u64,
    /// Wall-clock deadline per run, e.g. "5s".
    pub deadline: Spanned<String>,
    /// Linear memory per instance, e.g. "64mb".
    pub memory: Spanned<String>,
    /// Largest host-call argument, e.g. "4mb".
    pub max_arg: Spanned<String>,
    /// Consecutive traps before a job is quarantined.
    pub quarantine_after: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            fuel: 5_000_000_000,
            deadline: Spanned::new(0..0, "5s".into()),
            memory: Spanned::new(0..0, "64mb".into()),
            max_arg: Spanned::new(0..0, "4mb".into()),
            quarantine_after: 5,
        }
    }
}

/// One tenant: a team with its grant and its plugins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    pub name: String,
    /// Cluster aliases the tenant may address; the first is its default.
    pub clusters: Vec<Spanned<String>>,
    /// Index and alias globs the tenant owns, e.g. `["logs-app1-*"]`.
    pub indices: Vec<Spanned<String>>,
    /// ISM policy id globs the tenant owns.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Dry-run for this tenant only.
    #[serde(default)]
    pub dry_run: bool,
    /// CCR auto-follow rule names the tenant owns.
    #[serde(default)]
    pub autofollow_rules: Vec<String>,
    /// Mutating raw requests allowed.
    #[serde(default)]
    pub raw_write: bool,
    /// Budget and maintenance windows of this tenant, over `[guard]`'s.
    #[serde(default)]
    pub guard: crate::guard::TenantGuardConfig,
    #[serde(default)]
    pub plugins: Vec<PluginEntry>,
}

/// One plugin of a tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    /// The job name, unique within the tenant.
    pub name: String,
    /// The `.wasm` file name inside `host.plugin_dir`.
    pub file: Spanned<String>,
    /// Reconcile interval; defaults to `host.interval`.
    pub interval: Option<Spanned<String>>,
    /// The plugin's own configuration, handed to it as JSON.
    #[serde(default = "empty_table")]
    pub config: toml::Value,
}

fn empty_table() -> toml::Value {
    toml::Value::Table(toml::map::Map::new())
}

/// Durations and sizes resolved once the file is validated.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub interval: Duration,
    /// The host's housekeeping beat: the shortest of `host.interval` and every plugin's
    /// interval. Ticks, the snapshot's default TTL, the scheduler's requeue floor and
    /// `plan`'s simulated steps all use it.
    pub tick_period: Duration,
    pub shutdown_grace: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub deadline: Duration,
    pub memory_bytes: u64,
    pub max_arg_bytes: u64,
    /// `guard.audit_max_size` and `guard.audit_keep`.
    pub audit_rotation: crate::guard::audit::Rotation,
    /// Per (tenant index, plugin index): the plugin's interval.
    pub plugin_intervals: Vec<Vec<Duration>>,
    /// Warnings found while validating (e.g. overlapping grants under `on_overlap = "warn"`).
    pub warnings: Vec<String>,
}

/// A validated configuration with its source path.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
    pub resolved: Resolved,
}

impl Loaded {
    /// `host.plugin_dir`, relative to the config file's directory unless absolute.
    pub fn plugin_dir(&self) -> PathBuf {
        self.relative(&self.config.host.plugin_dir)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.relative(&self.config.host.state_dir)
    }

    pub fn audit_file(&self) -> PathBuf {
        self.relative(&self.config.host.audit_file)
    }

    fn relative(&self, p: &std::path::Path) -> PathBuf {
        if p.is_absolute() {
            return p.to_path_buf();
        }
        self.path
            .parent()
            .map(|d| d.join(p))
            .unwrap_or_else(|| p.to_path_buf())
    }
}
