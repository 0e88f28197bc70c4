//! Liveness (`/healthz`) and readiness (`/readyz`), set by the host as it starts up and runs.
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The scheduler interval assumed until the host sets one (the design's default).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(20);

/// Heartbeats may be missed this many intervals before the process counts as stuck.
const MISSED_INTERVALS: u64 = 3;

/// The answer to a probe: `Ok` or the reasons it fails, one per line.
pub type Probe = Result<(), Vec<String>>;

/// Process health, shared between the host (writer) and the telemetry server (reader).
#[derive(Debug)]
pub struct Health {
    started: Instant,
    config_loaded: AtomicBool,
    plugins_compiled: AtomicBool,
    /// Milliseconds since `started` of the last scheduler heartbeat; 0 = none yet.
    heartbeat_ms: AtomicU64,
    interval_ms: AtomicU64,
    /// Clusters in the config, and those that have answered at least once.
    clusters: Mutex<(BTreeSet<String>, BTreeSet<String>)>,
    /// Further conditions of readiness (the coordination lease), each `Err(why)` when unmet.
    gates: Mutex<Vec<Gate>>,
}

/// A readiness condition registered by another part of the host.
pub struct Gate(Box<dyn Fn() -> Result<(), String> + Send + Sync>);

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    /// Nothing loaded, nothing reached; the heartbeat clock starts now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            config_loaded: AtomicBool::new(false),
            plugins_compiled: AtomicBool::new(false),
            heartbeat_ms: AtomicU64::new(0),
            interval_ms: AtomicU64::new(millis(DEFAULT_INTERVAL)),
            clusters: Mutex::default(),
            gates: Mutex::default(),
        }
    }

    /// Readiness also needs `gate` to answer `Ok`.
    pub fn add_gate(&self, gate: impl Fn() -> Result<(), String> + Send + Sync + 'static) {
        let mut g = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        g.push(Gate(Box::new(gate)));
    }

    pub fn set_config_loaded(&self, loaded: bool) {
        self.config_loaded.store(loaded, Ordering::Release);
    }

    pub fn set_plugins_compiled(&self, compiled: bool) {
        self.plugins_compiled.store(compiled, Ordering::Release);
    }

    /// The scheduler's tick interval; liveness allows 3 of them between heartbeats.
    pub fn set_interval(&self, interval: Duration) {
        self.interval_ms
            .store(millis(interval).max(1), Ordering::Release);
    }

    /// The clusters readiness waits for. Replaces the previous set (e.g. on config reload).
    pub fn expect_clusters<I, S>(&self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut c = self.clusters.lock().unwrap_or_else(|e| e.into_inner());
        c.0 = names.into_iter().map(Into::into).collect();
    }

    /// A cluster answered a request. Readiness needs this once per cluster, not continuously:
    /// a later outage is the breaker's business, and restarting the pod would not help.
    pub fn cluster_reached(&self, name: &str) {
        let mut c = self.clusters.lock().unwrap_or_else(|e| e.into_inner());
        if !c.1.contains(name) {
            c.1.insert(name.to_owned());
        }
    }

    /// Whether `name` has answered at least once.
    pub fn was_reached(&self, name: &str) -> bool {
        let c = self.clusters.lock().unwrap_or_else(|e| e.into_inner());
        c.1.contains(name)
    }

    /// The scheduler loop is alive. Call once per tick.
    pub fn heartbeat(&self) {
        let now = self.now_ms().max(1);
        self.heartbeat_ms.store(now, Ordering::Release);
    }

    fn now_ms(&self) -> u64 {
        millis(self.started.elapsed())
    }

    /// `/healthz`: up, and a scheduler heartbeat within 3 intervals. Process start counts as
    /// the first heartbeat, so a scheduler that never starts fails too.
    pub fn liveness(&self) -> Probe {
        self.liveness_at(self.now_ms())
    }

    fn liveness_at(&self, now_ms: u64) -> Probe {
        let last = self.heartbeat_ms.load(Ordering::Acquire);
        let interval = self.interval_ms.load(Ordering::Acquire);
        let allowed = interval.saturating_mul(MISSED_INTERVALS);
        let since = now_ms.saturating_sub(last);
        if since <= allowed {
            return Ok(());
        }
        let what = if last == 0 {
            "no scheduler heartbeat since start".to_owned()
        } else {
            "no scheduler heartbeat".to_owned()
        };
        Err(vec![format!(
            "{what} for {since} ms (allowed {allowed} ms: 3 × {interval} ms interval)"
        )])
    }

    /// `/readyz`: config loaded, plugins compiled, every configured cluster reached once.
    pub fn readiness(&self) -> Probe {
        let mut missing = Vec::new();
        if !self.config_loaded.load(Ordering::Acquire) {
            missing.push("config not loaded".to_owned());
        }
        if !self.plugins_compiled.load(Ordering::Acquire) {
            missing.push("plugins not compiled".to_owned());
        }
        let c = self.clusters.lock().unwrap_or_else(|e| e.into_inner());
        for name in c.0.difference(&c.1) {
            missing.push(format!("cluster {name} not reached yet"));
        }
        drop(c);
        let gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        missing.extend(gates.iter().filter_map(|g| (g.0)().err()));
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_waits_for_config_plugins_and_every_cluster() {
        let h = Health::new();
        h.expect_clusters(["hot", "cold"]);
        let missing = h.readiness().unwrap_err();
        assert_eq!(
            missing,
            [
                "config not loaded",
                "plugins not compiled",
                "cluster cold not reached yet",
                "cluster hot not reached yet"
            ]
        );

        h.set_config_loaded(true);
        h.set_plugins_compiled(true);
        h.cluster_reached("hot");
        h.cluster_reached("elsewhere");
        assert_eq!(h.readiness().unwrap_err(), ["cluster cold not reached yet"]);

        h.cluster_reached("cold");
        assert_eq!(h.readiness(), Ok(()));

        // A config reload naming a new cluster makes it unready until that one answers.
        h.expect_clusters(["hot", "cold", "dr"]);
        assert_eq!(h.readiness().unwrap_err(), ["cluster dr not reached yet"]);
    }

    #[test]
    fn liveness_allows_three_intervals_between_heartbeats() {
        let h = Health::new();
        h.set_interval(Duration::from_millis(100));
        assert_eq!(h.liveness_at(300), Ok(()));
        let err = h.liveness_at(301).unwrap_err();
        assert!(err[0].contains("since start"), "{err:?}");

        h.heartbeat_ms.store(1_000, Ordering::Release);
        assert_eq!(h.liveness_at(1_300), Ok(()));
        let err = h.liveness_at(1_301).unwrap_err();
        assert!(
            err[0].starts_with("no scheduler heartbeat for 301 ms"),
            "{err:?}"
        );
    }

    #[test]
    fn heartbeat_records_the_current_time() {
        let h = Health::new();
        h.set_interval(Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(40));
        assert!(h.liveness().is_err());
        h.heartbeat();
        let beat = h.heartbeat_ms.load(Ordering::Acquire);
        assert!(beat >= 40, "{beat}");
        assert_eq!(h.liveness_at(beat + 15), Ok(()));
    }
}
