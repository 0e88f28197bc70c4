//! Every replica restarted (SIGTERM drains and releases, then a fresh start): the tenants are
//! owned again and each one's run count, kept in etcd, carries on from where it was.
use std::collections::BTreeMap;
use std::time::Duration;

use super::{now_ms, wait_for, Rig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_restart_keeps_the_plugin_state() {
    let mut rig = Rig::start(1, 2, 8).await;
    rig.settled(&[0, 1], Duration::from_secs(60)).await;
    wait_for("every tenant ran twice", Duration::from_secs(20), || {
        let runs = rig.runs_by_tenant();
        runs.len() == rig.tenants && runs.values().all(|v| v.len() >= 2)
    })
    .await;
    for r in &mut rig.replicas {
        r.stop();
    }
    let before: BTreeMap<String, u64> = rig
        .runs_by_tenant()
        .into_iter()
        .map(|(t, v)| (t, v.iter().map(|(_, _, n)| *n).max().unwrap_or(0)))
        .collect();
    let restarted = now_ms();
    for r in &mut rig.replicas {
        r.start();
    }
    rig.settled(&[0, 1], Duration::from_secs(60)).await;
    wait_for(
        "every tenant runs after the restart",
        Duration::from_secs(30),
        || {
            rig.runs_by_tenant()
                .values()
                .filter(|v| v.iter().any(|(ms, _, _)| *ms > restarted))
                .count()
                == rig.tenants
        },
    )
    .await;
    for (t, v) in rig.runs_by_tenant() {
        let first = v
            .iter()
            .find(|(ms, _, _)| *ms > restarted)
            .map(|(_, _, n)| *n);
        let was = before.get(&t).copied().unwrap_or(0);
        assert!(
            first.is_some_and(|n| n > was),
            "{t}: the run count was {was} before the restart, the first after is {first:?}"
        );
    }
    rig.assert_exclusive();
}
