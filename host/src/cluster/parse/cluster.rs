//! Core API responses: cluster health, index settings, rollover, allocation explain.
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient::{Flag, Num, Text};
use super::{health_status, json, ParseError};
use crate::cluster::model::{
    AllocationExplanation, ClusterHealth, DeciderVerdict, NodeDecision, RolloverResult,
};

#[derive(Deserialize)]
struct RawHealth {
    #[serde(default)]
    cluster_name: Text,
    #[serde(default)]
    status: Text,
    #[serde(default)]
    number_of_nodes: Num,
    #[serde(default)]
    number_of_data_nodes: Num,
    #[serde(default)]
    active_primary_shards: Num,
    #[serde(default)]
    active_shards: Num,
    #[serde(default)]
    relocating_shards: Num,
    #[serde(default)]
    initializing_shards: Num,
    #[serde(default)]
    unassigned_shards: Num,
}

/// `GET _cluster/health`. The status is required: a health without one cannot be judged.
pub fn cluster_health(body: &[u8]) -> Result<ClusterHealth, ParseError> {
    let h: RawHealth = json("_cluster/health", body)?;
    let status_text = h.status.0.unwrap_or_default();
    let status = health_status(&status_text)
        .ok_or_else(|| ParseError::shape("_cluster/health", format!("status {status_text:?}")))?;
    let n = |v: Num| v.u32().unwrap_or(0);
    Ok(ClusterHealth {
        cluster_name: h.cluster_name.0.unwrap_or_default(),
        status,
        number_of_nodes: n(h.number_of_nodes),
        number_of_data_nodes: n(h.number_of_data_nodes),
        active_primary_shards: n(h.active_primary_shards),
        active_shards: n(h.active_shards),
        relocating_shards: n(h.relocating_shards),
        initializing_shards: n(h.initializing_shards),
        unassigned_shards: n(h.unassigned_shards),
    })
}

/// `GET <index>/_settings?flat_settings=true` answers `{"<index>":{"settings":{…}}}`. Returns
/// the settings of `index`; when the name was an alias resolving to one index, that index's.
pub fn index_settings(body: &[u8], index: &str) -> Result<Value, ParseError> {
    const WHAT: &str = "_settings";
    let top: serde_json::Map<String, Value> = json(WHAT, body)?;
    let entry = match top.get(index) {
        Some(e) => e,
        None if top.len() == 1 => top.values().next().unwrap_or(&Value::Null),
        None => {
            return Err(ParseError::shape(
                WHAT,
                format!("[{index}] matched {} indices, expected one", top.len()),
            ))
        }
    };
    match entry.get("settings") {
        Some(s @ Value::Object(_)) => Ok(s.clone()),
        _ => Err(ParseError::shape(
            WHAT,
            format!("no settings object for [{index}]"),
        )),
    }
}

/// The `conditions` object of a rollover answer, in response order.
struct Conditions(Vec<(String, bool)>);

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a conditions object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conditions, A::Error> {
                let mut out = Vec::new();
                while let Some((k, met)) = map.next_entry::<String, Flag>()? {
                    out.push((k, met.0.unwrap_or(false)));
                }
                Ok(Conditions(out))
            }
            fn visit_unit<E>(self) -> Result<Conditions, E> {
                Ok(Conditions(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct RawRollover {
    #[serde(default)]
    old_index: Text,
    #[serde(default)]
    new_index: Text,
    #[serde(default)]
    rolled_over: Flag,
    #[serde(default)]
    dry_run: Flag,
    #[serde(default)]
    conditions: Option<Conditions>,
}

/// `POST <alias>/_rollover`: `{"old_index","new_index","rolled_over","dry_run","conditions":{"[max_docs: 5]":true}}`.
pub fn rollover_result(body: &[u8]) -> Result<RolloverResult, ParseError> {
    let r: RawRollover = json("_rollover", body)?;
    Ok(RolloverResult {
        old_index: r.old_index.0.unwrap_or_default(),
        new_index: r.new_index.0.unwrap_or_default(),
        rolled_over: r.rolled_over.0.unwrap_or(false),
        dry_run: r.dry_run.0.unwrap_or(false),
        conditions: r.conditions.map(|c| c.0).unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct RawNodeRef {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    id: Text,
}

#[derive(Deserialize)]
struct RawUnassigned {
    #[serde(default)]
    reason: Text,
}

#[derive(Deserialize)]
struct RawDecider {
    #[serde(default)]
    decider: Text,
    #[serde(default)]
    decision: Text,
    #[serde(default)]
    explanation: Text,
}

#[derive(Deserialize)]
struct RawNodeDecision {
    #[serde(default)]
    node_name: Text,
    #[serde(default)]
    node_id: Text,
    #[serde(default)]
    node_decision: Text,
    #[serde(default)]
    deciders: Option<Vec<RawDecider>>,
}

#[derive(Deserialize)]
struct RawExplain {
    #[serde(default)]
    index: Text,
    #[serde(default)]
    shard: Num,
    #[serde(default)]
    primary: Flag,
    #[serde(default)]
    current_state: Text,
    #[serde(default)]
    current_node: Option<RawNodeRef>,
    #[serde(default)]
    unassigned_info: Option<RawUnassigned>,
    #[serde(default)]
    can_allocate: Text,
    #[serde(default)]
    allocate_explanation: Text,
    #[serde(default)]
    rebalance_explanation: Text,
    #[serde(default)]
    node_allocation_decisions: Option<Vec<RawNodeDecision>>,
    #[serde(default)]
    can_remain_on_current_node: Text,
    #[serde(default)]
    can_remain_decisions: Option<Vec<RawDecider>>,
    #[serde(default)]
    move_explanation: Text,
}

/// `GET _cluster/allocation/explain`. An assigned shard has no `allocate_explanation`; its
/// `move_explanation` (when it may not stay) or `rebalance_explanation` stands in, so a plugin
/// always gets the cluster's own words. When an assigned shard may not remain on its node
/// (`can_remain_on_current_node: no`), that node comes first in `node_decisions`, decided
/// `no` by the `can_remain_decisions`: otherwise a shard whose filters exclude the only node
/// it could be on shows no verdict at all.
pub fn allocation_explain(body: &[u8]) -> Result<AllocationExplanation, ParseError> {
    let e: RawExplain = json("_cluster/allocation/explain", body)?;
    let txt = |t: Text| t.0.unwrap_or_default();
    let verdicts = |ds: Option<Vec<RawDecider>>| -> Vec<DeciderVerdict> {
        ds.unwrap_or_default()
            .into_iter()
            .map(|d| DeciderVerdict {
                decider: txt(d.decider),
                decision: txt(d.decision),
                explanation: txt(d.explanation),
            })
            .collect()
    };
    let current_node = e.current_node.and_then(|n| n.name.0.or(n.id.0));
    let mut node_decisions = Vec::new();
    if e.can_remain_on_current_node.0.as_deref() == Some("no") {
        node_decisions.push(NodeDecision {
            node_name: current_node.clone().unwrap_or_default(),
            node_decision: "no".into(),
            deciders: verdicts(e.can_remain_decisions),
        });
    }
    node_decisions.extend(
        e.node_allocation_decisions
            .unwrap_or_default()
            .into_iter()
            .map(|n| NodeDecision {
                node_name: n.node_name.0.or(n.node_id.0).unwrap_or_default(),
                node_decision: txt(n.node_decision),
                deciders: verdicts(n.deciders),
            }),
    );
    Ok(AllocationExplanation {
        index: txt(e.index),
        shard: e.shard.u32().unwrap_or(0),
        primary: e.primary.0.unwrap_or(false),
        current_state: txt(e.current_state),
        current_node,
        unassigned_reason: e.unassigned_info.and_then(|u| u.reason.0),
        can_allocate: e.can_allocate.0,
        allocate_explanation: e
            .allocate_explanation
            .0
            .or(e.move_explanation.0)
            .or(e.rebalance_explanation.0),
        node_decisions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::HealthStatus;

    #[test]
    fn health_from_the_notes() {
        let body = br#"{"cluster_name":"os-cluster","status":"green","timed_out":false,"number_of_nodes":3,"number_of_data_nodes":3,
 "discovered_master":true,"discovered_cluster_manager":true,"active_primary_shards":39,"active_shards":109,
 "relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"delayed_unassigned_shards":0,
 "number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,
 "active_shards_percent_as_number":100.0}"#;
        let h = cluster_health(body).unwrap();
        assert_eq!(h.status, HealthStatus::Green);
        assert_eq!(h.cluster_name, "os-cluster");
        assert_eq!(h.active_shards, 109);
        assert_eq!(h.active_primary_shards, 39);
    }

    #[test]
    fn health_without_status_is_an_error() {
        assert!(cluster_health(br#"{"cluster_name":"x"}"#).is_err());
        assert!(cluster_health(br#"{"status":"purple"}"#).is_err());
    }

    #[test]
    fn settings_of_one_index_or_its_alias_target() {
        let body = br#"{"logs-000001":{"settings":{"index.number_of_replicas":"1"}}}"#;
        let s = index_settings(body, "logs-000001").unwrap();
        assert_eq!(s["index.number_of_replicas"], "1");
        assert_eq!(index_settings(body, "logs").unwrap(), s);
        let two = br#"{"a":{"settings":{}},"b":{"settings":{}}}"#;
        assert!(index_settings(two, "x").is_err());
    }

    #[test]
    fn rollover_from_the_notes() {
        let body = br#"{"acknowledged":true,"shards_acknowledged":true,"old_index":"games","new_index":"rollover","rolled_over":true,"dry_run":false,"conditions":{"[max_docs: 5]":true,"[max_age: 1d]":false}}"#;
        let r = rollover_result(body).unwrap();
        assert_eq!(
            (r.old_index.as_str(), r.new_index.as_str()),
            ("games", "rollover")
        );
        assert!(r.rolled_over && !r.dry_run);
        assert_eq!(
            r.conditions,
            vec![
                ("[max_docs: 5]".into(), true),
                ("[max_age: 1d]".into(), false)
            ]
        );
    }

    #[test]
    fn allocation_explain_unassigned() {
        let body = br#"{"index":"logs-000001","shard":0,"primary":false,"current_state":"unassigned",
          "unassigned_info":{"reason":"NODE_LEFT","at":"2024-01-01T00:00:00.000Z","last_allocation_status":"no_attempt"},
          "can_allocate":"no","allocate_explanation":"cannot allocate because allocation is not permitted to any of the nodes",
          "node_allocation_decisions":[{"node_id":"n1","node_name":"data-1","transport_address":"x","node_attributes":{},
            "node_decision":"no","weight_ranking":1,
            "deciders":[{"decider":"same_shard","decision":"NO","explanation":"a copy of this shard is already allocated"}]}]}"#;
        let e = allocation_explain(body).unwrap();
        assert_eq!(e.current_state, "unassigned");
        assert_eq!(e.unassigned_reason.as_deref(), Some("NODE_LEFT"));
        assert_eq!(e.can_allocate.as_deref(), Some("no"));
        assert_eq!(e.node_decisions[0].node_name, "data-1");
        assert_eq!(e.node_decisions[0].deciders[0].decision, "NO");
    }

    #[test]
    fn allocation_explain_started_but_may_not_remain() {
        // The shape of OpenSearch's answer for a shard whose `require` excludes its node while
        // no other node may take it: the only verdict is in `can_remain_decisions`.
        let body = br#"{"index":"i","shard":0,"primary":true,"current_state":"started",
          "current_node":{"id":"n1","name":"hot-1","transport_address":"x","weight_ranking":1},
          "can_remain_on_current_node":"no",
          "can_remain_decisions":[{"decider":"filter","decision":"NO","explanation":"node does not match index setting [index.routing.allocation.require] filters [data_tier:\"warm\"]"}],
          "can_move_to_other_node":"no",
          "move_explanation":"cannot move shard to another node, even though it is not allowed to remain on its current node",
          "node_allocation_decisions":[]}"#;
        let e = allocation_explain(body).unwrap();
        assert_eq!(e.node_decisions.len(), 1);
        assert_eq!(e.node_decisions[0].node_name, "hot-1");
        assert_eq!(e.node_decisions[0].node_decision, "no");
        assert_eq!(e.node_decisions[0].deciders[0].decider, "filter");
        assert_eq!(e.node_decisions[0].deciders[0].decision, "NO");
        assert!(e
            .allocate_explanation
            .as_deref()
            .is_some_and(|t| t.starts_with("cannot move shard")));
    }

    #[test]
    fn allocation_explain_started_uses_rebalance_text() {
        let body = br#"{"index":"i","shard":1,"primary":true,"current_state":"started",
          "current_node":{"id":"n1","name":"data-1"},"can_remain_on_current_node":"yes",
          "rebalance_explanation":"cannot rebalance as no target node exists"}"#;
        let e = allocation_explain(body).unwrap();
        assert_eq!(e.current_node.as_deref(), Some("data-1"));
        assert_eq!(
            e.allocate_explanation.as_deref(),
            Some("cannot rebalance as no target node exists")
        );
        assert!(e.node_decisions.is_empty());
    }
}
