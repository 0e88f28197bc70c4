//! The sandbox: each hostile guest is stopped with the right typed outcome while a
//! well-behaved guest keeps running beside it.
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lifeguard::runtime::{
    reconcile, Engine, Limits, LoadError, LoadedPlugin, RunOutcome, RunReport, TrapKind,
};

use crate::support::{ctx, engine, env_with_fake, guest_path, load_guest, rss_bytes};

/// Tight limits so hostile runs end quickly.
fn limits() -> Limits {
    Limits {
        fuel: 2_000_000_000,
        deadline: Duration::from_millis(1500),
        ..Limits::default()
    }
}

async fn run_once(
    engine: &Engine,
    plugin: &LoadedPlugin,
    limits: &Limits,
    config: &str,
) -> RunReport {
    let env = env_with_fake("hostile");
    let c = ctx(&env, 1, config);
    reconcile(engine, plugin, env, limits, c).await
}

/// Run `hostile` once while the `good` guest runs in a loop; returns the hostile report and
/// how many good runs succeeded meanwhile.
async fn beside_good(hostile: &str, limits: Limits, config: &str) -> (RunReport, u32) {
    let engine = engine();
    let good = load_guest(&engine, "good");
    let bad = load_guest(&engine, hostile);
    let stop = Arc::new(AtomicBool::new(false));
    let good_ok = Arc::new(AtomicU32::new(0));
    let neighbour = {
        let (engine, stop, good_ok) = (engine.clone(), stop.clone(), good_ok.clone());
        tokio::spawn(async move {
            let mut tick = 0;
            while !stop.load(Ordering::Relaxed) {
                tick += 1;
                let env = env_with_fake("neighbour");
                let c = ctx(&env, tick, r#"{"sleep_ms":5}"#);
                let r = reconcile(&engine, &good, env, &Limits::default(), c).await;
                match r.outcome {
                    RunOutcome::Ok { .. } => good_ok.fetch_add(1, Ordering::Relaxed),
                    other => panic!("the neighbour was affected: {other:?}"),
                };
            }
        })
    };
    let report = run_once(&engine, &bad, &limits, config).await;
    // Let the neighbour show it is still alive after the hostile run ended.
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    neighbour.await.unwrap();
    (report, good_ok.load(Ordering::Relaxed))
}

fn assert_trap(report: &RunReport, kind: TrapKind) {
    match &report.outcome {
        RunOutcome::Trap { kind: k, message } => assert_eq!(*k, kind, "message: {message}"),
        other => panic!("expected a {kind} trap, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_runs_out_of_fuel() {
    // A deadline far away, so fuel is what stops it even on a loaded machine.
    let l = Limits {
        fuel: 500_000_000,
        deadline: Duration::from_secs(30),
        ..Limits::default()
    };
    let (report, good) = beside_good("looper", l.clone(), "{}").await;
    assert_trap(&report, TrapKind::OutOfFuel);
    assert!(report.fuel >= l.fuel - 1_000_000, "fuel {}", report.fuel);
    assert!(good >= 1, "the neighbour completed {good} runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_without_fuel_limit_hits_the_deadline() {
    // Fuel high enough that the wall clock stops it first.
    let l = Limits {
        fuel: u64::MAX / 2,
        deadline: Duration::from_millis(300),
        ..Limits::default()
    };
    let (report, good) = beside_good("looper", l, r#"{"mode":"host"}"#).await;
    assert_trap(&report, TrapKind::Deadline);
    assert!(good >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleep_past_the_deadline_is_a_deadline_trap_and_costs_no_fuel() {
    let (report, good) = beside_good("sleeper", limits(), "{}").await;
    assert_trap(&report, TrapKind::Deadline);
    assert!(
        report.wall < Duration::from_secs(60),
        "the host waited the whole sleep"
    );
    assert!(good >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbounded_allocation_hits_the_memory_limit_and_rss_stays_bounded() {
    let before = rss_bytes();
    let (report, good) = beside_good("bomb", limits(), "{}").await;
    assert_trap(&report, TrapKind::MemoryLimit);
    let grown = rss_bytes().saturating_sub(before);
    assert!(grown < 256 << 20, "RSS grew by {} MiB", grown >> 20);
    assert!(good >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_recursion_is_a_stack_overflow() {
    let (report, good) = beside_good("recursion", limits(), "{}").await;
    assert_trap(&report, TrapKind::StackOverflow);
    assert!(good >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_guest_panic() {
    let (report, good) = beside_good("panicker", limits(), "{}").await;
    assert_trap(&report, TrapKind::GuestPanic);
    assert!(good >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mib_argument_is_invalid_not_a_trap() {
    // The guest needs room to build the string; the host still refuses it.
    let l = Limits {
        memory_bytes: 512 << 20,
        ..limits()
    };
    let (report, good) = beside_good("bigarg", l, "{}").await;
    match &report.outcome {
        RunOutcome::Terminal { message } => {
            assert!(message.starts_with("invalid:"), "{message}");
            assert!(message.contains("cap"), "{message}");
        }
        other => panic!("expected the guest to see `invalid`, got {other:?}"),
    }
    assert!(good >= 1);
}

#[test]
fn a_socket_importing_component_is_rejected_at_load() {
    let engine = engine();
    let bytes = std::fs::read(guest_path("sockets")).unwrap();
    match LoadedPlugin::load(&engine, &bytes) {
        Err(LoadError::ForbiddenImport(name)) => {
            assert!(name.starts_with("wasi:sockets/"), "{name}")
        }
        other => panic!("expected a forbidden import, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_stdout_floods_are_capped_and_the_run_succeeds() {
    let engine = engine();
    let p = load_guest(&engine, "spammer");
    let report = run_once(&engine, &p, &Limits::default(), "{}").await;
    assert!(
        matches!(report.outcome, RunOutcome::Ok { .. }),
        "{:?}",
        report.outcome
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_run_reports_fuel_wall_time_and_keeps_state() {
    let engine = engine();
    let p = load_guest(&engine, "good");
    let env = env_with_fake("t");
    let first = reconcile(
        &engine,
        &p,
        env.clone(),
        &Limits::default(),
        ctx(&env, 1, "{}"),
    )
    .await;
    let second = reconcile(
        &engine,
        &p,
        env.clone(),
        &Limits::default(),
        ctx(&env, 2, "{}"),
    )
    .await;
    match (&first.outcome, &second.outcome) {
        (RunOutcome::Ok { summary: a, .. }, RunOutcome::Ok { summary: b, .. }) => {
            assert_eq!(a, "run 1, health HealthStatus::Green");
            assert_eq!(b, "run 2, health HealthStatus::Green");
        }
        other => panic!("{other:?}"),
    }
    assert!(first.fuel > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alias_outside_the_grant_is_denied() {
    let engine = engine();
    let p = load_guest(&engine, "good");
    let env = env_with_fake("t");
    let mut c = ctx(&env, 1, "{}");
    c.clusters = vec!["someone-elses".into()];
    let r = reconcile(&engine, &p, env, &Limits::default(), c).await;
    match r.outcome {
        RunOutcome::Transient { message } => assert!(message.contains("Denied"), "{message}"),
        other => panic!("{other:?}"),
    }
}
