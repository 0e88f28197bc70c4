//! Node-level joins: thread pool stats with their limits, node info with disk allocation.
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::cat::cat_allocation;
use super::lenient::{Num, Text};
use super::{json, ParseError};
use crate::cluster::model::{NodeInfo, ThreadPool};

#[derive(Deserialize)]
struct RawPoolStats {
    #[serde(default)]
    threads: Num,
    #[serde(default)]
    queue: Num,
    #[serde(default)]
    active: Num,
    #[serde(default)]
    rejected: Num,
    #[serde(default)]
    largest: Num,
    #[serde(default)]
    completed: Num,
}

#[derive(Deserialize)]
struct RawPoolInfo {
    #[serde(default)]
    queue_size: Num,
}

#[derive(Deserialize)]
struct RawNode<P> {
    #[serde(default)]
    name: Text,
    #[serde(default = "BTreeMap::new")]
    thread_pool: BTreeMap<String, P>,
}

/// `{"nodes":{"<id>":{…}}}`, keyed by node id. Sorted so the output order is stable.
#[derive(Deserialize)]
struct Nodes<N> {
    #[serde(default = "BTreeMap::new")]
    nodes: BTreeMap<String, N>,
}

/// Join `GET _nodes/stats/thread_pool` (`stats`) with `GET _nodes/thread_pool` (`info`) by
/// node id and pool name. A pool without a known limit gets `queue_size` -1 (unbounded), so
/// the breaker never judges saturation against a guess. `node` is the node name.
pub fn thread_pools(stats: &[u8], info: &[u8]) -> Result<Vec<ThreadPool>, ParseError> {
    let stats: Nodes<RawNode<RawPoolStats>> = json("_nodes/stats/thread_pool", stats)?;
    let info: Nodes<RawNode<RawPoolInfo>> = json("_nodes/thread_pool", info)?;
    let mut out = Vec::new();
    for (id, node) in stats.nodes {
        let limits = info.nodes.get(&id).map(|n| &n.thread_pool);
        let node_name = node.name.0.unwrap_or_else(|| id.clone());
        for (pool, s) in node.thread_pool {
            let queue_size = limits
                .and_then(|l| l.get(&pool))
                .and_then(|p| p.queue_size.i64())
                .unwrap_or(-1);
            out.push(ThreadPool {
                node: node_name.clone(),
                name: pool,
                threads: s.threads.u32().unwrap_or(0),
                queue: s.queue.u32().unwrap_or(0),
                active: s.active.u32().unwrap_or(0),
                rejected: s.rejected.u64().unwrap_or(0),
                largest: s.largest.u32().unwrap_or(0),
                completed: s.completed.u64().unwrap_or(0),
                queue_size,
            });
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawNodeInfo {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    roles: Option<Vec<Text>>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, Text>>,
}

/// Join `GET _nodes` (`info`: names, roles, `attributes`) with
/// `GET _cat/allocation?format=json&bytes=b` (`allocation`, rows keyed by node name).
pub fn nodes(info: &[u8], allocation: &[u8]) -> Result<Vec<NodeInfo>, ParseError> {
    let info: Nodes<RawNodeInfo> = json("_nodes", info)?;
    let mut by_name: HashMap<String, _> = cat_allocation(allocation)?
        .into_iter()
        .map(|r| (r.node.clone(), r))
        .collect();
    Ok(info
        .nodes
        .into_iter()
        .map(|(id, n)| {
            let name = n.name.0.unwrap_or_else(|| id.clone());
            let alloc = by_name.remove(&name);
            NodeInfo {
                roles: n
                    .roles
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.0)
                    .collect(),
                attributes: n
                    .attributes
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.0?)))
                    .collect(),
                shards: alloc.as_ref().map_or(0, |a| a.shards),
                disk: alloc.and_then(|a| a.disk),
                id,
                name,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &[u8] = br#"{"_nodes":{"total":2,"successful":2,"failed":0},"cluster_name":"c","nodes":{
      "n2":{"timestamp":1,"name":"data-2","roles":["data"],"thread_pool":{
          "write":{"threads":8,"queue":9000,"active":8,"rejected":3,"largest":8,"completed":41234},
          "force_merge":{"threads":1,"queue":50,"active":1,"rejected":0,"largest":1,"completed":2}}},
      "n1":{"timestamp":1,"name":"data-1","thread_pool":{
          "search":{"threads":13,"queue":0,"active":0,"rejected":0,"largest":13,"completed":9,"total_wait_time_in_nanos":5}}}}}"#;
    const INFO: &[u8] = br#"{"nodes":{
      "n2":{"name":"data-2","thread_pool":{"write":{"type":"fixed","size":8,"queue_size":10000},
                                           "force_merge":{"type":"fixed","size":1,"queue_size":-1}}},
      "n1":{"name":"data-1","thread_pool":{}}}}"#;

    #[test]
    fn stats_joined_with_limits() {
        let pools = thread_pools(STATS, INFO).unwrap();
        let names: Vec<(&str, &str)> = pools
            .iter()
            .map(|p| (p.node.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("data-1", "search"),
                ("data-2", "force_merge"),
                ("data-2", "write")
            ]
        );
        let write = &pools[2];
        assert_eq!(
            (write.queue, write.queue_size, write.rejected),
            (9000, 10000, 3)
        );
        assert_eq!(write.completed, 41234);
        assert_eq!(pools[1].queue_size, -1);
        // No limit known for search on data-1: treated as unbounded.
        assert_eq!(pools[0].queue_size, -1);
    }

    #[test]
    fn nodes_joined_with_allocation() {
        let info = br#"{"nodes":{"abc":{"name":"data-1","roles":["data","ingest"],
            "attributes":{"zone":"a","data_tier":"hot","shard_indexing_pressure_enabled":"true"}},
            "def":{"name":"master-1","roles":["cluster_manager"]}}}"#;
        let alloc = br#"[{"shards":"12","disk.indices":"1263539","disk.used":"48604590080","disk.avail":"58655768576",
  "disk.total":"107260358656","disk.percent":"45","host":"10.0.0.11","ip":"10.0.0.11","node":"data-1"}]"#;
        let ns = nodes(info, alloc).unwrap();
        assert_eq!(ns.len(), 2);
        assert_eq!(ns[0].id, "abc");
        assert_eq!(ns[0].shards, 12);
        assert!(ns[0].attributes.contains(&("zone".into(), "a".into())));
        assert_eq!(ns[0].disk.as_ref().unwrap().used_bytes, 48604590080);
        assert_eq!(ns[1].roles, ["cluster_manager"]);
        assert!(ns[1].disk.is_none());
    }
}
