//! A tenant whose plugin loops forever is backed off and quarantined; the other tenants keep
//! their cadence.
use std::time::Duration;

use lifeguard::reconcile::JobState;

use crate::support::host::{rig, tenant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_tenant_is_quarantined_while_the_others_keep_their_cadence() {
    let tenants = [
        tenant("alpha", "alpha-*", "good", "good.wasm", "200ms", "{}"),
        tenant("beta", "beta-*", "good", "good.wasm", "200ms", "{}"),
        tenant("loopy", "loopy-*", "looper", "looper.wasm", "200ms", "{}"),
    ]
    .join("\n");
    let rig = rig(
        &tenants,
        &[("good", "good.wasm"), ("looper", "looper.wasm")],
        "",
    )
    .await;
    let sched = rig.host().scheduler.clone();
    let mut quarantined = false;
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let st = sched.status().await.unwrap();
        if st
            .iter()
            .any(|j| &*j.id.tenant == "loopy" && j.state == JobState::Quarantined)
        {
            quarantined = true;
            break;
        }
    }
    let st = sched.status().await.unwrap();
    assert!(quarantined, "the looper was never quarantined: {st:?}");
    let loopy = st.iter().find(|j| &*j.id.tenant == "loopy").unwrap();
    assert!(loopy.consecutive_traps >= 5, "{loopy:?}");
    let before: Vec<u64> = ["alpha", "beta"]
        .iter()
        .map(|t| st.iter().find(|j| &*j.id.tenant == *t).unwrap().runs)
        .collect();
    // Well-behaved tenants ran all along and are healthy.
    for j in st.iter().filter(|j| &*j.id.tenant != "loopy") {
        assert_eq!(j.consecutive_failures, 0, "{j:?}");
        assert!(j.runs >= 1, "{j:?}");
    }
    // ...and keep their cadence afterwards: about 5 runs a second each.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let st = sched.status().await.unwrap();
    for (t, b) in ["alpha", "beta"].iter().zip(before) {
        let now = st.iter().find(|j| &*j.id.tenant == *t).unwrap().runs;
        assert!(now >= b + 5, "{t} ran {} times in 2 s", now - b);
    }
    let loopy_runs = st.iter().find(|j| &*j.id.tenant == "loopy").unwrap().runs;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let st = sched.status().await.unwrap();
    assert_eq!(
        st.iter().find(|j| &*j.id.tenant == "loopy").unwrap().runs,
        loopy_runs,
        "a quarantined job ran again"
    );
    let ok = rig.host.unwrap().shutdown(Duration::from_secs(5)).await;
    assert!(ok);
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_a_run_in_flight() {
    let t = tenant(
        "slow",
        "slow-*",
        "good",
        "good.wasm",
        "200ms",
        r#"{ sleep_ms = 800 }"#,
    );
    let rig = rig(&t, &[("good", "good.wasm")], "").await;
    let sched = rig.host().scheduler.clone();
    // Wait until a run is in flight.
    for _ in 0..100 {
        if sched.in_flight() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sched.in_flight() > 0);
    let host = rig.host.unwrap();
    let state_dir = host.host.state_dir();
    let started = std::time::Instant::now();
    assert!(
        host.shutdown(Duration::from_secs(5)).await,
        "the run in flight was not awaited"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The run finished and its state write landed.
    let runs = std::fs::read_to_string(state_dir.join("plugins/slow/good.json")).unwrap();
    assert!(runs.contains("\"runs\""), "{runs}");
    rig.sim.shutdown().await;
}
