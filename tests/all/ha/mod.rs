//! High availability on etcd (issue 13): real etcd, real `lifeguard run` replicas, the
//! simulated cluster. Every tenant runs the `probe` guest, which counts its runs in plugin
//! state and puts one setting on its own index each run, so every run is one audited
//! mutation the tests can attribute, with the run count in its reason.
//!
//! | file      | what it shows |
//! |-----------|---------------|
//! | `etcd`    | real etcd members on loopback |
//! | `state`   | plugin state in etcd is written only under ownership |
//! | `spread`  | spread over three replicas, `kill -9` takeover, SIGSTOP fencing |
//! | `quorum`  | etcd quorum lost: mutations stop, `/readyz` is not ready, then recovery |
//! | `failover` | a leader outage with the owner frozen across the decision: one failover |
//! | `restart` | every replica restarted: state intact, counts carry on |
mod etcd;
mod failover;
mod quorum;
mod restart;
mod spread;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use lifeguard::guard::audit::{read_audit_report, AuditLine};
use lifeguard::guard::Verdict;
use lifeguard::sim::{Scenario, Sim, SimHandle, SimOptions};
use serde_json::Value;

use crate::support::{guest_path, lifeguard_bin, spawn_run};
use etcd::Etcd;

const TTL_SECS: u64 = 2;
const INTERVAL_MS: u64 = 300;

fn scenario(tenants: usize) -> String {
    let mut s = String::from("[leader]\n");
    for t in 0..tenants {
        s.push_str(&format!("[[leader.indices]]\nname = \"t{t}-000001\"\n"));
    }
    s
}

/// What the replicas run: the sim's scenario, the tenants' TOML, and plugin files to copy.
struct Spec {
    scenario: String,
    tenants_toml: String,
    tenants: usize,
    plugins: Vec<(&'static str, PathBuf)>,
    /// Run on the simulator before any replica starts.
    setup: Option<fn(&SimHandle)>,
}

impl Spec {
    /// `n` tenants, each running the probe with `touch` on its own index.
    fn probes(n: usize) -> Spec {
        let mut t = String::new();
        for k in 0..n {
            t.push_str(&format!(
                "\n[[tenants]]\nname = \"tenant-{k}\"\nclusters = [\"leader\"]\nindices = [\"t{k}-*\"]\n\
                 [[tenants.plugins]]\nname = \"touch\"\nfile = \"probe.wasm\"\nconfig = {{ touch = \"t{k}-000001\" }}\n"
            ));
        }
        Spec {
            scenario: scenario(n),
            tenants_toml: t,
            tenants: n,
            plugins: vec![("probe.wasm", guest_path("probe"))],
            setup: None,
        }
    }
}

fn config(sim: &SimHandle, etcd: &[String], prefix: &str, replica: &str, port: u16) -> String {
    let endpoints: Vec<String> = etcd.iter().map(|u| format!("\"{u}\"")).collect();
    let etcd = endpoints.join(", ");
    let leader = sim.leader_url();
    let mut c = format!(
        r#"
[host]
plugin_dir = "plugins"
state_dir = "state"
audit_file = "state/audit.jsonl"
interval = "{INTERVAL_MS}ms"
telemetry_listen = "127.0.0.1:{port}"
shutdown_grace = "1s"

[[clusters]]
name = "leader"
urls = ["{leader}"]
"#
    );
    if let Some(f) = sim.follower_url() {
        c.push_str(&format!(
            "\n[[clusters]]\nname = \"follower\"\nurls = [\"{f}\"]\n"
        ));
    }
    c.push_str(&format!(
        r#"
[coordination]
backend = "etcd"
endpoints = [{etcd}]
prefix = "{prefix}"
lease_ttl = "{TTL_SECS}s"
replica_id = "{replica}"
"#
    ));
    c
}

struct Replica {
    id: String,
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Replica {
    fn signal(&self, sig: &str) {
        // Never pid 0: `kill` would signal the test's own process group.
        let child = self.child.as_ref().expect("the replica is running");
        signal(child.id(), sig);
    }

    /// GET `path` from the replica's telemetry listener. A replica that stops answering
    /// fails the caller's wait, not the whole suite.
    async fn get(&self, path: &str) -> Option<reqwest::Response> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .ok()?;
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        client.get(url).send().await.ok()
    }

    async fn status(&self) -> Option<Value> {
        self.get("/api/status").await?.json::<Value>().await.ok()
    }

    async fn owned(&self) -> BTreeSet<String> {
        self.status()
            .await
            .and_then(|s| {
                s["coordination"]["owned"].as_array().map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    /// SIGTERM (drain, release) and wait for the exit.
    fn stop(&mut self) {
        self.signal("-TERM");
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// Start again on the same directory.
    fn start(&mut self) {
        self.child = Some(spawn_run(&self.bin, &self.dir, &[("RUST_LOG", "info")]));
    }

    /// The HTTP status of `/readyz`, or `None` when it does not answer.
    async fn ready_status(&self) -> Option<u16> {
        Some(self.get("/readyz").await?.status().as_u16())
    }

    /// Every `sent` line of this replica's audit log.
    fn sent_lines(&self) -> Vec<AuditLine> {
        let path = self.dir.join("state/audit.jsonl");
        let Ok(report) = read_audit_report(&path) else {
            return Vec::new();
        };
        report
            .lines
            .into_iter()
            .filter(|l| l.outcome == Verdict::Sent)
            .collect()
    }

    /// (time_ms, tenant, run count) of every mutation this replica sent; the count is the
    /// probe's `runs` state as its reason gives it.
    fn runs(&self) -> Vec<(u64, String, u64)> {
        self.sent_lines()
            .into_iter()
            .filter_map(|l| {
                let n = l.reason.rsplit(" run ").next()?.parse().ok()?;
                Some((l.time_ms, l.tenant, n))
            })
            .collect()
    }

    /// (time_ms, tenant) of every mutation this replica sent.
    fn sent(&self) -> Vec<(u64, String)> {
        self.sent_lines()
            .into_iter()
            .map(|l| (l.time_ms, l.tenant))
            .collect()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("host.log")).unwrap_or_default()
    }
}

struct Rig {
    etcd: Etcd,
    sim: Arc<SimHandle>,
    _dirs: Vec<tempfile::TempDir>,
    replicas: Vec<Replica>,
    tenants: usize,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Rig {
    /// `replicas` replicas sharing `tenants` probe tenants over an etcd cluster of `members`.
    async fn start(members: usize, replicas: usize, tenants: usize) -> Rig {
        Self::start_spec(members, replicas, Spec::probes(tenants)).await
    }

    async fn start_spec(members: usize, replicas: usize, spec: Spec) -> Rig {
        let tenants = spec.tenants;
        let etcd = Etcd::cluster(members).await;
        let sim = Arc::new(
            Sim::start(SimOptions {
                follower: spec.scenario.contains("[follower]"),
                scenario: Some(Scenario::parse(&spec.scenario).unwrap()),
                ..SimOptions::default()
            })
            .await
            .unwrap(),
        );
        if let Some(f) = spec.setup {
            f(&sim);
        }
        let bin = tokio::task::spawn_blocking(lifeguard_bin).await.unwrap();
        let prefix = format!("/lifeguard-test/{}", now_ms());
        let mut dirs = Vec::new();
        let mut rs = Vec::new();
        for k in 0..replicas {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            std::fs::create_dir_all(d.join("plugins")).unwrap();
            for (name, from) in &spec.plugins {
                std::fs::copy(from, d.join("plugins").join(name)).unwrap();
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let id = format!("r{k}");
            let toml = config(&sim, &etcd.urls, &prefix, &id, port) + &spec.tenants_toml;
            std::fs::write(d.join("lifeguard.toml"), toml).unwrap();
            let child = spawn_run(&bin, d, &[("RUST_LOG", "info")]);
            rs.push(Replica {
                id,
                bin: bin.clone(),
                dir: d.to_path_buf(),
                port,
                child: Some(child),
            });
            dirs.push(dir);
        }
        Rig {
            etcd,
            sim,
            _dirs: dirs,
            replicas: rs,
            tenants,
        }
    }

    /// Wait until the live replicas `alive` own every tenant exactly once, each where rendezvous
    /// hashing over them puts it; returns the owners.
    async fn settled(&self, alive: &[usize], within: Duration) -> BTreeMap<String, String> {
        let started = Instant::now();
        let mut last = BTreeMap::new();
        while started.elapsed() < within {
            let mut owners = BTreeMap::new();
            let mut twice = false;
            for &k in alive {
                for t in self.replicas[k].owned().await {
                    twice |= owners.insert(t, self.replicas[k].id.clone()).is_some();
                }
            }
            // Settled means what rendezvous hashing over the live members gives, exactly.
            let ids: Vec<String> = alive.iter().map(|&k| self.replicas[k].id.clone()).collect();
            let as_hashed = owners
                .iter()
                .all(|(t, o)| lifeguard::coord::owner(&ids, t).is_some_and(|w| w == o.as_str()));
            if !twice && owners.len() == self.tenants && as_hashed {
                return owners;
            }
            last = owners;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let logs: Vec<String> = alive.iter().map(|&k| self.replicas[k].log()).collect();
        panic!(
            "ownership did not settle within {within:?}: {} of {} tenants owned: {last:?}\nlogs:\n{}",
            last.len(),
            self.tenants,
            logs.join("\n----\n")
        );
    }

    /// Per tenant, (time_ms, replica, run count) of every sent mutation, by time.
    fn runs_by_tenant(&self) -> BTreeMap<String, Vec<(u64, String, u64)>> {
        let mut out: BTreeMap<String, Vec<(u64, String, u64)>> = BTreeMap::new();
        for r in &self.replicas {
            for (t, tenant, n) in r.runs() {
                out.entry(tenant).or_default().push((t, r.id.clone(), n));
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }

    /// Per tenant, every sent mutation by time with the replica that sent it.
    fn sent_by_tenant(&self) -> BTreeMap<String, Vec<(u64, String)>> {
        let mut out: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
        for r in &self.replicas {
            for (t, tenant) in r.sent() {
                out.entry(tenant).or_default().push((t, r.id.clone()));
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }

    /// Whether every tenant has a mutation sent after `ms`.
    fn every_tenant_sent_after(&self, ms: u64) -> bool {
        self.sent_by_tenant()
            .values()
            .filter(|v| v.iter().any(|(t, _)| *t > ms))
            .count()
            == self.tenants
    }

    /// No tenant's mutations came from two replicas in the same tick: wherever the sender
    /// changes, at least one tick interval lies between them.
    fn assert_exclusive(&self) {
        for (tenant, sends) in self.sent_by_tenant() {
            for w in sends.windows(2) {
                if w[0].1 != w[1].1 {
                    assert!(
                        w[1].0 - w[0].0 >= INTERVAL_MS,
                        "{tenant}: {} at {} and {} at {} are in the same tick",
                        w[0].1,
                        w[0].0,
                        w[1].1,
                        w[1].0
                    );
                }
            }
        }
    }
}

/// `kill <sig> <pid>`: SIGSTOP/SIGCONT freeze and wake a replica or an etcd member.
fn signal(pid: u32, sig: &str) {
    let s = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(s.success(), "kill {sig} {pid}");
}

async fn wait_for(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while started.elapsed() < within {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {within:?}");
}
