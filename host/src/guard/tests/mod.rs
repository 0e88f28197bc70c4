//! The guard chain end to end, against the recording [`FakeCluster`]: [`scope`] for what a
//! tenant may name, [`chain`] for the rest of the chain.
mod chain;
mod fence;
mod scope;

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::cluster::model::*;
use crate::cluster::{ops, ApiError, ClusterApi, DynCluster};
use crate::runtime::ReasonCell;
use crate::testing::{temp_dir, FakeCluster, ManualClock};

/// 2024-03-02 12:00 UTC, a Saturday.
pub(super) const NOON: u64 = 19_784 * 86_400_000 + 12 * 3_600_000;

const INDICES: &[&str] = &[
    "logs-app1-000001",
    "logs-app1-000002",
    "logs-app2-000001",
    "metrics-app1-000001",
];

pub(super) struct Rig {
    pub(super) fake: Arc<FakeCluster>,
    pub(super) audit: Arc<MemoryAudit>,
    pub(super) clock: Arc<ManualClock>,
    pub(super) breaker: Arc<Breaker>,
    pub(super) ctx: GuardCtx,
}

pub(super) fn rig() -> Rig {
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
        raw_write: true,
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
        fence: None,
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
    pub(super) fn view(&self) -> DynCluster {
        Guarded::wrap(self.fake.clone(), self.ctx.clone())
    }

    pub(super) fn outcomes(&self) -> Vec<(String, Verdict)> {
        self.audit
            .lines()
            .into_iter()
            .map(|l| (l.verb, l.outcome))
            .collect()
    }
}

/// Every mutating method once, aimed at `idx` / `policy` / auto-follow rule `rule`.
pub(super) async fn every_mutation(
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

pub(super) fn mutating_calls(fake: &FakeCluster) -> Vec<String> {
    fake.calls()
        .into_iter()
        .filter(|c| {
            let verb = c.split(' ').next().unwrap_or("");
            MUTATING_VERBS.contains(&verb) && !c.contains("dry_run=true")
        })
        .collect()
}
