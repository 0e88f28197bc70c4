//! ccr-guard: a follower auto-paused by a leader outage is resumed once the leader is back,
//! and the leader policy's transition gate is raised above the lag.
use serde_json::{json, Value};

use crate::support::lab::{cached_engine, line, memory_state, ok, rust_plugin, Lab, Tenant};

use super::ccr_failover::follow;

const SCENARIO: &str = r#"
[leader]
settings = { "plugins.index_state_management.job_interval" = 1, "plugins.index_state_management.jitter" = 0.0 }

[leader.policies.events]
default_state = "hot"
states = [
  { name = "hot", actions = [], transitions = [{ state_name = "warm", conditions = { min_index_age = "1m" } }] },
  { name = "warm", actions = [], transitions = [] },
]

[[leader.indices]]
name = "events-000001"
replicas = 0
docs = 1000
aliases = { events = { is_write_index = true } }

[[leader.ingest]]
alias = "events"
docs_per_sec = 10.0

[follower]
"#;

fn config() -> Value {
    json!({
        "leader_cluster": "leader",
        "follower_cluster": "follower",
        "follower_pattern": "events-*",
        "leader_policy_id": "events",
        "job_interval": "5m",
    })
}

fn status(lab: &Lab) -> Value {
    lab.call(
        1,
        "GET",
        "/_plugins/_replication/events-000001/_status",
        None,
    )
}

/// A follower replicating `events-000001`, the Rust ccr-guard, and its tenant and config.
struct Setup {
    lab: Lab,
    engine: &'static lifeguard::runtime::Engine,
    plugin: &'static lifeguard::runtime::LoadedPlugin,
    tenant: Tenant,
    state: std::sync::Arc<dyn lifeguard::runtime::StateStore>,
    cfg: Value,
}

async fn setup() -> Setup {
    let lab = Lab::start(SCENARIO).await;
    follow(&lab, &["events-000001"]);
    Setup {
        lab,
        engine: cached_engine(),
        plugin: rust_plugin("ccr-guard").await,
        tenant: Tenant::granted("events", &["events*"], &["events"]),
        state: memory_state(),
        cfg: config(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_an_auto_paused_follower_and_raises_the_transition_gate() {
    let Setup {
        lab,
        engine,
        plugin,
        tenant,
        state,
        cfg,
    } = setup().await;

    // Healthy pair: the only decision is the gate, 1m < lag + 5m job interval.
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 1).await);
    let sent: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(sent, ["PUT /_plugins/_ism/policies/events"], "{sent:?}");
    let gate =
        lab.policy("events")["states"][0]["transitions"][0]["conditions"]["min_index_age"].clone();
    let gate_ms = crate::support::lab::ms(gate.as_str().unwrap());
    assert!(
        gate_ms >= 5 * 60_000,
        "raised to at least the job interval: {gate}"
    );

    // An outage past an hour auto-pauses the follower.
    lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
    lab.advance("70m");
    let s = status(&lab);
    assert_eq!(s["status"], "PAUSED", "{s}");
    lab.inject(json!({"type": "leader_restore"}));
    lab.sim.clear_requests();

    // First seen paused: wait `resume_after` (2m) for a transient pause to settle.
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 2).await);
    assert!(
        !lab.mutations().iter().any(|r| r.path.ends_with("/_resume")),
        "resumed too early: {:?}",
        lab.mutations()
    );
    lab.advance("3m");
    let summary = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 3).await);
    let resumes: Vec<_> = lab
        .mutations()
        .into_iter()
        .filter(|r| r.path.ends_with("/_resume"))
        .collect();
    assert_eq!(resumes.len(), 1, "{summary}: {resumes:?}");
    assert_eq!(
        resumes[0].path,
        "/_plugins/_replication/events-000001/_resume"
    );
    assert_eq!(resumes[0].status, 200);
    assert!(resumes[0].cluster.contains("follower"));
    lab.advance("1m");
    assert_eq!(status(&lab)["status"], "SYNCING", "{}", status(&lab));

    // Syncing again: no second resume.
    lab.advance("1m");
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 4).await);
    let n = lab
        .mutations()
        .iter()
        .filter(|r| r.path.ends_with("/_resume"))
        .count();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_resumes_while_the_leader_is_still_down() {
    let Setup {
        lab,
        engine,
        plugin,
        tenant,
        state,
        cfg,
    } = setup().await;
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 1).await);

    lab.inject(json!({"type": "leader_outage", "mode": "refuse"}));
    lab.advance("70m");
    assert_eq!(status(&lab)["status"], "PAUSED", "{}", status(&lab));
    lab.sim.clear_requests();

    // Paused well past `resume_after`, but a resume would only re-pause: held, twice.
    for tick in 2..=3 {
        let summary = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, tick).await);
        assert!(summary.contains("unreachable"), "{summary}");
        lab.advance("3m");
    }
    assert!(
        lab.mutations().is_empty(),
        "nothing is sent while the leader is down: {:?}",
        lab.mutations()
    );

    // Back: the long-paused follower is resumed on the next run.
    lab.inject(json!({"type": "leader_restore"}));
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 4).await);
    let resumes = lab
        .mutations()
        .iter()
        .filter(|r| r.path.ends_with("/_resume"))
        .count();
    assert_eq!(resumes, 1, "{:?}", lab.mutations());
}
