//! The issue's acceptance scenarios, driven by `/_sim/clock` on an in-process simulator.
use lifeguard::sim::{Scenario, SimOptions};
use serde_json::{json, Value};

use super::common::{fast_ism, Env};

async fn explain(env: &Env, base: &str, index: &str) -> Value {
    let (s, v) = env.call(base, "GET", &format!("/_plugins/_ism/explain/{index}"), None).await;
    assert_eq!(s, 200, "{v}");
    v[index].clone()
}

#[tokio::test]
async fn hot_warm_delete_walks_one_step_per_run() {
    let env = Env::sim(SimOptions::default()).await;
    let l = env.leader.clone();
    fast_ism(&env, &l).await;
    let policy = json!({"policy": {"description": "hot warm delete", "default_state": "hot", "states": [
        {"name": "hot", "actions": [], "transitions": [{"state_name": "warm", "conditions": {"min_index_age": "1m"}}]},
        {"name": "warm", "actions": [{"replica_count": {"number_of_replicas": 0}}],
         "transitions": [{"state_name": "delete", "conditions": {"min_index_age": "5m"}}]},
        {"name": "delete", "actions": [{"delete": {}}], "transitions": []}]}});
    let (s, v) = env.leader("PUT", "/_plugins/_ism/policies/hwd", Some(policy)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["policy"]["policy"]["states"][1]["actions"][0]["retry"], json!({"count": 3, "backoff": "exponential", "delay": "1m"}));
    env.leader("PUT", "/logs", Some(json!({}))).await;
    let (s, v) = env.leader("POST", "/_plugins/_ism/add/logs", Some(json!({"policy_id": "hwd"}))).await;
    assert_eq!((s, v.clone()), (200, json!({"updated_indices": 1, "failures": false, "failed_indices": []})));

    // Managed, not initialised yet: exactly the two settings, index, uuid, policy_id, enabled.
    let e = explain(&env, &l, "logs").await;
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["index.plugins.index_state_management.policy_id", "index.opendistro.index_state_management.policy_id",
        "index", "index_uuid", "policy_id", "enabled"]);

    env.advance("1m").await; // run 1: initialise
    let e = explain(&env, &l, "logs").await;
    assert_eq!(e["state"]["name"], "hot");
    assert_eq!(e["info"]["message"], "Successfully initialized policy: hwd");
    assert!(e.get("action").is_none() && e.get("step").is_none());

    env.advance("1m").await; // run 2: the transition (hot has no actions) matches
    let e = explain(&env, &l, "logs").await;
    assert_eq!(e["transition_to"], "warm");
    assert!(e.get("state").is_none(), "only transition_to while transitioning: {e}");
    assert_eq!(e["info"]["message"], "Transitioning to warm [index=logs]");

    env.advance("1m").await; // run 3: enter warm and run its first step
    let e = explain(&env, &l, "logs").await;
    assert_eq!(e["state"]["name"], "warm");
    assert_eq!(e["action"]["name"], "replica_count");
    assert_eq!(e["action"]["last_retry_time"], 0);
    assert_eq!(e["step"], json!({"name": "attempt_set_replica_count", "start_time": e["step"]["start_time"], "step_status": "completed"}));
    let (_, settings) = env.leader("GET", "/logs/_settings", None).await;
    assert_eq!(settings["logs"]["settings"]["index"]["number_of_replicas"], "0");

    env.advance("1m").await; // run 4: transition not yet due
    let e = explain(&env, &l, "logs").await;
    assert_eq!(e["action"]["name"], "transition");
    assert_eq!(e["action"]["index"], -1);
    assert_eq!(e["step"]["step_status"], "condition_not_met");
    assert_eq!(e["info"]["message"], "Evaluating transition conditions [index=logs]");

    env.advance("1m").await; // run 5: 5m old
    assert_eq!(explain(&env, &l, "logs").await["transition_to"], "delete");
    env.advance("1m").await; // run 6: enter delete, delete the index
    let (s, _) = env.leader("HEAD", "/logs", None).await;
    assert_eq!(s, 404);
    env.shutdown().await;
}

async fn rollover_setup(env: &Env, policy_rollover: Value, with_alias_setting: bool) {
    let l = env.leader.clone();
    fast_ism(env, &l).await;
    let mut settings = json!({"number_of_replicas": 0});
    if with_alias_setting {
        settings["plugins.index_state_management.rollover_alias"] = json!("logs");
    }
    let (s, v) = env.leader("PUT", "/logs-000001", Some(json!({"settings": settings, "aliases": {"logs": {"is_write_index": true}}}))).await;
    assert_eq!((s, &v), (200, &json!({"acknowledged": true, "shards_acknowledged": true, "index": "logs-000001"})));
    let body = json!({"policy": {"default_state": "hot", "states": [{"name": "hot", "actions": [{"rollover": policy_rollover}], "transitions": []}]}});
    let (s, v) = env.leader("PUT", "/_plugins/_ism/policies/roll", Some(body)).await;
    assert_eq!(s, 201, "{v}");
    let (s, _) = env.leader("POST", "/_plugins/_ism/add/logs-000001", Some(json!({"policy_id": "roll"}))).await;
    assert_eq!(s, 200);
    env.advance("1m").await; // init
}

#[tokio::test]
async fn rollover_fires_on_the_first_met_condition() {
    let env = Env::sim(SimOptions::default()).await;
    rollover_setup(&env, json!({"min_doc_count": 5, "min_index_age": "1d"}), true).await;
    env.advance("1m").await;
    let e = explain(&env, &env.leader.clone(), "logs-000001").await;
    assert_eq!(e["step"]["step_status"], "condition_not_met");
    assert_eq!(e["info"]["message"], "Pending rollover of index [index=logs-000001]");
    assert_eq!(e["info"]["conditions"]["min_doc_count"], json!({"condition": 5, "current": 0}));
    assert_eq!(e["rolled_over"], false);
    let lines: String = (0..5).map(|i| format!("{{\"index\":{{\"_index\":\"logs\",\"_id\":\"{i}\"}}}}\n{{\"n\":{i}}}\n")).collect();
    let r = env.http.post(format!("{}/_bulk", env.leader)).header("content-type", "application/x-ndjson").body(lines).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    env.advance("1m").await; // age is 3 minutes, far from 1d: the doc count alone fires it
    let e = explain(&env, &env.leader.clone(), "logs-000001").await;
    assert_eq!(e["info"]["message"], "Successfully rolled over index [index=logs-000001]");
    assert_eq!(e["rolled_over"], true);
    assert_eq!(e["rolled_over_index_name"], "logs-000002");
    let (_, aliases) = env.leader("GET", "/_alias/logs", None).await;
    assert_eq!(aliases["logs-000002"]["aliases"]["logs"]["is_write_index"], true);
    assert_eq!(aliases["logs-000001"]["aliases"]["logs"]["is_write_index"], false);
    env.shutdown().await;
}

#[tokio::test]
async fn missing_rollover_alias_fails_then_retry_recovers_and_conflicting_put_is_409() {
    let env = Env::sim(SimOptions::default()).await;
    let l = env.leader.clone();
    rollover_setup(&env, json!({"min_doc_count": 1}), false).await;
    env.advance("1m").await;
    let e = explain(&env, &l, "logs-000001").await;
    assert_eq!(e["info"]["message"], "Missing rollover_alias index setting [index=logs-000001]");
    assert_eq!(e["step"]["step_status"], "failed");
    assert_eq!(e["action"]["consumed_retries"], 1);
    // Three retries with exponential backoff (1m, 2m, 4m) then the action fails for good.
    env.advance("10m").await;
    let e = explain(&env, &l, "logs-000001").await;
    assert_eq!(e["action"]["failed"], true, "{e}");
    assert_eq!(e["action"]["consumed_retries"], 3);
    env.advance("1m").await;
    assert_eq!(explain(&env, &l, "logs-000001").await["enabled"], false);

    let (s, v) = env.leader("PUT", "/logs-000001/_settings", Some(json!({"index": {"plugins.index_state_management.rollover_alias": "logs"}}))).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = env.leader("POST", "/_plugins/_ism/retry/logs-000001", None).await;
    assert_eq!((s, v), (200, json!({"updated_indices": 1, "failures": false, "failed_indices": []})));
    let e = explain(&env, &l, "logs-000001").await;
    assert_eq!(e["info"]["message"], "Pending retry of failed managed index");
    assert_eq!(e["action"]["start_time"], Value::Null);
    assert_eq!(e["action"]["last_retry_time"], Value::Null);
    let (s, _) = env.leader("PUT", "/logs/_doc/1", Some(json!({"a": 1}))).await;
    assert_eq!(s, 201);
    env.advance("1m").await;
    let e = explain(&env, &l, "logs-000001").await;
    assert_eq!(e["info"]["message"], "Successfully rolled over index [index=logs-000001]", "{e}");

    // A PUT without if_seq_no on an existing policy is a create: 409.
    let body = json!({"policy": {"default_state": "hot", "states": [{"name": "hot", "actions": [], "transitions": []}]}});
    let (s, v) = env.leader("PUT", "/_plugins/_ism/policies/roll", Some(body.clone())).await;
    assert_eq!(s, 409);
    assert_eq!(v["error"]["type"], "version_conflict_engine_exception");
    assert_eq!(v["error"]["reason"], "[roll]: version conflict, document already exists (current version [1])");
    let (_, cur) = env.leader("GET", "/_plugins/_ism/policies/roll", None).await;
    let (seq, term) = (cur["_seq_no"].as_i64().unwrap(), cur["_primary_term"].as_i64().unwrap());
    let (s, v) = env.leader("PUT", &format!("/_plugins/_ism/policies/roll?if_seq_no={}&if_primary_term={term}", seq + 7), Some(body.clone())).await;
    assert_eq!(s, 409);
    assert_eq!(v["error"]["reason"], format!("[roll]: version conflict, required seqNo [{}], primary term [{term}]. current document has seqNo [{seq}] and primary term [{term}]", seq + 7));
    let (s, v) = env.leader("PUT", &format!("/_plugins/_ism/policies/roll?if_seq_no={seq}&if_primary_term={term}"), Some(body)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["_version"], 2);
    env.shutdown().await;
}

fn two_hot_nodes() -> Scenario {
    Scenario::parse(r#"
        [leader]
        [[leader.nodes]]
        name = "hot-1"
        attributes = { box_type = "hot", zone = "a" }
        [[leader.nodes]]
        name = "hot-2"
        attributes = { box_type = "hot", zone = "b" }
    "#).unwrap()
}

#[tokio::test]
async fn allocation_step_sticks_until_the_routing_changes() {
    let env = Env::sim(SimOptions { scenario: Some(two_hot_nodes()), ..SimOptions::default() }).await;
    let l = env.leader.clone();
    fast_ism(&env, &l).await;
    env.leader("PUT", "/metrics", Some(json!({"settings": {"number_of_replicas": 0}}))).await;
    let body = json!({"policy": {"default_state": "warm", "states": [{"name": "warm",
        "actions": [{"allocation": {"require": {"box_type": "warm"}, "wait_for": true}}], "transitions": []}]}});
    assert_eq!(env.leader("PUT", "/_plugins/_ism/policies/to_warm", Some(body)).await.0, 201);
    env.leader("POST", "/_plugins/_ism/add/metrics", Some(json!({"policy_id": "to_warm"}))).await;
    env.advance("2m").await;
    for _ in 0..3 {
        let e = explain(&env, &l, "metrics").await;
        assert_eq!(e["step"]["name"], "attempt_allocation");
        assert_eq!(e["step"]["step_status"], "condition_not_met", "{e}");
        env.advance("1m").await;
    }
    let (s, v) = env.leader("POST", "/_cluster/allocation/explain", Some(json!({"index": "metrics", "shard": 0, "primary": true}))).await;
    assert_eq!(s, 200);
    assert_eq!(v["can_remain_on_current_node"], "no");
    assert_eq!(v["can_remain_decisions"][0]["explanation"], "node does not match index setting [index.routing.allocation.require] filters [box_type:\"warm\"]");
    // A replica that cannot be placed anywhere shows in health, _cat/allocation and explain.
    env.leader("PUT", "/metrics/_settings", Some(json!({"index.number_of_replicas": 1}))).await;
    let (_, h) = env.leader("GET", "/_cluster/health", None).await;
    assert_eq!((h["status"].clone(), h["unassigned_shards"].clone()), (json!("yellow"), json!(1)));
    let (_, cat) = env.leader("GET", "/_cat/allocation?format=json&bytes=b", None).await;
    assert!(cat.as_array().unwrap().iter().any(|r| r["node"] == "UNASSIGNED" && r["shards"] == "1"), "{cat}");
    let (_, ex) = env.leader("GET", "/_cluster/allocation/explain", None).await;
    assert_eq!(ex["can_allocate"], "no");
    assert_eq!(ex["allocate_explanation"], "cannot allocate because allocation is not permitted to any of the nodes");

    // The operator changes the routing: the waiting step completes at the next run.
    let (s, _) = env.leader("PUT", "/metrics/_settings", Some(json!({"index": {"routing.allocation.require.box_type": null, "number_of_replicas": 0}}))).await;
    assert_eq!(s, 200);
    env.advance("1m").await;
    let e = explain(&env, &l, "metrics").await;
    assert_eq!(e["step"]["step_status"], "completed", "{e}");
    env.shutdown().await;
}

#[tokio::test]
async fn follower_lags_pauses_resumes_stops_and_is_writable() {
    let scenario = Scenario::parse(r#"
        [models]
        ccr_ops_per_sec = 50.0
        [leader]
        [[leader.indices]]
        name = "leader-01"
        replicas = 0
        docs = 100
        [[leader.ingest]]
        alias = "leader-01"
        docs_per_sec = 200.0
        [follower]
    "#).unwrap();
    let env = Env::sim(SimOptions { scenario: Some(scenario), ..SimOptions::pair() }).await;
    let start = json!({"leader_alias": "leader-cluster", "leader_index": "leader-01",
        "use_roles": {"leader_cluster_role": "all_access", "follower_cluster_role": "all_access"}});
    let (s, v) = env.follower("PUT", "/_plugins/_replication/follower-01/_start", Some(start)).await;
    assert_eq!((s, v), (200, json!({"acknowledged": true})));
    env.advance("10s").await;
    let (_, st) = env.follower("GET", "/_plugins/_replication/follower-01/_status", None).await;
    assert_eq!(st["status"], "SYNCING", "{st}");
    let d = &st["syncing_details"];
    let lag = d["leader_checkpoint"].as_i64().unwrap() - d["follower_checkpoint"].as_i64().unwrap();
    assert!(lag > 1000, "the follower trails the leader: {st}");
    assert_eq!(d["seq_no"].as_i64().unwrap(), d["follower_checkpoint"].as_i64().unwrap() + 1);

    let (s, v) = env.follower("PUT", "/follower-01/_doc/x", Some(json!({"a": 1}))).await;
    assert_eq!(s, 403);
    assert_eq!(v["error"]["type"], "cluster_block_exception");
    assert_eq!(v["error"]["reason"], "index [follower-01] blocked by: [FORBIDDEN/1000/index read-only(cross-cluster-replication)];");

    let (s, _) = env.follower("POST", "/_plugins/_replication/follower-01/_pause", Some(json!({}))).await;
    assert_eq!(s, 200);
    let (_, st) = env.follower("GET", "/_plugins/_replication/follower-01/_status", None).await;
    assert_eq!(st, json!({"status": "PAUSED", "reason": "User initiated", "leader_alias": "leader-cluster", "leader_index": "leader-01", "follower_index": "follower-01"}));
    let (s, v) = env.follower("POST", "/_plugins/_replication/follower-01/_pause", Some(json!({}))).await;
    assert_eq!((s, v["error"]["reason"].clone()), (400, json!("Index follower-01 is already paused")));
    env.advance("1m").await;
    let (s, _) = env.follower("POST", "/_plugins/_replication/follower-01/_resume", Some(json!({}))).await;
    assert_eq!(s, 200);
    env.advance("5s").await;
    let (_, st) = env.follower("GET", "/_plugins/_replication/follower-01/_status", None).await;
    assert_eq!(st["status"], "SYNCING");
    let (_, fs) = env.follower("GET", "/_plugins/_replication/follower_stats", None).await;
    assert_eq!(fs["num_syncing_indices"], 1);

    let (s, _) = env.follower("POST", "/_plugins/_replication/follower-01/_stop", Some(json!({}))).await;
    assert_eq!(s, 200);
    let (_, st) = env.follower("GET", "/_plugins/_replication/follower-01/_status", None).await;
    assert_eq!(st, json!({"status": "REPLICATION NOT IN PROGRESS"}));
    let (s, v) = env.follower("PUT", "/follower-01/_doc/x", Some(json!({"a": 1}))).await;
    assert_eq!(s, 201, "{v}");
    env.shutdown().await;
}

#[tokio::test]
async fn paused_past_the_retention_lease_needs_force_resume_and_deleted_leader_auto_pauses() {
    let env = Env::sim(SimOptions::pair()).await;
    env.leader("PUT", "/src", Some(json!({}))).await;
    env.leader("PUT", "/src/_doc/1", Some(json!({"a": 1}))).await;
    let start = json!({"leader_alias": "leader-cluster", "leader_index": "src"});
    assert_eq!(env.follower("PUT", "/_plugins/_replication/dst/_start", Some(start)).await.0, 200);
    env.advance("1s").await;
    assert_eq!(env.follower("POST", "/_plugins/_replication/dst/_pause", Some(json!({}))).await.0, 200);
    env.advance("13h").await;
    let (s, v) = env.follower("POST", "/_plugins/_replication/dst/_resume", Some(json!({}))).await;
    assert_eq!(s, 404);
    assert_eq!(v["error"]["reason"], "Retention lease doesn't exist. Replication can't be resumed for dst. Use force_resume=true to restore from snapshot.");
    let (s, _) = env.follower("POST", "/_plugins/_replication/dst/_resume", Some(json!({"force_resume": true}))).await;
    assert_eq!(s, 200);
    env.advance("1s").await;
    env.leader("DELETE", "/src", None).await;
    env.advance("1s").await;
    let (_, st) = env.follower("GET", "/_plugins/_replication/dst/_status", None).await;
    assert_eq!(st["status"], "PAUSED");
    assert_eq!(st["reason"], "AutoPaused:  + [[src][0] - org.opensearch.index.IndexNotFoundException - \"no such index [src]\"]");
    env.shutdown().await;
}

#[tokio::test]
async fn flood_stage_disk_blocks_writes() {
    let env = Env::sim(SimOptions { scenario: Some(two_hot_nodes()), ..SimOptions::default() }).await;
    env.leader("PUT", "/events", Some(json!({"settings": {"number_of_shards": 2, "number_of_replicas": 0}}))).await;
    let (s, v) = env.leader("POST", "/_sim/faults", Some(json!({"type": "disk_fill", "node": "hot-1", "percent": 96}))).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = env.leader("POST", "/events/_doc", Some(json!({"a": 1}))).await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(v["error"]["type"], "cluster_block_exception");
    assert_eq!(v["error"]["reason"], "index [events] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];");
    let (_, st) = env.leader("GET", "/events/_settings/index.blocks.*", None).await;
    assert_eq!(st["events"]["settings"]["index"]["blocks"]["read_only_allow_delete"], "true");
    let bulk = "{\"index\":{\"_index\":\"events\"}}\n{\"a\":1}\n";
    let r = env.http.post(format!("{}/_bulk", env.leader)).header("content-type", "application/x-ndjson").body(bulk).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"], true);
    assert_eq!(v["items"][0]["index"]["status"], 429);
    let (_, cat) = env.leader("GET", "/_cat/allocation?format=json&h=node,disk.percent", None).await;
    assert!(cat.as_array().unwrap().iter().any(|r| r == &json!({"node": "hot-1", "disk.percent": "96"})), "{cat}");
    // Released automatically once usage drops below the high watermark.
    env.leader("POST", "/_sim/faults", Some(json!({"type": "disk_fill", "node": "hot-1", "percent": 50}))).await;
    env.advance("30s").await;
    let (s, _) = env.leader("POST", "/events/_doc", Some(json!({"a": 1}))).await;
    assert_eq!(s, 201);
    env.shutdown().await;
}
