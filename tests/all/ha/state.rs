//! Plugin state in etcd (`coord::EtcdState`), against a real etcd member with no binaries:
//! a write lands only while the writer owns the tenant under its lease and the key is as it
//! last read it, and a copy loaded on another replica sees what the owner wrote.
use std::sync::Arc;
use std::time::{Duration, Instant};

use etcd_client::{Client, PutOptions};
use lifeguard::cluster::ApiError;
use lifeguard::coord::{Backend, Coordination, CoordinationConfig, EtcdState};
use lifeguard::runtime::StateStore;
use lifeguard::telemetry::Metrics;
use tokio::sync::watch;

use super::etcd::Etcd;

fn replica(etcd: &Etcd, prefix: &str, id: &str) -> Arc<Coordination> {
    let cfg = CoordinationConfig {
        backend: Backend::Etcd,
        endpoints: vec![etcd.url.clone()],
        deployment: "test".into(),
        prefix: Some(prefix.into()),
        // Long, so that no ownership round runs between the steps below.
        lease_ttl: Duration::from_secs(30),
        replica_id: Some(id.into()),
        username_env: None,
        password_env: None,
        ca_file_env: None,
    };
    let mut m = Metrics::new();
    m.enable_coordination();
    Arc::new(Coordination::new(cfg, vec!["orders".into()], Arc::new(m)))
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: not within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_written_only_under_ownership_and_unchanged_keys() {
    let etcd = Etcd::start().await;
    let prefix = "/lifeguard-state-test";
    let a = replica(&etcd, prefix, "a");
    let (stop, rx) = watch::channel(false);
    let task = a.spawn(rx);
    until("replica a owns the tenant", || a.owns("orders")).await;

    let first = EtcdState::new(a.clone(), "orders", "ccr-failover");
    first.prepare().await.unwrap();
    assert_eq!(first.get("token"), None);
    first.set("token", "failover/orders/1").await.unwrap();
    first.set("samples", "[1,2]").await.unwrap();
    first.delete("samples").await.unwrap();
    assert_eq!(first.keys(), vec!["token".to_string()]);

    // A second copy read the key before the first wrote it again: its write is refused.
    let second = EtcdState::new(a.clone(), "orders", "ccr-failover");
    second.prepare().await.unwrap();
    assert_eq!(second.get("token").as_deref(), Some("failover/orders/1"));
    first.set("token", "failover/orders/2").await.unwrap();
    let r = second.set("token", "failover/orders/3").await;
    assert!(matches!(&r, Err(ApiError::Conflict(_))), "{r:?}");

    // The size cap holds before anything is sent.
    let big = "x".repeat(lifeguard::runtime::MAX_STATE_TOTAL);
    let r = first.set("big", &big).await;
    assert!(matches!(&r, Err(ApiError::Invalid(_))), "{r:?}");

    // Someone else holds the ownership key now (another replica took it while `a` still
    // believes it owns): the write is refused by etcd, and nothing changes.
    let mut client = Client::connect([etcd.url.as_str()], None).await.unwrap();
    let other = client.lease_grant(30, None).await.unwrap().id();
    let owner_key = format!("{prefix}/owners/orders");
    client
        .put(
            owner_key.as_str(),
            "b",
            Some(PutOptions::new().with_lease(other)),
        )
        .await
        .unwrap();
    let r = first.set("token", "failover/orders/4").await;
    assert!(
        matches!(&r, Err(ApiError::Throttled(m)) if m.starts_with("ownership lost")),
        "{r:?}"
    );
    let stored = client
        .get(format!("{prefix}/state/orders/ccr-failover/token"), None)
        .await
        .unwrap();
    assert_eq!(
        stored.kvs().first().and_then(|kv| kv.value_str().ok()),
        Some("failover/orders/2"),
        "the refused write changed nothing"
    );

    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
}
