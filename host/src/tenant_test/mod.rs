//! `lifeguard test`: one plugin run on the simulator, started from a scenario, for N ticks of
//! simulated time, and the scenario's `[[expect]]` list checked against what it did.
//!
//! The host is the daemon's own, driven by hand as `lifeguard plan` drives it
//! ([`crate::daemon::once`]), with the simulator's clock and the in-memory audit
//! ([`crate::guard::MemoryAudit`]); unlike a plan, mutations are sent, so later ticks see
//! their effects, and the end state can be checked.
//!
//! | module   | job |
//! |----------|-----|
//! | `expect` | the `[[expect]]` entries: parsing (with file:line), checking, the diff |
//! | `config` | the host configuration of a test (one tenant, one plugin, the simulator) |
//! | `report` | the report: timeline, runs, summaries, metrics, verdicts; text and JUnit |
pub mod config;
pub mod expect;
pub mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::config::ConfigError;
use crate::daemon::{once, HostOptions, StartError};
use crate::guard::{MemoryAudit, Verdict as AuditVerdict};
use crate::runtime::Clock;
use crate::sim::{Scenario, Sim, SimOptions};

pub use report::{Report, RunLine, TimelineLine};

/// Why a test could not run (a failed expectation is not an error: see [`Report::passed`]).
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(String),
    #[error("{at}: {message}")]
    Expectation { at: String, message: String },
    #[error("{path}: {message}")]
    Scenario { path: PathBuf, message: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("starting the host: {0}")]
    Start(#[from] StartError),
    #[error("simulator: {0}")]
    Sim(String),
}

/// What to test.
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub plugin: PathBuf,
    pub scenario: PathBuf,
    /// The plugin's configuration, a JSON file; `{}` when absent.
    pub config: Option<PathBuf>,
    /// Ticks to run; each runs the plugin once.
    pub ticks: u64,
    /// Simulated time between ticks.
    pub every: Duration,
    /// The compile cache to reuse across runs (big Python and JS components compile once).
    pub cache_dir: Option<PathBuf>,
}

fn read(path: &Path) -> Result<String, TestError> {
    std::fs::read_to_string(path).map_err(|source| TestError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Ticks that cover `span` at one tick per `every` (at least 1).
pub fn ticks_for(span: Duration, every: Duration) -> u64 {
    let every = every.as_millis().max(1);
    (span.as_millis().div_ceil(every) as u64).max(1)
}

/// Run the test.
pub async fn run(opts: &TestOptions) -> Result<Report, TestError> {
    if opts.ticks == 0 {
        return Err(TestError::Input("--ticks must be at least 1".into()));
    }
    if opts.every.is_zero() {
        return Err(TestError::Input("--every must be longer than 0".into()));
    }
    if !opts.plugin.is_file() {
        return Err(TestError::Input(format!(
            "{}: no such plugin file",
            opts.plugin.display()
        )));
    }
    let text = read(&opts.scenario)?;
    let scenario = Scenario::parse(&text).map_err(|e| TestError::Scenario {
        path: opts.scenario.clone(),
        message: e.to_string(),
    })?;
    let expectations = expect::parse(&opts.scenario, &text)?;
    let plugin_config: Value = match &opts.config {
        Some(p) => {
            let v: Value = serde_json::from_str(&read(p)?).map_err(|e| {
                TestError::Input(format!("{}:{}: not JSON: {e}", p.display(), e.line()))
            })?;
            if !v.is_object() {
                return Err(TestError::Input(format!(
                    "{}: the plugin configuration must be a JSON object",
                    p.display()
                )));
            }
            v
        }
        None => serde_json::json!({}),
    };

    let sim = Sim::start(SimOptions {
        follower: scenario.follower.is_some(),
        scenario: Some(scenario),
        ..SimOptions::default()
    })
    .await
    .map_err(|e| TestError::Scenario {
        path: opts.scenario.clone(),
        message: e.to_string(),
    })?;
    // The test moves time itself, one tick period at a time.
    sim.set_speed(0.0);
    let sim = Arc::new(sim);
    let scratch = Scratch::create()?;
    let loaded = config::build(&config::Setup {
        plugin: &opts.plugin,
        plugin_config: &plugin_config,
        leader_url: sim.leader_url(),
        follower_url: sim.follower_url(),
        scratch: &scratch.0,
        every: opts.every,
    })?;
    let result = drive(opts, loaded, sim.clone(), &expectations).await;
    if let Ok(s) = Arc::try_unwrap(sim) {
        s.shutdown().await;
    }
    result
}

async fn drive(
    opts: &TestOptions,
    loaded: crate::config::Loaded,
    sim: Arc<crate::sim::SimHandle>,
    expectations: &[expect::Expectation],
) -> Result<Report, TestError> {
    let clock: Arc<dyn Clock> = Arc::new(crate::time::SimClock(sim.clone()));
    let audit = Arc::new(MemoryAudit::new(usize::MAX));
    let options = HostOptions {
        clock: clock.clone(),
        telemetry_listen: Some(String::new()),
        hot_reload: false,
        audit_copy: Some(audit.clone()),
        ..HostOptions::default()
    };
    // wasmtime wants an absolute cache path; a relative one is relative to here.
    let cache = opts
        .cache_dir
        .as_ref()
        .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone()));
    let host = once::prepare(loaded, options, cache).await?;
    let start = clock.now_ms() as i64;
    let mut report = Report::new(opts, opts.every);
    for tick in 1..=opts.ticks {
        if tick > 1 {
            sim.advance(opts.every);
        }
        let runs = once::tick(&host, tick, &mut |_: &str, _: &str| {}).await;
        for line in audit.take() {
            // An intent is followed by its outcome line; the outcome is the mutation.
            if line.outcome == AuditVerdict::Intent {
                continue;
            }
            report
                .timeline
                .push(TimelineLine::from_audit(tick, start, &line));
        }
        for r in runs {
            report.runs.push(RunLine::from_report(tick, &r.report));
        }
    }
    report.metrics = plugin_metrics(&host.metrics().encode().unwrap_or_default());
    host.shutdown_engine();
    drop(host);
    let sizes = index_sizes(&sim);
    let seen: Vec<expect::Seen> = report
        .timeline
        .iter()
        .filter(|l| l.happened())
        .map(|l| expect::Seen {
            tick: l.tick,
            offset_ms: l.offset_ms,
            verb: l.verb.clone(),
            target: l.target.clone(),
        })
        .collect();
    report.verdicts = expectations
        .iter()
        .map(|e| expect::check(e, &seen, &sizes))
        .collect();
    Ok(report)
}

/// The plugin's own series (`lifeguard_plugin_*`) of the host's metrics.
fn plugin_metrics(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.starts_with("lifeguard_plugin_") && !l.starts_with("lifeguard_plugin_series_dropped")
        })
        .map(str::to_string)
        .collect()
}

/// Primary store size of every index on the leader at the end.
fn index_sizes(sim: &crate::sim::SimHandle) -> Vec<(String, u64)> {
    let (status, body) = sim.request(
        0,
        "GET",
        "/_cat/indices?format=json&bytes=b&h=index,pri.store.size",
        b"",
    );
    if status != 200 {
        return Vec::new();
    }
    let rows: Vec<Value> = serde_json::from_slice(&body).unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            let name = r.get("index")?.as_str()?;
            let size = r.get("pri.store.size")?.as_str()?.parse().ok()?;
            Some((name.to_string(), size))
        })
        .collect()
}

/// A scratch directory for the test's state and audit file, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> Result<Self, TestError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("lifeguard-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| TestError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_span() {
        let m = |n: u64| Duration::from_secs(60 * n);
        assert_eq!(ticks_for(m(48 * 60), m(5)), 576);
        assert_eq!(ticks_for(m(7), m(5)), 2);
        assert_eq!(ticks_for(Duration::ZERO, m(5)), 1);
    }

    #[test]
    fn only_the_plugins_series_are_kept() {
        let text = "# HELP x\nlifeguard_plugin_gauge{a=\"1\"} 3\nlifeguard_reconcile_total 1\nlifeguard_plugin_series_dropped_total 0\n";
        assert_eq!(plugin_metrics(text), ["lifeguard_plugin_gauge{a=\"1\"} 3"]);
    }
}
