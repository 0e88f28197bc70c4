//! Versions, removal, observers, heartbeat and shutdown.

use super::*;

#[tokio::test(start_paused = true)]
async fn version_change_while_running_reruns_on_the_new_version_without_parking() {
    // v1 fails terminally after 5 s; the version changes while it runs.
    let h = Harness::start(
        exact(),
        Arc::new(|t: &JobTicket| {
            if &*t.version == "v1" {
                Step::with(JobOutcome::Terminal("old code".into())).takes(secs(5))
            } else {
                Step::ok()
            }
        }),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(1)).await;
    h.handle
        .upsert_job(JobSpec::new(a.clone(), "c1", "v2"))
        .unwrap();
    advance(secs(10)).await;
    let log = h.log();
    let versions: Vec<&str> = log.iter().map(|r| &*r.ticket.version).collect();
    assert_eq!(versions, ["v1", "v2"]);
    assert_eq!(
        log[1].at,
        secs(5),
        "new version runs right after the old run"
    );
    assert_eq!(h.overlaps(), 0);
    let st = h.status_of(&a).await;
    assert_eq!(st.state, JobState::Idle);
    assert_eq!(st.version.as_ref(), "v2");
}

#[tokio::test(start_paused = true)]
async fn same_version_does_not_rerun() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok()));
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(1)).await;
    h.handle.set_version(a.clone(), "v1").unwrap();
    advance(secs(1)).await;
    assert_eq!(h.starts(&a).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn remove_stops_after_the_run_in_flight() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok().takes(secs(5))));
    let (a, b) = (id("t", "a"), id("t", "b"));
    h.handle
        .upsert_job(spec("t", "a", "c1").with_interval(secs(1)))
        .unwrap();
    h.handle
        .upsert_job(spec("t", "b", "c1").with_interval(secs(1)))
        .unwrap();
    advance(secs(1)).await;
    h.handle.remove_job(a.clone()).unwrap();
    h.handle.trigger(a.clone()).unwrap();
    let listed = h.handle.status().await.unwrap();
    assert!(listed.iter().all(|s| s.id != a), "removed job still listed");
    advance(secs(60)).await;
    assert_eq!(h.starts(&a), vec![secs(0)]);
    assert!(h.starts(&b).len() > 5, "the other job must go on");
    // The in-flight run still reached the observer.
    assert_eq!(
        h.events.load(Ordering::SeqCst),
        h.log().len() - h.handle.in_flight()
    );
}

#[tokio::test(start_paused = true)]
async fn readding_a_job_removed_mid_run_does_not_overlap() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok().takes(secs(5))));
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(1)).await;
    h.handle.remove_job(a.clone()).unwrap();
    h.handle
        .upsert_job(JobSpec::new(a.clone(), "c1", "v2"))
        .unwrap();
    advance(secs(10)).await;
    assert_eq!(h.starts(&a), vec![secs(0), secs(5)]);
    assert_eq!(h.overlaps(), 0);
}

#[tokio::test(start_paused = true)]
async fn observer_sees_every_finished_run() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok()));
    for i in 0..5 {
        h.handle
            .upsert_job(spec("t", &format!("p{i}"), "c1").with_interval(secs(10)))
            .unwrap();
    }
    advance(secs(95)).await;
    assert_eq!(h.log().len(), 50);
    assert_eq!(h.events.load(Ordering::SeqCst), 50);
}

#[tokio::test(start_paused = true)]
async fn heartbeat_advances_while_idle() {
    let h = Harness::start(
        exact().heartbeat_period(secs(1)),
        Arc::new(|_: &JobTicket| Step::ok()),
    );
    advance(ms(10)).await;
    let first = h.handle.heartbeat();
    advance(secs(30)).await;
    let later = h.handle.heartbeat();
    assert!(later - first >= secs(29), "{:?}", later - first);
    assert!(Instant::now() - later <= secs(1));
}

#[tokio::test(start_paused = true)]
async fn shutdown_waits_for_the_run_in_flight() {
    let h = Harness::start(
        exact(),
        Arc::new(|t: &JobTicket| {
            Step::ok().takes(if &*t.id.plugin == "a" { secs(2) } else { ms(1) })
        }),
    );
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(1)).await;
    let started = Instant::now();
    let report = h.handle.shutdown(secs(5)).await.unwrap();
    assert!(report.all_finished);
    assert!(report.still_running.is_empty());
    assert_eq!(
        Instant::now() - started,
        secs(1),
        "returns when the run ends, not at the grace"
    );
    assert_eq!(h.events.load(Ordering::SeqCst), 1);
    // No new runs after shutdown, and the handle reports the loop is gone.
    assert!(matches!(
        h.handle.upsert_job(spec("t", "b", "c1")),
        Err(SchedulerError::Closed)
    ));
    assert!(h.handle.status().await.is_err());
    advance(secs(60)).await;
    assert_eq!(h.log().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn shutdown_reports_runs_that_outlast_the_grace() {
    let h = Harness::start(
        exact(),
        Arc::new(|_: &JobTicket| Step::ok().takes(secs(30))),
    );
    let a = id("t", "a");
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(1)).await;
    let started = Instant::now();
    let report = h.handle.shutdown(secs(2)).await.unwrap();
    assert_eq!(Instant::now() - started, secs(2));
    assert!(!report.all_finished);
    assert_eq!(report.still_running, vec![a]);
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_dispatching_queued_jobs() {
    let h = Harness::start(
        exact().max_concurrent(1),
        Arc::new(|_: &JobTicket| Step::ok().takes(secs(2))),
    );
    h.handle.upsert_job(spec("t", "a", "c1")).unwrap();
    h.handle.upsert_job(spec("t", "b", "c1")).unwrap();
    advance(secs(1)).await;
    let report = h.handle.shutdown(secs(10)).await.unwrap();
    assert!(report.all_finished);
    advance(secs(60)).await;
    assert_eq!(h.starts(&id("t", "b")), Vec::<Duration>::new());
}

/// What one event said: job, tick, version, result label, next state, fuel.
type Seen = (String, u64, String, &'static str, Option<JobState>, u64);

/// Records what each event says.
#[derive(Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl RunObserver for Recorder {
    fn on_run(&self, e: &RunEvent<'_>) {
        self.0.lock().unwrap().push((
            e.job.to_string(),
            e.tick,
            e.version.to_owned(),
            e.report.outcome.result_label(),
            e.next_state,
            e.report.fuel,
        ));
    }
}

#[tokio::test(start_paused = true)]
async fn observer_events_carry_the_run_and_the_next_state() {
    let rec = Arc::new(Recorder::default());
    let run = run_fn(|t: JobTicket| async move {
        let outcome = match t.tick {
            1 => JobOutcome::Transient("busy".into()),
            2 => JobOutcome::ok(),
            _ => JobOutcome::Terminal("done".into()),
        };
        JobReport::new(outcome, 10 * t.tick)
    });
    let handle = Scheduler::new(exact(), run).observer(rec.clone()).spawn();
    handle.upsert_job(spec("t", "a", "c1")).unwrap();
    advance(secs(60)).await;
    let events = rec.0.lock().unwrap().clone();
    let want = [
        ("t/a", 1, "v1", "transient", Some(JobState::Backoff), 10),
        ("t/a", 2, "v1", "success", Some(JobState::Idle), 20),
        ("t/a", 3, "v1", "terminal", Some(JobState::Parked), 30),
    ];
    assert_eq!(events.len(), want.len());
    for (got, want) in events.iter().zip(want) {
        assert_eq!(
            (got.0.as_str(), got.1, got.2.as_str(), got.3, got.4, got.5),
            want
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_shorter_interval_takes_effect_at_once() {
    let h = Harness::start(exact(), Arc::new(|_: &JobTicket| Step::ok()));
    let a = id("t", "a");
    h.handle
        .upsert_job(spec("t", "a", "c1").with_interval(secs(3600)))
        .unwrap();
    advance(secs(10)).await;
    h.handle
        .upsert_job(spec("t", "a", "c1").with_interval(secs(30)))
        .unwrap();
    advance(secs(100)).await;
    assert_eq!(h.starts(&a), vec![secs(0), secs(40), secs(70), secs(100)]);
    let st = h.status_of(&a).await;
    assert_eq!(st.interval, secs(30));
    assert_eq!(st.last_finished, Some(Instant::now() - secs(10)));
}
