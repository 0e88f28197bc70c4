//! Global and per-cluster concurrency caps.

use super::*;

#[tokio::test(start_paused = true)]
async fn global_and_per_cluster_caps_hold() {
    // Cluster caps add up to 5 (2 + 2 + 1), so the global cap of 4 binds too.
    let h = Harness::start(
        exact()
            .max_concurrent(4)
            .per_cluster_cap(2)
            .cluster_cap("small", 1),
        Arc::new(|_: &JobTicket| Step::ok().takes(secs(1))),
    );
    for cluster in ["a", "b", "small"] {
        for i in 0..10 {
            let plugin = format!("{cluster}{i}");
            h.handle
                .upsert_job(spec("t", &plugin, cluster).with_interval(secs(5)))
                .unwrap();
        }
    }
    advance(ms(500)).await;
    assert_eq!(h.handle.in_flight(), 4);
    assert_eq!(h.handle.queue_depth(), 26);
    advance(secs(60)).await;
    assert_eq!(h.max_global(), 4);
    assert_eq!(h.max_in_cluster("a"), 2);
    assert_eq!(h.max_in_cluster("b"), 2);
    assert_eq!(h.max_in_cluster("small"), 1);
    assert_eq!(h.overlaps(), 0);
    // Every job got runs: the caps delay, they do not starve.
    let log = h.log();
    for cluster in ["a", "b", "small"] {
        for i in 0..10 {
            let plugin = format!("{cluster}{i}");
            let n = log
                .iter()
                .filter(|r| *r.ticket.id.plugin == *plugin)
                .count();
            assert!(n >= 2, "{plugin} ran {n} times");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_cluster_at_its_cap_does_not_block_others() {
    let h = Harness::start(
        exact().max_concurrent(10).per_cluster_cap(1),
        Arc::new(|_: &JobTicket| Step::ok().takes(secs(10))),
    );
    h.handle.upsert_job(spec("t", "a1", "a")).unwrap();
    h.handle.upsert_job(spec("t", "a2", "a")).unwrap();
    h.handle.upsert_job(spec("t", "b1", "b")).unwrap();
    advance(secs(1)).await;
    assert_eq!(h.starts(&id("t", "a1")), vec![secs(0)]);
    assert_eq!(h.starts(&id("t", "b1")), vec![secs(0)]);
    assert!(h.starts(&id("t", "a2")).is_empty());
    advance(secs(10)).await;
    assert_eq!(h.starts(&id("t", "a2")), vec![secs(10)]);
}

#[tokio::test(start_paused = true)]
async fn moving_a_queued_job_to_another_cluster_moves_its_queue_entry() {
    let h = Harness::start(
        exact().per_cluster_cap(1),
        Arc::new(|_: &JobTicket| Step::ok().takes(secs(10))),
    );
    h.handle.upsert_job(spec("t", "a1", "a")).unwrap();
    h.handle.upsert_job(spec("t", "a2", "a")).unwrap();
    advance(secs(1)).await;
    assert_eq!(h.status_of(&id("t", "a2")).await.state, JobState::Queued);
    h.handle.upsert_job(spec("t", "a2", "b")).unwrap();
    advance(secs(1)).await;
    assert_eq!(h.starts(&id("t", "a2")), vec![secs(1)]);
    assert_eq!(&*h.log()[1].ticket.cluster, "b");
}
