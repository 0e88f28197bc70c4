#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use proptest::prelude::*;
use serde_json::json;

use super::table::{Body, Seg};
use super::*;
use crate::guard::scope::GrantConfig;

fn grant() -> Grant {
    Grant::new(&GrantConfig {
        indices: vec!["logs-app1-*".into()],
        policies: vec!["app1-*".into()],
        clusters: vec!["prod".into(), "leader".into()],
        autofollow_rules: vec!["app1-*".into()],
        raw_write: true,
    })
    .unwrap()
}

fn path(g: &Grant, method: &str, p: &str) -> String {
    plan(g, method, p, None).unwrap().path
}

fn denied(g: &Grant, method: &str, p: &str, body: Option<&str>) -> Refusal {
    match plan(g, method, p, body) {
        Ok(ok) => panic!("{method} {p} {body:?} passed as {ok:?}"),
        Err(r) => r,
    }
}

#[test]
fn reads_are_narrowed_or_refused() {
    let g = grant();
    assert_eq!(path(&g, "GET", "/"), "/");
    assert_eq!(
        path(&g, "GET", "/_cluster/health?pretty"),
        "/_cluster/health?pretty"
    );
    assert_eq!(
        path(&g, "GET", "/_cat/indices?v"),
        "/_cat/indices/logs-app1-*?v"
    );
    assert_eq!(
        path(&g, "GET", "/_cat/indices/logs-*"),
        "/_cat/indices/logs-app1-*"
    );
    assert_eq!(path(&g, "GET", "/_cat/nodes"), "/_cat/nodes");
    assert_eq!(path(&g, "GET", "/*/_stats"), "/logs-app1-*/_stats");
    assert_eq!(path(&g, "GET", "/*-app1-*/_stats"), "/logs-app1-*/_stats");
    assert_eq!(
        path(&g, "GET", "/_plugins/_ism/explain"),
        "/_plugins/_ism/explain/logs-app1-*"
    );
    assert!(plan(&g, "GET", "/_plugins/_ism/policies/app1-x", None).is_ok());
    for p in [
        "/metrics-*/_stats",
        "/*-x/_stats",
        "/_plugins/_ism/policies",
        "/_plugins/_ism/policies/app2-x",
        "/_search",
        "/_cluster/state",
        "/_cluster/pending_tasks",
        "/_cat/templates",
        "/_cat/pending_tasks",
        "/_cat/fielddata",
        "/_tasks",
        "/_plugins/_replication/follower_stats",
        "/_plugins/_replication/autofollow_stats",
        "/_search/scroll",
        "/_snapshot",
        "/_index_template",
        "/_data_stream",
    ] {
        denied(&g, "GET", p, None);
    }
}

#[test]
fn the_issue_mget_is_denied() {
    let g = grant();
    let r = denied(
        &g,
        "GET",
        "/logs-app1-1/_mget",
        Some(r#"{"docs":[{"_index":"secret-1","_id":"1"}]}"#),
    );
    assert!(
        matches!(&r, Refusal::Scope(s) if s.contains("secret-1")),
        "{r:?}"
    );
    let ok = plan(
        &g,
        "POST",
        "/logs-app1-1/_mget",
        Some(r#"{"docs":[{"_index":"logs-app1-2","_id":"1"},{"_id":"2"}]}"#),
    )
    .unwrap();
    assert!(ok.read);
    assert!(ok.names.contains(&"logs-app1-2".to_string()));
    // `ids` and index-less docs need the path's index.
    denied(&g, "POST", "/_mget", Some(r#"{"ids":["1"]}"#));
    denied(&g, "POST", "/_mget", Some(r#"{"docs":[{"_id":"1"}]}"#));
}

#[test]
fn body_named_indices_are_checked() {
    let g = grant();
    let foreign = [
        // terms lookup into another index
        r#"{"query":{"terms":{"user":{"index":"secret-1","id":"1","path":"f"}}}}"#,
        // more_like_this over another index's document
        r#"{"query":{"more_like_this":{"like":[{"_index":"secret-1","_id":"1"}]}}}"#,
        // geo_shape with an indexed shape
        r#"{"query":{"geo_shape":{"loc":{"indexed_shape":{"index":"secret-1","id":"x","path":"s"}}}}}"#,
        // percolate with a stored document
        r#"{"query":{"percolate":{"field":"q","index":"secret-1","id":"1"}}}"#,
        // pinned docs, deep inside a bool
        r#"{"query":{"bool":{"should":[{"pinned":{"docs":[{"_index":"secret-1","_id":"1"}],"organic":{"match_all":{}}}}]}}}"#,
        // date math and remote clusters are never inside a grant
        r#"{"query":{"terms":{"u":{"index":"<logs-app1-{now/d}>","id":"1","path":"f"}}}}"#,
        r#"{"query":{"terms":{"u":{"index":"prod:logs-app1-1","id":"1","path":"f"}}}}"#,
    ];
    for b in foreign {
        assert!(
            matches!(
                denied(&g, "POST", "/logs-app1-1/_search", Some(b)),
                Refusal::Scope(_)
            ),
            "{b}"
        );
    }
    assert!(plan(
        &g,
        "POST",
        "/logs-app1-1/_search",
        Some(r#"{"query":{"terms":{"u":{"index":"logs-app1-2","id":"1","path":"f"}}}}"#)
    )
    .is_ok());
    denied(&g, "POST", "/logs-app1-1/_search", Some("not json"));
    denied(&g, "POST", "/logs-app1-1/_search", Some("[1]"));
}

#[test]
fn ndjson_lines_are_checked() {
    let g = grant();
    let ms = "{\"index\":\"logs-app1-1\"}\n{\"query\":{\"match_all\":{}}}\n{\"index\":[\"secret-1\"]}\n{}\n";
    denied(&g, "POST", "/_msearch", Some(ms));
    let ms_ok = "{\"index\":\"logs-app1-1\"}\n{}\n{}\n{\"query\":{\"match_all\":{}}}\n";
    denied(&g, "POST", "/_msearch", Some(ms_ok)); // the second header names no index
    assert!(plan(&g, "POST", "/logs-app1-1/_msearch", Some(ms_ok)).is_ok());
    let lookup = "{}\n{\"query\":{\"terms\":{\"u\":{\"index\":\"secret-1\",\"id\":\"1\",\"path\":\"f\"}}}}\n";
    denied(&g, "POST", "/logs-app1-1/_msearch", Some(lookup));

    let bulk = "{\"index\":{\"_index\":\"logs-app1-1\",\"_id\":\"1\"}}\n{\"f\":1}\n{\"delete\":{\"_index\":\"secret-1\",\"_id\":\"2\"}}\n";
    denied(&g, "POST", "/_bulk", Some(bulk));
    let bulk_ok =
        "{\"index\":{\"_id\":\"1\"}}\n{\"_index\":\"secret-1\"}\n{\"delete\":{\"_id\":\"2\"}}\n";
    // A source line may hold any field, `_index` included: it is a document, not an action.
    assert!(plan(&g, "POST", "/logs-app1-1/_bulk", Some(bulk_ok)).is_ok());
    denied(&g, "POST", "/_bulk", Some(bulk_ok));
    let piped = "{\"index\":{\"_index\":\"logs-app1-1\",\"pipeline\":\"reroute\"}}\n{}\n";
    denied(&g, "POST", "/_bulk", Some(piped));
    denied(
        &g,
        "POST",
        "/_bulk",
        Some("{\"index\":{\"_index\":\"logs-app1-1\"}}\nnot json\n"),
    );
    denied(&g, "POST", "/_bulk", Some("{\"reindex\":{}}\n"));
}

#[test]
fn widening_query_parameters_are_refused() {
    let g = grant();
    for p in [
        "/logs-app1-*/_search?expand_wildcards=all",
        "/logs-app1-*/_search?expand_wildcards=open,hidden",
        "/logs-app1-*/_search?ignore_unavailable=true",
        "/logs-app1-*/_search?allow_no_indices=true",
        "/_cluster/health?level=indices",
        "/_nodes/stats?level=shards",
        "/logs-app1-1/_search?scroll=1m",
        "/_cat/indices?bogus=1",
    ] {
        assert!(
            matches!(denied(&g, "GET", p, None), Refusal::Unscopable(_)),
            "{p}"
        );
    }
    assert!(plan(
        &g,
        "GET",
        "/logs-app1-1/_search?ignore_unavailable=true",
        None
    )
    .is_ok());
    assert!(plan(
        &g,
        "GET",
        "/logs-app1-*/_search?expand_wildcards=open&size=5",
        None
    )
    .is_ok());
    assert!(plan(&g, "GET", "/logs-app1-1/_stats?level=shards", None).is_ok());
}

#[test]
fn names_that_are_never_a_tenants() {
    let g = grant();
    let long = format!("/logs-app1-{}/_search", "x".repeat(250));
    for p in [
        "/.opendistro-ism-config/_search",
        "/.plugins-ml-config/_search",
        "/.kibana/_search",
        "/prod:logs-app1-1/_search",
        "/l\u{043e}gs-app1-1/_search", // Cyrillic о
        long.as_str(),
    ] {
        denied(&g, "GET", p, None);
    }
    // `*,-own*` means everything but our own indices: narrowed to the grant minus itself,
    // which matches nothing, and no foreign name is sent.
    let p = plan(&g, "GET", "/*,-logs-app1-*/_search", None).unwrap();
    assert_eq!(p.path, "/logs-app1-*,-logs-app1-*/_search");
    denied(&g, "DELETE", "/*,-logs-app1-1", None);
}

#[test]
fn mutations_are_contained() {
    let g = grant();
    assert!(plan(&g, "PUT", "/logs-app1-1/_settings", Some("{}")).is_ok());
    for (m, p, b) in [
        ("PUT", "/logs-*/_settings", Some("{}")),
        ("DELETE", "/logs-app2-1", None),
        ("PUT", "/_cluster/settings", Some("{}")),
        ("POST", "/_aliases", Some("{}")),
        ("POST", "/_reindex", Some("{}")),
        ("POST", "/logs-app1-1/_clone/other-1", None),
        ("PUT", "/logs-app1-1/_alias/app2", None),
        ("POST", "/_plugins/_ism/add/*", None),
        ("DELETE", "/_plugins/_ism/policies/app2-p", None),
        ("POST", "/_plugins/_replication/_autofollow", None),
        (
            "POST",
            "/_plugins/_ism/add/logs-app1-*",
            Some(r#"{"policy_id":"app2-p"}"#),
        ),
        (
            "POST",
            "/_plugins/_ism/change_policy/logs-app1-*",
            Some(r#"{"policy_id":"app2-p"}"#),
        ),
        (
            "PUT",
            "/_plugins/_replication/logs-app1-1/_start",
            Some(r#"{"leader_alias":"leader","leader_index":"secret-1"}"#),
        ),
        (
            "PUT",
            "/_plugins/_replication/logs-app1-1/_start",
            Some(r#"{"leader_alias":"other-cluster","leader_index":"logs-app1-1"}"#),
        ),
        (
            "POST",
            "/_aliases",
            Some(r#"{"actions":[{"add":{"index":"secret-1","alias":"logs-app1-a"}}]}"#),
        ),
        (
            "POST",
            "/_aliases",
            Some(r#"{"actions":[{"remove_index":{"index":"secret-1"}}]}"#),
        ),
        (
            "PUT",
            "/logs-app1-9",
            Some(r#"{"aliases":{"secret-alias":{}}}"#),
        ),
        (
            "PUT",
            "/logs-app1-1/_settings",
            Some(r#"{"index":{"default_pipeline":"reroute"}}"#),
        ),
        (
            "PUT",
            "/logs-app1-1/_settings",
            Some(r#"{"index.final_pipeline":"reroute"}"#),
        ),
        (
            "PUT",
            "/_plugins/_ism/policies/app1-p",
            Some(r#"{"policy":{"states":[],"ism_template":{"index_patterns":["*"]}}}"#),
        ),
    ] {
        denied(&g, m, p, b);
    }
    for (m, p, b) in [
        ("POST", "/logs-app1-1/_clone/logs-app1-2", None),
        (
            "POST",
            "/_plugins/_ism/add/logs-app1-*",
            Some(r#"{"policy_id":"app1-p"}"#),
        ),
        (
            "PUT",
            "/_plugins/_replication/logs-app1-1/_start",
            Some(r#"{"leader_alias":"leader","leader_index":"logs-app1-1"}"#),
        ),
        (
            "POST",
            "/_aliases",
            Some(r#"{"actions":[{"add":{"indices":["logs-app1-1"],"alias":"logs-app1-a"}}]}"#),
        ),
        (
            "PUT",
            "/_plugins/_ism/policies/app1-p",
            Some(r#"{"policy":{"states":[],"ism_template":[{"index_patterns":["logs-app1-*"]}]}}"#),
        ),
    ] {
        let p = plan(&g, m, p, b).unwrap_or_else(|r| panic!("{m} {p}: {r:?}"));
        assert!(!p.read);
    }
}

#[test]
fn tricky_paths_are_refused() {
    let g = grant();
    for p in [
        "logs-app1-1/_settings",
        "/logs-app1-1/../_cluster/settings",
        "/logs-app1-1/./x",
        "/logs-app1-1//x",
        "/logs-app1-1%2Cother/_settings",
        "/logs-app1-1#frag",
        "/logs-app1-1,other-1/_settings",
        "/logs-app1-1\\x",
        "/%3Clogs-app1-%7Bnow%2Fd%7D%3E/_search",
    ] {
        assert!(plan(&g, "PUT", p, None).is_err(), "{p}");
    }
}

#[test]
fn one_definition_of_a_read() {
    for (m, p, q, read) in [
        ("GET", "/logs/_search", "", true),
        ("POST", "/logs-*/_search", "", true),
        ("POST", "/_msearch", "", true),
        ("POST", "/_mget", "", true),
        ("POST", "/logs/_count", "", true),
        ("POST", "/_cluster/allocation/explain", "", true),
        ("POST", "/logs/_rollover", "dry_run=true", true),
        ("POST", "/logs/_rollover", "", false),
        ("POST", "/_plugins/_ism/add/ops-*", "", false),
        ("POST", "/_aliases", "", false),
        ("POST", "/_bulk", "", false),
        ("POST", "/logs/_doc", "", false),
        ("POST", "/_reindex", "", false),
        ("GET", "/_sim/requests", "", true),
    ] {
        assert_eq!(is_read_request(m, p, q), read, "{m} {p}?{q}");
    }
}

/// A valid body for a row's rule, naming `index` where the rule names indices.
fn body_for(rule: Body, index: &str) -> Option<String> {
    let b = match rule {
        Body::Empty => return None,
        Body::Json | Body::Settings => json!({}),
        Body::Search => json!({"query":{"terms":{"u":{"index": index, "id":"1","path":"f"}}}}),
        Body::Mget => json!({"docs":[{"_index": index, "_id":"1"}]}),
        Body::Msearch => {
            return Some(format!("{}\n{{}}\n", json!({ "index": index })));
        }
        Body::Bulk => {
            return Some(format!("{}\n{{}}\n", json!({"index":{"_index": index}})));
        }
        Body::AliasActions => json!({"actions":[{"add":{"index": index, "alias": "logs-app1-a"}}]}),
        Body::AllocationExplain => json!({"index": index, "shard": 0, "primary": true}),
        Body::IsmPolicyId => json!({"policy_id": "app1-p"}),
        Body::IsmPolicy => json!({"policy":{"ism_template":{"index_patterns":[index]}}}),
        Body::CcrStart => json!({"leader_alias":"leader","leader_index": index}),
        Body::Autofollow => json!({"leader_alias":"leader","name":"app1-r","pattern": index}),
    };
    Some(b.to_string())
}

fn path_for(segs: &[Seg], index: &str) -> String {
    let parts: Vec<&str> = segs
        .iter()
        .map(|s| match s {
            Seg::Lit(l) => l,
            Seg::Index | Seg::OptIndex => index,
            Seg::Policy => "app1-p",
            Seg::Word => "w",
        })
        .collect();
    format!("/{}", parts.join("/"))
}

/// Every row passes a request inside the grant, and refuses the same request naming a
/// foreign index in its path or body.
#[test]
fn every_row_scopes_what_it_names() {
    let g = grant();
    for e in endpoints() {
        let method = e.methods[0];
        let own = path_for(e.path, "logs-app1-1");
        let body = body_for(e.body, "logs-app1-1");
        let ok = plan(&g, method, &own, body.as_deref());
        assert!(ok.is_ok(), "{}: {method} {own} {body:?}: {ok:?}", e.name);
        let names_index = e
            .path
            .iter()
            .any(|s| matches!(s, Seg::Index | Seg::OptIndex));
        let foreign_path = path_for(e.path, "secret-1");
        if names_index {
            assert!(
                plan(&g, method, &foreign_path, body.as_deref()).is_err(),
                "{}: {method} {foreign_path}",
                e.name
            );
        }
        let foreign_body = body_for(e.body, "secret-1");
        if foreign_body
            .as_deref()
            .is_some_and(|b| b.contains("secret-1"))
        {
            assert!(
                plan(&g, method, &own, foreign_body.as_deref()).is_err(),
                "{}: {method} {own} {foreign_body:?}",
                e.name
            );
        }
    }
}

#[test]
fn raw_write_is_part_of_the_grant() {
    let g = grant();
    assert!(g.allows_raw_write());
    let ro = Grant::new(&GrantConfig {
        indices: vec!["logs-app1-*".into()],
        ..GrantConfig::default()
    })
    .unwrap();
    assert!(!ro.allows_raw_write());
}

fn foreign_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,12}".prop_filter("outside the grant", |s| !s.starts_with("logs-app1-")),
        Just("secret-1".to_string()),
        Just("*".to_string()),
        Just("_all".to_string()),
        Just(".opendistro-ism-config".to_string()),
        Just("<logs-app1-{now/d}>".to_string()),
        Just("prod:logs-app1-1".to_string()),
        "[a-z]{1,6}".prop_map(|s| format!("logs-app1-*,{s}")),
    ]
}

proptest! {
    /// No request naming a foreign index anywhere (path, body, NDJSON line) is passed.
    #[test]
    fn foreign_names_never_pass(name in foreign_name(), row in 0..endpoints().count()) {
        let g = grant();
        let e = endpoints().nth(row).unwrap();
        let method = e.methods[0];
        let names_index = e.path.iter().any(|s| matches!(s, Seg::Index));
        if names_index {
            let p = path_for(e.path, &name);
            let body = body_for(e.body, "logs-app1-1");
            if let Ok(ok) = plan(&g, method, &p, body.as_deref()) {
                // A read may be narrowed, but only to names inside the grant.
                prop_assert!(ok.read, "{} passed {p}", e.name);
                prop_assert!(ok.names.iter().all(|n| g.check_target(n).is_ok()), "{ok:?}");
            }
        }
        let body = body_for(e.body, &name);
        if body.as_deref().is_some_and(|b| b.contains(&name)) {
            let own = path_for(e.path, "logs-app1-1");
            prop_assert!(plan(&g, method, &own, body.as_deref()).is_err(), "{}: {body:?}", e.name);
        }
    }
}
