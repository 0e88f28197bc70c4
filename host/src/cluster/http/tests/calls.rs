//! Each typed call: the request it puts on the wire, and how the answer comes back.
use serde_json::{json, Value};

use super::*;
use crate::cluster::http::config::AuthConfig;
use crate::cluster::model::*;
use crate::cluster::{ApiError, ClusterApi};

fn body_json(s: &Seen) -> Value {
    serde_json::from_str(&s.body).unwrap()
}

#[tokio::test]
async fn reads_use_the_documented_paths() {
    let stub = Stub::start(|s| {
        let p = s.path.as_str();
        if p.starts_with("/_cat/indices/logs-*?") {
            reply(200, r#"[{"health":"yellow","status":"open","index":"logs-1","uuid":"u","pri":"1","rep":"1","docs.count":"5","docs.deleted":"0","store.size":"10","pri.store.size":"5","creation.date":"7"}]"#)
        } else if p.starts_with("/_nodes/stats/thread_pool") {
            reply(200, r#"{"nodes":{"n":{"name":"d1","thread_pool":{"write":{"threads":1,"queue":2,"active":1,"rejected":0,"largest":1,"completed":3}}}}}"#)
        } else if p.starts_with("/_nodes/thread_pool") {
            reply(200, r#"{"nodes":{"n":{"thread_pool":{"write":{"type":"fixed","queue_size":10000}}}}}"#)
        } else if p.starts_with("/_nodes?") {
            reply(200, r#"{"nodes":{"n":{"name":"d1","roles":["data"],"attributes":{"zone":"a"}}}}"#)
        } else if p.starts_with("/_cat/allocation") {
            reply(200, r#"[{"shards":"3","disk.used":"50","disk.avail":"50","disk.total":"100","disk.percent":"50","node":"d1"}]"#)
        } else if p == "/logs-1/_settings?flat_settings=true" {
            reply(200, r#"{"logs-1":{"settings":{"index.number_of_replicas":"1"}}}"#)
        } else if p == "/_cluster/allocation/explain" {
            reply(200, r#"{"index":"logs-1","shard":0,"primary":true,"current_state":"started","current_node":{"name":"d1"}}"#)
        } else if p == "/_cluster/settings?flat_settings=true" {
            reply(200, r#"{"persistent":{"plugins.index_state_management.enabled":"false"},"transient":{}}"#)
        } else {
            reply(404, r#"{"error":{"type":"index_not_found_exception","reason":"no such index"},"status":404}"#)
        }
    })
    .await;
    let c = client(&stub);

    let rows = c.indices("logs-*").await.unwrap();
    assert_eq!(
        (rows[0].docs_count, rows[0].creation_date_ms),
        (Some(5), Some(7))
    );
    let pools = c.thread_pools().await.unwrap();
    assert_eq!((pools[0].node.as_str(), pools[0].queue_size), ("d1", 10000));
    let nodes = c.nodes().await.unwrap();
    assert_eq!(
        (nodes[0].shards, nodes[0].attributes.clone()),
        (3, vec![("zone".into(), "a".into())])
    );
    let s = c.get_settings("logs-1").await.unwrap();
    assert_eq!(s["index.number_of_replicas"], "1");
    let e = c.allocation_explain("logs-1", 0, true).await.unwrap();
    assert_eq!(e.current_node.as_deref(), Some("d1"));
    let cs = c.cluster_settings().await.unwrap();
    assert_eq!(
        cs["persistent"]["plugins.index_state_management.enabled"],
        "false"
    );
    assert!(
        matches!(c.aliases("nope").await, Err(ApiError::NotFound(m)) if m.contains("index_not_found_exception"))
    );

    let log = stub.log();
    assert_eq!(
        log[0].path,
        "/_cat/indices/logs-*?format=json&bytes=b&h=health,status,index,uuid,pri,rep,docs.count,docs.deleted,store.size,pri.store.size,creation.date"
    );
    assert!(log
        .iter()
        .any(|s| s.path.starts_with("/_cat/allocation?format=json&bytes=b")));
    let explain = log
        .iter()
        .find(|s| s.path == "/_cluster/allocation/explain")
        .unwrap();
    assert_eq!(explain.method, "GET");
    assert_eq!(
        body_json(explain),
        json!({"index":"logs-1","shard":0,"primary":true})
    );
}

#[tokio::test]
async fn mutations_send_the_documented_bodies() {
    let stub = Stub::start(|s| match (s.method.as_str(), s.path.as_str()) {
        ("PUT", p) if p.starts_with("/_plugins/_ism/policies/") => reply(201, r#"{"_id":"p","_primary_term":1,"_seq_no":0,"policy":{"policy":{"default_state":"hot"}}}"#),
        ("POST", p) if p.starts_with("/_plugins/_ism/") => reply(200, r#"{"updated_indices":1,"failures":false,"failed_indices":[]}"#),
        _ => reply(200, r#"{"acknowledged":true}"#),
    })
    .await;
    let mut cfg = config(vec![stub.url.clone()]);
    cfg.ccr_use_roles = Some(crate::cluster::http::CcrRoles {
        leader_cluster_role: "all_access".into(),
        follower_cluster_role: "all_access".into(),
    });
    let c = HttpCluster::new(&cfg).unwrap();

    let doc = c
        .put_policy("p", &json!({"default_state":"hot"}), None)
        .await
        .unwrap();
    assert_eq!(
        (doc.seq_no, doc.body.as_str()),
        (0, r#"{"default_state":"hot"}"#)
    );
    c.ism_change_policy("logs-*", "p2", Some("warm"), Some("hot"))
        .await
        .unwrap();
    c.ism_retry("logs-1", None).await.unwrap();
    c.update_aliases(&[
        AliasAction::Add(AliasAdd {
            index: "logs-2".into(),
            alias: "logs".into(),
            is_write_index: Some(true),
        }),
        AliasAction::Remove(AliasRemove {
            index: "logs-1".into(),
            alias: "logs".into(),
        }),
    ])
    .await
    .unwrap();
    c.ccr_start(
        "f",
        "leader",
        "a",
        Some(&json!({"index.number_of_replicas":0})),
    )
    .await
    .unwrap();
    c.ccr_resume("f", true).await.unwrap();
    c.ccr_autofollow_delete("leader", "rule").await.unwrap();
    c.rollover("logs", Some(&json!({"max_docs":5})), true)
        .await
        .ok();

    let log = stub.log();
    assert_eq!(
        body_json(&log[0]),
        json!({"policy":{"default_state":"hot"}})
    );
    assert_eq!(log[1].path, "/_plugins/_ism/change_policy/logs-*");
    assert_eq!(
        body_json(&log[1]),
        json!({"policy_id":"p2","state":"warm","include":[{"state":"hot"}]})
    );
    assert_eq!(
        (log[2].path.as_str(), log[2].body.as_str()),
        ("/_plugins/_ism/retry/logs-1", "")
    );
    assert_eq!(
        body_json(&log[3]),
        json!({"actions":[{"add":{"index":"logs-2","alias":"logs","is_write_index":true}},{"remove":{"index":"logs-1","alias":"logs"}}]})
    );
    assert_eq!(
        (log[4].method.as_str(), log[4].path.as_str()),
        ("PUT", "/_plugins/_replication/f/_start")
    );
    assert_eq!(
        body_json(&log[4]),
        json!({"leader_alias":"leader","leader_index":"a","settings":{"index.number_of_replicas":0},
               "use_roles":{"leader_cluster_role":"all_access","follower_cluster_role":"all_access"}})
    );
    assert_eq!(body_json(&log[5]), json!({"force_resume":true}));
    assert_eq!(
        (log[6].method.as_str(), body_json(&log[6])),
        ("DELETE", json!({"leader_alias":"leader","name":"rule"}))
    );
    assert_eq!(log[7].path, "/logs/_rollover?dry_run=true");
    assert_eq!(body_json(&log[7]), json!({"conditions":{"max_docs":5}}));
}

#[tokio::test]
async fn tenant_names_cannot_reach_other_endpoints() {
    let stub = Stub::start(|_| reply(200, "{}")).await;
    let c = client(&stub);
    let _ = c.get_settings("x/../_cluster/settings?").await;
    assert_eq!(
        stub.log()[0].path,
        "/x%2F..%2F_cluster%2Fsettings%3F/_settings?flat_settings=true"
    );
    assert!(matches!(
        c.raw("GET", "http://elsewhere/", None).await,
        Err(ApiError::Invalid(_))
    ));
}

#[tokio::test]
async fn errors_keep_the_opensearch_type_and_reason() {
    let stub = Stub::start(|s| {
        if s.method == "PUT" {
            reply(409, r#"{"error":{"root_cause":[{"type":"version_conflict_engine_exception","reason":"[p]: version conflict, required seqNo [1]"}],"type":"version_conflict_engine_exception","reason":"[p]: version conflict, required seqNo [1]"},"status":409}"#)
        } else {
            reply(404, r#"{"error":{"root_cause":[{"type":"status_exception","reason":"Policy not found"}],"type":"status_exception","reason":"Policy not found"},"status":404}"#)
        }
    })
    .await;
    let c = client(&stub);
    let e = c
        .put_policy("p", &json!({}), Some((1, 1)))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ApiError::Conflict(m) if m.starts_with("version_conflict_engine_exception: [p]: version conflict")),
        "{e:?}"
    );
    let e = c.get_policy("p").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::NotFound(m) if m.contains("status_exception: Policy not found")),
        "{e:?}"
    );
    // A 409 is final: not retried.
    assert_eq!(stub.count("PUT", "/"), 1);
}

#[tokio::test]
async fn raw_returns_any_status() {
    let stub = Stub::start(|_| reply(404, "")).await;
    let c = client(&stub);
    let r = c.raw("head", "/missing-index", None).await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(stub.log()[0].method, "HEAD");
}

#[tokio::test]
async fn credentials_come_from_the_environment_and_never_show() {
    // Safe in edition 2021; the variable name is unique to this test.
    std::env::set_var("LIFEGUARD_TEST_CLIENT_PW", "s3cret-pw");
    let stub = Stub::start(|_| reply(200, HEALTH)).await;
    let mut cfg = config(vec![stub.url.clone()]);
    cfg.auth = Some(AuthConfig {
        username: Some("lg".into()),
        password_env: Some("LIFEGUARD_TEST_CLIENT_PW".into()),
        ..AuthConfig::default()
    });
    let c = HttpCluster::new(&cfg).unwrap();
    c.health().await.unwrap();
    // base64("lg:s3cret-pw")
    assert_eq!(
        stub.log()[0].authorization.as_deref(),
        Some("Basic bGc6czNjcmV0LXB3")
    );
    assert!(!format!("{c:?}").contains("s3cret"));

    cfg.auth = Some(AuthConfig {
        bearer_env: Some("LIFEGUARD_TEST_CLIENT_UNSET".into()),
        ..AuthConfig::default()
    });
    let e = HttpCluster::new(&cfg).unwrap_err().to_string();
    assert!(e.contains("LIFEGUARD_TEST_CLIENT_UNSET is not set"), "{e}");
    cfg.auth = Some(AuthConfig {
        username: Some("lg".into()),
        bearer_env: Some("X".into()),
        ..AuthConfig::default()
    });
    assert!(HttpCluster::new(&cfg).is_err());
}

#[tokio::test]
async fn bad_configs_are_refused() {
    assert!(HttpCluster::new(&config(vec![])).is_err());
    assert!(HttpCluster::new(&config(vec!["ftp://x".into()])).is_err());
    assert!(HttpCluster::new(&config(vec!["http://u:p@x:9200".into()])).is_err());
    let mut cfg = config(vec!["https://x:9200/".into()]);
    cfg.tls.ca_file = Some("/nonexistent/ca.pem".into());
    assert!(HttpCluster::new(&cfg)
        .unwrap_err()
        .to_string()
        .contains("/nonexistent/ca.pem"));
    let mut cfg = config(vec!["https://x:9200/".into()]);
    cfg.tls.insecure_skip_verify = true;
    assert!(HttpCluster::new(&cfg).is_ok());
}

#[tokio::test]
async fn long_index_lists_are_split_under_the_request_line_limit() {
    let stub = Stub::start(|s| {
        let n = s.path.rsplit('/').next().unwrap_or("").split(',').count();
        reply(
            200,
            &format!(r#"{{"updated_indices":{n},"failures":false,"failed_indices":[]}}"#),
        )
    })
    .await;
    let c = client(&stub);
    let names: Vec<String> = (0..600).map(|i| format!("logs-app-{i:06}")).collect();
    let r = c.ism_remove(&names.join(",")).await.unwrap();
    assert_eq!(r.updated_indices, 600);
    let log = stub.log();
    assert!(log.len() > 1);
    assert!(
        log.iter().all(|s| s.path.len() < 4000),
        "every request line fits 4 KB"
    );
}
