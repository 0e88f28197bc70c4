//! Retries, backoff, budget, failover and the verified retries of non-idempotent calls.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::cluster::{ApiError, ClusterApi};

const REJECTED: &str = r#"{"error":{"root_cause":[{"type":"rejected_execution_exception","reason":"rejected execution of write"}],"type":"rejected_execution_exception","reason":"rejected execution of write"},"status":429}"#;

#[tokio::test]
async fn storm_of_429_honours_retry_after_then_succeeds() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let stub = Stub::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply {
                retry_after: Some("1"),
                ..reply(429, REJECTED)
            }
        } else {
            reply(200, HEALTH)
        }
    })
    .await;
    let c = client(&stub);
    let started = Instant::now();
    let h = c.health().await.unwrap();
    assert_eq!(h.cluster_name, "c");
    // Base delay is 1 ms: only Retry-After explains two seconds of waiting.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stub.count("GET", "/_cluster/health"), 3);
    let s = c.stats();
    assert_eq!(s.retries_total, 2);
    assert_eq!(
        s.requests_by_status,
        vec![("200".into(), 1), ("429".into(), 2)]
    );
}

#[tokio::test]
async fn endless_429_is_throttled_after_max_attempts() {
    let stub = Stub::start(|_| reply(429, REJECTED)).await;
    let c = client(&stub);
    let err = c.health().await.unwrap_err();
    match err {
        ApiError::Throttled(m) => {
            assert!(
                m.contains("rejected_execution_exception: rejected execution"),
                "{m}"
            );
            assert!(m.contains("gave up after 4 attempts"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(stub.log().len(), 4);
}

#[tokio::test]
async fn retry_budget_is_shared_per_tick_and_refilled() {
    let stub = Stub::start(|_| reply(503, "")).await;
    let mut cfg = config(vec![stub.url.clone()]);
    cfg.retry_budget_per_tick = 1;
    let c = HttpCluster::new(&cfg).unwrap();

    let e = c.health().await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unavailable(m) if m.contains("retry budget")),
        "{e:?}"
    );
    assert_eq!(stub.log().len(), 2, "one retry allowed");

    c.health().await.unwrap_err();
    assert_eq!(stub.log().len(), 3, "budget spent: no retry");

    c.start_tick();
    c.health().await.unwrap_err();
    assert_eq!(stub.log().len(), 5, "refilled: one retry again");
    let s = c.stats();
    assert_eq!((s.retries_total, s.retry_budget_exhausted_total), (2, 3));
    assert_eq!(s.retry_budget_remaining, 0);
}

#[tokio::test]
async fn plain_post_is_not_retried() {
    let stub = Stub::start(|_| reply(503, "")).await;
    let c = client(&stub);
    let e = c.ism_remove("logs-*").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unavailable(m) if m.contains("not idempotent")),
        "{e:?}"
    );
    assert_eq!(stub.count("POST", "/_plugins/_ism/remove/"), 1);
}

#[tokio::test]
async fn timeouts_are_retried_then_unavailable() {
    let stub = Stub::start(|_| Reply {
        delay: Some(Duration::from_millis(300)),
        ..reply(200, HEALTH)
    })
    .await;
    let mut cfg = config(vec![stub.url.clone()]);
    cfg.request_timeout = Duration::from_millis(50);
    cfg.retry.max_attempts = 2;
    let c = HttpCluster::new(&cfg).unwrap();
    let e = c.health().await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unavailable(m) if m.contains("timed out")),
        "{e:?}"
    );
    assert_eq!(stub.log().len(), 2);
    assert_eq!(c.stats().requests_by_status, vec![("timeout".into(), 2)]);
}

#[tokio::test]
async fn connection_failure_fails_over_and_remembers_the_good_url() {
    let stub = Stub::start(|_| reply(200, HEALTH)).await;
    let c = HttpCluster::new(&config(vec![dead_url().await, stub.url.clone()])).unwrap();
    c.health().await.unwrap();
    c.health().await.unwrap();
    let s = c.stats();
    // The dead URL was tried once; the second call went straight to the live one.
    assert_eq!(
        s.requests_by_status,
        vec![("200".into(), 2), ("connect".into(), 1)]
    );
    assert_eq!(s.failovers_total, 1);
    assert_eq!(s.retries_total, 0);
}

#[tokio::test]
async fn never_sent_mutation_is_retried() {
    // Every URL refuses connections: the POST cannot have reached a server, so even a
    // non-idempotent request may be retried, until attempts run out.
    let c = HttpCluster::new(&config(vec![dead_url().await])).unwrap();
    let e = c.ism_remove("x").await.unwrap_err();
    assert!(
        matches!(&e, ApiError::Unavailable(m) if m.contains("cannot connect")),
        "{e:?}"
    );
    assert_eq!(c.stats().retries_total, 3);
}

/// A cluster whose alias `logs` points at `logs-000001` until a rollover succeeds.
fn rollover_stub(
    rolled: Arc<AtomicBool>,
    first_post_status: u16,
    posts: Arc<AtomicUsize>,
) -> impl Fn(&Seen) -> Reply {
    move |s| {
        if s.path.starts_with("/_cat/aliases/logs") {
            let write = if rolled.load(Ordering::SeqCst) {
                "logs-000002"
            } else {
                "logs-000001"
            };
            return reply(
                200,
                &format!(r#"[{{"alias":"logs","index":"{write}","is_write_index":"true"}}]"#),
            );
        }
        if s.method == "POST" && s.path == "/logs/_rollover" {
            let n = posts.fetch_add(1, Ordering::SeqCst);
            if n == 0 && first_post_status == 503 {
                // The cluster rolled over, but the answer was lost behind a proxy.
                rolled.store(true, Ordering::SeqCst);
                return reply(503, "");
            }
            if n == 0 && first_post_status == 502 {
                // A gateway error before the cluster acted.
                return reply(502, "");
            }
            rolled.store(true, Ordering::SeqCst);
            return reply(
                200,
                r#"{"acknowledged":true,"old_index":"logs-000001","new_index":"logs-000002","rolled_over":true,"dry_run":false,"conditions":{}}"#,
            );
        }
        reply(404, "")
    }
}

#[tokio::test]
async fn rollover_that_happened_despite_503_is_not_sent_twice() {
    let posts = Arc::new(AtomicUsize::new(0));
    let stub = Stub::start(rollover_stub(
        Arc::new(AtomicBool::new(false)),
        503,
        posts.clone(),
    ))
    .await;
    let c = client(&stub);
    let r = c.rollover("logs", None, false).await.unwrap();
    assert!(r.rolled_over);
    assert_eq!(
        (r.old_index.as_str(), r.new_index.as_str()),
        ("logs-000001", "logs-000002")
    );
    assert_eq!(stub.count("POST", "/logs/_rollover"), 1);
    // Once before (to know the write index), once after the failure (to check it).
    assert_eq!(stub.count("GET", "/_cat/aliases/logs"), 2);
}

#[tokio::test]
async fn rollover_that_did_not_happen_is_sent_again() {
    let posts = Arc::new(AtomicUsize::new(0));
    let stub = Stub::start(rollover_stub(Arc::new(AtomicBool::new(false)), 502, posts)).await;
    let c = client(&stub);
    let r = c.rollover("logs", None, false).await.unwrap();
    assert_eq!(r.new_index, "logs-000002");
    assert_eq!(stub.count("POST", "/logs/_rollover"), 2);
}

#[tokio::test]
async fn ism_add_that_happened_is_not_sent_twice() {
    let added = Arc::new(AtomicBool::new(false));
    let a = added.clone();
    let stub = Stub::start(move |s| {
        if s.method == "POST" {
            a.store(true, Ordering::SeqCst);
            return reply(504, "");
        }
        let policy = if a.load(Ordering::SeqCst) { r#""p""# } else { "null" };
        reply(200, &format!(r#"{{"logs-1":{{"index.plugins.index_state_management.policy_id":{policy},"enabled":null}},"total_managed_indices":1}}"#))
    })
    .await;
    let c = client(&stub);
    let s = c.ism_add("logs-*", "p").await.unwrap();
    assert_eq!((s.updated_indices, s.failures), (1, false));
    assert_eq!(stub.count("POST", "/_plugins/_ism/add/logs-*"), 1);
    assert!(stub.log()[0].body.contains(r#""policy_id":"p""#));
}

#[tokio::test]
async fn ccr_start_that_happened_is_not_sent_twice() {
    let stub = Stub::start(|s| {
        if s.method == "PUT" {
            return reply(503, "");
        }
        reply(200, r#"{"status":"BOOTSTRAPPING","leader_alias":"l","leader_index":"a","follower_index":"f"}"#)
    })
    .await;
    let c = client(&stub);
    c.ccr_start("f", "l", "a", None).await.unwrap();
    assert_eq!(stub.count("PUT", "/_plugins/_replication/f/_start"), 1);
}

#[tokio::test]
async fn ccr_start_not_in_progress_is_sent_again() {
    let puts = Arc::new(AtomicUsize::new(0));
    let p = puts.clone();
    let stub = Stub::start(move |s| {
        if s.method == "PUT" {
            return if p.fetch_add(1, Ordering::SeqCst) == 0 {
                reply(503, "")
            } else {
                reply(200, r#"{"acknowledged":true}"#)
            };
        }
        reply(200, r#"{"status":"REPLICATION NOT IN PROGRESS"}"#)
    })
    .await;
    let c = client(&stub);
    c.ccr_start("f", "l", "a", None).await.unwrap();
    assert_eq!(puts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn conditional_policy_put_is_retried_blindly() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let stub = Stub::start(move |_| {
        if n2.fetch_add(1, Ordering::SeqCst) == 0 {
            reply(503, "")
        } else {
            reply(200, r#"{"_id":"p","_version":2,"_primary_term":1,"_seq_no":8,"policy":{"policy":{"default_state":"hot","states":[]}}}"#)
        }
    })
    .await;
    let c = client(&stub);
    let body = serde_json::json!({"default_state":"hot","states":[]});
    let doc = c.put_policy("p", &body, Some((7, 1))).await.unwrap();
    assert_eq!(doc.seq_no, 8);
    assert_eq!(
        stub.count(
            "PUT",
            "/_plugins/_ism/policies/p?if_seq_no=7&if_primary_term=1"
        ),
        2
    );
}
