//! The guard on the wire (issue 4, item 6): what the guard chain lets through, proven by the
//! simulator's request log rather than by return values.
use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeguard::cluster::model::EnsureResult;
use lifeguard::cluster::ops;
use lifeguard::cluster::ApiError;
use lifeguard::guard::audit::read_audit_report;
use lifeguard::guard::{AuditSink, FileAudit, MemoryAudit, Phase, Verdict};
use lifeguard::runtime::{LoadedPlugin, RunOutcome};
use serde_json::{json, Value};

use crate::plugins::ism_doctor;
use crate::support::guest_path;
use crate::support::lab::{
    cached_engine, client_config, line, memory_state, ok, rust_plugin, Lab, Tenant,
};

fn audit_lines(lab: &Lab) -> Vec<lifeguard::guard::AuditLine> {
    lab.audit.recent(100_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_with_retry_after_waits_then_succeeds() {
    // Backoff alone would retry within 50 ms; only `Retry-After` makes it wait seconds.
    let lab = Lab::build(
        ism_doctor::SCENARIO,
        Arc::new(MemoryAudit::new(100)),
        |alias, url| {
            let mut c = client_config(alias, url);
            c.retry.max_attempts = 4;
            c
        },
    )
    .await;
    let path = "/app-000002/_settings";
    let rule = lab.inject(json!({"type": "error", "status": 429, "retry_after": 1, "path": path}));
    // The storm passes after two rejected attempts.
    let sim = lab.sim.clone();
    let calm = tokio::spawn(async move {
        loop {
            let seen = sim
                .requests()
                .iter()
                .filter(|r| r.path == path && r.status == 429)
                .count();
            if seen >= 2 {
                let a = serde_json::from_value(json!({"type": "remove_rule", "id": rule["id"]}));
                sim.inject(a.unwrap()).unwrap();
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let view = lab.view(&Tenant::granted("app", &["app-*"], &["app"]), "leader");
    let started = Instant::now();
    view.put_settings("app-000002", &json!({"index.number_of_replicas": 0}))
        .await
        .expect("succeeds once the storm passes");
    let waited = started.elapsed();
    calm.await.unwrap();
    let attempts: Vec<(u16, bool)> = lab
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| (r.status, r.fault.is_some()))
        .collect();
    assert_eq!(attempts, [(429, true), (429, true), (200, false)]);
    assert!(
        waited >= Duration::from_millis(1900),
        "two Retry-After: 1 waits, got {waited:?}"
    );
}

/// Runs ism-doctor while the breaker is open and checks nothing reached the sim, then lets
/// the cause pass and checks the breaker closes and the same run goes through.
async fn breaker_blocks(lab: &Lab, cause: &str, heal: impl FnOnce(&Lab)) {
    let engine = cached_engine();
    let plugin = rust_plugin("ism-doctor").await;
    let (tenant, state, cfg) = (ism_doctor::tenant(), memory_state(), ism_doctor::config());
    lab.tick().await;
    let b = lab.cluster("leader").breaker.state();
    assert_eq!(b.state, Phase::Open, "{b:?}");
    assert!(b.reason.as_deref().unwrap_or("").contains(cause), "{b:?}");
    for tick in 1..=3 {
        let r = lab.run(engine, plugin, &tenant, &state, &cfg, tick).await;
        match &r.outcome {
            RunOutcome::Transient { message } => {
                assert!(message.contains("breaker open"), "{message}")
            }
            other => panic!("the run should be throttled: {other:?}"),
        }
        lab.advance("1m");
    }
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    let audit = audit_lines(lab);
    assert!(!audit.is_empty());
    assert!(
        audit.iter().all(|l| l.outcome == Verdict::Throttled),
        "{audit:?}"
    );

    heal(lab);
    lab.advance("1m"); // past the 30 s cool-down: the next look closes it
    lab.tick().await;
    assert_eq!(lab.cluster("leader").breaker.state().state, Phase::Closed);
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 4).await);
    let sent: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(sent, ism_doctor::EXPECTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_health_opens_the_breaker_and_no_mutation_reaches_the_cluster() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    lab.advance("2m");
    lab.inject(json!({"type": "node_down", "node": "leader-cluster-node-1"}));
    let h = lab.call(0, "GET", "/_cluster/health", None);
    assert_eq!(h["status"], "red", "{h}");
    lab.sim.clear_requests();
    breaker_blocks(&lab, "red", |lab| {
        lab.inject(json!({"type": "node_up", "node": "leader-cluster-node-1"}));
        lab.advance("1m");
        let h = lab.call(0, "GET", "/_cluster/health", None);
        assert_eq!(h["status"], "green", "{h}");
        lab.sim.clear_requests();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_write_queue_opens_the_breaker_and_no_mutation_reaches_the_cluster() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    lab.advance("2m");
    lab.inject(json!({"type": "saturate", "pool": "write", "duration": "5m"}));
    lab.sim.clear_requests();
    breaker_blocks(&lab, "write", |lab| {
        lab.advance("5m");
        lab.sim.clear_requests();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_mutations_through_every_wit_function_are_denied_and_never_sent() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    let bytes = std::fs::read(guest_path("trespasser")).unwrap();
    let trespasser = LoadedPlugin::load(cached_engine(), &bytes).unwrap();
    let tenant = ism_doctor::tenant(); // app-*, policy app
    let cfg = json!({"target": "other-000001"});
    let state = memory_state();
    let summary = ok(&lab
        .run(cached_engine(), &trespasser, &tenant, &state, &cfg, 1)
        .await);
    assert_eq!(summary, "denied 17", "every call is denied");
    let touched: Vec<String> = lab
        .requests()
        .iter()
        .filter(|r| r.path.contains("other-000001") || r.query.contains("other-000001"))
        .map(line)
        .collect();
    assert!(touched.is_empty(), "{touched:?}");
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    let audit = audit_lines(&lab);
    assert!(
        audit.len() >= 14,
        "one line per mutation attempt: {audit:?}"
    );
    assert!(
        audit.iter().all(|l| l.outcome == Verdict::Denied),
        "{audit:?}"
    );
    // The target index is as it was.
    let s = lab.call(0, "GET", "/other-000001/_settings?flat_settings=true", None);
    assert_eq!(
        s["other-000001"]["settings"]["index.number_of_replicas"],
        "0"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_nothing_and_audits_every_attempt() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    lab.advance("2m");
    let mut tenant = ism_doctor::tenant();
    tenant.dry_run = true;
    let plugin = rust_plugin("ism-doctor").await;
    let state = memory_state();
    for tick in 1..=2 {
        ok(&lab
            .run(
                cached_engine(),
                plugin,
                &tenant,
                &state,
                &ism_doctor::config(),
                tick,
            )
            .await);
        lab.advance("3m");
    }
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());
    let audit = audit_lines(&lab);
    let verbs: Vec<&str> = audit.iter().map(|l| l.verb.as_str()).collect();
    assert!(
        verbs.contains(&"put_policy") && verbs.contains(&"ism_add"),
        "{verbs:?}"
    );
    assert!(
        audit.iter().all(|l| l.outcome == Verdict::DryRun),
        "{audit:?}"
    );
    // The cluster is untouched.
    assert_eq!(
        lab.policy("app")["states"][0]["transitions"][0]["conditions"]["min_index_age"],
        "30d"
    );
    assert_eq!(
        lab.explain("app-000002")["index.plugins.index_state_management.policy_id"],
        Value::Null
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ensure_policy_twice_sends_one_put() {
    let lab = Lab::start(ism_doctor::SCENARIO).await;
    let view = lab.view(&ism_doctor::tenant(), "leader");
    let body = ism_doctor::config()["policies"]["app"].clone();
    let first = ops::ensure_policy(view.as_ref(), "app", &body)
        .await
        .unwrap();
    let second = ops::ensure_policy(view.as_ref(), "app", &body)
        .await
        .unwrap();
    assert_eq!(first, EnsureResult::Updated);
    assert_eq!(second, EnsureResult::Unchanged);
    // What the server injects (schema_version, the default retry, …) is not a difference.
    let stored = lab.policy("app");
    let third = ops::ensure_policy(view.as_ref(), "app", &stored)
        .await
        .unwrap();
    assert_eq!(third, EnsureResult::Unchanged);
    let puts: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(puts, ["PUT /_plugins/_ism/policies/app"]);
    // A policy outside the grant is denied before anything is sent.
    let created = ops::ensure_policy(view.as_ref(), "app-new", &body).await;
    assert!(
        matches!(created, Err(ApiError::Denied(_))),
        "not granted: {created:?}"
    );
    assert_eq!(lab.mutations().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_write_leaves_earlier_audit_lines_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit/audit.jsonl");
    let audit = Arc::new(FileAudit::open(&path, 100).unwrap());
    let lab = Lab::with(ism_doctor::SCENARIO, audit.clone()).await;
    lab.advance("2m");
    let plugin = rust_plugin("ism-doctor").await;
    let (tenant, state) = (ism_doctor::tenant(), memory_state());
    ok(&lab
        .run(
            cached_engine(),
            plugin,
            &tenant,
            &state,
            &ism_doctor::config(),
            1,
        )
        .await);
    // Three mutations, each an intent line and then its outcome.
    let before = read_audit_report(&path).unwrap();
    assert_eq!(before.lines.len(), 6, "{before:?}");
    assert!(!before.torn_tail);
    let kinds: Vec<Verdict> = before.lines.iter().map(|l| l.outcome).collect();
    assert_eq!(kinds, [Verdict::Intent, Verdict::Sent].repeat(3));

    // The host dies halfway through writing the last outcome line.
    let text = std::fs::read_to_string(&path).unwrap();
    let last_starts = text[..text.len() - 1].rfind('\n').unwrap() + 1;
    let cut = last_starts + (text.len() - last_starts) / 2;
    drop(lab);
    drop(audit);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(cut as u64).unwrap();
    drop(f);

    let torn = read_audit_report(&path).unwrap();
    assert!(torn.torn_tail);
    assert_eq!(
        torn.lines,
        before.lines[..5],
        "the earlier lines are intact"
    );

    // A restart seals the fragment and answers the intent left without its outcome.
    let audit = Arc::new(FileAudit::open(&path, 100).unwrap());
    let recent = audit.recent(10);
    assert_eq!(recent[..5], before.lines[..5]);
    assert_eq!(recent.len(), 6);
    assert_eq!(recent[5].outcome, Verdict::UnknownAfterCrash);
    assert_eq!(recent[5].id, before.lines[4].id);
    let lab = Lab::with(ism_doctor::SCENARIO, audit).await;
    lab.advance("2m");
    let tenant = ism_doctor::tenant();
    ok(&lab
        .run(
            cached_engine(),
            plugin,
            &tenant,
            &memory_state(),
            &ism_doctor::config(),
            1,
        )
        .await);
    // New lines are appended cleanly after the sealed fragment.
    let after = read_audit_report(&path).unwrap();
    assert!(!after.torn_tail);
    assert_eq!(after.skipped.len(), 1, "the sealed fragment: {after:?}");
    assert_eq!(after.lines.len(), 6 + 6);
    assert_eq!(after.lines[..6], recent[..]);
}
