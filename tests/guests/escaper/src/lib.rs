//! Hostile: tries every way out of its tenant's scope it knows, as a neighbour would. Each
//! attempt's result (and everything the plugin saw: answer bodies, error messages) is stored
//! under `attempt/<nn>` as `name\toutcome\tsent\tseen`, for the scope-escape suite to check.
use common::*;

struct Escaper;

/// One escape attempt: a raw request, or a typed call that returns what it saw.
enum Try {
    Raw(&'static str, String, Option<String>),
    Typed(Result<String, types::Error>),
}

fn outcome(r: Result<String, types::Error>) -> (String, String) {
    match r {
        Ok(seen) => ("passed".into(), seen),
        Err(types::Error::Denied(m)) => ("denied".into(), m),
        Err(e) => ("error".into(), format!("{e:?}")),
    }
}

impl common::Guest for Escaper {
    fn describe() -> PluginInfo {
        info("escaper")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let c = ctx.clusters.first().cloned().unwrap_or_default();
        // Our own index, and the neighbour's names (the suite knows them; a real attacker
        // would guess or list them).
        let own = "alpha-000001".to_string();
        let foreign = "beta-000001".to_string();
        let long = format!("alpha-{}", "x".repeat(300));
        let body = |s: &str| Some(s.to_string());
        let attempts: Vec<(&str, Try)> = vec![
            ("mget naming a foreign _index", Try::Raw("GET", format!("/{own}/_mget"), body(&format!(r#"{{"docs":[{{"_index":"{foreign}","_id":"1"}}]}}"#)))),
            ("top-level _mget", Try::Raw("POST", "/_mget".into(), body(&format!(r#"{{"docs":[{{"_index":"{foreign}","_id":"1"}}]}}"#)))),
            ("msearch header index", Try::Raw("POST", format!("/{own}/_msearch"), body(&format!("{{\"index\":\"{foreign}\"}}\n{{}}\n")))),
            ("msearch body terms lookup", Try::Raw("POST", format!("/{own}/_msearch"), body(&format!("{{}}\n{{\"query\":{{\"terms\":{{\"user\":{{\"index\":\"{foreign}\",\"id\":\"1\",\"path\":\"user\"}}}}}}}}\n")))),
            ("search terms lookup", Try::Raw("POST", format!("/{own}/_search"), body(&format!(r#"{{"query":{{"terms":{{"user":{{"index":"{foreign}","id":"1","path":"user"}}}}}}}}"#)))),
            ("search more_like_this", Try::Raw("POST", format!("/{own}/_search"), body(&format!(r#"{{"query":{{"more_like_this":{{"like":[{{"_index":"{foreign}","_id":"1"}}]}}}}}}"#)))),
            ("bulk action _index", Try::Raw("POST", "/_bulk".into(), body(&format!("{{\"delete\":{{\"_index\":\"{foreign}\",\"_id\":\"1\"}}}}\n")))),
            ("bulk under own path", Try::Raw("POST", format!("/{own}/_bulk"), body(&format!("{{\"index\":{{\"_index\":\"{foreign}\",\"_id\":\"9\"}}}}\n{{\"x\":1}}\n")))),
            ("bulk ingest pipeline", Try::Raw("POST", format!("/{own}/_bulk"), body("{\"index\":{\"_id\":\"9\",\"pipeline\":\"reroute\"}}\n{\"x\":1}\n"))),
            ("search foreign index", Try::Raw("GET", format!("/{foreign}/_search"), None)),
            ("search everything", Try::Raw("GET", "/_search".into(), None)),
            ("search _all", Try::Raw("GET", "/_all/_search".into(), None)),
            ("search * minus own", Try::Raw("GET", format!("/*,-{own}/_search"), None)),
            ("doc of a foreign index", Try::Raw("GET", format!("/{foreign}/_doc/1"), None)),
            ("read through a trap alias", Try::Raw("GET", "/alpha-trap/_search".into(), None)),
            ("cat indices (trap alias in grant)", Try::Raw("GET", "/_cat/indices".into(), None)),
            ("cat aliases", Try::Raw("GET", "/_cat/aliases/alpha-*".into(), None)),
            ("typed rollover of the trap alias", Try::Typed(cluster::rollover(&c, "alpha-trap", None, false).map(|r| format!("{r:?}")))),
            ("typed rollover of a foreign alias \"beta\"", Try::Typed(cluster::rollover(&c, "beta", None, false).map(|r| format!("{r:?}")))),
            ("raw rollover of a foreign alias", Try::Raw("POST", "/beta/_rollover".into(), None)),
            ("typed alias add of a foreign index beta-000001", Try::Typed(cluster::update_aliases(&c, &[cluster::AliasAction::Add(cluster::AliasAdd { index: foreign.clone(), alias: "alpha-stolen".into(), is_write_index: None })]).map(|_| String::new()))),
            ("raw alias add of a foreign index", Try::Raw("POST", "/_aliases".into(), body(&format!(r#"{{"actions":[{{"add":{{"index":"{foreign}","alias":"alpha-stolen"}}}}]}}"#)))),
            ("typed settings through the trap alias", Try::Typed(cluster::put_settings(&c, "alpha-trap", r#"{"index.number_of_replicas":2}"#).map(|_| String::new()))),
            ("typed settings read through the trap alias", Try::Typed(cluster::get_settings(&c, "alpha-trap"))),
            ("date math in the path", Try::Raw("GET", "/%3Cbeta-%7Bnow%2Fd%7D%3E/_search".into(), None)),
            ("date math <beta-{now/d}>, typed", Try::Typed(cluster::indices(&c, "<beta-{now/d}>").map(|r| format!("{r:?}")))),
            ("hidden ISM config index", Try::Raw("GET", "/.opendistro-ism-config/_search".into(), None)),
            ("hidden plugins index", Try::Raw("GET", "/.plugins-ml-config/_search".into(), None)),
            ("expand_wildcards=all", Try::Raw("GET", "/alpha-*/_search?expand_wildcards=all".into(), None)),
            ("expand_wildcards=hidden", Try::Raw("GET", "/*/_count?expand_wildcards=open,hidden".into(), None)),
            ("ignore_unavailable with a wildcard", Try::Raw("GET", "/beta-*,alpha-*/_search?ignore_unavailable=true".into(), None)),
            ("cluster state", Try::Raw("GET", "/_cluster/state".into(), None)),
            ("health per index", Try::Raw("GET", "/_cluster/health?level=indices".into(), None)),
            ("node stats per index", Try::Raw("GET", "/_nodes/stats?level=indices".into(), None)),
            ("cat templates", Try::Raw("GET", "/_cat/templates".into(), None)),
            ("tasks", Try::Raw("GET", "/_tasks".into(), None)),
            ("allocation explain with no body", Try::Raw("GET", "/_cluster/allocation/explain".into(), None)),
            ("ISM explain of a foreign index", Try::Raw("GET", format!("/_plugins/_ism/explain/{foreign}"), None)),
            ("ISM policy list", Try::Raw("GET", "/_plugins/_ism/policies".into(), None)),
            ("foreign ISM policy", Try::Raw("GET", "/_plugins/_ism/policies/beta-policy".into(), None)),
            ("change_policy to a foreign policy beta-policy, typed", Try::Typed(ism::change_policy(&c, &own, "beta-policy", None, None).map(|r| format!("{r:?}")))),
            ("change_policy to a foreign policy, raw", Try::Raw("POST", format!("/_plugins/_ism/change_policy/{own}"), body(r#"{"policy_id":"beta-policy"}"#))),
            ("own policy with an ism_template for *", Try::Raw("PUT", "/_plugins/_ism/policies/alpha-grab".into(), body(r#"{"policy":{"description":"x","default_state":"a","states":[{"name":"a","actions":[],"transitions":[]}],"ism_template":{"index_patterns":["*"]}}}"#))),
            ("default_pipeline on own index", Try::Raw("PUT", format!("/{own}/_settings"), body(r#"{"index.default_pipeline":"reroute"}"#))),
            ("CCR start from a foreign leader index beta-000001, typed", Try::Typed(ccr::start(&c, "alpha-copy", "leader", &foreign, None).map(|_| String::new()))),
            ("CCR start from a foreign leader index, raw", Try::Raw("PUT", "/_plugins/_replication/alpha-copy/_start".into(), body(&format!(r#"{{"leader_alias":"leader","leader_index":"{foreign}"}}"#)))),
            ("CCR follower stats", Try::Raw("GET", "/_plugins/_replication/follower_stats".into(), None)),
            ("an ungranted cluster, typed", Try::Typed(cluster::health("follower").map(|h| format!("{h:?}")))),
            ("cross-cluster search", Try::Raw("GET", "/follower:beta-000001/_search".into(), None)),
            ("reindex", Try::Raw("POST", "/_reindex".into(), body(&format!(r#"{{"source":{{"index":"{foreign}"}},"dest":{{"index":"{own}"}}}}"#)))),
            ("very long name", Try::Raw("GET", format!("/{long}/_search"), None)),
            ("very long name, typed", Try::Typed(cluster::indices(&c, &long).map(|r| format!("{r:?}")))),
            ("unicode look-alike", Try::Raw("GET", "/\u{0430}lpha-000001/_search".into(), None)),
            ("path traversal", Try::Raw("GET", format!("/{own}/../{foreign}/_search"), None)),
            ("encoded comma", Try::Raw("GET", format!("/{own}%2C{foreign}/_search"), None)),
        ];
        let n = attempts.len();
        for (i, (name, t)) in attempts.into_iter().enumerate() {
            let (sent, (out, seen)) = match t {
                Try::Raw(method, path, body) => (
                    format!("{method} {path} {}", body.as_deref().unwrap_or("")),
                    outcome(
                        cluster::request(&c, method, &path, body.as_deref())
                            .map(|r| format!("{} {}", r.status, r.body)),
                    ),
                ),
                Try::Typed(r) => (name.to_string(), outcome(r)),
            };
            let seen: String = seen.chars().take(16_000).collect();
            let sent = sent.replace(['\t', '\n'], " ");
            let line = format!("{name}\t{out}\t{sent}\t{seen}");
            state::set(&format!("attempt/{i:02}"), &line)
                .map_err(|e| ReconcileError::Terminal(format!("state: {e:?}")))?;
        }
        ok(format!("{n} attempts"))
    }
}

common::export!(Escaper with_types_in common::bindings);
