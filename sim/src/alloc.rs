//! Shard allocation: the deciders (filters, shard limits, disk watermarks, same-shard), reroute,
//! node loss, the disk monitor with its flood-stage block, and allocation explain.
use serde_json::{json, Value};

use super::model::{Cluster, Index};
use super::nodes::Node;
use super::util::wildcard_match;
use super::world::World;

pub const FLOOD_BLOCK: &str = "index.blocks.read_only_allow_delete";

/// One decider's verdict on one node.
#[derive(Debug, Clone)]
pub struct Decision {
    pub decider: &'static str,
    pub yes: bool,
    pub explanation: String,
}

fn pct_setting(cl: &Cluster, key: &str, default: f64) -> f64 {
    cl.settings
        .get_str(key)
        .and_then(|s| s.trim_end_matches('%').parse().ok())
        .unwrap_or(default)
}

pub fn watermarks(cl: &Cluster) -> (f64, f64, f64) {
    (
        pct_setting(cl, "cluster.routing.allocation.disk.watermark.low", 85.0),
        pct_setting(cl, "cluster.routing.allocation.disk.watermark.high", 90.0),
        pct_setting(
            cl,
            "cluster.routing.allocation.disk.watermark.flood_stage",
            95.0,
        ),
    )
}

fn node_attr(node: &Node, key: &str) -> Option<String> {
    match key {
        "_name" => Some(node.name.clone()),
        "_id" => Some(node.id.clone()),
        "_ip" | "_host" | "_publish_ip" => Some(node.ip.clone()),
        other => node.attributes.get(other).cloned(),
    }
}

fn filters(ix: &Index, kind: &str) -> Vec<(String, String)> {
    let prefix = format!("index.routing.allocation.{kind}.");
    ix.settings
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|a| (a.to_string(), v.clone())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn attr_matches(node: &Node, key: &str, values: &str) -> bool {
    let Some(have) = node_attr(node, key) else {
        return false;
    };
    values
        .split(',')
        .map(str::trim)
        .any(|v| wildcard_match(v, &have))
}

fn filter_string(f: &[(String, String)]) -> String {
    f.iter()
        .map(|(k, v)| format!("{k}:\"{v}\""))
        .collect::<Vec<_>>()
        .join(",")
}

/// The filter decider alone (also used by ISM's allocation `wait_for`).
pub fn filter_decision(ix: &Index, node: &Node) -> Decision {
    let require = filters(ix, "require");
    if !require.is_empty() && !require.iter().all(|(k, v)| attr_matches(node, k, v)) {
        return no(
            "filter",
            format!(
                "node does not match index setting [index.routing.allocation.require] filters [{}]",
                filter_string(&require)
            ),
        );
    }
    let include = filters(ix, "include");
    if !include.is_empty() && !include.iter().any(|(k, v)| attr_matches(node, k, v)) {
        return no(
            "filter",
            format!(
                "node does not match index setting [index.routing.allocation.include] filters [{}]",
                filter_string(&include)
            ),
        );
    }
    let exclude = filters(ix, "exclude");
    if exclude.iter().any(|(k, v)| attr_matches(node, k, v)) {
        return no(
            "filter",
            format!(
                "node matches index setting [index.routing.allocation.exclude] filters [{}]",
                filter_string(&exclude)
            ),
        );
    }
    yes("filter", "node passes include/exclude/require filters")
}

fn no(decider: &'static str, explanation: String) -> Decision {
    Decision {
        decider,
        yes: false,
        explanation,
    }
}
fn yes(decider: &'static str, explanation: &str) -> Decision {
    Decision {
        decider,
        yes: true,
        explanation: explanation.to_string(),
    }
}

/// Every decider for placing `copy` of `ix` on node `n`.
pub fn decide(cl: &Cluster, ix: &Index, copy: usize, n: usize, counts: &[usize]) -> Vec<Decision> {
    let node = &cl.nodes[n];
    let sc = &ix.shards[copy];
    let mut out = Vec::new();
    if let Some(other) = ix
        .shards
        .iter()
        .enumerate()
        .find(|(i, s)| *i != copy && s.shard == sc.shard && s.node == Some(n))
    {
        out.push(no("same_shard", format!(
            "a copy of this shard is already allocated to this node [[{}][{}], node[{}], [{}], s[STARTED], a[id={}]]",
            ix.name, sc.shard, node.id, if other.1.primary { "P" } else { "R" },
            super::util::make_uuid(super::util::hash_str(&ix.uuid), u64::from(sc.shard))
        )));
    } else {
        out.push(yes(
            "same_shard",
            "this node does not hold a copy of this shard",
        ));
    }
    if !sc.primary
        && !ix
            .shards
            .iter()
            .any(|s| s.primary && s.shard == sc.shard && s.node.is_some())
    {
        out.push(no(
            "replica_after_primary_active",
            "primary shard for this replica is not yet active".into(),
        ));
    }
    out.push(filter_decision(ix, node));
    if let Some(limit) = ix
        .setting("index.routing.allocation.total_shards_per_node")
        .and_then(|v| v.parse::<i64>().ok())
    {
        let here = ix.shards.iter().filter(|s| s.node == Some(n)).count() as i64;
        if limit >= 0 && here >= limit {
            out.push(no("shards_limit", format!(
                "too many shards [{here}] allocated to this node for index [{}], index setting [index.routing.allocation.total_shards_per_node={limit}]",
                ix.name
            )));
        }
    }
    if let Some(limit) = cl
        .settings
        .get_str("cluster.routing.allocation.total_shards_per_node")
        .and_then(|v| v.parse::<i64>().ok())
    {
        let here = counts.get(n).copied().unwrap_or(0) as i64;
        if limit >= 0 && here >= limit {
            out.push(no("shards_limit", format!(
                "too many shards [{here}] allocated to this node, cluster setting [cluster.routing.allocation.total_shards_per_node={limit}]"
            )));
        }
    }
    let (low, high, _) = watermarks(cl);
    let used = node.disk_percent();
    let free = 100.0 - used;
    let new_primary = sc.primary && ix.docs.base_docs == 0 && ix.docs.rate_dps == 0.0;
    if used > high {
        out.push(no("disk_threshold", format!(
            "the node is above the high watermark cluster setting [cluster.routing.allocation.disk.watermark.high={high}%], using more disk space than the maximum allowed [{high:.1}%], actual free: [{free:.1}%]"
        )));
    } else if used > low && !new_primary {
        out.push(no("disk_threshold", format!(
            "the node is above the low watermark cluster setting [cluster.routing.allocation.disk.watermark.low={low}%], using more disk space than the maximum allowed [{low:.1}%], actual free: [{free:.1}%]"
        )));
    }
    out
}

pub fn shard_counts(cl: &Cluster) -> Vec<usize> {
    let mut counts = vec![0usize; cl.nodes.len()];
    for ix in cl.indices.values() {
        for s in &ix.shards {
            if let Some(n) = s.node {
                counts[n] += 1;
            }
        }
    }
    counts
}

/// The cached per-node shard counts, or fresh ones.
pub fn take_counts(cl: &mut Cluster) -> Vec<usize> {
    match cl.counts.take() {
        Some(c) if c.len() == cl.nodes.len() => c,
        _ => shard_counts(cl),
    }
}

/// Places unassigned copies of one index and moves copies that may no longer stay.
pub fn reroute_index(cl: &mut Cluster, name: &str, counts: &mut [usize]) {
    let Some(ix) = cl.indices.get(name) else {
        return;
    };
    if !ix.open {
        return;
    }
    let mut ix = ix.clone();
    // Primaries first so replicas can follow them in the same pass.
    let mut order: Vec<usize> = (0..ix.shards.len()).collect();
    order.sort_by_key(|&i| !ix.shards[i].primary);
    for copy in order {
        let current = ix.shards[copy].node;
        if let Some(n) = current {
            if cl.nodes[n].up && filter_decision(&ix, &cl.nodes[n]).yes {
                continue;
            }
        }
        let mut best: Option<usize> = None;
        for (n, node) in cl.nodes.iter().enumerate() {
            if !node.up || Some(n) == current || !node.roles.iter().any(|r| r == "data") {
                continue;
            }
            if decide(cl, &ix, copy, n, counts).iter().all(|d| d.yes)
                && best.is_none_or(|b| counts[n] < counts[b])
            {
                best = Some(n);
            }
        }
        if let Some(n) = best {
            if let Some(old) = current {
                counts[old] = counts[old].saturating_sub(1);
            }
            counts[n] += 1;
            ix.shards[copy].node = Some(n);
        } else if current.is_some_and(|c| !cl.nodes[c].up) {
            ix.shards[copy].node = None;
        }
    }
    cl.indices.insert(name.to_string(), ix);
    cl.health_dirty = true;
}

/// Reroutes every index that has an unassigned or misplaced copy.
pub fn reroute_all(cl: &mut Cluster) {
    let mut counts = shard_counts(cl);
    let names: Vec<String> = cl
        .indices
        .values()
        .filter(|ix| {
            ix.shards.iter().any(|s| match s.node {
                None => true,
                Some(n) => !cl.nodes[n].up || !filter_decision(ix, &cl.nodes[n]).yes,
            })
        })
        .map(|ix| ix.name.clone())
        .collect();
    for name in names {
        reroute_index(cl, &name, &mut counts);
    }
    cl.counts = Some(counts);
}

pub fn set_node_up(world: &mut World, c: usize, node: &str, up: bool) -> Result<(), String> {
    let now = world.now;
    let cl = &mut world.clusters[c];
    let n = cl
        .node_index(node)
        .ok_or_else(|| format!("unknown node [{node}]"))?;
    cl.nodes[n].up = up;
    if !up {
        for ix in cl.indices.values_mut() {
            let mut lost_primaries = Vec::new();
            for s in ix.shards.iter_mut() {
                if s.node == Some(n) {
                    s.node = None;
                    s.unassigned_reason = "NODE_LEFT";
                    s.unassigned_at = now;
                    if s.primary {
                        lost_primaries.push(s.shard);
                    }
                }
            }
            // An in-sync replica is promoted when its primary's node leaves.
            for shard in lost_primaries {
                if let Some(pos) = ix
                    .shards
                    .iter()
                    .position(|s| !s.primary && s.shard == shard && s.node.is_some())
                {
                    ix.shards[pos].primary = true;
                    if let Some(p) = ix
                        .shards
                        .iter()
                        .position(|s| s.primary && s.shard == shard && s.node.is_none())
                    {
                        ix.shards[p].primary = false;
                    }
                }
            }
        }
    }
    cl.health_dirty = true;
    reroute_all(cl);
    Ok(())
}

/// Recomputes the shard bytes each node holds.
pub fn refresh_disk(cl: &mut Cluster, now: i64) {
    let mut per_node = vec![0u64; cl.nodes.len()];
    for ix in cl.indices.values() {
        let b = ix.shard_bytes(now);
        for s in &ix.shards {
            if let Some(n) = s.node {
                per_node[n] += b;
            }
        }
    }
    for (node, b) in cl.nodes.iter_mut().zip(per_node) {
        node.shard_bytes = b;
    }
}

/// The periodic monitor: disk usage, flood-stage blocks, thread-pool load, pending reroutes.
pub fn monitor(world: &mut World, c: usize) {
    let now = world.now;
    let cl = &mut world.clusters[c];
    refresh_disk(cl, now);
    let (_, high, flood) = watermarks(cl);
    let flooded: Vec<bool> = cl
        .nodes
        .iter()
        .map(|n| n.up && n.disk_percent() >= flood)
        .collect();
    let below_high: Vec<bool> = cl.nodes.iter().map(|n| n.disk_percent() < high).collect();
    let mut write_demand = vec![0f64; cl.nodes.len()];
    for ix in cl.indices.values_mut() {
        let on: Vec<usize> = ix.shards.iter().filter_map(|s| s.node).collect();
        if on.iter().any(|&n| flooded[n]) {
            if !ix.setting_bool(FLOOD_BLOCK) {
                ix.settings
                    .insert(FLOOD_BLOCK.to_string(), "true".to_string());
            }
        } else if ix.setting_bool(FLOOD_BLOCK) && on.iter().all(|&n| below_high[n]) {
            ix.settings.remove(FLOOD_BLOCK);
        }
        if ix.docs.rate_dps > 0.0 {
            let per_copy = ix.docs.rate_dps / f64::from(ix.num_shards().max(1));
            for n in on {
                write_demand[n] += per_copy;
            }
        }
    }
    // One write thread indexes about 5k docs/s in this model.
    for (n, node) in cl.nodes.iter_mut().enumerate() {
        let demand = write_demand[n] / 5000.0;
        if let Some(p) = node.pool_mut("write") {
            p.apply_load(demand, super::world::MONITOR_MS, now);
        }
        for name in ["search", "management", "get"] {
            if let Some(p) = node.pool_mut(name) {
                p.apply_load(0.0, super::world::MONITOR_MS, now);
            }
        }
    }
    if cl
        .indices
        .values()
        .any(|ix| ix.shards.iter().any(|s| s.node.is_none()))
    {
        reroute_all(cl);
    }
}

fn node_json(node: &Node) -> Value {
    json!({"id": node.id, "name": node.name, "transport_address": node.transport_address(),
           "attributes": node.attributes})
}

/// `_cluster/allocation/explain` for one copy.
pub fn explain(
    cl: &Cluster,
    index: &str,
    shard: u32,
    primary: bool,
    include_yes: bool,
) -> Result<Value, super::error::OsError> {
    let ix = cl
        .indices
        .get(index)
        .ok_or_else(|| super::error::OsError::index_not_found(index))?;
    let copy = ix
        .shards
        .iter()
        .position(|s| s.shard == shard && s.primary == primary)
        .ok_or_else(|| {
            super::error::OsError::illegal_argument(format!(
                "shard [{shard}] does not exist for index [{index}]"
            ))
        })?;
    let counts = shard_counts(cl);
    let sc = &ix.shards[copy];
    let mut decisions = Vec::new();
    let mut any_yes = false;
    for (n, node) in cl.nodes.iter().enumerate() {
        if !node.up || Some(n) == sc.node {
            continue;
        }
        let ds = decide(cl, ix, copy, n, &counts);
        let ok = ds.iter().all(|d| d.yes);
        any_yes |= ok;
        let shown: Vec<Value> = ds
            .iter()
            .filter(|d| include_yes || !d.yes)
            .map(|d| json!({"decider": d.decider, "decision": if d.yes {"YES"} else {"NO"}, "explanation": d.explanation}))
            .collect();
        let mut nd = json!({"node_id": node.id, "node_name": node.name, "transport_address": node.transport_address(),
            "node_attributes": node.attributes, "node_decision": if ok {"yes"} else {"no"}, "weight_ranking": n + 1});
        if !shown.is_empty() {
            nd["deciders"] = Value::Array(shown);
        }
        decisions.push(nd);
    }
    let mut out = json!({"index": index, "shard": shard, "primary": primary});
    match sc.node {
        None => {
            out["current_state"] = json!("unassigned");
            out["unassigned_info"] = json!({"reason": sc.unassigned_reason, "at": super::util::iso8601(sc.unassigned_at),
                "last_allocation_status": if sc.primary {"no_valid_shard_copy"} else {"no_attempt"}});
            out["can_allocate"] = json!(if any_yes { "yes" } else { "no" });
            out["allocate_explanation"] = json!(if any_yes {
                "can allocate the shard"
            } else if sc.primary {
                "cannot allocate because allocation is not permitted to any of the nodes that hold an in-sync shard copy"
            } else {
                "cannot allocate because allocation is not permitted to any of the nodes"
            });
            out["node_allocation_decisions"] = Value::Array(decisions);
        }
        Some(n) => {
            let node = &cl.nodes[n];
            let remain = filter_decision(ix, node);
            out["current_state"] = json!("started");
            let mut cur = node_json(node);
            cur["weight_ranking"] = json!(1);
            out["current_node"] = cur;
            out["can_remain_on_current_node"] = json!(if remain.yes { "yes" } else { "no" });
            if !remain.yes {
                out["can_remain_decisions"] = json!([{"decider": "filter", "decision": "NO", "explanation": remain.explanation}]);
                out["can_move_to_other_node"] = json!(if any_yes { "yes" } else { "no" });
                out["move_explanation"] = json!(if any_yes {
                    "can move the shard to another node"
                } else {
                    "cannot move shard to another node, even though it is not allowed to remain on its current node"
                });
            } else {
                out["can_rebalance_cluster"] = json!("yes");
                out["can_rebalance_to_other_node"] = json!("no");
                out["rebalance_explanation"] = json!("cannot rebalance as no target node exists that can both allocate this shard and improve the cluster balance");
            }
            out["node_allocation_decisions"] = Value::Array(decisions);
        }
    }
    Ok(out)
}
