//! fallback-router: a warm allocation that cannot complete (no node with the required
//! attribute, or a full warm disk) is moved to the fallback tier, and the index reaches its
//! next ISM state.
use serde_json::{json, Value};

use crate::support::lab::{cached_engine, line, memory_state, ok, rust_plugin, Lab, Tenant};

/// A hot → warm → cold policy whose warm state requires `data_tier=warm` and waits for it;
/// `warm_node` adds (or not) a warm node.
fn scenario(warm_node: &str, hot_disk: f64) -> String {
    format!(
        r#"
[leader]
settings = {{ "plugins.index_state_management.job_interval" = 1, "plugins.index_state_management.jitter" = 0.0 }}

[[leader.nodes]]
name = "hot-1"
attributes = {{ data_tier = "hot" }}
disk_total = "500gb"
disk_used_percent = {hot_disk}
{warm_node}

[leader.policies.tiers]
default_state = "hot"
states = [
  {{ name = "hot", actions = [], transitions = [{{ state_name = "warm", conditions = {{ min_index_age = "1h" }} }}] }},
  {{ name = "warm", actions = [{{ allocation = {{ require = {{ data_tier = "warm" }}, wait_for = true }} }}], transitions = [{{ state_name = "cold" }}] }},
  {{ name = "cold", actions = [], transitions = [{{ state_name = "delete", conditions = {{ min_index_age = "30d" }} }}] }},
  {{ name = "delete", actions = [{{ delete = {{}} }}], transitions = [] }},
]

[[leader.indices]]
name = "metrics-000001"
replicas = 0
docs = 100000
policy_id = "tiers"
age = "2h"
"#
    )
}

const FULL_WARM: &str = r#"
[[leader.nodes]]
name = "warm-1"
attributes = { data_tier = "warm" }
disk_total = "500gb"
disk_used_percent = 96.0
"#;

fn config() -> Value {
    json!({"attribute": "data_tier", "fallback": "hot", "index_pattern": "metrics-*", "stuck_after": "5m"})
}

fn state_name(lab: &Lab) -> String {
    let e = lab.explain("metrics-000001");
    e["state"]["name"].as_str().unwrap_or("").to_string()
}

/// Drives ISM into the stuck warm allocation, then runs the router every minute until the
/// index is in `cold`. Returns the mutating requests, as `METHOD path`.
async fn unstick(scenario: &str) -> (Lab, Vec<String>) {
    let lab = Lab::start(scenario).await;
    let engine = cached_engine();
    let plugin = rust_plugin("fallback-router").await;
    let tenant = Tenant::granted("metrics", &["metrics-*"], &[]);
    let state = memory_state();
    // init → hot → (1h old) warm → allocation step starts and waits.
    lab.advance("5m");
    let e = lab.explain("metrics-000001");
    assert_eq!(e["state"]["name"], "warm", "{e}");
    assert_eq!(e["action"]["name"], "allocation", "{e}");
    assert_eq!(e["step"]["step_status"], "condition_not_met", "{e}");

    let mut tick = 0;
    // First seen now; not acted on before `stuck_after`.
    for _ in 0..4 {
        tick += 1;
        ok(&lab
            .run(engine, plugin, &tenant, &state, &config(), tick)
            .await);
        lab.advance("1m");
    }
    assert!(
        lab.mutations().is_empty(),
        "acted before stuck_after: {:?}",
        lab.mutations()
    );
    assert_eq!(state_name(&lab), "warm");
    let mut summaries = Vec::new();
    for _ in 0..6 {
        tick += 1;
        summaries.push(ok(&lab
            .run(engine, plugin, &tenant, &state, &config(), tick)
            .await));
        lab.advance("1m");
        if state_name(&lab) == "cold" {
            break;
        }
    }
    assert_eq!(
        state_name(&lab),
        "cold",
        "{summaries:?} {:?} {}",
        lab.mutations(),
        lab.explain("metrics-000001")
    );
    // Verified and forgotten on the next tick; nothing more is sent.
    tick += 1;
    let summary = ok(&lab
        .run(engine, plugin, &tenant, &state, &config(), tick)
        .await);
    assert!(summary.contains("0 stuck"), "{summary}");
    let sent = lab.mutations().iter().map(line).collect();
    (lab, sent)
}

fn assert_on_hot(lab: &Lab) {
    let s = lab.call(
        0,
        "GET",
        "/metrics-000001/_settings?flat_settings=true",
        None,
    );
    let s = &s["metrics-000001"]["settings"];
    assert_eq!(
        s["index.routing.allocation.require.data_tier"], "hot",
        "{s}"
    );
    let shards = lab.call(0, "GET", "/_cat/shards/metrics-000001?format=json", None);
    assert!(
        shards
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["node"] == "hot-1" && r["state"] == "STARTED"),
        "{shards}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_warm_node_reroutes_to_the_fallback_tier_and_ism_moves_on() {
    let (lab, sent) = unstick(&scenario("", 40.0)).await;
    assert_eq!(sent, ["PUT /metrics-000001/_settings"], "{sent:?}");
    assert_on_hot(&lab);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_warm_disk_reroutes_to_the_fallback_tier_and_ism_moves_on() {
    let (lab, sent) = unstick(&scenario(FULL_WARM, 40.0)).await;
    assert_eq!(sent, ["PUT /metrics-000001/_settings"], "{sent:?}");
    assert_on_hot(&lab);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_above_the_low_watermark_is_never_used() {
    let lab = Lab::start(&scenario("", 88.0)).await;
    let engine = cached_engine();
    let plugin = rust_plugin("fallback-router").await;
    let tenant = Tenant::granted("metrics", &["metrics-*"], &[]);
    let state = memory_state();
    lab.advance("5m");
    for tick in 1..=12 {
        ok(&lab
            .run(engine, plugin, &tenant, &state, &config(), tick)
            .await);
        lab.advance("1m");
    }
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    assert_eq!(state_name(&lab), "warm");
}
