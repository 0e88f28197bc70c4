//! etcd loses quorum (2 of 3 members frozen): within one lease TTL every replica stops
//! mutating and `/readyz` turns not ready, while status and metrics keep answering; once the
//! members are back, ownership settles again and the mutations resume on their own.
use std::time::Duration;

use super::{now_ms, wait_for, Rig, TTL_SECS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_loss_stops_mutations_and_recovers() {
    let rig = Rig::start(3, 2, 12).await;
    rig.settled(&[0, 1], Duration::from_secs(60)).await;
    let mark = now_ms();
    wait_for("mutations flow", Duration::from_secs(20), || {
        rig.every_tenant_sent_after(mark)
    })
    .await;
    for k in 0..2 {
        assert_eq!(
            rig.replicas[k].ready_status().await,
            Some(200),
            "r{k} ready"
        );
    }

    rig.etcd.signal(1, "-STOP");
    rig.etcd.signal(2, "-STOP");
    let lost = now_ms();
    // Every replica's /readyz turns not ready within one TTL (plus a scrape's slack).
    for k in 0..2 {
        let started = std::time::Instant::now();
        loop {
            if rig.replicas[k].ready_status().await == Some(503) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(TTL_SECS + 2),
                "r{k}: /readyz still ready {} ms after quorum loss",
                now_ms() - lost
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Keep etcd without quorum for three TTLs; reads of the replica go on meanwhile.
    tokio::time::sleep(Duration::from_secs(2 * TTL_SECS)).await;
    for r in &rig.replicas {
        assert!(r.status().await.is_some(), "{}: /api/status answers", r.id);
    }
    let late: Vec<(String, u64)> = rig
        .sent_by_tenant()
        .into_iter()
        .flat_map(|(t, v)| v.into_iter().map(move |(ms, _)| (t.clone(), ms)))
        .filter(|(_, ms)| *ms > lost + TTL_SECS * 1000)
        .collect();
    assert!(
        late.is_empty(),
        "mutations sent over one TTL after quorum was lost: {late:?}"
    );

    rig.etcd.signal(1, "-CONT");
    rig.etcd.signal(2, "-CONT");
    let back = now_ms();
    rig.settled(&[0, 1], Duration::from_secs(30)).await;
    wait_for(
        "every tenant mutates again",
        Duration::from_secs(30),
        || rig.every_tenant_sent_after(back),
    )
    .await;
    for k in 0..2 {
        assert_eq!(
            rig.replicas[k].ready_status().await,
            Some(200),
            "r{k} ready again"
        );
    }
    rig.assert_exclusive();
}
