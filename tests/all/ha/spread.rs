//! Spread over three replicas, `kill -9` takeover within 2 × TTL with the tenant's state
//! carried over, and a SIGSTOP-frozen replica that sends nothing on waking.
use std::collections::BTreeMap;
use std::time::Duration;

use super::{now_ms, wait_for, Rig, TTL_SECS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spread_kill_and_freeze() {
    let rig = Rig::start(1, 3, 60).await;
    // Spread: each tenant owned by exactly one replica, each replica at least 10.
    let owners = rig.settled(&[0, 1, 2], Duration::from_secs(60)).await;
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for o in owners.values() {
        *per.entry(o.as_str()).or_default() += 1;
    }
    eprintln!("spread: {per:?}");
    for r in &rig.replicas {
        let n = per.get(r.id.as_str()).copied().unwrap_or(0);
        assert!(n >= 10, "{} owns {n} of 60 tenants: {per:?}", r.id);
    }
    // Every tenant's mutations keep coming, from its owner.
    let mark = now_ms();
    wait_for(
        "every tenant mutates after settling",
        Duration::from_secs(20),
        || rig.every_tenant_sent_after(mark),
    )
    .await;
    rig.assert_exclusive();

    // Kill: r0's tenants run again on the survivors within 2 × TTL.
    let r0_tenants: Vec<String> = owners
        .iter()
        .filter(|(_, o)| o.as_str() == "r0")
        .map(|(t, _)| t.clone())
        .collect();
    rig.replicas[0].signal("-KILL");
    let killed = now_ms();
    wait_for(
        "the killed replica's tenants run on the survivors",
        Duration::from_secs(3 * TTL_SECS + 5),
        || {
            let s = rig.sent_by_tenant();
            r0_tenants.iter().all(|t| {
                s.get(t)
                    .is_some_and(|v| v.iter().any(|(ms, r)| *ms > killed && r != "r0"))
            })
        },
    )
    .await;
    let s = rig.sent_by_tenant();
    let takeover = r0_tenants
        .iter()
        .filter_map(|t| {
            s.get(t)?
                .iter()
                .find(|(ms, r)| *ms > killed && r != "r0")
                .map(|(ms, _)| ms - killed)
        })
        .max()
        .unwrap_or(0);
    eprintln!(
        "kill: the last of {} tenants moved after {takeover} ms",
        r0_tenants.len()
    );
    assert!(
        takeover <= 2 * TTL_SECS * 1000,
        "takeover took {takeover} ms, over 2 × TTL"
    );
    rig.settled(&[1, 2], Duration::from_secs(10)).await;
    // The state moved with each tenant: the survivor's first run counts on from r0's last.
    let runs = rig.runs_by_tenant();
    for t in &r0_tenants {
        let v = &runs[t];
        let last_r0 = v
            .iter()
            .filter(|(_, r, _)| r == "r0")
            .map(|(_, _, n)| *n)
            .max();
        let first_after = v
            .iter()
            .find(|(ms, r, _)| *ms > killed && r != "r0")
            .map(|(_, _, n)| *n);
        assert!(
            matches!((last_r0, first_after), (Some(a), Some(b)) if b > a),
            "{t}: r0's last run count {last_r0:?}, the survivor's first {first_after:?}"
        );
    }

    // Freeze: SIGSTOP r1 for 3 × TTL; after SIGCONT it sends nothing until it owns again.
    rig.replicas[1].signal("-STOP");
    tokio::time::sleep(Duration::from_secs(3 * TTL_SECS)).await;
    let woke = now_ms();
    rig.replicas[1].signal("-CONT");
    rig.settled(&[1, 2], Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let r1_after: Vec<(u64, String)> = rig.replicas[1]
        .sent()
        .into_iter()
        .filter(|(ms, _)| *ms >= woke)
        .collect();
    let first = r1_after.iter().map(|(ms, _)| ms - woke).min();
    eprintln!(
        "freeze: r1 sent {} mutations after waking, the first {first:?} ms after",
        r1_after.len()
    );
    // Re-taking ownership needs a new lease and an ownership round: never within 500 ms.
    assert!(
        first.is_none_or(|ms| ms >= 500),
        "r1 sent a mutation {first:?} ms after waking, before it could own anything"
    );
    rig.assert_exclusive();
}
