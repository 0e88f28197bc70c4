//! Random operation sequences against the synchronous core, checking its bookkeeping after
//! every step: the queue depth, the caps, no job twice in flight, and that no job is lost.

use std::collections::HashSet;

use rand::{rngs::StdRng, Rng, SeedableRng};

use super::super::state::{Core, Dispatch};
use super::*;

const CLUSTERS: [&str; 3] = ["a", "b", "c"];
const MAX: usize = 4;
const CAP: usize = 2;

fn random_outcome(rng: &mut StdRng) -> JobOutcome {
    match rng.random_range(0..10) {
        0 => JobOutcome::Terminal("t".into()),
        1..=2 => JobOutcome::Trap {
            kind: "k".into(),
            message: "m".into(),
        },
        3..=4 => JobOutcome::Transient("x".into()),
        5 => JobOutcome::requeue_after(ms(rng.random_range(0..5_000))),
        _ => JobOutcome::ok(),
    }
}

fn check(core: &Core, in_flight: &[Dispatch]) {
    let status = core.status();
    let queued = status
        .iter()
        .filter(|s| s.state == JobState::Queued)
        .count();
    assert_eq!(core.queue_depth(), queued, "queue depth drifted");
    assert_eq!(core.in_flight(), in_flight.len(), "in-flight count drifted");
    assert!(in_flight.len() <= MAX);
    let mut ids = HashSet::new();
    for d in in_flight {
        assert!(
            ids.insert(d.ticket.id.clone()),
            "{} twice in flight",
            d.ticket.id
        );
    }
    for s in &status {
        let waiting = matches!(s.state, JobState::Idle | JobState::Backoff);
        assert_eq!(waiting, s.next_run.is_some(), "{s:?}");
        if s.state == JobState::Running {
            assert!(ids.contains(&s.id), "{} running but not dispatched", s.id);
        }
    }
}

fn per_cluster_ok(in_flight: &[Dispatch]) {
    for c in CLUSTERS {
        let n = in_flight.iter().filter(|d| &*d.ticket.cluster == c).count();
        assert!(n <= CAP, "{n} in flight on {c}");
    }
}

#[test]
fn random_operations_keep_the_books_straight() {
    for seed in 0..40u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let t0 = Instant::now();
        let mut now = t0;
        let config = SchedulerConfig::default()
            .seed(seed)
            .max_concurrent(MAX)
            .per_cluster_cap(CAP)
            .quarantine_after(3);
        let mut core = Core::new(config, Vec::new(), t0);
        let mut in_flight: Vec<Dispatch> = Vec::new();
        for _ in 0..2_000 {
            let job = id(
                &format!("t{}", rng.random_range(0..3)),
                &format!("p{}", rng.random_range(0..12)),
            );
            match rng.random_range(0..100) {
                0..=14 => {
                    let cluster = CLUSTERS[rng.random_range(0..CLUSTERS.len())];
                    let version = format!("v{}", rng.random_range(0..3));
                    let spec = JobSpec::new(job, cluster, version)
                        .with_interval(secs(rng.random_range(1..30)));
                    core.upsert(spec, now);
                }
                15..=19 => {
                    core.set_version(&job, format!("v{}", rng.random_range(0..3)).into(), now)
                }
                20..=24 => core.remove(&job),
                25..=34 => core.trigger(&job, now),
                35..=59 => {
                    now += ms(rng.random_range(0..3_000));
                    core.promote_due(now);
                }
                _ => {
                    if !in_flight.is_empty() {
                        let d = in_flight.swap_remove(rng.random_range(0..in_flight.len()));
                        let report =
                            JobReport::new(random_outcome(&mut rng), rng.random_range(0..1_000));
                        core.complete(d.slot, d.stamp, report, now);
                    }
                }
            }
            while let Some(d) = core.next_dispatch() {
                in_flight.push(d);
            }
            per_cluster_ok(&in_flight);
            check(&core, &in_flight);
        }
        // Liveness: finish everything successfully; every job that is not parked or
        // quarantined must run again within the longest wait (a 5 min backoff).
        for d in in_flight.drain(..) {
            core.complete(d.slot, d.stamp, JobReport::new(JobOutcome::ok(), 0), now);
        }
        let expect: HashSet<JobId> = core
            .status()
            .into_iter()
            .filter(|s| !matches!(s.state, JobState::Parked | JobState::Quarantined))
            .map(|s| s.id)
            .collect();
        let mut ran = HashSet::new();
        for _ in 0..1_300 {
            now += ms(250);
            core.promote_due(now);
            while let Some(d) = core.next_dispatch() {
                ran.insert(d.ticket.id.clone());
                core.complete(d.slot, d.stamp, JobReport::new(JobOutcome::ok(), 0), now);
            }
        }
        assert_eq!(ran, expect, "seed {seed}: some jobs never ran again");
    }
}
