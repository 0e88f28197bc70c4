//! ism-doctor: writes the declared policy (once), attaches unmanaged in-scope indices and
//! fixes drift with `change_policy`; a second tick sends nothing.
use serde_json::{json, Value};

use crate::support::lab::{cached_engine, line, memory_state, ok, rust_plugin, Lab, Tenant};

/// `app-000001` runs an older copy of policy `app`; 2 and 3 are unmanaged; `other-000001` is
/// outside the tenant's grant.
pub const SCENARIO: &str = r#"
[leader]
settings = { "plugins.index_state_management.job_interval" = 1, "plugins.index_state_management.jitter" = 0.0 }

[leader.policies.app]
default_state = "hot"
states = [
  { name = "hot", actions = [], transitions = [{ state_name = "delete", conditions = { min_index_age = "30d" } }] },
  { name = "delete", actions = [{ delete = {} }], transitions = [] },
]

[[leader.indices]]
name = "app-000001"
replicas = 0
policy_id = "app"
age = "2d"

[[leader.indices]]
name = "app-000002"
replicas = 0
age = "1d"

[[leader.indices]]
name = "app-000003"
replicas = 0

[[leader.indices]]
name = "other-000001"
replicas = 0
"#;

/// The declared policy: deletes after 7 days instead of 30.
pub fn config() -> Value {
    json!({
        "default_policy": "app",
        "index_pattern": "app-*",
        "policies": {"app": {
            "description": "app retention",
            "default_state": "hot",
            "states": [
                {"name": "hot", "actions": [],
                 "transitions": [{"state_name": "delete", "conditions": {"min_index_age": "7d"}}]},
                {"name": "delete", "actions": [{"delete": {}}], "transitions": []}
            ]
        }}
    })
}

pub fn tenant() -> Tenant {
    Tenant::granted("app", &["app-*"], &["app"])
}

pub const EXPECTED: [&str; 3] = [
    "PUT /_plugins/_ism/policies/app",
    "POST /_plugins/_ism/add/app-000002,app-000003",
    "POST /_plugins/_ism/change_policy/app-000001",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attaches_unmanaged_indices_and_fixes_drift() {
    let lab = Lab::start(SCENARIO).await;
    let engine = cached_engine();
    let plugin = rust_plugin("ism-doctor").await;
    let (tenant, state, cfg) = (tenant(), memory_state(), config());
    lab.advance("2m"); // app-000001 initializes on the old policy
    let old_seq = lab.explain("app-000001")["policy_seq_no"].clone();

    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 1).await);
    let sent: Vec<String> = lab.mutations().iter().map(line).collect();
    assert_eq!(sent, EXPECTED, "{sent:?}");
    assert!(
        lab.mutations().iter().all(|r| r.status == 200),
        "{:?}",
        lab.mutations()
    );
    let stored = lab.policy("app");
    assert_eq!(
        stored["states"][0]["transitions"][0]["conditions"]["min_index_age"], "7d",
        "{stored}"
    );

    // ISM applies the change and initializes the new ones; the doctor then has nothing to do.
    lab.advance("3m");
    lab.sim.clear_requests();
    ok(&lab.run(engine, plugin, &tenant, &state, &cfg, 2).await);
    assert!(lab.mutations().is_empty(), "{:?}", lab.mutations());

    let seq = lab.call(0, "GET", "/_plugins/_ism/policies/app", None)["_seq_no"].clone();
    assert_ne!(seq, old_seq);
    for i in ["app-000001", "app-000002", "app-000003"] {
        let e = lab.explain(i);
        assert_eq!(e["policy_id"], "app", "{i}: {e}");
        assert_eq!(e["policy_seq_no"], seq, "{i}: {e}");
    }
    // Outside the pattern and the grant: untouched.
    assert_eq!(
        lab.explain("other-000001")["index.plugins.index_state_management.policy_id"],
        Value::Null
    );
}
