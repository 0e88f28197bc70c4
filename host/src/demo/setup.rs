//! The demo's world and host configuration: the embedded scenario and config template, the
//! scripted ingest spike, and the CCR auto-follow rule of tenant `orders`.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::daemon::HostOptions;
use crate::sim::{Scenario, Side, SimHandle};

use super::DemoError;

/// `examples/demo/scenario.toml`: nodes, tenants' families, the timeline.
pub const SCENARIO: &str = include_str!("../../../examples/demo/scenario.toml");
/// `examples/demo/lifeguard.toml`: the host config, with `{{…}}` placeholders.
pub const CONFIG_TEMPLATE: &str = include_str!("../../../examples/demo/lifeguard.toml");

/// The Rust plugins the demo needs, by file name.
pub const REQUIRED_PLUGINS: [&str; 5] = [
    "rollover_tuner.wasm",
    "ism_doctor.wasm",
    "fallback_router.wasm",
    "ccr_guard.wasm",
    "ccr_failover.wasm",
];

pub const HOUR_MS: i64 = 3_600_000;

/// One scripted change of an ingest rate (the scenario format has no ingest events).
#[derive(Debug, Clone)]
pub struct IngestChange {
    /// Offset from the scenario start.
    pub at_ms: i64,
    pub alias: &'static str,
    pub docs_per_sec: f64,
    pub bytes_per_doc: f64,
    pub label: &'static str,
}

/// Tenant web's ingest spike: ×5 from 20h to 28h.
pub fn ingest_plan() -> Vec<IngestChange> {
    vec![
        IngestChange {
            at_ms: 20 * HOUR_MS,
            alias: "logs-web",
            docs_per_sec: 3000.0,
            bytes_per_doc: 1000.0,
            label: "ingest spike on logs-web: 600 → 3000 docs/s",
        },
        IngestChange {
            at_ms: 28 * HOUR_MS,
            alias: "logs-web",
            docs_per_sec: 600.0,
            bytes_per_doc: 1000.0,
            label: "ingest spike over: logs-web back to 600 docs/s",
        },
    ]
}

pub fn scenario() -> Result<Scenario, DemoError> {
    Scenario::parse(SCENARIO).map_err(|e| DemoError::Scenario(e.to_string()))
}

/// A timeline entry of the scenario, for the live lines.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub at_ms: i64,
    pub text: String,
}

/// What the scenario's timeline will do, in words.
pub fn announcements(s: &Scenario) -> Vec<Announcement> {
    let mut out: Vec<Announcement> = s
        .timeline
        .iter()
        .filter_map(|t| {
            let at_ms = crate::sim::util::parse_time_ms(&t.at)?;
            Some(Announcement {
                at_ms,
                text: describe(&t.event),
            })
        })
        .collect();
    for c in ingest_plan() {
        out.push(Announcement {
            at_ms: c.at_ms,
            text: c.label.to_string(),
        });
    }
    out.sort_by_key(|a| a.at_ms);
    out
}

fn describe(e: &crate::sim::FaultAction) -> String {
    use crate::sim::FaultAction as F;
    match e {
        F::DiskFill { node, percent, .. } => {
            format!("warm tier fills: {node} disk at {percent:.0}% (above the low watermark)")
        }
        F::Saturate { pool, duration, .. } => format!(
            "leader {pool} thread pool saturated{}",
            duration
                .as_deref()
                .map(|d| format!(" for {d}"))
                .unwrap_or_default()
        ),
        F::LeaderOutage { duration, .. } => match duration {
            Some(d) => format!("leader unreachable for {d}"),
            None => "leader outage: the leader is gone".to_string(),
        },
        F::LeaderRestore {} => "leader back".to_string(),
        F::NodeDown { node, .. } => format!("node {node} down"),
        F::NodeUp { node, .. } => format!("node {node} up"),
        other => format!("{other:?}"),
    }
}

/// Sends one scripted ingest change to the simulator.
pub fn apply_ingest(sim: &SimHandle, c: &IngestChange) -> Result<(), DemoError> {
    sim.set_ingest(Side::Leader, c.alias, c.docs_per_sec, c.bytes_per_doc)
        .map_err(|e| DemoError::Setup(format!("ingest on {}: {e}", c.alias)))
}

/// Tenant orders replicates `orders-*` to the follower through an auto-follow rule.
pub fn start_replication(sim: &SimHandle) -> Result<(), DemoError> {
    sim.create_autofollow(Side::Follower, "leader-cluster", "orders", "orders-*")
        .map_err(|e| DemoError::Setup(format!("creating the auto-follow rule: {e}")))
}

/// Where the demo keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub plugin_dir: PathBuf,
    pub state_dir: PathBuf,
    pub audit_file: PathBuf,
    pub config_file: PathBuf,
}

/// The plugin file a tenant entry loads: a polyglot twin when asked for and present.
#[derive(Debug, Clone)]
pub struct PluginFiles {
    pub rollover_tuner: String,
    pub ism_doctor: String,
}

/// The config template with every placeholder filled.
pub fn render_config(leader: &str, follower: &str, paths: &Paths, files: &PluginFiles) -> String {
    CONFIG_TEMPLATE
        .replace("{{LEADER_URL}}", leader)
        .replace("{{FOLLOWER_URL}}", follower)
        .replace("{{PLUGIN_DIR}}", &toml_path(&paths.plugin_dir))
        .replace("{{STATE_DIR}}", &toml_path(&paths.state_dir))
        .replace("{{AUDIT_FILE}}", &toml_path(&paths.audit_file))
        .replace("{{ROLLOVER_TUNER}}", &files.rollover_tuner)
        .replace("{{ISM_DOCTOR}}", &files.ism_doctor)
}

/// A path inside a basic TOML string.
fn toml_path(p: &Path) -> String {
    p.display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// How the demo starts its host on the simulator: the simulator's clock at `speed`, telemetry
/// on an ephemeral loopback port, no file watching, a fixed scheduler seed.
pub fn host_options(sim: &Arc<SimHandle>, speed: f64) -> HostOptions {
    HostOptions {
        clock: Arc::new(crate::time::SimClock(sim.clone())),
        telemetry_listen: Some("127.0.0.1:0".into()),
        hot_reload: false,
        snapshot_ttl: Some(Duration::from_millis(250)),
        scheduler_seed: Some(7),
        time_scale: speed,
        ..HostOptions::default()
    }
}
