//! CCR acceptance: lag, pause, resume, stop (then writable), leases and a deleted leader.
use lifeguard::sim::{Scenario, SimOptions};
use serde_json::json;

use super::common::Env;

#[tokio::test]
async fn follower_lags_pauses_resumes_stops_and_is_writable() {
    let scenario = Scenario::parse(
        r#"
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
    "#,
    )
    .unwrap();
    let env = Env::sim(SimOptions {
        scenario: Some(scenario),
        ..SimOptions::pair()
    })
    .await;
    let start = json!({"leader_alias": "leader-cluster", "leader_index": "leader-01",
        "use_roles": {"leader_cluster_role": "all_access", "follower_cluster_role": "all_access"}});
    let (s, v) = env
        .follower(
            "PUT",
            "/_plugins/_replication/follower-01/_start",
            Some(start),
        )
        .await;
    assert_eq!((s, v), (200, json!({"acknowledged": true})));
    env.advance("10s").await;
    let (_, st) = env
        .follower("GET", "/_plugins/_replication/follower-01/_status", None)
        .await;
    assert_eq!(st["status"], "SYNCING", "{st}");
    let d = &st["syncing_details"];
    let lag = d["leader_checkpoint"].as_i64().unwrap() - d["follower_checkpoint"].as_i64().unwrap();
    assert!(lag > 1000, "the follower trails the leader: {st}");
    assert_eq!(
        d["seq_no"].as_i64().unwrap(),
        d["follower_checkpoint"].as_i64().unwrap() + 1
    );

    let (s, v) = env
        .follower("PUT", "/follower-01/_doc/x", Some(json!({"a": 1})))
        .await;
    assert_eq!(s, 403);
    assert_eq!(v["error"]["type"], "cluster_block_exception");
    assert_eq!(v["error"]["reason"], "index [follower-01] blocked by: [FORBIDDEN/1000/index read-only(cross-cluster-replication)];");

    let (s, _) = env
        .follower(
            "POST",
            "/_plugins/_replication/follower-01/_pause",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, st) = env
        .follower("GET", "/_plugins/_replication/follower-01/_status", None)
        .await;
    assert_eq!(
        st,
        json!({"status": "PAUSED", "reason": "User initiated", "leader_alias": "leader-cluster", "leader_index": "leader-01", "follower_index": "follower-01"})
    );
    let (s, v) = env
        .follower(
            "POST",
            "/_plugins/_replication/follower-01/_pause",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["reason"].clone()),
        (400, json!("Index follower-01 is already paused"))
    );
    env.advance("1m").await;
    let (s, _) = env
        .follower(
            "POST",
            "/_plugins/_replication/follower-01/_resume",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    env.advance("5s").await;
    let (_, st) = env
        .follower("GET", "/_plugins/_replication/follower-01/_status", None)
        .await;
    assert_eq!(st["status"], "SYNCING");
    let (_, fs) = env
        .follower("GET", "/_plugins/_replication/follower_stats", None)
        .await;
    assert_eq!(fs["num_syncing_indices"], 1);

    let (s, _) = env
        .follower(
            "POST",
            "/_plugins/_replication/follower-01/_stop",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, st) = env
        .follower("GET", "/_plugins/_replication/follower-01/_status", None)
        .await;
    assert_eq!(st, json!({"status": "REPLICATION NOT IN PROGRESS"}));
    let (s, v) = env
        .follower("PUT", "/follower-01/_doc/x", Some(json!({"a": 1})))
        .await;
    assert_eq!(s, 201, "{v}");
    env.shutdown().await;
}

#[tokio::test]
async fn paused_past_the_retention_lease_needs_force_resume_and_deleted_leader_auto_pauses() {
    let env = Env::sim(SimOptions::pair()).await;
    env.leader("PUT", "/src", Some(json!({}))).await;
    env.leader("PUT", "/src/_doc/1", Some(json!({"a": 1})))
        .await;
    let start = json!({"leader_alias": "leader-cluster", "leader_index": "src"});
    assert_eq!(
        env.follower("PUT", "/_plugins/_replication/dst/_start", Some(start))
            .await
            .0,
        200
    );
    env.advance("1s").await;
    assert_eq!(
        env.follower("POST", "/_plugins/_replication/dst/_pause", Some(json!({})))
            .await
            .0,
        200
    );
    env.advance("13h").await;
    let (s, v) = env
        .follower(
            "POST",
            "/_plugins/_replication/dst/_resume",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(v["error"]["reason"], "Retention lease doesn't exist. Replication can't be resumed for dst. Use force_resume=true to restore from snapshot.");
    let (s, _) = env
        .follower(
            "POST",
            "/_plugins/_replication/dst/_resume",
            Some(json!({"force_resume": true})),
        )
        .await;
    assert_eq!(s, 200);
    env.advance("1s").await;
    env.leader("DELETE", "/src", None).await;
    env.advance("1s").await;
    let (_, st) = env
        .follower("GET", "/_plugins/_replication/dst/_status", None)
        .await;
    assert_eq!(st["status"], "PAUSED");
    assert_eq!(st["reason"], "AutoPaused:  + [[src][0] - org.opensearch.index.IndexNotFoundException - \"no such index [src]\"]");
    env.shutdown().await;
}
