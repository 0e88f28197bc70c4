//! The adversarial scope suite (issue 11): a hostile tenant plugin (`tests/guests/escaper`)
//! tries every way out of its grant it knows on a simulated cluster that holds a neighbour's
//! indices, documents, aliases and policies. Every attempt must end `denied`, or pass
//! narrowed to the tenant's own names; no answer the plugin sees may carry the neighbour's
//! names or data; the sim's request log must show no request naming the neighbour and no
//! mutation at all.
use std::sync::Arc;

use lifeguard::guard::scope::GrantConfig;
use lifeguard::guard::Verdict;
use lifeguard::runtime::{LoadedPlugin, StateStore};
use serde_json::json;

use crate::support::guest_path;
use crate::support::lab::{cached_engine, line, memory_state, ok, Lab, Tenant};

/// Tenant alpha owns `alpha-*`; beta's indices, alias, policy and documents sit beside them.
/// `alpha-trap` is an alias whose name is inside alpha's grant but which the platform (or a
/// mistake) pointed at beta's index.
const SCENARIO: &str = r#"
[leader.policies.alpha-policy]
default_state = "hot"
states = [{ name = "hot", actions = [], transitions = [] }]

[leader.policies.beta-policy]
default_state = "hot"
states = [{ name = "hot", actions = [], transitions = [] }]

[[leader.indices]]
name = "alpha-000001"
replicas = 0
policy_id = "alpha-policy"

[[leader.indices]]
name = "beta-000001"
replicas = 0
policy_id = "beta-policy"
aliases = { beta = { is_write_index = true }, alpha-trap = {} }
"#;

/// What of beta's must never reach alpha's plugin or, in a request, the cluster.
const FOREIGN: &[&str] = &[
    "beta-000001",
    "beta-secret",
    "beta-policy",
    "\"beta\"",
    "beta-",
];

/// Attempts that may pass, narrowed to alpha's own names.
const MAY_NARROW: &[&str] = &["search * minus own", "ignore_unavailable with a wildcard"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_tenant_finds_no_way_out() {
    let lab = Lab::start(SCENARIO).await;
    let docs = concat!(
        "{\"index\":{\"_index\":\"alpha-000001\",\"_id\":\"1\"}}\n{\"user\":\"ann\"}\n",
        "{\"index\":{\"_index\":\"beta-000001\",\"_id\":\"1\"}}\n{\"user\":\"beta-secret-user\",\"secret\":\"beta-secret-value\"}\n",
    );
    let (status, _) = lab
        .sim
        .request(0, "POST", "/_bulk?refresh=true", docs.as_bytes());
    assert_eq!(status, 200);
    let tenant = Tenant::new(
        "alpha",
        GrantConfig {
            indices: vec!["alpha-*".into()],
            policies: vec!["alpha-*".into()],
            clusters: vec!["leader".into()],
            autofollow_rules: vec!["alpha-*".into()],
            // Raw writes granted, so every mutation below is refused by scope, not by mode.
            raw_write: true,
        },
    );
    let bytes = std::fs::read(guest_path("escaper")).unwrap();
    let escaper = LoadedPlugin::load(cached_engine(), &bytes).unwrap();
    lab.sim.clear_requests();
    let state: Arc<dyn StateStore> = memory_state();
    let summary = ok(&lab
        .run(cached_engine(), &escaper, &tenant, &state, &json!({}), 1)
        .await);
    let requests = lab.requests();

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for key in state.keys() {
        let value = state.get(&key).unwrap();
        let mut parts = value.splitn(4, '\t');
        let (name, outcome, sent, seen) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        // A refusal may echo a name the plugin itself sent; anything else of beta's is a leak.
        let leaked: Vec<&str> = FOREIGN
            .iter()
            .copied()
            .filter(|f| seen.contains(f) && !sent.contains(f.trim_matches('"')))
            .collect();
        let allowed =
            outcome == "denied" || (outcome == "passed" && MAY_NARROW.contains(&name.as_str()));
        if !allowed || !leaked.is_empty() {
            failures.push(format!("{name}: {outcome}, leaked {leaked:?}: {seen}"));
        }
        rows.push((name, outcome, seen));
    }
    println!("\n| # | attempt | outcome | what the plugin saw |\n|---|---|---|---|");
    for (i, (name, outcome, seen)) in rows.iter().enumerate() {
        let short: String = seen.chars().take(90).collect::<String>().replace('|', "/");
        println!("| {i} | {name} | {outcome} | {short} |");
    }
    println!(
        "{} attempts, {} denied, {} narrowed; {} requests reached the cluster\n",
        rows.len(),
        rows.iter().filter(|r| r.1 == "denied").count(),
        rows.iter().filter(|r| r.1 == "passed").count(),
        requests.len()
    );
    assert_eq!(summary, format!("{} attempts", rows.len()));
    assert!(rows.len() >= 50, "every attempt reported: {}", rows.len());
    assert!(failures.is_empty(), "escapes:\n{}", failures.join("\n"));

    let foreign_requests: Vec<String> = requests
        .iter()
        .filter(|r| {
            let text = format!("{} {}", r.path, r.query);
            text.contains("beta") || text.contains("_mget") || text.contains("_msearch")
        })
        .map(line)
        .collect();
    assert!(foreign_requests.is_empty(), "{foreign_requests:?}");
    let mutations: Vec<String> = lab.mutations().iter().map(line).collect();
    assert!(mutations.is_empty(), "{mutations:?}");

    // Every refusal of a raw request or a mutation has its audit line.
    let audit = lab.audit.recent(100_000);
    let denied_lines = audit
        .iter()
        .filter(|l| l.outcome == Verdict::Denied)
        .count();
    assert!(
        denied_lines >= 45,
        "refusals audited: {denied_lines} of {} denied attempts",
        rows.iter().filter(|r| r.1 == "denied").count()
    );
    // beta's data is as it was.
    let doc = lab.call(0, "GET", "/beta-000001/_doc/1", None);
    assert_eq!(doc["_source"]["secret"], "beta-secret-value");
}
