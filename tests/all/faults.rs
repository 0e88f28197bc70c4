//! Cluster faults on the simulator (issue 8, item 3), each tick driven by the test and proven
//! by the sim's request log: no mutation is sent while the breaker is open, the CCR failover
//! happens exactly once, no policy PUT is repeated, and mutations flow again within two ticks
//! of the fault clearing.
//!
//! Already covered in `guard_wire.rs` and not repeated here: a 429 storm on one call honouring
//! `Retry-After`, and red health / a saturated write queue holding every mutation until the
//! breaker closes. This file adds transport faults (503s, latency past the client timeout,
//! refused connections), a 429 storm across a whole plugin run, a full disk and leader loss.
use std::sync::Arc;
use std::time::Duration;

use lifeguard::cluster::http::ClusterConfig;
use lifeguard::guard::{MemoryAudit, Phase};
use lifeguard::runtime::{FileState, RunOutcome, RunReport, StateStore};
use serde_json::{json, Value};

use crate::plugins::ccr_failover;
use crate::plugins::ism_doctor;
use crate::support::lab::{
    cached_engine, client_config, line, memory_state, ok, rust_plugin, Lab, Tenant,
};

const POLICY_PUT: &str = "PUT /_plugins/_ism/policies/app";

/// A fault that breaks transport: what to inject, and the client settings to meet it with.
struct TransportFault {
    name: &'static str,
    inject: Value,
    clear: Value,
    client: fn(&str, &str) -> ClusterConfig,
}

fn impatient(alias: &str, url: &str) -> ClusterConfig {
    let mut c = client_config(alias, url);
    c.request_timeout = Duration::from_millis(300);
    c.overall_timeout = Duration::from_secs(1);
    c.retry.max_attempts = 1;
    c
}

fn transport_faults() -> Vec<TransportFault> {
    vec![
        TransportFault {
            name: "503s",
            inject: json!({"type": "error", "status": 503}),
            clear: json!({"type": "clear_rules"}),
            client: client_config,
        },
        TransportFault {
            name: "latency past the client timeout",
            inject: json!({"type": "latency", "ms": 1500}),
            clear: json!({"type": "clear_rules"}),
            client: impatient,
        },
        TransportFault {
            name: "connection refused",
            inject: json!({"type": "leader_outage", "mode": "refuse"}),
            clear: json!({"type": "leader_restore"}),
            client: client_config,
        },
    ]
}

/// Mutations that reached the cluster model: sent, not answered by a fault, accepted.
fn applied(lab: &Lab) -> Vec<String> {
    lab.mutations()
        .iter()
        .filter(|r| r.fault.is_none() && r.status < 300)
        .map(line)
        .collect()
}

/// One ism-doctor tick: housekeeping, then the run; returns the breaker phase the run saw,
/// the report, and the mutations logged during the run.
async fn doctor_tick(lab: &Lab, tick: u64) -> (Phase, RunReport, Vec<String>) {
    let plugin = rust_plugin("ism-doctor").await;
    let state = memory_state();
    lab.tick().await;
    let phase = lab.cluster("leader").breaker.state().state;
    let before = lab.requests().len();
    let r = lab
        .run_only(
            cached_engine(),
            plugin,
            &ism_doctor::tenant(),
            &state,
            &ism_doctor::config(),
            tick,
        )
        .await;
    let sent = lab.requests()[before..]
        .iter()
        .filter(|r| crate::support::lab::is_mutation(r))
        .map(line)
        .collect();
    (phase, r, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_faults_open_the_breaker_and_mutations_resume_within_two_ticks() {
    for fault in transport_faults() {
        let lab = Lab::build(
            ism_doctor::SCENARIO,
            Arc::new(MemoryAudit::new(1000)),
            fault.client,
        )
        .await;
        lab.advance("2m");
        lab.inject(fault.inject.clone());
        let mut opened_at = None;
        for tick in 1..=6 {
            let (phase, r, sent) = doctor_tick(&lab, tick).await;
            assert!(
                !matches!(r.outcome, RunOutcome::Ok { .. }),
                "{}: tick {tick} cannot succeed: {:?}",
                fault.name,
                r.outcome
            );
            assert!(sent.is_empty(), "{}: tick {tick} sent {sent:?}", fault.name);
            if phase != Phase::Closed && opened_at.is_none() {
                opened_at = Some(tick);
            }
            lab.advance("5s");
        }
        // Five failed ticks (the default) open it; every one of them failed transport.
        let b = lab.cluster("leader").breaker.state();
        assert_eq!(opened_at, Some(5), "{}: {b:?}", fault.name);
        assert!(
            b.reason.as_deref().unwrap_or("").contains("transport"),
            "{}: {b:?}",
            fault.name
        );

        // Fault cleared, breaker still cooling down: reads work again, so the plugin tries to
        // mutate, and the guard holds every mutation back.
        lab.inject(fault.clear.clone());
        tokio::time::sleep(Duration::from_millis(100)).await; // a refusing listener rebinds
        let (phase, r, sent) = doctor_tick(&lab, 7).await;
        assert_ne!(phase, Phase::Closed, "{}", fault.name);
        match &r.outcome {
            RunOutcome::Transient { message } => {
                assert!(
                    message.contains("breaker open"),
                    "{}: {message}",
                    fault.name
                )
            }
            other => panic!("{}: expected a throttled run, got {other:?}", fault.name),
        }
        assert!(sent.is_empty(), "{}: {sent:?}", fault.name);
        assert!(applied(&lab).is_empty(), "{}", fault.name);

        // The next tick, past the cool-down: the breaker closes and the work goes through.
        lab.advance("1m");
        let (phase, r, _) = doctor_tick(&lab, 8).await;
        assert_eq!(phase, Phase::Closed, "{}", fault.name);
        ok(&r);
        assert_eq!(applied(&lab), ism_doctor::EXPECTED, "{}", fault.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_across_a_run_sends_the_policy_once_after_it_passes() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    lab.advance("2m");
    // Attaching and fixing drift are refused with Retry-After (paths only POSTs use); the
    // policy PUT lands in the storm's first tick.
    let storm = ["/_plugins/_ism/add/*", "/_plugins/_ism/change_policy/*"]
        .map(|p| lab.inject(json!({"type": "error", "status": 429, "retry_after": 1, "path": p})));
    let (phase, r, sent) = doctor_tick(&lab, 1).await;
    assert_eq!(
        phase,
        Phase::Closed,
        "a 429 is back-pressure, not a broken cluster"
    );
    assert!(
        !matches!(r.outcome, RunOutcome::Ok { .. }),
        "{:?}",
        r.outcome
    );
    assert!(sent.len() >= 2, "the plugin tried: {sent:?}");
    assert!(
        lab.mutations()
            .iter()
            .all(|r| line(r) == POLICY_PUT || (r.status == 429 && r.fault.is_some())),
        "only the storm answered: {:?}",
        lab.mutations()
    );
    assert_eq!(applied(&lab), [POLICY_PUT]);
    for rule in storm {
        lab.inject(json!({"type": "remove_rule", "id": rule["id"]}));
    }
    lab.advance("1m");
    ok(&doctor_tick(&lab, 2).await.1);
    assert_eq!(applied(&lab), ism_doctor::EXPECTED);
    // And again: nothing left to do, nothing sent.
    lab.advance("3m");
    let (_, r, sent) = doctor_tick(&lab, 3).await;
    ok(&r);
    assert!(sent.is_empty(), "{sent:?}");
    let puts = applied(&lab).iter().filter(|l| *l == POLICY_PUT).count();
    assert_eq!(puts, 1, "no duplicate policy PUT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_blocks_ingest_but_not_the_policy_fix_which_is_sent_once() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    lab.advance("2m");
    lab.inject(json!({"type": "disk_fill", "node": "leader-cluster-node-1", "percent": 97.0}));
    lab.advance("1m"); // the disk monitor runs every 30 s
    let s = lab.call(0, "GET", "/app-000002/_settings?flat_settings=true", None);
    assert_eq!(
        s["app-000002"]["settings"]["index.blocks.read_only_allow_delete"], "true",
        "flood stage: {s}"
    );
    let (status, _) = lab
        .sim
        .request(0, "PUT", "/app-000002/_doc/1", br#"{"x":1}"#);
    assert_eq!(status, 429, "document writes are blocked");
    lab.sim.clear_requests();
    // Health is not red and the write pool is idle: the breaker has no reason to open, and
    // ism-doctor's metadata writes go through, each once over three ticks.
    for tick in 1..=3 {
        let (phase, r, _) = doctor_tick(&lab, tick).await;
        assert_eq!(phase, Phase::Closed);
        ok(&r);
        lab.advance("3m");
    }
    assert_eq!(applied(&lab), ism_doctor::EXPECTED);
    assert_eq!(lab.mutations().len(), 3, "{:?}", lab.mutations());
    // The disk drains below the high watermark: the block lifts at the next monitor pass.
    lab.inject(json!({"type": "disk_fill", "node": "leader-cluster-node-1", "percent": 10.0}));
    lab.advance("1m");
    let (status, _) = lab
        .sim
        .request(0, "PUT", "/app-000002/_doc/1", br#"{"x":1}"#);
    assert_eq!(status, 201, "writes flow again");
}

fn failover_config() -> Value {
    json!({
        "leader_cluster": "leader",
        "follower_cluster": "follower",
        "lost_after_ticks": 3,
        "auto": true,
        "follower_pattern": "orders-*",
        "write_aliases": ["orders"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_loss_fails_over_once_while_the_leader_breaker_is_open() {
    let lab = Lab::start(ccr_failover::SCENARIO).await;
    ccr_failover::follow(&lab, &ccr_failover::FOLLOWERS);
    let plugin = rust_plugin("ccr-failover").await;
    let tenant = Tenant::granted("orders", &["orders*"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let state: Arc<dyn StateStore> = Arc::new(FileState::open(dir.path(), "orders", "p").unwrap());
    let cfg = failover_config();
    lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
    let mut leader_open = Vec::new();
    for tick in 1..=10 {
        lab.advance("1m");
        let r = lab
            .run(cached_engine(), plugin, &tenant, &state, &cfg, tick)
            .await;
        ok(&r);
        leader_open.push(lab.cluster("leader").breaker.state().state != Phase::Closed);
        assert_eq!(
            lab.cluster("follower").breaker.state().state,
            Phase::Closed,
            "the follower's breaker is its own"
        );
    }
    assert!(leader_open[4..].iter().all(|o| *o), "{leader_open:?}");
    let muts = lab.mutations();
    assert!(
        muts.iter().all(|r| r.cluster.contains("follower")),
        "nothing to the lost leader: {muts:?}"
    );
    let count = |p: &str| {
        muts.iter()
            .filter(|r| r.path == p && r.status == 200)
            .count()
    };
    for i in ccr_failover::FOLLOWERS {
        let stop = format!("/_plugins/_replication/{i}/_stop");
        assert_eq!(count(&stop), 1, "{i}: {muts:?}");
    }
    assert_eq!(count("/_aliases"), 1, "one alias swap: {muts:?}");
    assert_eq!(muts.len(), 3, "{muts:?}");

    // The leader returns: within two ticks its breaker closes and writes to it flow again;
    // the plugin never fails back.
    lab.inject(json!({"type": "leader_restore"}));
    tokio::time::sleep(Duration::from_millis(100)).await;
    lab.sim.clear_requests();
    let mut closed_at = None;
    for tick in 11..=12 {
        lab.advance("1m");
        let s = ok(&lab
            .run(cached_engine(), plugin, &tenant, &state, &cfg, tick)
            .await);
        assert!(s.contains("never fails back"), "{s}");
        if closed_at.is_none() && lab.cluster("leader").breaker.state().state == Phase::Closed {
            closed_at = Some(tick);
        }
    }
    assert!(closed_at.is_some(), "the leader breaker stayed open");
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    let view = lab.view(&tenant, "leader");
    view.put_settings("orders-000002", &json!({"index.number_of_replicas": 0}))
        .await
        .expect("writes to the restored leader flow");
}
