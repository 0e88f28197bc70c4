//! The guard chain end to end, against the recording [`FakeCluster`].
use std::sync::Arc;

use serde_json::json;

use super::testing::{temp_dir, FakeCluster, ManualClock};
use super::*;
use crate::cluster::model::*;
use crate::cluster::{ops, ApiError, ClusterApi, DynCluster};
use crate::runtime::ReasonCell;

/// 2024-03-02 12:00 UTC, a Saturday.
const NOON: u64 = 19_784 * 86_400_000 + 12 * 3_600_000;

const INDICES: &[&str] = &[
    "logs-app1-000001",
    "logs-app1-000002",
    "logs-app2-000001",
    "metrics-app1-000001",
];

struct Rig {
    fake: Arc<FakeCluster>,
    audit: Arc<MemoryAudit>,
    clock: Arc<ManualClock>,
    breaker: Arc<Breaker>,
    ctx: GuardCtx,
}

fn rig() -> Rig {
    let fake = Arc::new(FakeCluster::with_indices(INDICES));
    let audit = Arc::new(MemoryAudit::default());
    let clock = Arc::new(ManualClock::new(NOON));
    let breaker = Arc::new(Breaker::new(
        "prod",
        BreakerConfig::default(),
        clock.clone(),
    ));
    let grant = Grant::new(&GrantConfig {
        indices: vec!["logs-app1-*".into(), "logs-app1".into()],
        policies: vec!["app1-*".into()],
        clusters: vec!["prod".into(), "leader".into()],
        autofollow_rules: vec!["app1-*".into()],
    })
    .unwrap();
    let reason = ReasonCell::default();
    reason.set("keep shards small".into());
    let ctx = GuardCtx {
        tenant: "app1".into(),
        plugin: "roller".into(),
        plugin_version: "sha256:abc".into(),
        cluster: "prod".into(),
        grant: Arc::new(grant),
        dry_run: false,
        budget: Arc::new(Budget::new(BudgetConfig {
            mutations_per_tick: 100,
            deletes_per_tick: 100,
        })),
        breaker: breaker.clone(),
        windows: Arc::new(MaintenanceWindows::default()),
        audit: audit.clone(),
        backups: None,
        reason,
        clock: clock.clone(),
    };
    Rig {
        fake,
        audit,
        clock,
        breaker,
        ctx,
    }
}

impl Rig {
    fn view(&self) -> DynCluster {
        Guarded::wrap(self.fake.clone(), self.ctx.clone())
    }

    fn outcomes(&self) -> Vec<(String, Outcome)> {
        self.audit
            .lines()
            .into_iter()
            .map(|l| (l.verb, l.outcome))
            .collect()
    }
}

/// Every mutating method once, aimed at `idx` / `policy` / auto-follow rule `rule`.
async fn every_mutation(
    g: &dyn ClusterApi,
    idx: &str,
    policy: &str,
    rule: &str,
) -> Vec<(&'static str, Result<(), ApiError>)> {
    let body = json!({"index.number_of_replicas": 0});
    let add = AliasAction::Add(AliasAdd {
        index: idx.into(),
        alias: idx.into(),
        is_write_index: Some(true),
    });
    vec![
        ("put_settings", g.put_settings(idx, &body).await),
        ("rollover", g.rollover(idx, None, false).await.map(drop)),
        ("update_aliases", g.update_aliases(&[add]).await),
        (
            "raw",
            g.raw("PUT", &format!("/{idx}/_settings"), Some("{}"))
                .await
                .map(drop),
        ),
        ("ism_add", g.ism_add(idx, policy).await.map(drop)),
        ("ism_remove", g.ism_remove(idx).await.map(drop)),
        (
            "ism_change_policy",
            g.ism_change_policy(idx, policy, None, None).await.map(drop),
        ),
        ("ism_retry", g.ism_retry(idx, None).await.map(drop)),
        (
            "put_policy",
            g.put_policy(policy, &json!({"states": []}), Some((0, 1)))
                .await
                .map(drop),
        ),
        ("delete_policy", g.delete_policy(policy).await),
        ("ccr_start", g.ccr_start(idx, "leader", idx, None).await),
        ("ccr_pause", g.ccr_pause(idx).await),
        ("ccr_resume", g.ccr_resume(idx, false).await),
        ("ccr_stop", g.ccr_stop(idx).await),
        (
            "ccr_update_settings",
            g.ccr_update_settings(idx, &body).await,
        ),
        (
            "ccr_autofollow_create",
            g.ccr_autofollow_create("leader", rule, idx).await,
        ),
        (
            "ccr_autofollow_delete",
            g.ccr_autofollow_delete("leader", rule).await,
        ),
    ]
}

const MUTATING_VERBS: &[&str] = &[
    "put_settings",
    "rollover",
    "update_aliases",
    "put_cluster_settings",
    "raw",
    "ism_add",
    "ism_remove",
    "ism_change_policy",
    "ism_retry",
    "put_policy",
    "delete_policy",
    "ccr_start",
    "ccr_pause",
    "ccr_resume",
    "ccr_stop",
    "ccr_update_settings",
    "ccr_autofollow_create",
    "ccr_autofollow_delete",
];

fn mutating_calls(fake: &FakeCluster) -> Vec<String> {
    fake.calls()
        .into_iter()
        .filter(|c| {
            let verb = c.split(' ').next().unwrap_or("");
            MUTATING_VERBS.contains(&verb) && !c.contains("dry_run=true")
        })
        .collect()
}

#[tokio::test]
async fn out_of_scope_mutations_are_denied_and_never_sent() {
    let r = rig();
    let g = r.view();
    let results = every_mutation(g.as_ref(), "logs-app2-000001", "app2-policy", "app2-rule").await;
    assert_eq!(results.len(), 17);
    for (verb, res) in &results {
        match res {
            Err(ApiError::Denied(m)) => assert!(m.contains("tenant [app1]"), "{verb}: {m}"),
            other => panic!("{verb}: expected denied, got {other:?}"),
        }
    }
    // Patterns that could reach outside are denied too, even if they'd also match inside.
    for p in [
        "logs-*",
        "*",
        "_all",
        "logs-app1-000001,logs-app2-000001",
        "-logs-app1-x",
    ] {
        assert!(
            matches!(g.ism_add(p, "app1-p").await, Err(ApiError::Denied(_))),
            "{p}"
        );
        assert!(
            matches!(
                g.put_settings(p, &json!({})).await,
                Err(ApiError::Denied(_))
            ),
            "{p}"
        );
    }
    // In-scope target, out-of-scope policy or leader alias.
    assert!(matches!(
        g.ism_add("logs-app1-000001", "app2-p").await,
        Err(ApiError::Denied(_))
    ));
    assert!(matches!(
        g.ccr_start("logs-app1-000001", "elsewhere", "logs-app1-000001", None)
            .await,
        Err(ApiError::Denied(_))
    ));
    assert!(matches!(
        g.put_cluster_settings(&json!({"persistent": {}})).await,
        Err(ApiError::Denied(_))
    ));
    assert_eq!(
        mutating_calls(&r.fake),
        Vec::<String>::new(),
        "nothing reached the cluster"
    );
    let lines = r.audit.lines();
    assert_eq!(lines.len(), 17 + 10 + 3, "one line per attempt");
    assert!(lines.iter().all(|l| l.outcome == Outcome::Denied));
    let first = &lines[0];
    assert_eq!(
        (
            first.tenant.as_str(),
            first.plugin.as_str(),
            first.plugin_version.as_str()
        ),
        ("app1", "roller", "sha256:abc")
    );
    assert_eq!(first.target, "logs-app2-000001");
    assert_eq!(first.reason, "keep shards small");
    assert!(first.error.as_deref().unwrap().contains("logs-app2-000001"));
}

#[tokio::test]
async fn a_view_on_an_ungranted_cluster_denies_everything() {
    let mut r = rig();
    r.ctx.cluster = "dev".into();
    let g = r.view();
    assert!(matches!(g.health().await, Err(ApiError::Denied(_))));
    assert!(matches!(g.indices("*").await, Err(ApiError::Denied(_))));
    assert!(matches!(
        g.put_settings("logs-app1-000001", &json!({})).await,
        Err(ApiError::Denied(_))
    ));
    assert!(r.fake.calls().is_empty());
}

#[tokio::test]
async fn in_scope_mutations_are_sent_and_audited() {
    let r = rig();
    r.fake.add_policy("app1-p", 0, json!({"states": []}));
    let g = r.view();
    let results = every_mutation(g.as_ref(), "logs-app1-000001", "app1-p", "app1-rule").await;
    for (verb, res) in &results {
        assert!(res.is_ok(), "{verb}: {res:?}");
    }
    assert_eq!(mutating_calls(&r.fake).len(), 17, "{:?}", r.fake.calls());
    let outcomes = r.outcomes();
    assert_eq!(outcomes.len(), 17);
    assert!(outcomes.iter().all(|(_, o)| *o == Outcome::Sent));
    let raw = r
        .audit
        .lines()
        .into_iter()
        .find(|l| l.verb == "raw")
        .unwrap();
    assert_eq!(raw.target, "PUT /logs-app1-000001/_settings");
}

#[tokio::test]
async fn reads_are_narrowed_and_filtered() {
    let r = rig();
    r.fake.add_alias("logs-app1", "logs-app1-000002", true);
    r.fake.add_alias("logs-app2", "logs-app2-000001", true);
    r.fake.add_alias("logs-app1", "logs-app2-000001", false);
    let g = r.view();

    let names = |rows: Vec<IndexRow>| rows.into_iter().map(|r| r.index).collect::<Vec<_>>();
    assert_eq!(
        names(g.indices("*").await.unwrap()),
        vec!["logs-app1-000001", "logs-app1-000002"]
    );
    assert_eq!(
        names(g.indices("logs-*").await.unwrap()),
        vec!["logs-app1-000001", "logs-app1-000002"]
    );
    assert_eq!(
        names(g.indices("*-000001").await.unwrap()),
        vec!["logs-app1-000001"]
    );
    assert!(g.indices("metrics-*").await.unwrap().is_empty());
    let explained: Vec<String> = g
        .ism_explain("*")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.index)
        .collect();
    assert_eq!(explained, vec!["logs-app1-000001", "logs-app1-000002"]);
    let aliases = g.aliases("*").await.unwrap();
    assert_eq!(aliases.len(), 1, "{aliases:?}");
    assert_eq!(aliases[0].index, "logs-app1-000002");

    let sent: Vec<String> = r.fake.calls();
    assert_eq!(
        sent,
        vec![
            "indices logs-app1-*,logs-app1",
            "indices logs-app1-*,logs-app1",
            "indices *-000001",
            "ism_explain logs-app1-*,logs-app1",
            "aliases logs-app1-*,logs-app1",
        ],
        "the wide patterns never reached the cluster; metrics-* sent nothing"
    );

    let stats = g.ccr_follower_stats().await.unwrap();
    assert!(stats["index_stats"].get("secret-000001").is_none());
    assert!(stats["index_stats"].get("logs-app1-000001").is_some());
    assert_eq!(stats["num_syncing_indices"], 2);

    assert!(matches!(
        g.get_settings("logs-app2-000001").await,
        Err(ApiError::Denied(_))
    ));
    assert!(matches!(
        g.get_settings("logs-*").await,
        Err(ApiError::Denied(_))
    ));
    assert!(g.get_settings("logs-app1-000001").await.is_ok());
    assert!(matches!(
        g.get_policy("app2-p").await,
        Err(ApiError::Denied(_))
    ));
    assert!(matches!(
        g.ccr_status("logs-app2-000001").await,
        Err(ApiError::Denied(_))
    ));
    assert!(matches!(
        g.allocation_explain("logs-app2-000001", 0, true).await,
        Err(ApiError::Denied(_))
    ));
    assert!(g.raw("GET", "/_cat/indices", None).await.is_ok());
    assert!(matches!(
        g.raw("GET", "/_cluster/state", None).await,
        Err(ApiError::Denied(_))
    ));
    assert_eq!(
        r.fake.calls().last().map(String::as_str),
        Some("raw GET /_cat/indices/logs-app1-*,logs-app1")
    );
    assert!(r.audit.lines().is_empty(), "reads are not audited");
}

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
            ("put_settings".into(), Outcome::Throttled),
            ("delete_policy".into(), Outcome::Throttled)
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
    assert!(r.audit.lines().iter().all(|l| l.outcome == Outcome::DryRun));
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
        .filter(|(_, o)| *o == Outcome::Throttled)
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
            ("ism_retry".into(), Outcome::Throttled),
            ("ism_retry".into(), Outcome::Sent)
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
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].outcome, Outcome::Sent);
    assert!(lines[0].request.contains("refresh_interval"));
    assert_eq!(lines[1].outcome, Outcome::Denied);
    assert_eq!(sink.recent(1)[0].target, "logs-app2-000001");
}
