//! Outcomes drive the next run: interval with jitter, requeue-after, backoff, parking and
//! quarantine.

use super::*;

fn transient() -> JobOutcome {
    JobOutcome::Transient("cluster busy".into())
}

fn trap() -> JobOutcome {
    JobOutcome::Trap {
        kind: "fuel".into(),
        message: "out of fuel".into(),
    }
}

#[tokio::test(start_paused = true)]
async fn interval_is_jittered_within_bounds() {
    let h = Harness::start(
        SchedulerConfig::default().seed(3).interval_jitter(0.1),
        Arc::new(|_: &JobTicket| Step::ok()),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(2000)).await;
    let g = gaps(&h.starts(&a));
    assert!(g.len() >= 80, "only {} runs", g.len());
    assert!(g.iter().all(|d| *d >= secs(18) && *d <= secs(22)), "{g:?}");
    let (min, max) = (g.iter().min().unwrap(), g.iter().max().unwrap());
    assert!(
        *min < ms(19_000) && *max > ms(21_000),
        "jitter too narrow: {min:?}..{max:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_and_resets_on_success() {
    // Ticks 1-6 fail, tick 7 succeeds, then failures again.
    let h = Harness::start(
        exact(),
        Arc::new(|t: &JobTicket| {
            if t.tick == 7 {
                Step::ok()
            } else {
                Step::with(transient())
            }
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(40)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Backoff);
    assert!(st.consecutive_failures >= 4, "{st:?}");
    assert!(st.next_run.is_some());
    advance(secs(60)).await;
    let g = gaps(&h.starts(&a));
    assert!(g.len() >= 8, "{g:?}");
    for (k, gap) in g.iter().take(6).enumerate() {
        // After k+1 failures: equal jitter in [ceiling/2, ceiling], ceiling = 2^k s, floor 1 s.
        let ceiling = secs(1 << k);
        let floor = (ceiling / 2).max(secs(1));
        assert!(*gap >= floor && *gap <= ceiling, "gap {k}: {gap:?}");
    }
    assert!(g[5] >= 16 * g[0], "backoff did not grow: {g:?}");
    // Tick 7 succeeded: the default interval, then the first failure backs off 1 s again.
    assert_eq!(g[6], secs(20));
    assert_eq!(g[7], secs(1));
}

#[tokio::test(start_paused = true)]
async fn backoff_is_capped() {
    let h = Harness::start(
        exact().backoff(secs(1), secs(10)),
        Arc::new(|_: &JobTicket| Step::with(transient())),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(300)).await;
    let g = gaps(&h.starts(&a));
    assert!(g.len() > 20);
    assert!(g.iter().all(|d| *d <= secs(10)), "{g:?}");
    assert!(g.iter().skip(5).all(|d| *d >= secs(5)), "{g:?}");
}

#[tokio::test(start_paused = true)]
async fn requeue_after_overrides_the_interval_and_is_floored() {
    let h = Harness::start(
        exact().min_requeue_after(ms(500)),
        Arc::new(|t: &JobTicket| {
            let after = if &*t.id.plugin == "fast" {
                Duration::ZERO
            } else {
                secs(3)
            };
            Step::with(JobOutcome::requeue_after(after))
        }),
    );
    let (a, fast) = (id("t", "a"), id("t", "fast"));
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    h.handle.upsert_job(spec("t", "fast", "c1")).unwrap();
    advance(ms(30_100)).await;
    let g = gaps(&h.starts(&a));
    assert_eq!(g.len(), 10);
    assert!(g.iter().all(|d| *d == secs(3)), "{g:?}");
    let g = gaps(&h.starts(&fast));
    assert_eq!(g.len(), 60, "a 0 ms requeue must not spin");
    assert!(g.iter().all(|d| *d == ms(500)), "{g:?}");
}

#[tokio::test(start_paused = true)]
async fn terminal_parks_until_the_version_changes() {
    let h = Harness::start(
        exact(),
        Arc::new(|t: &JobTicket| {
            if &*t.version == "v1" {
                Step::with(JobOutcome::Terminal("bad config".into()))
            } else {
                Step::ok()
            }
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(3600)).await;
    h.handle.trigger(a.clone()).unwrap();
    advance(secs(60)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Parked);
    assert_eq!(st.runs, 1, "parked job ran again");
    assert!(matches!(st.last_outcome, Some(JobOutcome::Terminal(_))));
    assert_eq!(st.next_run, None);

    h.handle.set_version(a.clone(), "v2").unwrap();
    advance(ms(1)).await;
    let log = h.log();
    assert_eq!(log.len(), 2);
    assert_eq!(&*log[1].ticket.version, "v2");
    assert_eq!(log[1].at, secs(3660), "new version must run at once");
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Idle);
    assert_eq!(st.consecutive_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn consecutive_traps_quarantine_until_the_version_changes() {
    let h = Harness::start(
        exact().quarantine_after(3),
        Arc::new(|t: &JobTicket| {
            if &*t.version == "v1" {
                Step::with(trap())
            } else {
                Step::ok()
            }
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(3600)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Quarantined);
    assert_eq!(st.runs, 3);
    assert_eq!(st.consecutive_traps, 3);
    // Traps back off like transient errors before the quarantine.
    let g = gaps(&h.starts(&a));
    assert_eq!(g[0], secs(1));
    assert!(g[1] >= secs(1) && g[1] <= secs(2), "{g:?}");

    h.handle.set_version(a.clone(), "v2").unwrap();
    advance(secs(1)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.runs, 4);
    assert_eq!(st.state, JobState::Idle);
    assert_eq!((st.consecutive_traps, st.consecutive_failures), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_non_trap_outcome_breaks_the_trap_streak() {
    // trap, trap, transient, trap, trap, trap: quarantined after the sixth run, not the fifth.
    let h = Harness::start(
        exact().quarantine_after(3),
        Arc::new(|t: &JobTicket| {
            if t.tick == 3 {
                Step::with(transient())
            } else {
                Step::with(trap())
            }
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(3600)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Quarantined);
    assert_eq!(st.runs, 6);
    assert_eq!(st.consecutive_failures, 6);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_run_is_a_trap_and_backs_off() {
    let h = Harness::start(
        exact(),
        Arc::new(|t: &JobTicket| {
            if t.tick == 1 {
                panic!("runner bug");
            }
            Step::ok()
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(ms(10)).await;
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Backoff);
    assert!(
        matches!(&st.last_outcome, Some(JobOutcome::Trap { kind, message }) if kind == "panic" && message == "runner bug")
    );
    advance(secs(2)).await;
    assert_eq!(h.status_of(&a).await.runs, 2);
}
