//! `lifeguard demo`: two simulated days of three tenants on a leader/follower pair, in about
//! a minute. Starts the simulator in-process from `examples/demo/scenario.toml`, the host from
//! `examples/demo/lifeguard.toml` on the simulator's clock, then narrates what the plugins do
//! (from the audit log, the host's metrics and the simulator's indices) and ends with a
//! summary table.
//!
//! | module     | job |
//! |------------|-----|
//! | `setup`    | the embedded scenario and config, the scripted ingest spike, the CCR rule |
//! | `clock`    | the host's clock reading the simulator's time |
//! | `watch`    | what audit lines mean for the story, rollovers seen in the simulator |
//! | `progress` | progress bar and live event lines |
//! | `report`   | counters and the summary table |
mod progress;
mod report;
pub mod setup;
mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::daemon::{HostHandle, HostOptions};
use crate::guard::{AuditLine, MemoryAudit, Phase};
use crate::sim::{Sim, SimOptions};
use crate::telemetry::Metrics;

pub use progress::View;
pub use report::{DemoReport, TenantTally};
pub use setup::{CONFIG_TEMPLATE, REQUIRED_PLUGINS, SCENARIO};

use setup::HOUR_MS;
use watch::{IndexEvent, Kind};

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Directory with the plugin `.wasm` files (`make plugins` → `build/plugins`).
    pub plugin_dir: PathBuf,
    /// Simulated days.
    pub days: f64,
    /// Wall-clock seconds they should take.
    pub seconds: f64,
    /// State, compile cache, rendered config; plugin state is wiped at each start.
    pub work_dir: PathBuf,
    /// The audit log; default `<work_dir>/audit.jsonl`. Truncated at each start.
    pub audit_file: Option<PathBuf>,
    pub view: View,
    /// Use `ism-doctor-py.wasm` / `rollover-tuner-js.wasm` when they are in the plugin dir.
    pub polyglot: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            plugin_dir: PathBuf::from("build/plugins"),
            days: 2.0,
            seconds: 60.0,
            work_dir: PathBuf::from("build/demo"),
            audit_file: None,
            view: View::Live,
            polyglot: false,
        }
    }
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("plugin {0} not found in {1}: run `make plugins` first")]
    MissingPlugin(String, String),
    #[error("days and seconds must be positive")]
    BadDuration,
    #[error("the demo scenario: {0}")]
    Scenario(String),
    #[error("simulator: {0}")]
    Sim(#[from] crate::sim::SimError),
    #[error("setting up the simulator: {0}")]
    Setup(String),
    #[error("the demo config: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("starting the host: {0}")]
    Start(#[from] crate::daemon::StartError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs the demo to its end and returns what happened.
pub async fn run(opts: DemoOptions) -> Result<DemoReport, DemoError> {
    if !(opts.days > 0.0 && opts.seconds > 0.0) {
        return Err(DemoError::BadDuration);
    }
    let plugin_dir = absolute(&opts.plugin_dir)?;
    for f in REQUIRED_PLUGINS {
        if !plugin_dir.join(f).is_file() {
            return Err(DemoError::MissingPlugin(
                f.to_string(),
                plugin_dir.display().to_string(),
            ));
        }
    }
    let files = setup::PluginFiles {
        rollover_tuner: pick(
            &plugin_dir,
            opts.polyglot,
            "rollover-tuner-js.wasm",
            "rollover_tuner.wasm",
        ),
        ism_doctor: pick(
            &plugin_dir,
            opts.polyglot,
            "ism-doctor-py.wasm",
            "ism_doctor.wasm",
        ),
    };
    let work = absolute(&opts.work_dir)?;
    let state_dir = work.join("state");
    // Fresh plugin state each run (the failover's fencing token lives there); the compile
    // cache stays.
    for sub in ["plugins", "backups"] {
        let p = state_dir.join(sub);
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(io(&p))?;
        }
    }
    std::fs::create_dir_all(&state_dir).map_err(io(&state_dir))?;
    let audit_file = match &opts.audit_file {
        Some(p) => absolute(p)?,
        None => work.join("audit.jsonl"),
    };
    if let Some(parent) = audit_file.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(&audit_file, b"").map_err(io(&audit_file))?;
    let paths = setup::Paths {
        plugin_dir,
        state_dir,
        audit_file: audit_file.clone(),
        config_file: work.join("lifeguard.toml"),
    };

    let mut p = progress::Printer::new(opts.view);
    let total_ms = (opts.days * 86_400_000.0) as i64;
    let speed = total_ms as f64 / (opts.seconds * 1000.0);
    p.say(&format!(
        "lifeguard demo: {:.1} simulated days in about {:.0} s (×{speed:.0}), three tenants on a leader/follower pair",
        opts.days, opts.seconds
    ));

    // The world, clock stopped while everything starts.
    let scenario = setup::scenario()?;
    let announcements = setup::announcements(&scenario);
    let sim = Arc::new(
        Sim::start(SimOptions {
            follower: true,
            speed: 0.0,
            scenario: Some(scenario),
            ..SimOptions::default()
        })
        .await?,
    );
    let t0 = sim.now_ms();
    setup::start_replication(&sim)?;
    let follower_url = sim.follower_url().unwrap_or_default().to_string();
    let text = setup::render_config(sim.leader_url(), &follower_url, &paths, &files);
    std::fs::write(&paths.config_file, &text).map_err(io(&paths.config_file))?;
    let loaded = crate::config::parse_str(&paths.config_file, &text)?;
    // The live view and the final tally read the audit lines from memory.
    let audit = Arc::new(MemoryAudit::new(usize::MAX));
    let options = HostOptions {
        audit_copy: Some(audit.clone()),
        ..setup::host_options(&sim, speed)
    };
    p.say(&format!(
        "leader {}  follower {}  plugins {}",
        sim.leader_url(),
        follower_url,
        paths.plugin_dir.display()
    ));
    let started = Instant::now();
    let host = crate::daemon::start(loaded, options).await;
    let host = match host {
        Ok(h) => h,
        Err(e) => {
            stop_sim(sim).await;
            return Err(e.into());
        }
    };
    if let Some(a) = host.telemetry_addr {
        p.say(&format!(
            "host up in {:.1} s; status page http://{a}/  metrics http://{a}/metrics",
            started.elapsed().as_secs_f64()
        ));
    }
    p.say(&format!(
        "tenants: web (rollover-tuner: {}, ism-doctor: {}), metrics (fallback-router), orders (ccr-guard, ccr-failover auto)\n",
        files.rollover_tuner, files.ism_doctor
    ));

    let run_started = Instant::now();
    sim.set_speed(speed);
    let mut state = Live::new(audit);
    let plan = setup::ingest_plan();
    let mut next_plan = 0usize;
    let mut next_note = 0usize;
    loop {
        let elapsed = sim.now_ms() - t0;
        while next_plan < plan.len() && plan[next_plan].at_ms <= elapsed {
            setup::apply_ingest(&sim, &plan[next_plan])?;
            next_plan += 1;
        }
        while next_note < announcements.len() && announcements[next_note].at_ms <= elapsed {
            let a = &announcements[next_note];
            p.event(a.at_ms, Kind::Scenario.label(), &a.text);
            next_note += 1;
        }
        state.poll(&sim, &host, t0, &mut p);
        if elapsed >= total_ms {
            break;
        }
        let note = state.note();
        p.progress(elapsed, total_ms, &note);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sim.set_speed(0.0);
    let end_ms = sim.now_ms();
    let wall = run_started.elapsed().as_secs_f64();
    p.clear_bar();
    let grace = host.host.shutdown_grace();
    let tallies = PluginTallies::read(host.host.metrics());
    host.shutdown(grace).await;
    state.poll_audit(t0, &mut p);

    let mut report = DemoReport {
        audit_file: audit_file.clone(),
        config_file: paths.config_file.clone(),
        simulated_hours: (end_ms - t0) as f64 / HOUR_MS as f64,
        wall_seconds: wall,
        breaker_openings: state.breaker_openings.clone(),
        ..DemoReport::default()
    };
    for t in ["web", "metrics", "orders"] {
        report.tenants.entry(t.to_string()).or_default();
    }
    report.count_audit(&state.lines);
    tallies.add_to(&mut report);
    for (family, tenant) in watch::FAMILIES {
        let n = state.indices.rollovers.get(family).copied().unwrap_or(0);
        report
            .tenants
            .entry(tenant.to_string())
            .or_default()
            .rollovers += n;
    }
    stop_sim(sim).await;
    Ok(report)
}

/// The file to load: the polyglot twin when asked for and built, else the Rust one.
fn pick(dir: &Path, polyglot: bool, twin: &str, rust: &str) -> String {
    if polyglot && dir.join(twin).is_file() {
        twin.to_string()
    } else {
        rust.to_string()
    }
}

fn absolute(p: &Path) -> Result<PathBuf, DemoError> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(io(p))?;
    Ok(cwd.join(p))
}

async fn stop_sim(sim: Arc<SimHandle>) {
    match Arc::try_unwrap(sim) {
        Ok(s) => s.shutdown().await,
        // The host's clock still holds it; its listeners stop with the runtime.
        Err(s) => s.set_speed(0.0),
    }
}

use crate::sim::SimHandle;

/// What the plugins counted, read from the host's metrics before it stops.
struct PluginTallies {
    threshold_changes: BTreeMap<String, f64>,
    reroutes: BTreeMap<String, f64>,
    failovers: BTreeMap<String, f64>,
    traps: BTreeMap<String, u64>,
}

impl PluginTallies {
    fn read(m: &Metrics) -> Self {
        Self {
            threshold_changes: m.plugin_counter_by_tenant("threshold_changes_total"),
            reroutes: m.plugin_counter_by_tenant("reroutes_total"),
            failovers: m.plugin_counter_by_tenant("failovers_total"),
            traps: m.traps_by_tenant(),
        }
    }

    fn add_to(&self, report: &mut DemoReport) {
        fn tally<'a>(r: &'a mut DemoReport, t: &str) -> &'a mut TenantTally {
            r.tenants.entry(t.to_string()).or_default()
        }
        for (t, v) in &self.threshold_changes {
            tally(report, t).threshold_changes += *v as u64;
        }
        for (t, v) in &self.reroutes {
            tally(report, t).reroutes += *v as u64;
        }
        for (t, v) in &self.failovers {
            tally(report, t).failovers += *v as u64;
        }
        for (t, v) in &self.traps {
            tally(report, t).traps += v;
        }
    }
}

/// What the live loop remembers between polls.
struct Live {
    audit: Arc<MemoryAudit>,
    /// Every audit line seen, for the final tally.
    lines: Vec<AuditLine>,
    indices: watch::IndexWatch,
    breaker_open: BTreeMap<String, bool>,
    breaker_openings: BTreeMap<String, u64>,
    synced: u64,
    held: u64,
    sent: u64,
}

impl Live {
    fn new(audit: Arc<MemoryAudit>) -> Self {
        Self {
            audit,
            lines: Vec::new(),
            indices: watch::IndexWatch::default(),
            breaker_open: BTreeMap::new(),
            breaker_openings: BTreeMap::new(),
            synced: 0,
            held: 0,
            sent: 0,
        }
    }

    fn note(&self) -> String {
        format!("{} mutations sent, {} held", self.sent, self.held)
    }

    fn poll(&mut self, sim: &SimHandle, host: &HostHandle, t0: i64, p: &mut progress::Printer) {
        for e in self.indices.poll(sim) {
            let now = sim.now_ms() - t0;
            match e {
                IndexEvent::RolledOver {
                    family,
                    tenant,
                    index,
                } => p.event(
                    now,
                    Kind::Rollover.label(),
                    &format!("{tenant}: {family} rolled over to {index}"),
                ),
                IndexEvent::Following { index } => p.event(
                    now,
                    Kind::Replication.label(),
                    &format!("orders: follower cluster now replicates {index}"),
                ),
            }
        }
        for (name, s) in host.host.breakers() {
            let open = s.state != Phase::Closed;
            let was = self
                .breaker_open
                .insert(name.clone(), open)
                .unwrap_or(false);
            if open && !was {
                *self.breaker_openings.entry(name.clone()).or_insert(0) += 1;
                p.event(
                    sim.now_ms() - t0,
                    Kind::Breaker.label(),
                    &format!(
                        "cluster {name}: {} (mutations held back)",
                        s.reason.as_deref().unwrap_or("open")
                    ),
                );
            } else if !open && was {
                p.event(
                    sim.now_ms() - t0,
                    "breaker closed",
                    &format!("cluster {name}: mutations flow again"),
                );
            }
        }
        self.poll_audit(t0, p);
    }

    fn poll_audit(&mut self, t0: i64, p: &mut progress::Printer) {
        let fresh = self.audit.take();
        for l in &fresh {
            let kind = watch::classify(l);
            if l.outcome == crate::guard::Verdict::Sent {
                self.sent += 1;
            } else {
                self.held += 1;
            }
            if kind == Kind::PolicySync && l.outcome == crate::guard::Verdict::Sent {
                self.synced += 1;
            }
            if !watch::is_live(l, kind) {
                continue;
            }
            let at = l.time_ms as i64 - t0;
            let why = if l.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", l.reason)
            };
            p.event(
                at,
                kind.label(),
                &format!("{} {} {}{why}", l.tenant, l.verb, l.target),
            );
        }
        self.lines.extend(fresh);
    }
}
