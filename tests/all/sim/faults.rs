//! Fault injection, the request log, errors with OpenSearch's shapes, and determinism.
use lifeguard::sim::{FaultAction, Scenario, SimOptions};
use serde_json::{json, Value};

use super::common::{fast_ism, Env};

#[tokio::test]
async fn error_shapes_match_opensearch() {
    let env = Env::sim(SimOptions::default()).await;
    let (s, v) = env.leader("GET", "/_foo/bar", None).await;
    assert_eq!((s, v), (400, json!({"error": "no handler found for uri [/_foo/bar] and method [GET]"})));
    let (s, v) = env.leader("DELETE", "/_cluster/health", None).await;
    assert_eq!(s, 405);
    assert_eq!(v["error"], "Incorrect HTTP method for uri [/_cluster/health] and method [DELETE], allowed: [GET]");
    let r = env.http.put(format!("{}/books", env.leader)).header("content-type", "application/json").body("{\"settings\": ").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "json_parse_exception");
    assert_eq!(v["error"]["root_cause"][0]["type"], "json_parse_exception");
    assert_eq!(v["status"], 400);
    let (s, v) = env.leader("PUT", "/_plugins/_ism/policies/p", Some(json!({"policy": {"default_state": "a", "states": [{"name": "a", "actions": [{"rollover": {"min_docs": 1}}]}]}}))).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["reason"], "Invalid field: [min_docs] found in RolloverAction.");
    let (s, v) = env.leader("PUT", "/_plugins/_ism/policies/p", Some(json!({"policy": {"default_state": "a", "states": [{"name": "a", "actions": [],
        "transitions": [{"state_name": "a", "conditions": {"min_index_age": "1d", "min_doc_count": 5}}]}]}}))).await;
    assert_eq!((s, v["error"]["reason"].clone()), (400, json!("Cannot provide more than one Transition condition")));
    let (s, v) = env.leader("PUT", "/Books", Some(json!({}))).await;
    assert_eq!((s, v["error"]["type"].clone()), (400, json!("invalid_index_name_exception")));
    let (s, v) = env.leader("GET", "/nope/_settings", None).await;
    assert_eq!((s, v["error"]["reason"].clone()), (404, json!("no such index [nope]")));
    env.leader("PUT", "/books", None).await;
    let (s, v) = env.leader("PUT", "/books", None).await;
    assert_eq!((s, v["error"]["type"].clone()), (400, json!("resource_already_exists_exception")));
    env.shutdown().await;
}

#[tokio::test]
async fn http_faults_latency_and_the_request_log() {
    let env = Env::sim(SimOptions::default()).await;
    let sim = env.sim.as_ref().unwrap();
    let (s, v) = env.leader("POST", "/_sim/faults", Some(json!({"type": "error", "status": 429, "path": "/_cat/*", "retry_after": 7}))).await;
    assert_eq!(s, 200, "{v}");
    let r = env.http.get(format!("{}/_cat/indices?format=json", env.leader)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let (s, _) = env.leader("GET", "/_cluster/health", None).await;
    assert_eq!(s, 200, "rules only hit matching paths");
    env.leader("DELETE", "/_sim/faults", None).await;
    sim.inject(FaultAction::Latency { ms: 150, path: None, cluster: None, duration: None }).unwrap();
    let t = std::time::Instant::now();
    env.leader("GET", "/", None).await;
    assert!(t.elapsed().as_millis() >= 150);
    sim.clear_faults();
    // A 50% storm is deterministic for a seed.
    sim.inject(FaultAction::Error { status: 503, probability: 0.5, path: None, retry_after: None, cluster: None, duration: Some("1m".into()) }).unwrap();
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(env.leader("GET", "/_cluster/health", None).await.0);
    }
    assert!(statuses.contains(&503) && statuses.contains(&200), "{statuses:?}");
    env.advance("2m").await;
    assert_eq!(env.leader("GET", "/_cluster/health", None).await.0, 200, "the storm ended with its duration");
    let (_, log) = env.leader("GET", "/_sim/requests?path_prefix=/_cluster", None).await;
    let rows = log["requests"].as_array().unwrap();
    assert_eq!(rows.len(), 22);
    assert!(rows.iter().all(|r| r["method"] == "GET" && r["cluster"] == "leader"));
    assert_eq!(rows.iter().filter(|r| r["status"] == 503).count(), statuses.iter().filter(|s| **s == 503).count());
    assert_eq!(sim.requests().len(), 24);
    env.shutdown().await;
}

#[tokio::test]
async fn node_loss_outages_and_saturation() {
    let scenario = Scenario::parse(r#"{"leader": {"nodes": [{"name": "n1"}, {"name": "n2"}]}, "follower": {}}"#).unwrap();
    let env = Env::sim(SimOptions { scenario: Some(scenario), ..SimOptions::pair() }).await;
    env.leader("PUT", "/a", Some(json!({"settings": {"number_of_replicas": 1}}))).await;
    let (_, h) = env.leader("GET", "/_cluster/health", None).await;
    assert_eq!(h["status"], "green");
    env.leader("POST", "/_sim/faults", Some(json!({"type": "node_down", "node": "n2", "duration": "10m"}))).await;
    let (_, h) = env.leader("GET", "/_cluster/health", None).await;
    assert_eq!((h["status"].clone(), h["number_of_nodes"].clone()), (json!("yellow"), json!(1)));
    env.advance("11m").await;
    assert_eq!(env.leader("GET", "/_cluster/health", None).await.1["status"], "green");

    env.leader("POST", "/_sim/faults", Some(json!({"type": "saturate", "pool": "write", "duration": "1m"}))).await;
    let (s, v) = env.leader("PUT", "/a/_doc/1", Some(json!({"x": 1}))).await;
    assert_eq!((s, v["error"]["type"].clone()), (429, json!("rejected_execution_exception")));
    let (_, tp) = env.leader("GET", "/_cat/thread_pool/write?format=json&h=node_name,name,active,queue,queue_size,rejected", None).await;
    assert_eq!(tp[0]["queue"], "10000");
    assert_eq!(tp[0]["queue_size"], "10000");
    let rejected: u64 = tp.as_array().unwrap().iter().map(|r| r["rejected"].as_str().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(rejected, 1);
    env.advance("2m").await;
    assert_eq!(env.leader("PUT", "/a/_doc/1", Some(json!({"x": 1}))).await.0, 201);

    env.leader("POST", "/_sim/faults", Some(json!({"type": "leader_outage", "mode": "503"}))).await;
    assert_eq!(env.leader("GET", "/", None).await.0, 503);
    env.follower("POST", "/_sim/faults", Some(json!({"type": "leader_restore"}))).await;
    env.follower("POST", "/_sim/faults", Some(json!({"type": "leader_outage", "mode": "refuse", "duration": "5m"}))).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(env.http.get(&env.leader).send().await.is_err(), "connections are refused");
    env.follower("POST", "/_sim/clock", Some(json!({"advance": "6m"}))).await;
    let mut ok = false;
    for _ in 0..50 {
        if env.http.get(&env.leader).send().await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(ok, "the leader listens again after the outage");
    env.shutdown().await;
}

async fn jitter_trace(seed: u64) -> Vec<i64> {
    let env = Env::sim(SimOptions { seed, ..SimOptions::default() }).await;
    let l = env.leader.clone();
    env.leader("PUT", "/_cluster/settings", Some(json!({"persistent": {"plugins.index_state_management.job_interval": 1}}))).await;
    let policy = json!({"policy": {"default_state": "a", "states": [{"name": "a", "actions": [], "transitions": []}]}});
    env.leader("PUT", "/_plugins/_ism/policies/p", Some(policy)).await;
    let mut out = Vec::new();
    for i in 0..5 {
        env.leader("PUT", &format!("/i{i}"), None).await;
        env.leader("POST", &format!("/_plugins/_ism/add/i{i}"), Some(json!({"policy_id": "p"}))).await;
    }
    env.advance("2m").await;
    let (_, e) = env.call(&l, "GET", "/_plugins/_ism/explain", None).await;
    for i in 0..5 {
        out.push(e[format!("i{i}")]["state"]["start_time"].as_i64().unwrap_or(-1));
    }
    env.shutdown().await;
    out
}

#[tokio::test]
async fn same_seed_same_behaviour_with_jitter() {
    let a = jitter_trace(7).await;
    let b = jitter_trace(7).await;
    assert_eq!(a, b);
    assert!(a.iter().all(|t| *t > 0));
    let distinct: std::collections::BTreeSet<_> = a.iter().collect();
    assert!(distinct.len() > 1, "jitter spreads the runs: {a:?}");
}

#[tokio::test]
async fn ism_template_attaches_new_indices_and_cat_values_are_strings() {
    let env = Env::sim(SimOptions::default()).await;
    let l = env.leader.clone();
    fast_ism(&env, &l).await;
    let policy = json!({"policy": {"default_state": "a", "states": [{"name": "a", "actions": [], "transitions": []}],
        "ism_template": {"index_patterns": ["app-*"], "priority": 10}}});
    env.leader("PUT", "/_plugins/_ism/policies/tpl", Some(policy)).await;
    env.leader("PUT", "/app-1", None).await;
    env.leader("PUT", "/other", None).await;
    let (_, e) = env.leader("GET", "/_plugins/_ism/explain", None).await;
    assert_eq!(e["total_managed_indices"], 1);
    assert_eq!(e["app-1"]["policy_id"], "tpl");
    let (_, cat) = env.leader("GET", "/_cat/indices?format=json&bytes=b", None).await;
    for row in cat.as_array().unwrap() {
        for (k, v) in row.as_object().unwrap() {
            assert!(v.is_string(), "{k} = {v}");
        }
    }
    let (_, cat) = env.leader("GET", "/_cat/indices/app-1?format=json&h=index,pri,rep,health", None).await;
    assert_eq!(cat, json!([{"index": "app-1", "pri": "1", "rep": "1", "health": "yellow"}]));
    env.shutdown().await;
}
