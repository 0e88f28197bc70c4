//! rollover-tuner: an ingest spike shortens `min_index_age` in the stored policy, and the
//! managed indices get `change_policy`.
use serde_json::{json, Value};

use crate::support::lab::{line, memory_state, ok, rust_plugin, Lab, Tenant};

/// Two write aliases, each with one managed write index, on a one-minute ISM job.
pub const SCENARIO: &str = r#"
[leader]
settings = { "plugins.index_state_management.job_interval" = 1, "plugins.index_state_management.jitter" = 0.0 }

[leader.policies.logs]
default_state = "hot"
states = [
  { name = "hot", actions = [{ rollover = { min_primary_shard_size = "30gb", min_index_age = "3d" } }], transitions = [{ state_name = "warm", conditions = { min_index_age = "3d" } }] },
  { name = "warm", actions = [], transitions = [] },
]

[[leader.indices]]
name = "logs-a-000001"
replicas = 0
aliases = { logs-a = { is_write_index = true } }
settings = { "plugins.index_state_management.rollover_alias" = "logs-a" }
policy_id = "logs"
age = "1h"

[[leader.indices]]
name = "logs-b-000001"
replicas = 0
aliases = { logs-b = { is_write_index = true } }
settings = { "plugins.index_state_management.rollover_alias" = "logs-b" }
policy_id = "logs"
age = "1h"

[[leader.ingest]]
alias = "logs-a"
docs_per_sec = 300.0
bytes_per_doc = 1000.0

[[leader.ingest]]
alias = "logs-b"
docs_per_sec = 100.0
bytes_per_doc = 1000.0
"#;

/// The plugin's config: the same template as the stored policy.
pub fn config() -> Value {
    json!({
        "policy_id": "logs",
        "write_aliases": ["logs-a", "logs-b"],
        "min_sample_interval": "5m",
        "policy": {
            "default_state": "hot",
            "states": [
                {"name": "hot",
                 "actions": [{"rollover": {"min_primary_shard_size": "30gb", "min_index_age": "3d"}}],
                 "transitions": [{"state_name": "warm", "conditions": {"min_index_age": "3d"}}]},
                {"name": "warm", "actions": [], "transitions": []}
            ]
        }
    })
}

pub fn tenant() -> Tenant {
    Tenant::granted("logs", &["logs-*"], &["logs"])
}

/// `min_index_age` of the stored policy's rollover, in hours.
fn rollover_age_h(policy: &Value) -> f64 {
    let age = policy["states"][0]["actions"][0]["rollover"]["min_index_age"]
        .as_str()
        .unwrap_or_else(|| panic!("no rollover min_index_age in {policy}"));
    hours(age)
}

fn transition_age_h(policy: &Value) -> f64 {
    hours(
        policy["states"][0]["transitions"][0]["conditions"]["min_index_age"]
            .as_str()
            .unwrap(),
    )
}

fn hours(age: &str) -> f64 {
    let ms = crate::support::lab::ms(age) as f64;
    ms / 3_600_000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_spike_shortens_min_index_age_and_syncs_the_managed_indices() {
    let lab = Lab::start(SCENARIO).await;
    let engine = crate::support::lab::cached_engine();
    let plugin = rust_plugin("rollover-tuner").await;
    let tenant = tenant();
    let state = memory_state();
    let cfg = config();
    lab.advance("2m"); // ISM initializes both indices

    // Tick 1 only samples; tick 2 measures ~1 GiB/h per shard and applies ~26 h.
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 1).await);
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    lab.advance("10m");
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 2).await);
    let calm = lab.policy("logs");
    let calm_age = rollover_age_h(&calm);
    assert!(
        (20.0..30.0).contains(&calm_age),
        "30 GiB at ~1 GiB/h, minus 12 %: {calm_age} h"
    );
    assert_eq!(transition_age_h(&calm), calm_age, "{calm}");
    let first: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(
        first,
        [
            "PUT /_plugins/_ism/policies/logs",
            "POST /_plugins/_ism/change_policy/logs-a-000001,logs-b-000001"
        ],
        "{first:?}"
    );

    // Steady ingest: within the hysteresis, and the indices caught up: nothing is sent.
    lab.advance("2m");
    for i in ["logs-a-000001", "logs-b-000001"] {
        let e = lab.explain(i);
        assert_eq!(
            e["policy_seq_no"],
            calm_seq(&lab),
            "{i} did not pick up the change: {e}"
        );
    }
    lab.sim.clear_requests();
    lab.advance("8m");
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 3).await);
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());

    // The spike: ten times the ingest on logs-a.
    lab.call(
        0,
        "POST",
        "/_sim/ingest",
        Some(json!({"alias": "logs-a", "docs_per_sec": 3000.0, "bytes_per_doc": 1000.0})),
    );
    lab.advance("10m");
    let summary = ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 4).await);
    let spiked = lab.policy("logs");
    let spiked_age = rollover_age_h(&spiked);
    assert!(
        spiked_age < calm_age * 0.5,
        "the spike should shorten min_index_age: {calm_age} h -> {spiked_age} h ({summary})"
    );
    assert!(spiked_age >= 4.0, "clamped at 4 h: {spiked_age}");
    assert_eq!(transition_age_h(&spiked), spiked_age);
    // Nothing else in the template moved.
    assert_eq!(
        spiked["states"][0]["actions"][0]["rollover"]["min_primary_shard_size"],
        "30gb"
    );
    let after: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(
        after,
        [
            "PUT /_plugins/_ism/policies/logs",
            "POST /_plugins/_ism/change_policy/logs-a-000001,logs-b-000001"
        ],
        "{after:?}"
    );
    assert!(
        lab.mutations().iter().all(|r| r.status == 200),
        "{:?}",
        lab.mutations()
    );
    let put = lab.mutations()[0].clone();
    assert!(
        put.query.contains("if_seq_no"),
        "a conditional PUT: {put:?}"
    );
    lab.advance("2m");
    let seq = calm_seq(&lab);
    for i in ["logs-a-000001", "logs-b-000001"] {
        assert_eq!(lab.explain(i)["policy_seq_no"], seq, "{i}");
    }
}

/// The stored policy's `_seq_no`.
fn calm_seq(lab: &Lab) -> Value {
    lab.call(0, "GET", "/_plugins/_ism/policies/logs", None)["_seq_no"].clone()
}
