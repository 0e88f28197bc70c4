//! Read requests per cluster per tick do not grow with the number of tenants: 100 tenants
//! over 10k indices share one snapshot per tick.
use std::time::Duration;

use lifeguard::sim::Scenario;

use crate::support::host::{rig, tenant};

const TENANTS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_tenants_share_one_snapshot_per_tick() {
    let tenants: String = (0..TENANTS)
        .map(|i| {
            tenant(
                &format!("t{i:02}"),
                &format!("idx-00{i:02}*"),
                "reader",
                "reader.wasm",
                "1s",
                "{}",
            )
        })
        .collect();
    let rig = rig(&tenants, &[("reader", "reader.wasm")], "interval = \"1s\"").await;
    let scenario = Scenario::parse(
        r#"
[[leader.indices]]
name = "idx"
count = 10000
"#,
    )
    .unwrap();
    rig.sim.load_scenario(&scenario).unwrap();
    // Let the first round settle, then measure a window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    rig.sim.clear_requests();
    let sched = rig.host().scheduler.clone();
    let runs_before: u64 = sched.status().await.unwrap().iter().map(|j| j.runs).sum();
    // Measure until every tenant has run twice on average (a loaded machine takes longer;
    // the bound on reads is per elapsed tick, so a longer window does not loosen it).
    let started = std::time::Instant::now();
    let mut runs = 0;
    while runs < TENANTS as u64 * 2 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now: u64 = sched.status().await.unwrap().iter().map(|j| j.runs).sum();
        runs = now - runs_before;
    }
    let reads = rig
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" || r.method == "HEAD")
        .count();
    let ticks = started.elapsed().as_secs() + 1;
    for j in &sched.status().await.unwrap() {
        assert_eq!(j.consecutive_failures, 0, "{j:?}");
    }
    // Each run makes 4 reads (5 requests with the thread-pool join) that would otherwise each
    // reach the cluster: 100 tenants share one snapshot per tick instead.
    assert!(runs >= TENANTS as u64, "only {runs} runs in 30 s");
    assert!(
        reads as u64 <= 10 * ticks,
        "{reads} read requests in {ticks} ticks for {runs} runs"
    );
    rig.host.unwrap().shutdown(Duration::from_secs(5)).await;
    rig.sim.shutdown().await;
}
