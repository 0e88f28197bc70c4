//! Crash safety (issue 8, item 4): the real `lifeguard run` binary is killed with SIGKILL at
//! random points, 20 times by default (`LIFEGUARD_CRASH_ROUNDS` raises it, `LIFEGUARD_CRASH_SEED`
//! replays one sequence), and restarted each time, while ism-doctor fixes policies and the
//! leader is lost under ccr-failover. Afterwards the audit log parses, no mutation was applied
//! twice with a different effect (the sim's request log and state), and the failover fence held.
use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeguard::guard::audit::read_audit_report;
use lifeguard::guard::MemoryAudit;
use lifeguard::guard::Verdict;
use lifeguard::runtime::{FileState, StateStore};
use lifeguard::sim::{Scenario, Sim, SimHandle, SimOptions};
use serde_json::{json, Value};

use crate::plugins::{ccr_failover, ism_doctor};
use crate::support::lab::{client_config, line, Lab};
use crate::support::{lifeguard_bin, plugin_path, spawn_run};

/// ism-doctor's indices and policy on the leader of ccr-failover's pair.
fn scenario() -> String {
    let ism = ism_doctor::SCENARIO.replace("[leader]\n", "");
    ccr_failover::SCENARIO.replacen("[leader]\n", &format!("[leader]\n{ism}\n"), 1)
}

/// A JSON value as a TOML inline value (the plugin configs here are plain data).
fn toml_inline(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let kv: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{} = {}", Value::from(k.as_str()), toml_inline(v)))
                .collect();
            format!("{{ {} }}", kv.join(", "))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn host_config(sim: &SimHandle) -> String {
    let failover = json!({
        "leader_cluster": "leader",
        "follower_cluster": "follower",
        "lost_after_ticks": 3,
        "auto": true,
        "follower_pattern": "orders-*",
        "write_aliases": ["orders"],
    });
    format!(
        r#"
[host]
plugin_dir = "plugins"
state_dir = "state"
audit_file = "state/audit.jsonl"
interval = "200ms"
telemetry_listen = ""
shutdown_grace = "1s"
backoff_base = "50ms"
backoff_max = "200ms"

[[clusters]]
name = "leader"
urls = ["{leader}"]
connect_timeout = "300ms"
retry = {{ max_attempts = 1 }}

[[clusters]]
name = "follower"
urls = ["{follower}"]

[[tenants]]
name = "app"
clusters = ["leader"]
indices = ["app-*"]
policies = ["app"]

[[tenants.plugins]]
name = "ism-doctor"
file = "ism_doctor.wasm"
interval = "2s"
config = {doctor}

[[tenants]]
name = "orders"
clusters = ["leader", "follower"]
indices = ["orders*"]

[[tenants.plugins]]
name = "ccr-failover"
file = "ccr_failover.wasm"
interval = "200ms"
config = {failover}
"#,
        leader = sim.leader_url(),
        follower = sim.follower_url().unwrap(),
        doctor = toml_inline(&ism_doctor::config()),
        failover = toml_inline(&failover),
    )
}

/// xorshift64*: kill points that a seed replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// SIGKILL, after checking the host had not died by itself.
fn kill(child: &mut Child, dir: &Path) {
    if let Some(status) = child.try_wait().unwrap() {
        let log = std::fs::read_to_string(dir.join("host.log")).unwrap_or_default();
        let tail = &log[log.len().saturating_sub(4000)..];
        panic!("the host exited by itself ({status}):\n{tail}");
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

/// The failover record, read as a restarted host would (a torn file would be an error here).
fn failover(dir: &Path) -> Option<Value> {
    let state = FileState::open(&dir.join("state/plugins"), "orders", "ccr-failover")
        .expect("the plugin state is never torn");
    let saved: Value = serde_json::from_str(&state.get("failover")?).unwrap();
    Some(saved["failover"].clone()).filter(|f| !f.is_null())
}

/// Whether ism-doctor's last step (fixing app-000001's drift) reached the leader.
fn doctor_done(sim: &SimHandle) -> bool {
    sim.requests().iter().any(|r| {
        r.path == "/_plugins/_ism/change_policy/app-000001" && r.status == 200 && r.fault.is_none()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_points_loses_nothing_and_repeats_nothing() {
    let rounds: u64 = std::env::var("LIFEGUARD_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let seed = std::env::var("LIFEGUARD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash rounds {rounds}, LIFEGUARD_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let bin = tokio::task::spawn_blocking(lifeguard_bin).await.unwrap();

    // The sim runs 60× real time, so ISM and the CCR bootstrap progress between restarts.
    let sim = Arc::new(
        Sim::start(SimOptions {
            scenario: Some(Scenario::parse(&scenario()).unwrap()),
            speed: 60.0,
            ..SimOptions::pair()
        })
        .await
        .unwrap(),
    );
    let lab = Lab::over(sim.clone(), Arc::new(MemoryAudit::new(10)), client_config);
    ccr_failover::follow(&lab, &ccr_failover::FOLLOWERS);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["ism-doctor", "ccr-failover"] {
        let file = plugin_path(name);
        std::fs::create_dir_all(d.join("plugins")).unwrap();
        std::fs::copy(&file, d.join("plugins").join(file.file_name().unwrap())).unwrap();
    }
    std::fs::write(d.join("lifeguard.toml"), host_config(&sim)).unwrap();

    // The leader is lost once ism-doctor has done its work (a quarter of the rounds at the
    // earliest, half at the latest): kills then land before, during and after the failover.
    let mut outage = false;
    let mut tokens = Vec::new();
    let mut mid_failover = 0;
    for round in 0..rounds {
        let due = round >= rounds / 4 && (doctor_done(&sim) || round >= rounds / 2);
        if !outage && due {
            eprintln!("leader lost before round {round}");
            lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
            // Slow failover steps, so that kills land between them, not only around them.
            for path in ["/_plugins/_replication/*", "/_aliases"] {
                let slow =
                    json!({"type": "latency", "ms": 300, "path": path, "cluster": "follower"});
                lab.inject(slow);
            }
            outage = true;
        }
        let mut child = spawn_run(&bin, d, &[("RUST_LOG", "info")]);
        let at = Duration::from_millis(100 + rng.below(1400));
        tokio::time::sleep(at).await;
        kill(&mut child, d);
        if let Some(f) = failover(d) {
            tokens.push(f["token"].as_str().unwrap().to_string());
            if f["phase"] != "Done" {
                mid_failover += 1;
            }
        }
    }
    eprintln!("{mid_failover} kills landed with the failover begun but not done");

    // One last life, long enough to finish whatever the kills interrupted.
    let mut child = spawn_run(&bin, d, &[("RUST_LOG", "info")]);
    let started = Instant::now();
    let finished = loop {
        let done = failover(d).is_some_and(|f| f["phase"] == "Done");
        if done || started.elapsed() > Duration::from_secs(60) {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(finished, "the failover never finished: {:?}", failover(d));
    tokens.push(failover(d).unwrap()["token"].as_str().unwrap().to_string());
    // The leader returns; the fence forbids failing back. Should ism-doctor's work have been
    // cut short by the outage, it finishes now, once the leader's breaker has cooled down.
    lab.inject(json!({"type": "leader_restore"}));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    while !doctor_done(&sim) && started.elapsed() < Duration::from_secs(45) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kill(&mut child, d);

    // The fence: one failover token, ever, and it survived every restart.
    tokens.dedup();
    assert_eq!(
        tokens.len(),
        1,
        "more than one failover was started: {tokens:?}"
    );

    // The request log: what reached the cluster models.
    let applied: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| !lifeguard::guard::raw::is_read_request(&r.method, &r.path, &r.query))
        .filter(|r| r.fault.is_none() && r.status < 300)
        .collect();
    let count = |cluster: &str, path: &str| {
        applied
            .iter()
            .filter(|r| r.cluster.contains(cluster) && r.path == path)
            .count()
    };
    for i in ccr_failover::FOLLOWERS {
        let stop = format!("/_plugins/_replication/{i}/_stop");
        assert_eq!(count("follower", &stop), 1, "{i} stopped once");
        let s = lab.call(
            1,
            "GET",
            &format!("/_plugins/_replication/{i}/_status"),
            None,
        );
        assert_eq!(s["status"], "REPLICATION NOT IN PROGRESS", "{i}: {s}");
    }
    // An alias swap repeated after a kill is the same swap: the end state is the one wanted.
    assert!(count("follower", "/_aliases") >= 1);
    let a = lab.call(1, "GET", "/_alias/orders", None);
    assert_eq!(
        a["orders-000002"]["aliases"]["orders"]["is_write_index"], true,
        "{a}"
    );
    assert_ne!(
        a["orders-000001"]["aliases"]["orders"]["is_write_index"], true,
        "{a}"
    );
    // No failback: nothing of the orders tenant's ever reached the leader.
    let to_leader: Vec<String> = applied
        .iter()
        .filter(|r| r.cluster.contains("leader") && r.path.contains("orders"))
        .map(line)
        .collect();
    assert!(to_leader.is_empty(), "{to_leader:?}");
    // The policy is written once: a restarted doctor compares before it writes.
    assert_eq!(count("leader", "/_plugins/_ism/policies/app"), 1);
    let policy = lab.policy("app");
    assert_eq!(
        policy["states"][0]["transitions"][0]["conditions"]["min_index_age"], "7d",
        "{policy}"
    );

    // The audit log: every line parses; the only damage a kill may leave is one torn line
    // per kill, sealed at the next start and skipped by the reader.
    let audit = read_audit_report(&d.join("state/audit.jsonl")).unwrap();
    assert!(
        audit.skipped.len() as u64 <= rounds + 1,
        "skipped {:?}",
        audit.skipped
    );
    // Whatever the failover wrote to the audit went to the follower, never the lost leader.
    let orders: Vec<_> = audit
        .lines
        .iter()
        .filter(|l| l.tenant == "orders")
        .collect();
    assert!(orders.iter().all(|l| l.cluster == "follower"), "{orders:?}");
    // Write-ahead: every mutation that reached the cluster has its audit line (the intent,
    // written before the send), and every intent has an answer with the same id — its
    // outcome, or `unknown_after_crash` written by the next start. The last kill has no next
    // start, so open the log once more, as a restart would.
    drop(lifeguard::guard::FileAudit::open(d.join("state/audit.jsonl"), 10).unwrap());
    let audit = read_audit_report(&d.join("state/audit.jsonl")).unwrap();
    let intents: Vec<_> = audit
        .lines
        .iter()
        .filter(|l| l.outcome == Verdict::Intent)
        .collect();
    let unaudited: Vec<String> = applied
        .iter()
        .filter(|r| !r.path.starts_with("/_sim"))
        .filter(|r| {
            !intents.iter().any(|l| {
                r.cluster.contains(&l.cluster)
                    && (r.path.contains(&l.target)
                        || (r.path == "/_aliases" && l.verb == "update_aliases"))
            })
        })
        .map(line)
        .collect();
    assert!(
        unaudited.is_empty(),
        "applied mutations without an audit line: {unaudited:?}"
    );
    let dangling = lifeguard::guard::audit::dangling_intents(&audit.lines);
    assert!(dangling.is_empty(), "intents never answered: {dangling:?}");
    let unknown = audit
        .lines
        .iter()
        .filter(|l| l.outcome == Verdict::UnknownAfterCrash)
        .count();
    eprintln!(
        "{} mutations applied, {} audit lines ({} intents, {} answered unknown after a crash), {} skipped, torn tail {}",
        applied.len(),
        audit.lines.len(),
        intents.len(),
        unknown,
        audit.skipped.len(),
        audit.torn_tail
    );
}
