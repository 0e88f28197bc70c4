//! Scope through the guarded view: denials never reach the cluster; reads are narrowed.
use serde_json::json;

use super::*;
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
    assert!(lines.iter().all(|l| l.outcome == Verdict::Denied));
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
    assert_eq!(outcomes.len(), 34, "an intent and an outcome each");
    let sent: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| *o == Verdict::Sent)
        .collect();
    assert_eq!(sent.len(), 17);
    assert!(outcomes
        .iter()
        .all(|(_, o)| matches!(o, Verdict::Sent | Verdict::Intent)));
    let lines = r.audit.lines();
    for pair in lines.chunks(2) {
        assert_eq!(pair[0].outcome, Verdict::Intent, "{pair:?}");
        assert!(pair[0].id.is_some() && pair[0].id == pair[1].id, "{pair:?}");
    }
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
    // `logs-app1` is in the grant by name, but as an alias it also reaches logs-app2-000001:
    // a raw read through it is refused, without naming the foreign index.
    let before = r.fake.calls().len();
    match g.raw("GET", "/_cat/indices", None).await {
        Err(ApiError::Denied(m)) => {
            assert!(m.contains("alias [logs-app1]"), "{m}");
            assert!(!m.contains("logs-app2"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !r.fake.calls()[before..]
            .iter()
            .any(|c| c.starts_with("raw")),
        "the refused read was never sent"
    );
    let own = g.raw("GET", "/_cat/indices/logs-app1-*", None).await;
    assert!(own.is_ok(), "{own:?}");
    assert_eq!(
        r.fake.calls().last().map(String::as_str),
        Some("raw GET /_cat/indices/logs-app1-*")
    );
    assert!(matches!(
        g.raw("GET", "/_cluster/state", None).await,
        Err(ApiError::Denied(_))
    ));
    let lines = r.audit.lines();
    assert_eq!(
        lines.len(),
        2,
        "reads that pass are not audited, refusals are: {lines:?}"
    );
    assert!(lines
        .iter()
        .all(|l| l.outcome == crate::guard::Verdict::Denied && l.verb == "raw"));
}
