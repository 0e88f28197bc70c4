//! ccr-failover: a leader outage causes exactly one failover (one `_stop` per follower, one
//! alias swap), even across host restarts, one while counting bad ticks and one between the
//! stops and the alias swap.
use std::sync::Arc;

use lifeguard::runtime::{FileState, RunOutcome, StateStore};
use serde_json::{json, Value};

use crate::support::lab::{cached_engine, line, ok, rust_plugin, Lab, Tenant};

/// A pair: two leader indices behind the write alias `orders`, both followed.
pub const SCENARIO: &str = r#"
[leader]
[[leader.indices]]
name = "orders-000001"
replicas = 0
docs = 1000
aliases = { orders = { is_write_index = false } }

[[leader.indices]]
name = "orders-000002"
replicas = 0
docs = 1000
aliases = { orders = { is_write_index = true } }

[[leader.ingest]]
alias = "orders"
docs_per_sec = 10.0

[follower]
"#;

pub const FOLLOWERS: [&str; 2] = ["orders-000001", "orders-000002"];

/// Starts replication of both indices and lets the bootstrap finish.
pub fn follow(lab: &Lab, names: &[&str]) {
    for i in names {
        lab.call(
            1,
            "PUT",
            &format!("/_plugins/_replication/{i}/_start"),
            Some(json!({"leader_alias": "leader-cluster", "leader_index": i})),
        );
    }
    lab.advance("1m");
    for i in names {
        let s = lab.call(
            1,
            "GET",
            &format!("/_plugins/_replication/{i}/_status"),
            None,
        );
        assert_eq!(s["status"], "SYNCING", "{i}: {s}");
    }
    lab.sim.clear_requests();
}

fn config() -> Value {
    json!({
        "leader_cluster": "leader",
        "follower_cluster": "follower",
        "lost_after_ticks": 3,
        "auto": true,
        "follower_pattern": "orders-*",
        "write_aliases": ["orders"],
    })
}

/// A "host start": the plugin's state reopened from the state dir.
fn boot(dir: &std::path::Path) -> Arc<dyn StateStore> {
    Arc::new(FileState::open(dir, "orders", "plugin").unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_outage_fails_over_exactly_once_across_host_restarts() {
    let lab = Lab::start(SCENARIO).await;
    follow(&lab, &FOLLOWERS);
    let engine = cached_engine();
    let plugin = rust_plugin("ccr-failover").await;
    let tenant = Tenant::granted("orders", &["orders*"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config();

    let mut state = boot(dir.path());
    let s = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 1).await);
    assert!(s.contains("ok"), "{s}");

    lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
    for tick in 2..=3 {
        lab.advance("1m");
        let s = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, tick).await);
        assert!(s.contains(&format!("for {}/3 ticks", tick - 1)), "{s}");
    }
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());

    // Restart while counting: the count survives.
    drop(state);
    state = boot(dir.path());
    // The alias swap will fail: the host "crashes" between the stops and the swap.
    let rule = lab.inject(
        json!({"type": "error", "status": 500, "path": "/_aliases", "cluster": "follower"}),
    );
    lab.advance("1m");
    let r = lab.run(engine, plugin, &tenant, &state, &cfg, 4).await;
    assert!(
        !matches!(r.outcome, RunOutcome::Ok { .. }),
        "the swap was failed on purpose: {:?}",
        r.outcome
    );
    let stops: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(
        stops,
        [
            "POST /_plugins/_replication/orders-000001/_stop",
            "POST /_plugins/_replication/orders-000002/_stop",
            "POST /_aliases",
        ],
        "{stops:?}"
    );

    // Restart in the middle, fault gone: the failover resumes at the alias swap.
    drop(state);
    state = boot(dir.path());
    lab.inject(json!({"type": "remove_rule", "id": rule["id"]}));
    for tick in 5..=7 {
        lab.advance("1m");
        let s = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, tick).await);
        assert!(s.to_lowercase().contains("failed over"), "{s}");
    }
    // The leader comes back: no failback, nothing sent.
    lab.inject(json!({"type": "leader_restore"}));
    drop(state);
    state = boot(dir.path());
    lab.advance("1m");
    let s = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 8).await);
    assert!(s.contains("never fails back"), "{s}");

    let muts = lab.mutations();
    let count = |p: &str| muts.iter().filter(|r| r.path == p).count();
    for i in FOLLOWERS {
        assert_eq!(
            count(&format!("/_plugins/_replication/{i}/_stop")),
            1,
            "{i}"
        );
    }
    let swaps: Vec<_> = muts
        .iter()
        .filter(|r| r.path == "/_aliases" && r.fault.is_none())
        .collect();
    assert_eq!(swaps.len(), 1, "{swaps:?}");
    assert_eq!(swaps[0].status, 200);
    assert!(
        muts.iter().all(|r| r.cluster.contains("follower")),
        "{muts:?}"
    );
    assert_eq!(muts.len(), 4, "{muts:?}");

    // The follower is now the writable primary.
    for i in FOLLOWERS {
        let s = lab.call(
            1,
            "GET",
            &format!("/_plugins/_replication/{i}/_status"),
            None,
        );
        assert_eq!(s["status"], "REPLICATION NOT IN PROGRESS", "{i}: {s}");
    }
    let a = lab.call(1, "GET", "/_alias/orders", None);
    assert_eq!(
        a["orders-000002"]["aliases"]["orders"]["is_write_index"], true,
        "{a}"
    );
    assert_ne!(
        a["orders-000001"]["aliases"]["orders"]["is_write_index"], true,
        "{a}"
    );
    let saved: Value = serde_json::from_str(&state.get("failover").unwrap()).unwrap();
    assert_eq!(saved["failover"]["phase"], "Done", "{saved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_auto_the_plugin_only_plans() {
    let lab = Lab::start(SCENARIO).await;
    follow(&lab, &FOLLOWERS);
    let engine = cached_engine();
    let plugin = rust_plugin("ccr-failover").await;
    let tenant = Tenant::granted("orders", &["orders*"], &[]);
    let state = crate::support::lab::memory_state();
    let mut cfg = config();
    cfg["auto"] = json!(false);
    lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
    let mut last = String::new();
    for tick in 1..=5 {
        lab.advance("1m");
        last = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, tick).await);
    }
    assert!(last.contains("failover NOT performed"), "{last}");
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
}
