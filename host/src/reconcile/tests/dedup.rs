//! A job is never queued or running twice.

use super::*;

fn hourly(tenant: &str, plugin: &str) -> JobSpec {
    spec(tenant, plugin, "c1").with_interval(secs(3600))
}

#[tokio::test(start_paused = true)]
async fn trigger_while_running_reruns_exactly_once_after() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok().takes(secs(5))));
    let a = id("t", "a");
    h.handle.upsert_job(hourly("t", "a")).unwrap();
    advance(secs(1)).await;
    assert_eq!(h.status_of(&a).await.state, JobState::Running);
    for _ in 0..3 {
        h.handle.trigger(a.clone()).unwrap();
    }
    assert!(h.status_of(&a).await.rerun_pending);
    advance(secs(60)).await;
    assert_eq!(h.starts(&a), vec![secs(0), secs(5)]);
    assert_eq!(h.overlaps(), 0);
    let st = h.status_of(&a).await;
    assert_eq!(st.runs, 2);
    assert_eq!(st.state, JobState::Idle);
    assert!(!st.rerun_pending);
}

#[tokio::test(start_paused = true)]
async fn trigger_while_queued_does_not_queue_twice() {
    let h = Harness::start(
        exact().max_concurrent(1),
        Arc::new(|t: &JobTicket| {
            let takes = if &*t.id.plugin == "slow" {
                secs(10)
            } else {
                Duration::ZERO
            };
            Step::ok().takes(takes)
        }),
    );
    let (slow, b) = (id("t", "slow"), id("t", "b"));
    h.handle.upsert_job(hourly("t", "slow")).unwrap();
    h.handle.upsert_job(hourly("t", "b")).unwrap();
    advance(secs(1)).await;
    assert_eq!(h.status_of(&b).await.state, JobState::Queued);
    assert_eq!(h.handle.queue_depth(), 1);
    for _ in 0..5 {
        h.handle.trigger(b.clone()).unwrap();
    }
    advance(secs(1)).await;
    assert_eq!(
        h.handle.queue_depth(),
        1,
        "triggers must not add queue entries"
    );
    advance(secs(60)).await;
    assert_eq!(h.starts(&slow), vec![secs(0)]);
    assert_eq!(h.starts(&b), vec![secs(10)]);
    assert_eq!(h.handle.queue_depth(), 0);
}

#[tokio::test(start_paused = true)]
async fn trigger_runs_an_idle_job_now() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok()));
    let a = id("t", "a");
    h.handle.upsert_job(hourly("t", "a")).unwrap();
    advance(secs(10)).await;
    h.handle.trigger(a.clone()).unwrap();
    advance(secs(10)).await;
    assert_eq!(h.starts(&a), vec![secs(0), secs(10)]);
    // The trigger replaced the hourly timer instead of adding a second one.
    advance(secs(3600)).await;
    assert_eq!(h.starts(&a), vec![secs(0), secs(10), secs(3610)]);
}

#[tokio::test(start_paused = true)]
async fn upsert_of_an_existing_job_does_not_run_it_again() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok()));
    let a = id("t", "a");
    h.handle.upsert_job(hourly("t", "a")).unwrap();
    advance(secs(5)).await;
    h.handle.upsert_job(hourly("t", "a")).unwrap();
    advance(secs(60)).await;
    assert_eq!(h.starts(&a), vec![secs(0)]);
}
