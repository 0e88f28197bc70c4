//! Near-valid responses, built in the shapes OpenSearch sends: counts written as numbers, as
//! `_cat` strings or not at all, fields dropped at random. A well-formed body must come back
//! field for field; a cut-off or mistyped one must be refused with an error naming the
//! response.
use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;
use crate::cluster::model::{IndexRow, ReplicationState, StepStatus};

/// A count as OpenSearch may send it, with what the parser should make of it: a number, its
/// string (padded, as `_cat` pads), or nothing (`null`, `-`, `""`, a negative number).
fn count() -> impl Strategy<Value = (Option<u64>, Value)> {
    prop_oneof![
        any::<u64>().prop_map(|n| (Some(n), json!(n))),
        any::<u64>().prop_map(|n| (Some(n), json!(n.to_string()))),
        any::<u32>().prop_map(|n| (Some(u64::from(n)), json!(format!(" {n} ")))),
        Just((None, Value::Null)),
        Just((None, json!("-"))),
        Just((None, json!(""))),
        (i64::MIN..0).prop_map(|n| (None, json!(n))),
    ]
}

/// Index-like names, plus anything printable.
fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9][a-z0-9._-]{0,20}", "\\PC{1,12}"]
}

fn health() -> impl Strategy<Value = (Option<HealthStatus>, Option<&'static str>)> {
    prop::sample::select(vec![
        (Some(HealthStatus::Green), Some("green")),
        (Some(HealthStatus::Yellow), Some("yellow")),
        (Some(HealthStatus::Red), Some("RED")),
        (None, Some("purple")),
        (None, Some("")),
        (None, None),
    ])
}

/// Optional fields are present, `null`, or absent.
fn put(row: &mut Map<String, Value>, key: &str, v: Value, absent: bool) {
    if !absent {
        row.insert(key.into(), v);
    }
}

/// A cut strictly inside `body`: never valid JSON, since nothing trails the closing bracket.
fn cut(body: &[u8], at: prop::sample::Index) -> &[u8] {
    &body[..at.index(body.len().max(1))]
}

/// The error names the response and says where the body went wrong.
fn names_response(e: &ParseError, what: &str) -> bool {
    let s = e.to_string();
    s.starts_with(&format!("{what}: ")) && s.contains("line ")
}

prop_compose! {
    fn index_row()(
        index in prop::option::weighted(0.9, name()),
        (health, health_text) in health(),
        pri in count(),
        docs in count(),
        store in count(),
        created in count(),
        absent in any::<[bool; 4]>(),
    ) -> (Value, Option<IndexRow>) {
        let mut row = Map::new();
        row.insert("index".into(), index.clone().map_or(Value::Null, Value::from));
        put(&mut row, "health", health_text.map_or(Value::Null, Value::from), absent[0]);
        row.insert("status".into(), json!("open"));
        put(&mut row, "pri", pri.1, absent[1]);
        put(&mut row, "docs.count", docs.1, absent[2]);
        row.insert("store.size".into(), store.1);
        put(&mut row, "creation.date", created.1, absent[3]);
        let some = |c: Option<u64>, gone: bool| if gone { None } else { c };
        let expect = index.map(|index| IndexRow {
            index,
            uuid: String::new(),
            health: if absent[0] { None } else { health },
            status: "open".into(),
            primaries: some(pri.0, absent[1])
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            replicas: 0,
            docs_count: some(docs.0, absent[2]),
            docs_deleted: None,
            store_bytes: store.0,
            primary_store_bytes: None,
            creation_date_ms: some(created.0, absent[3]),
        });
        (Value::Object(row), expect)
    }
}

fn step_status() -> impl Strategy<Value = (StepStatus, &'static str)> {
    prop::sample::select(vec![
        (StepStatus::Failed, "failed"),
        (StepStatus::Completed, "completed"),
        (StepStatus::ConditionNotMet, "condition_not_met"),
        (StepStatus::TimedOut, "timed_out"),
        (StepStatus::Starting, "starting"),
        (StepStatus::Starting, "a_later_status"),
    ])
}

prop_compose! {
    /// One explain entry: (body, policy id, enabled, step status).
    fn explain_entry()(
        policy in prop::option::of(name()),
        enabled in prop::option::of(any::<bool>()),
        (status, status_text) in step_status(),
        seq in prop::option::of(any::<i64>()),
        seq_as_text in any::<bool>(),
    ) -> (Value, (Option<String>, Option<bool>, StepStatus, Option<i64>)) {
        let seq_value = match seq {
            Some(n) if seq_as_text => json!(n.to_string()),
            n => json!(n),
        };
        let body = json!({
            "index.plugins.index_state_management.policy_id": policy,
            "policy_id": policy,
            "policy_seq_no": seq_value,
            "enabled": enabled,
            "step": {"name": "s", "step_status": status_text},
        });
        (body, (policy, enabled, status, seq))
    }
}

fn replication_word() -> impl Strategy<Value = (Option<ReplicationState>, String)> {
    prop_oneof![
        prop::sample::select(vec![
            (Some(ReplicationState::Syncing), "SYNCING"),
            (Some(ReplicationState::Syncing), "syncing"),
            (Some(ReplicationState::Bootstrapping), "BOOTSTRAPING"),
            (Some(ReplicationState::Paused), "PAUSED"),
            (Some(ReplicationState::Failed), "FAILED"),
            (
                Some(ReplicationState::NotInProgress),
                "REPLICATION NOT IN PROGRESS"
            ),
        ])
        .prop_map(|(s, w)| (s, w.to_owned())),
        // No state starts with `X`, so these are all unknown.
        "(X[A-Z_ ]{0,12})?".prop_map(|w| (None, w)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cat_indices_round_trips(rows in prop::collection::vec(index_row(), 0..8), at in any::<prop::sample::Index>()) {
        let body = Value::Array(rows.iter().map(|(v, _)| v.clone()).collect()).to_string();
        let want: Vec<IndexRow> = rows.into_iter().filter_map(|(_, e)| e).collect();
        prop_assert_eq!(cat_indices(body.as_bytes()).unwrap(), want);
        let e = cat_indices(cut(body.as_bytes(), at)).unwrap_err();
        prop_assert!(names_response(&e, "_cat/indices"), "{}", e);
    }

    #[test]
    fn cat_indices_refuses_an_object(v in prop::collection::btree_map(name(), any::<u32>(), 0..4)) {
        let e = cat_indices(json!(v).to_string().as_bytes()).unwrap_err().to_string();
        prop_assert!(e.starts_with("_cat/indices: invalid type: map"), "{}", e);
    }

    #[test]
    fn explain_round_trips(
        entries in prop::collection::btree_map(name(), explain_entry(), 0..6),
        total in any::<u32>(),
        at in any::<prop::sample::Index>(),
    ) {
        prop_assume!(!entries.contains_key("total_managed_indices"));
        let mut top = Map::new();
        for (k, (v, _)) in &entries {
            top.insert(k.clone(), v.clone());
        }
        top.insert("total_managed_indices".into(), json!(total));
        let body = Value::Object(top).to_string();
        let got = ism_explain(body.as_bytes()).unwrap();
        prop_assert_eq!(got.len(), entries.len());
        for (g, (index, (_, (policy, enabled, status, seq)))) in got.iter().zip(&entries) {
            prop_assert_eq!(&g.index, index);
            prop_assert_eq!(&g.policy_id, policy);
            prop_assert_eq!(g.enabled, *enabled);
            prop_assert_eq!(g.step.as_ref().map(|s| s.step_status), Some(*status));
            prop_assert_eq!(g.policy_seq_no, *seq);
        }
        let e = ism_explain(cut(body.as_bytes(), at)).unwrap_err();
        prop_assert!(names_response(&e, "_ism/explain"), "{}", e);
    }

    #[test]
    fn health_needs_a_known_status(
        (status, text) in health(),
        nodes in count(),
        unassigned in count(),
        at in any::<prop::sample::Index>(),
    ) {
        let body = json!({
            "cluster_name": "c",
            "status": text,
            "number_of_nodes": nodes.1,
            "unassigned_shards": unassigned.1,
        })
        .to_string();
        match (cluster_health(body.as_bytes()), status) {
            (Ok(h), Some(s)) => {
                prop_assert_eq!(h.status, s);
                let n32 = |c: Option<u64>| c.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
                prop_assert_eq!(h.number_of_nodes, n32(nodes.0));
                prop_assert_eq!(h.unassigned_shards, n32(unassigned.0));
            }
            (Err(e), None) => {
                let e = e.to_string();
                prop_assert!(e.starts_with("_cluster/health: status"), "{}", e);
                prop_assert!(e.contains(&format!("{:?}", text.unwrap_or(""))), "{}", e);
            }
            (got, want) => prop_assert!(false, "{:?} for {:?}", got, want),
        }
        let e = cluster_health(cut(body.as_bytes(), at)).unwrap_err();
        prop_assert!(names_response(&e, "_cluster/health"), "{}", e);
    }

    #[test]
    fn replication_status_needs_a_known_word(
        (state, word) in replication_word(),
        leader in prop::option::of(any::<i64>()),
        as_text in any::<bool>(),
    ) {
        let cp = |n: Option<i64>| match n {
            Some(n) if as_text => json!(n.to_string()),
            n => json!(n),
        };
        let body = json!({
            "status": word,
            "leader_index": "l",
            "syncing_details": {"leader_checkpoint": cp(leader), "follower_checkpoint": 1},
        })
        .to_string();
        match (replication_status(body.as_bytes()), state) {
            (Ok(r), Some(s)) => {
                prop_assert_eq!(r.state, s);
                prop_assert_eq!(r.leader_checkpoint, leader);
                prop_assert_eq!(r.follower_checkpoint, Some(1));
            }
            (Err(e), None) => {
                let e = e.to_string();
                prop_assert!(e.starts_with("_replication/_status: status"), "{}", e);
                prop_assert!(e.contains(&format!("{word:?}")), "{}", e);
            }
            (got, want) => prop_assert!(false, "{:?} for {:?} ({:?})", got, want, word),
        }
    }

    #[test]
    fn thread_pools_join_stats_with_limits(
        nodes in prop::collection::btree_map(
            "[a-z]{1,6}",
            prop::collection::btree_map("[a-z_]{1,8}", (count(), prop::option::of(-1i64..10_000)), 0..4),
            0..4,
        ),
    ) {
        let mut stats = Map::new();
        let mut info = Map::new();
        for (id, pools) in &nodes {
            let s: Map<String, Value> =
                pools.iter().map(|(p, (q, _))| (p.clone(), json!({"queue": q.1}))).collect();
            let i: Map<String, Value> = pools
                .iter()
                .filter_map(|(p, (_, size))| Some((p.clone(), json!({"queue_size": (*size)?}))))
                .collect();
            stats.insert(id.clone(), json!({"thread_pool": s}));
            info.insert(id.clone(), json!({"name": id, "thread_pool": i}));
        }
        let stats = json!({"nodes": stats}).to_string();
        let info = json!({"nodes": info}).to_string();
        let got = thread_pools(stats.as_bytes(), info.as_bytes()).unwrap();
        let want: BTreeMap<(String, String), (u32, i64)> = nodes
            .iter()
            .flat_map(|(id, pools)| {
                pools.iter().map(move |(p, (q, size))| {
                    let queue = q.0.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
                    ((id.clone(), p.clone()), (queue, size.unwrap_or(-1)))
                })
            })
            .collect();
        let got: BTreeMap<(String, String), (u32, i64)> = got
            .into_iter()
            .map(|t| ((t.node, t.name), (t.queue, t.queue_size)))
            .collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn error_bodies_keep_type_and_reason(
        kind in "[a-z_]{1,30}",
        reason in "\\PC{1,60}",
        status in 400u16..600,
    ) {
        let body = json!({"error": {"type": kind, "reason": reason}, "status": status}).to_string();
        let s = error_summary(body.as_bytes());
        prop_assert_eq!(s.to_string(), format!("{kind}: {reason}"));
    }
}
