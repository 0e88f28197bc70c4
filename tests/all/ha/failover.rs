//! Exactly-once failover across replicas: a leader outage while both replicas run
//! `ccr-failover` for the tenant, and the owner is frozen (SIGSTOP) across the decision. The
//! other replica takes the tenant with its state from etcd and fails over; the frozen one
//! wakes fenced. Each follower index is stopped exactly once and the alias moved once.
use std::time::Duration;

use lifeguard::sim::{FaultAction, SimHandle};
use serde_json::json;

use super::{wait_for, Rig, Spec, TTL_SECS};
use crate::plugins::ccr_failover::{FOLLOWERS, SCENARIO};
use crate::support::plugin_path;

/// Replication of both indices started and bootstrapped before any replica runs.
fn follow(sim: &SimHandle) {
    for i in FOLLOWERS {
        let body = json!({"leader_alias": "leader-cluster", "leader_index": i}).to_string();
        let (status, out) = sim.request(
            1,
            "PUT",
            &format!("/_plugins/_replication/{i}/_start"),
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{i}: {}", String::from_utf8_lossy(&out));
    }
    sim.advance(Duration::from_secs(60));
}

fn spec() -> Spec {
    let tenants_toml = r#"
[[tenants]]
name = "orders"
clusters = ["leader", "follower"]
indices = ["orders*"]
[[tenants.plugins]]
name = "failover"
file = "ccr_failover.wasm"
config = { leader_cluster = "leader", follower_cluster = "follower", lost_after_ticks = 5, auto = true, follower_pattern = "orders-*", write_aliases = ["orders"] }
"#;
    Spec {
        scenario: SCENARIO.to_string(),
        tenants_toml: tenants_toml.to_string(),
        tenants: 1,
        plugins: vec![("ccr_failover.wasm", plugin_path("ccr-failover"))],
        setup: Some(follow),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_with_the_owner_frozen_happens_once() {
    let rig = Rig::start_spec(1, 2, spec()).await;
    let owners = rig.settled(&[0, 1], Duration::from_secs(60)).await;
    let owner = if owners["orders"] == "r0" { 0 } else { 1 };
    let other = 1 - owner;
    // Let the owner run a few healthy ticks, then lose the leader and freeze the owner
    // while it counts the bad ticks (it needs 5; it gets about 2).
    tokio::time::sleep(Duration::from_secs(1)).await;
    rig.sim.clear_requests();
    let outage: FaultAction =
        serde_json::from_value(json!({"type": "leader_outage", "mode": "refuse"})).unwrap();
    rig.sim.inject(outage).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    rig.replicas[owner].signal("-STOP");
    // The other replica takes the tenant once the frozen lease expires, and fails over.
    let stops = |rig: &Rig| {
        rig.sim
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/_stop") && r.fault.is_none())
            .count()
    };
    wait_for(
        "the other replica fails over",
        Duration::from_secs(6 * TTL_SECS + 10),
        || stops(&rig) == FOLLOWERS.len(),
    )
    .await;
    // Wake the frozen owner across the decision, give it time to act on what it knew.
    rig.replicas[owner].signal("-CONT");
    rig.settled(&[0, 1], Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let log = rig.sim.requests();
    for i in FOLLOWERS {
        let n = log
            .iter()
            .filter(|r| r.path == format!("/_plugins/_replication/{i}/_stop") && r.fault.is_none())
            .count();
        assert_eq!(n, 1, "{i} stopped {n} times");
    }
    let swaps: Vec<_> = log
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/_aliases" && r.fault.is_none())
        .collect();
    assert_eq!(swaps.len(), 1, "the alias moved once: {swaps:?}");
    let by_other = rig.replicas[other].sent().len();
    assert!(
        by_other >= 3,
        "the other replica sent the failover ({by_other} mutations)"
    );
    rig.assert_exclusive();
}
