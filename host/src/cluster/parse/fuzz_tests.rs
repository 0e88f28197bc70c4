//! Every parser on arbitrary bytes and arbitrary JSON: it may refuse, it must not panic.
//! Structured JSON is generated with the field names the parsers look for, so the typed
//! paths (not just the "not JSON" early exit) are exercised.
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::*;

/// Keys the parsers know, plus noise, so generated objects hit real fields.
const KEYS: &[&str] = &[
    "health",
    "status",
    "index",
    "uuid",
    "pri",
    "rep",
    "docs.count",
    "docs.deleted",
    "store.size",
    "pri.store.size",
    "creation.date",
    "alias",
    "is_write_index",
    "node",
    "shards",
    "disk.used",
    "disk.avail",
    "disk.total",
    "disk.percent",
    "index.plugins.index_state_management.policy_id",
    "policy_id",
    "policy_seq_no",
    "policy_primary_term",
    "rolled_over",
    "index_creation_date",
    "policy_completed",
    "transition_to",
    "state",
    "action",
    "step",
    "step_status",
    "retry_info",
    "info",
    "message",
    "cause",
    "enabled",
    "name",
    "start_time",
    "failed",
    "consumed_retries",
    "total_managed_indices",
    "updated_indices",
    "failures",
    "failed_indices",
    "index_name",
    "reason",
    "_id",
    "_seq_no",
    "_primary_term",
    "policy",
    "syncing_details",
    "leader_checkpoint",
    "nodes",
    "thread_pool",
    "queue_size",
    "queue",
    "rejected",
    "roles",
    "attributes",
    "error",
    "type",
    "caused_by",
    "conditions",
    "settings",
    "cluster_name",
    "node_allocation_decisions",
    "deciders",
    "current_node",
    "unassigned_info",
    "x",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "green",
            "red",
            "open",
            "close",
            "-",
            "",
            "true",
            "false",
            "12",
            "-1",
            "1.5",
            "1e400",
            "SYNCING",
            "REPLICATION NOT IN PROGRESS",
            "failed",
            "UNASSIGNED",
            "18446744073709551616",
        ])
        .prop_map(|s| Value::String(s.into())),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Run every parser; results are ignored, only panics matter.
fn all_parsers(body: &[u8]) {
    let _ = cat_indices(body);
    let _ = cat_aliases(body);
    let _ = cat_allocation(body);
    let _ = cluster_health(body);
    let _ = index_settings(body, "x");
    let _ = rollover_result(body);
    let _ = allocation_explain(body);
    let _ = ism_explain(body);
    let _ = status_response(body);
    let _ = policy_doc(body, "p");
    let _ = replication_status(body);
    let _ = thread_pools(body, body);
    let _ = nodes(body, body);
    let _ = error_summary(body).to_string();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        all_parsers(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(v in json_value()) {
        all_parsers(v.to_string().as_bytes());
        // Also as the one row of an array and the one entry of a map, the shapes most
        // parsers descend into.
        all_parsers(Value::Array(vec![v.clone()]).to_string().as_bytes());
        let mut m = Map::new();
        m.insert("x".into(), v.clone());
        all_parsers(Value::Object(m.clone()).to_string().as_bytes());
        let mut nodes = Map::new();
        nodes.insert("nodes".into(), Value::Object(m));
        all_parsers(Value::Object(nodes).to_string().as_bytes());
    }
}
