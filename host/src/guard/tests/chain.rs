//! Window, breaker, dry-run, budget, audit and backups through the guarded view.
use std::sync::Arc;

use serde_json::json;

use super::*;
#[tokio::test]
async fn breaker_blocks_mutations_not_reads_and_recovers() {
    let r = rig();
    let g = r.view();
    r.breaker.observe_health(HealthStatus::Red);
    let e = g
        .put_settings("logs-app1-000001", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ApiError::Throttled("breaker open: cluster health is red".into())
    );
    assert!(matches!(
        g.delete_policy("app1-p").await,
        Err(ApiError::Throttled(_))
    ));
    assert!(g.indices("*").await.is_ok());
    assert!(g.health().await.is_ok());
    assert!(mutating_calls(&r.fake).is_empty());
    assert_eq!(
        r.outcomes(),
        vec![
            ("put_settings".into(), Verdict::Throttled),
            ("delete_policy".into(), Verdict::Throttled)
        ]
    );

    r.clock.advance(31_000);
    assert_eq!(r.breaker.state().state, Phase::HalfOpen);
    assert!(g
        .put_settings("logs-app1-000001", &json!({}))
        .await
        .is_err());
    r.breaker.observe(HealthStatus::Green, &[]);
    assert!(g.put_settings("logs-app1-000001", &json!({})).await.is_ok());
    assert_eq!(
        mutating_calls(&r.fake),
        vec!["put_settings logs-app1-000001"]
    );
}

#[tokio::test]
async fn scope_is_checked_before_the_breaker() {
    let r = rig();
    r.breaker.observe_health(HealthStatus::Red);
    let e = r
        .view()
        .put_settings("logs-app2-000001", &json!({}))
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Denied(_)));
}

#[tokio::test]
async fn dry_run_sends_nothing_and_answers_plausibly() {
    let mut r = rig();
    r.ctx.dry_run = true;
    r.fake.add_alias("logs-app1", "logs-app1-000002", true);
    r.fake.add_policy("app1-p", 4, json!({"states": []}));
    let g = r.view();
    let results = every_mutation(g.as_ref(), "logs-app1-000001", "app1-p", "app1-rule").await;
    for (verb, res) in &results {
        assert!(res.is_ok(), "{verb}: {res:?}");
    }
    let ro = g
        .rollover("logs-app1", Some(&json!({"max_age": "1d"})), false)
        .await
        .unwrap();
    assert_eq!(
        (
            ro.old_index.as_str(),
            ro.new_index.as_str(),
            ro.dry_run,
            ro.rolled_over
        ),
        ("logs-app1-000002", "logs-app1-000003", true, false)
    );
    assert_eq!(ro.conditions, vec![("max_age".to_string(), false)]);
    let st = g.ism_add("logs-app1-*", "app1-p").await.unwrap();
    assert_eq!(st.updated_indices, 2);
    let doc = g
        .put_policy("app1-p", &json!({"d": 1}), Some((4, 1)))
        .await
        .unwrap();
    assert_eq!((doc.seq_no, doc.body.as_str()), (5, r#"{"d":1}"#));
    let raw = g.raw("DELETE", "/logs-app1-000001", None).await.unwrap();
    assert!(raw.body.contains("dry_run"));

    assert_eq!(
        mutating_calls(&r.fake),
        Vec::<String>::new(),
        "{:?}",
        r.fake.calls()
    );
    assert!(r.audit.lines().iter().all(|l| l.outcome == Verdict::DryRun));
    assert_eq!(r.audit.lines().len(), 17 + 4);
    // Dry-run still applies scope.
    assert!(matches!(
        g.put_settings("logs-app2-000001", &json!({})).await,
        Err(ApiError::Denied(_))
    ));
}

#[tokio::test]
async fn budget_and_delete_budget() {
    let mut r = rig();
    r.ctx.budget = Arc::new(Budget::new(BudgetConfig {
        mutations_per_tick: 3,
        deletes_per_tick: 1,
    }));
    r.fake.add_policy("app1-a", 0, json!({}));
    let g = r.view();
    g.delete_policy("app1-a").await.unwrap();
    let e = g
        .raw("DELETE", "/logs-app1-000001", None)
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ApiError::Throttled("delete budget of 1 per tick spent".into())
    );
    g.put_settings("logs-app1-000001", &json!({}))
        .await
        .unwrap();
    g.ism_retry("logs-app1-000001", None).await.unwrap();
    let e = g.ism_retry("logs-app1-000001", None).await.unwrap_err();
    assert_eq!(
        e,
        ApiError::Throttled("mutation budget of 3 per tick spent".into())
    );
    assert_eq!(mutating_calls(&r.fake).len(), 3);
    // Reads are free.
    assert!(g.indices("*").await.is_ok());
    r.ctx.budget.reset();
    assert!(g.ism_retry("logs-app1-000001", None).await.is_ok());
    let throttled = r
        .outcomes()
        .iter()
        .filter(|(_, o)| *o == Verdict::Throttled)
        .count();
    assert_eq!(throttled, 2);
}

#[tokio::test]
async fn maintenance_window_throttles_mutations() {
    let mut r = rig();
    let w = WindowConfig {
        name: Some("lunch".into()),
        start: "12:00".into(),
        end: "12:30".into(),
        days: vec!["sat".into()],
        tz: "UTC".into(),
        pause_ism: false,
    };
    r.ctx.windows = Arc::new(MaintenanceWindows::new(&[], &[w]).unwrap());
    let g = r.view();
    let e = g.ism_retry("logs-app1-000001", None).await.unwrap_err();
    assert_eq!(
        e,
        ApiError::Throttled("maintenance window [lunch] until 2024-03-02T12:30:00.000Z".into())
    );
    assert!(g.indices("*").await.is_ok());
    r.clock.advance(30 * 60_000);
    assert!(g.ism_retry("logs-app1-000001", None).await.is_ok());
    assert_eq!(
        r.outcomes(),
        vec![
            ("ism_retry".into(), Verdict::Throttled),
            ("ism_retry".into(), Verdict::Intent),
            ("ism_retry".into(), Verdict::Sent)
        ]
    );
}

#[tokio::test]
async fn policy_writes_and_deletes_are_backed_up() {
    let mut r = rig();
    let dir = temp_dir("guard-backup");
    r.ctx.backups = Some(Arc::new(PolicyBackups::new(&dir)));
    r.fake
        .add_policy("app1-p", 3, json!({"description": "v1", "states": []}));
    let g = r.view();
    g.put_policy("app1-p", &json!({"description": "v2"}), Some((3, 1)))
        .await
        .unwrap();
    let line = r.audit.lines().pop().unwrap();
    let path = line.backup.expect("backup path in the audit line");
    assert!(
        path.ends_with("policy-backups/prod/app1-p-3.json"),
        "{path}"
    );
    let saved = PolicyBackups::load(std::path::Path::new(&path)).unwrap();
    assert_eq!(saved.policy["description"], "v1");

    let seq = g.get_policy("app1-p").await.unwrap().seq_no;
    g.delete_policy("app1-p").await.unwrap();
    let line = r.audit.lines().pop().unwrap();
    assert!(line
        .backup
        .unwrap()
        .ends_with(&format!("app1-p-{seq}.json")));

    // A create has nothing to back up.
    g.put_policy("app1-new", &json!({}), None).await.unwrap();
    assert_eq!(r.audit.lines().pop().unwrap().backup, None);
}

#[tokio::test]
async fn ops_run_through_the_guard() {
    let r = rig();
    let g = r.view();
    let body = json!({"description": "d", "default_state": "hot", "states": []});
    assert_eq!(
        ops::ensure_policy(g.as_ref(), "app1-p", &body)
            .await
            .unwrap(),
        EnsureResult::Created
    );
    assert_eq!(
        ops::ensure_policy(g.as_ref(), "app1-p", &body)
            .await
            .unwrap(),
        EnsureResult::Unchanged
    );
    assert_eq!(r.fake.calls_matching("put_policy").len(), 1);
    assert!(matches!(
        ops::ensure_policy(g.as_ref(), "app2-p", &body).await,
        Err(ApiError::Denied(_))
    ));

    r.fake.manage("logs-app1-000001", "app1-p", -5);
    let report = ops::attach(g.as_ref(), "*", "app1-p").await.unwrap();
    assert_eq!(report.attached, vec!["logs-app1-000002"]);
    assert_eq!(
        r.fake.calls_matching("ism_add"),
        vec!["ism_add logs-app1-000002 app1-p"]
    );
    // sync_managed explains "*": the guard narrows it.
    r.fake.manage("logs-app2-000001", "app1-p", 0);
    ops::sync_managed(g.as_ref(), "app1-p", 10).await.unwrap();
    assert!(r
        .fake
        .calls_matching("ism_explain")
        .iter()
        .all(|c| c == "ism_explain logs-app1-*,logs-app1"));
    assert!(r
        .fake
        .calls_matching("ism_change_policy")
        .iter()
        .all(|c| !c.contains("app2")));
}

#[tokio::test]
async fn unwritable_audit_stops_mutations() {
    struct Broken;
    #[async_trait::async_trait]
    impl AuditSink for Broken {
        async fn record(&self, _: AuditLine) -> Result<(), audit::AuditError> {
            Err(audit::AuditError::Join("disk full".into()))
        }
        fn recent(&self, _: usize) -> Vec<AuditLine> {
            Vec::new()
        }
        fn healthy(&self) -> bool {
            false
        }
    }
    let mut r = rig();
    r.ctx.audit = Arc::new(Broken);
    let g = r.view();
    assert!(matches!(
        g.put_settings("logs-app1-000001", &json!({})).await,
        Err(ApiError::Unavailable(_))
    ));
    assert!(mutating_calls(&r.fake).is_empty());
    assert!(g.indices("*").await.is_ok());
}

#[tokio::test]
async fn file_audit_through_the_guard_survives_a_torn_tail() {
    let mut r = rig();
    let dir = temp_dir("guard-audit");
    let path = dir.join("audit.jsonl");
    let sink = Arc::new(FileAudit::open(&path, 50).unwrap());
    r.ctx.audit = sink.clone();
    let g = r.view();
    g.put_settings("logs-app1-000001", &json!({"index.refresh_interval": "5s"}))
        .await
        .unwrap();
    let _ = g.put_settings("logs-app2-000001", &json!({})).await;
    // A crash while writing a third line.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"time":"2024-03-02T12:00:00.000Z","tenant":"ap"#)
            .unwrap();
    }
    let lines = read_audit(&path).unwrap();
    assert_eq!(
        lines.len(),
        3,
        "intent and outcome of the sent one, the denied one"
    );
    assert_eq!(lines[0].outcome, Verdict::Intent);
    assert_eq!(lines[1].outcome, Verdict::Sent);
    assert!(lines[0].id.is_some() && lines[0].id == lines[1].id);
    assert!(lines[1].request.contains("refresh_interval"));
    assert_eq!(lines[2].outcome, Verdict::Denied);
    assert_eq!(lines[2].id, None, "never sent, so no intent");
    assert_eq!(sink.recent(1)[0].target, "logs-app2-000001");
}

/// A crash after the intent and before the outcome: the next open answers the intent with
/// `unknown_after_crash` under the same id, once.
#[tokio::test]
async fn a_dangling_intent_is_answered_at_the_next_start() {
    let r = rig();
    let dir = temp_dir("guard-audit-intent");
    let path = dir.join("audit.jsonl");
    let sink = Arc::new(FileAudit::open(&path, 50).unwrap());
    let mut ctx = r.ctx.clone();
    ctx.audit = sink.clone();
    let g = crate::guard::Guarded::new(r.fake.clone(), ctx);
    g.put_settings("logs-app1-000001", &json!({"index.refresh_interval": "5s"}))
        .await
        .unwrap();
    // Keep only the intent line, as a kill between send and answer would.
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap().to_string();
    std::fs::write(&path, format!("{first}\n")).unwrap();
    drop(sink);
    let reopened = FileAudit::open(&path, 50).unwrap();
    let lines = read_audit(&path).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].outcome, Verdict::Intent);
    assert_eq!(lines[1].outcome, Verdict::UnknownAfterCrash);
    assert_eq!(lines[1].id, lines[0].id);
    assert_eq!(lines[1].target, "logs-app1-000001");
    assert_eq!(reopened.recent(1)[0].outcome, Verdict::UnknownAfterCrash);
    drop(reopened);
    // Answered once: a second start adds nothing.
    let _again = FileAudit::open(&path, 50).unwrap();
    assert_eq!(read_audit(&path).unwrap().len(), 2);
}
