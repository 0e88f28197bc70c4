//! Cluster-level endpoints: `/`, health, settings, allocation explain, stats, nodes.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::types::{HResult, Req, Resp};
use crate::error::OsError;
use crate::model::Cluster;
use crate::settings::{flatten, nest};
use crate::world::World;

pub const VERSION: &str = "2.19.1";

pub fn info(w: &mut World, r: &Req) -> HResult {
    let cl = &w.clusters[r.cluster];
    Ok(Resp::ok(json!({
        "name": cl.nodes.first().map(|n| n.name.clone()).unwrap_or_default(),
        "cluster_name": cl.name, "cluster_uuid": cl.uuid,
        "version": {"distribution": "opensearch", "number": VERSION, "build_type": "tar",
            "build_hash": "fd9a9d90df25bea1af2c6a85039692e815b894f5", "build_date": "2025-03-12T19:29:44.744212Z",
            "build_snapshot": false, "lucene_version": "9.12.1", "minimum_wire_compatibility_version": "7.10.0",
            "minimum_index_compatibility_version": "7.0.0"},
        "tagline": "The OpenSearch Project: https://opensearch.org/"
    })))
}

#[derive(Default)]
struct Counts {
    active_primary: u64,
    active: u64,
    unassigned: u64,
}

fn index_health(ix: &crate::model::Index) -> (Counts, Value) {
    let mut c = Counts::default();
    for s in &ix.shards {
        if s.node.is_some() {
            c.active += 1;
            if s.primary {
                c.active_primary += 1;
            }
        } else if ix.open {
            c.unassigned += 1;
        }
    }
    let v = json!({"status": ix.health(), "number_of_shards": ix.num_shards(), "number_of_replicas": ix.num_replicas(),
        "active_primary_shards": c.active_primary, "active_shards": c.active, "relocating_shards": 0,
        "initializing_shards": 0, "unassigned_shards": c.unassigned});
    (c, v)
}

fn rank(s: &str) -> u8 {
    match s {
        "green" => 0,
        "yellow" => 1,
        _ => 2,
    }
}

fn nodes_ok(spec: &str, n: usize) -> bool {
    let n = n as i64;
    let parse = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
    if let Some(v) = spec.strip_prefix(">=") {
        n >= parse(v)
    } else if let Some(v) = spec.strip_prefix("<=") {
        n <= parse(v)
    } else if let Some(v) = spec.strip_prefix('>') {
        n > parse(v)
    } else if let Some(v) = spec.strip_prefix('<') {
        n < parse(v)
    } else {
        n == parse(spec)
    }
}

pub fn health(w: &mut World, r: &Req, idx: Option<&str>) -> HResult {
    let cl = &w.clusters[r.cluster];
    let names: Vec<String> = match idx {
        Some(expr) => cl.resolve_strict(expr)?,
        None => cl.indices.keys().cloned().collect(),
    };
    let level = r.q("level").unwrap_or("cluster");
    let mut status = "green";
    let mut totals = Counts::default();
    let mut indices = Map::new();
    for name in &names {
        let ix = &cl.indices[name];
        let (c, mut v) = index_health(ix);
        if rank(ix.health()) > rank(status) {
            status = ix.health();
        }
        totals.active += c.active;
        totals.active_primary += c.active_primary;
        totals.unassigned += c.unassigned;
        if level == "shards" {
            let mut shards = Map::new();
            for s in 0..ix.num_shards() {
                let copies: Vec<_> = ix.shards.iter().filter(|x| x.shard == s).collect();
                let active = copies.iter().filter(|x| x.node.is_some()).count();
                let primary = copies.iter().any(|x| x.primary && x.node.is_some());
                let st = if !primary {
                    "red"
                } else if active < copies.len() {
                    "yellow"
                } else {
                    "green"
                };
                shards.insert(s.to_string(), json!({"status": st, "primary_active": primary, "active_shards": active,
                    "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": copies.len() - active}));
            }
            v["shards"] = Value::Object(shards);
        }
        indices.insert(name.clone(), v);
    }
    let up = cl.nodes.iter().filter(|n| n.up).count();
    let data = cl
        .nodes
        .iter()
        .filter(|n| n.up && n.roles.iter().any(|x| x == "data"))
        .count();
    let total = totals.active + totals.unassigned;
    let pct = if total == 0 {
        100.0
    } else {
        totals.active as f64 * 100.0 / total as f64
    };
    let mut timed_out = false;
    if let Some(want) = r.q("wait_for_status") {
        timed_out |= rank(status) > rank(want);
    }
    if let Some(spec) = r.q("wait_for_nodes") {
        timed_out |= !nodes_ok(spec, up);
    }
    let mut o = json!({"cluster_name": cl.name, "status": status, "timed_out": timed_out, "number_of_nodes": up,
        "number_of_data_nodes": data, "discovered_master": true, "discovered_cluster_manager": true,
        "active_primary_shards": totals.active_primary, "active_shards": totals.active, "relocating_shards": 0,
        "initializing_shards": 0, "unassigned_shards": totals.unassigned, "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": pct});
    if level == "indices" || level == "shards" {
        o["indices"] = Value::Object(indices);
    }
    if level == "awareness_attributes" {
        o["awareness_attributes"] = json!({});
    }
    // A wait that cannot be satisfied returns at once: the simulated clock does not move
    // while a request holds the world.
    Ok(Resp::json(if timed_out { 408 } else { 200 }, o))
}

fn setting_defaults() -> BTreeMap<String, Value> {
    [
        ("plugins.index_state_management.job_interval", "5"),
        ("plugins.index_state_management.jitter", "0.6"),
        ("plugins.index_state_management.enabled", "true"),
        (
            "plugins.index_state_management.allow_running_on_red_cluster",
            "false",
        ),
        ("plugins.jobscheduler.jitter_limit", "0.6"),
        ("cluster.routing.allocation.disk.watermark.low", "85%"),
        ("cluster.routing.allocation.disk.watermark.high", "90%"),
        (
            "cluster.routing.allocation.disk.watermark.flood_stage",
            "95%",
        ),
        ("cluster.routing.allocation.disk.threshold_enabled", "true"),
        ("cluster.routing.allocation.total_shards_per_node", "-1"),
        ("cluster.max_shards_per_node", "1000"),
        ("plugins.replication.follower.poll_interval", "50ms"),
        ("plugins.replication.autofollow.fetch_poll_interval", "30s"),
        ("plugins.replication.replicate.delete_index", "false"),
        ("action.auto_create_index", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect()
}

const KNOWN_CLUSTER_PREFIXES: &[&str] = &[
    "cluster.",
    "plugins.",
    "opendistro.",
    "indices.",
    "search.",
    "action.",
    "logger.",
    "snapshot.",
    "persistent_tasks.",
    "script.",
    "ingest.",
    "transport.",
    "http.",
    "node.",
    "knn.",
    "opensearch.",
    "search_backpressure.",
    "wlm.",
    "segrep.",
    "remote_store.",
    "bootstrap.",
    "gateway.",
    "discovery.",
];

fn out_map(m: &BTreeMap<String, Value>, flat: bool) -> Value {
    if flat {
        Value::Object(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    } else {
        nest(m.iter().map(|(k, v)| (k, v.clone())))
    }
}

fn stringify(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Array(a) => Value::Array(a.into_iter().map(stringify).collect()),
        other => other,
    }
}

pub fn settings(w: &mut World, r: &Req) -> HResult {
    let flat = r.flag("flat_settings");
    if r.method == "GET" || r.method == "HEAD" {
        let cl = &w.clusters[r.cluster];
        let mut o = json!({"persistent": out_map(&cl.settings.persistent, flat), "transient": out_map(&cl.settings.transient, flat)});
        if r.flag("include_defaults") {
            let mut d = setting_defaults();
            d.retain(|k, _| cl.settings.get(k).is_none());
            o["defaults"] = out_map(&d, flat);
        }
        return Ok(Resp::ok(o));
    }
    let body = r.json_required()?;
    let obj = body.as_object().cloned().unwrap_or_default();
    let mut applied: [BTreeMap<String, Value>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut updates: Vec<(usize, String, Option<Value>)> = Vec::new();
    for (k, v) in &obj {
        let slot = match k.as_str() {
            "persistent" => 0,
            "transient" => 1,
            other => {
                return Err(OsError::new(
                    400,
                    "x_content_parse_exception",
                    format!("[1:2] [cluster_update_settings_request] unknown field [{other}]"),
                ))
            }
        };
        for (key, val) in flatten(v) {
            if !KNOWN_CLUSTER_PREFIXES.iter().any(|p| key.starts_with(p)) {
                return Err(OsError::illegal_argument(format!(
                    "{} setting [{key}], not recognized",
                    if slot == 0 { "persistent" } else { "transient" }
                )));
            }
            updates.push((slot, key, val));
        }
    }
    let cl = &mut w.clusters[r.cluster];
    for (slot, key, val) in updates {
        let target = if slot == 0 {
            &mut cl.settings.persistent
        } else {
            &mut cl.settings.transient
        };
        match val {
            Some(v) => {
                let v = stringify(v);
                target.insert(key.clone(), v.clone());
                applied[slot].insert(key, v);
            }
            None => {
                // A key ending in `*` resets a whole group.
                if let Some(prefix) = key.strip_suffix('*') {
                    target.retain(|k, _| !k.starts_with(prefix));
                } else {
                    target.remove(&key);
                }
            }
        }
    }
    cl.health_dirty = true;
    crate::alloc::reroute_all(cl);
    let [p, t] = applied;
    Ok(Resp::ok(
        json!({"acknowledged": true, "persistent": out_map(&p, flat), "transient": out_map(&t, flat)}),
    ))
}

pub fn allocation_explain(w: &mut World, r: &Req) -> HResult {
    let body = r.json()?;
    let cl = &w.clusters[r.cluster];
    let include_yes = r.flag("include_yes_decisions");
    let (index, shard, primary) = match body.get("index").and_then(Value::as_str) {
        Some(i) => (
            i.to_string(),
            body.get("shard").and_then(Value::as_u64).unwrap_or(0) as u32,
            body.get("primary")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        None => {
            let found = cl.indices.values().find_map(|ix| {
                ix.shards
                    .iter()
                    .find(|s| s.node.is_none() && ix.open)
                    .map(|s| (ix.name.clone(), s.shard, s.primary))
            });
            found.ok_or_else(|| OsError::illegal_argument(format!(
                "unable to find any unassigned shards to explain [ClusterAllocationExplainRequest[useAnyUnassignedShard=true,includeYesDecisions?={include_yes}]"
            )))?
        }
    };
    let mut v = crate::alloc::explain(cl, &index, shard, primary, include_yes)?;
    if r.flag("include_disk_info") {
        let disk: Map<String, Value> = cl.nodes.iter().map(|n| {
            let usage = json!({"path": "/usr/share/opensearch/data/nodes/0", "total_bytes": n.disk_total, "used_bytes": n.disk_used(),
                "free_bytes": n.disk_total - n.disk_used(), "free_disk_percent": 100.0 - n.disk_percent(), "used_disk_percent": n.disk_percent()});
            (n.id.clone(), json!({"node_name": n.name, "least_available": usage, "most_available": usage}))
        }).collect();
        v["cluster_info"] =
            json!({"nodes": disk, "shard_sizes": {}, "shard_paths": {}, "reserved_sizes": []});
    }
    Ok(Resp::ok(v))
}

pub fn reroute(w: &mut World, r: &Req) -> HResult {
    let cl = &mut w.clusters[r.cluster];
    crate::alloc::reroute_all(cl);
    Ok(Resp::ok(json!({"acknowledged": true})))
}

pub fn remote_info(w: &mut World, r: &Req) -> HResult {
    let cl = &w.clusters[r.cluster];
    let mut o = Map::new();
    for (k, v) in cl
        .settings
        .persistent
        .iter()
        .chain(cl.settings.transient.iter())
    {
        if let Some(alias) = k
            .strip_prefix("cluster.remote.")
            .and_then(|s| s.strip_suffix(".seeds"))
        {
            let connected = crate::ccr::remote_cluster(w, r.cluster, alias)
                .map(|lc| crate::ccr::reachable(w, lc))
                .unwrap_or(false);
            o.insert(alias.to_string(), json!({"connected": connected, "mode": "sniff", "seeds": v, "num_nodes_connected": if connected {1} else {0},
                "max_connections_per_cluster": 3, "initial_connect_timeout": "30s", "skip_unavailable": false}));
        }
    }
    Ok(Resp::ok(Value::Object(o)))
}

pub fn stats(w: &mut World, r: &Req) -> HResult {
    let now = w.now;
    let cl = &w.clusters[r.cluster];
    let docs: u64 = cl.indices.values().map(|i| i.docs.count(now)).sum();
    let store: u64 = cl.indices.values().map(|i| i.total_bytes(now)).sum();
    let shards: usize = cl.indices.values().map(|i| i.assigned_copies()).sum();
    let status = if cl.indices.values().any(|i| i.health() == "red") {
        "red"
    } else if cl.indices.values().any(|i| i.health() == "yellow") {
        "yellow"
    } else {
        "green"
    };
    Ok(Resp::ok(
        json!({"_nodes": {"total": cl.nodes.len(), "successful": cl.nodes.len(), "failed": 0},
        "cluster_name": cl.name, "cluster_uuid": cl.uuid, "timestamp": now, "status": status,
        "indices": {"count": cl.indices.len(), "shards": {"total": shards}, "docs": {"count": docs, "deleted": 0},
            "store": {"size_in_bytes": store, "reserved_in_bytes": 0}},
        "nodes": {"count": {"total": cl.nodes.len(), "data": cl.nodes.len(), "cluster_manager": cl.nodes.len()}}}),
    ))
}

const STATS_METRICS: &[&str] = &[
    "indices",
    "os",
    "process",
    "jvm",
    "thread_pool",
    "fs",
    "transport",
    "http",
    "breaker",
    "script",
    "discovery",
    "ingest",
    "adaptive_selection",
    "indexing_pressure",
    "shard_indexing_pressure",
    "search_backpressure",
    "cluster_manager_throttling",
    "weighted_routing",
    "file_cache",
    "task_cancellation",
    "search_pipeline",
    "resource_usage_stats",
    "segment_replication_backpressure",
    "repositories",
    "admission_control",
    "caches",
    "script_cache",
];
const INFO_METRICS: &[&str] = &[
    "settings",
    "os",
    "process",
    "jvm",
    "thread_pool",
    "transport",
    "http",
    "plugins",
    "ingest",
    "aggregations",
    "indices",
    "search_pipelines",
];

pub fn select_nodes(cl: &Cluster, spec: &str) -> Vec<usize> {
    let mut set: Vec<bool> = vec![false; cl.nodes.len()];
    for (i, part) in spec.split(',').map(str::trim).enumerate() {
        if i == 0 && part.ends_with(":false") {
            set.iter_mut().for_each(|x| *x = true);
        }
        match part {
            "_all" | "_local" | "*" | "_cluster_manager" | "_master" => {
                set.iter_mut().for_each(|x| *x = true)
            }
            p if p.contains(':') => {
                let (role, val) = p.split_once(':').unwrap_or((p, "true"));
                let role = if role == "master" {
                    "cluster_manager"
                } else {
                    role
                };
                for (n, node) in cl.nodes.iter().enumerate() {
                    let has = node.roles.iter().any(|r| r == role)
                        || node.attributes.get(role).is_some_and(|v| v == val);
                    if val == "true" && has || node.attributes.get(role).is_some_and(|v| v == val) {
                        set[n] = true;
                    } else if val == "false" && has {
                        set[n] = false;
                    }
                }
            }
            p => {
                for (n, node) in cl.nodes.iter().enumerate() {
                    if crate::util::wildcard_match(p, &node.name) || node.id == p {
                        set[n] = true;
                    }
                }
            }
        }
    }
    set.iter()
        .enumerate()
        .filter(|(_, x)| **x)
        .map(|(i, _)| i)
        .collect()
}

fn pools_stats(node: &crate::nodes::Node) -> Value {
    let m: Map<String, Value> = node.pools.iter().map(|p| (p.name.to_string(), json!({"threads": p.threads(), "queue": p.queue,
        "active": p.active, "rejected": p.rejected, "largest": p.largest, "completed": p.completed}))).collect();
    Value::Object(m)
}

pub fn pools_info(node: &crate::nodes::Node) -> Value {
    let m: Map<String, Value> = node.pools.iter().map(|p| {
        let v = if p.kind == "scaling" {
            json!({"type": "scaling", "core": p.core, "max": p.size, "keep_alive": "5m", "queue_size": -1})
        } else {
            json!({"type": p.kind, "size": p.size, "queue_size": p.queue_size})
        };
        (p.name.to_string(), v)
    }).collect();
    Value::Object(m)
}

fn node_stats(w: &World, cl: &Cluster, n: usize, metrics: &[String]) -> Value {
    let now = w.now;
    let node = &cl.nodes[n];
    let want = |m: &str| metrics.is_empty() || metrics.iter().any(|x| x == m || x == "_all");
    let (mut docs, mut store) = (0u64, 0u64);
    for ix in cl.indices.values() {
        let per = ix.docs.count(now) / u64::from(ix.num_shards().max(1));
        let b = ix.shard_bytes(now);
        for s in ix.shards.iter().filter(|s| s.node == Some(n)) {
            let _ = s;
            docs += per;
            store += b;
        }
    }
    let mut o = json!({"timestamp": now, "name": node.name, "transport_address": node.transport_address(), "host": node.ip,
        "ip": node.ip, "roles": node.roles, "attributes": node.attributes});
    if want("indices") {
        let mut ind = super::stats_api::sections(docs, 0, store, docs);
        ind["request_cache"] =
            json!({"memory_size_in_bytes": 0, "evictions": 0, "hit_count": 0, "miss_count": 0});
        o["indices"] = ind;
    }
    if want("os") {
        o["os"] = json!({"timestamp": now, "cpu": {"percent": 10, "load_average": {"1m": 0.5, "5m": 0.4, "15m": 0.3}},
            "mem": {"total_in_bytes": 17179869184u64, "free_in_bytes": 4294967296u64, "used_in_bytes": 12884901888u64, "free_percent": 25, "used_percent": 75}});
    }
    if want("jvm") {
        let max: u64 = 4 * (1 << 30);
        o["jvm"] = json!({"timestamp": now, "uptime_in_millis": now, "mem": {"heap_used_in_bytes": max * u64::from(node.heap_percent) / 100,
            "heap_used_percent": node.heap_percent, "heap_committed_in_bytes": max, "heap_max_in_bytes": max}});
    }
    if want("thread_pool") {
        o["thread_pool"] = pools_stats(node);
    }
    if want("fs") {
        let free = node.disk_total - node.disk_used();
        o["fs"] = json!({"timestamp": now, "total": {"total_in_bytes": node.disk_total, "free_in_bytes": free, "available_in_bytes": free},
            "data": [{"path": "/usr/share/opensearch/data/nodes/0", "mount": "/", "type": "ext4", "total_in_bytes": node.disk_total,
                "free_in_bytes": free, "available_in_bytes": free}]});
    }
    if want("process") {
        o["process"] = json!({"timestamp": now, "open_file_descriptors": 512, "max_file_descriptors": 65536, "cpu": {"percent": 5, "total_in_millis": now / 1000}});
    }
    if want("breaker") {
        o["breakers"] = json!({"parent": {"limit_size_in_bytes": 4080218931u64, "estimated_size_in_bytes": 0, "overhead": 1.0, "tripped": 0}});
    }
    o
}

fn node_info(cl: &Cluster, n: usize, metrics: &[String]) -> Value {
    let node = &cl.nodes[n];
    let want = |m: &str| metrics.is_empty() || metrics.iter().any(|x| x == m || x == "_all");
    let mut o = json!({"name": node.name, "transport_address": node.transport_address(), "host": node.ip, "ip": node.ip,
        "version": VERSION, "build_type": "tar", "build_hash": "fd9a9d90df25bea1af2c6a85039692e815b894f5",
        "total_indexing_buffer": 429496729, "roles": node.roles, "attributes": node.attributes});
    if want("settings") {
        o["settings"] = json!({"cluster": {"name": cl.name}, "node": {"name": node.name, "attr": node.attributes}});
    }
    if want("os") {
        o["os"] = json!({"refresh_interval_in_millis": 1000, "name": "Linux", "arch": "amd64", "available_processors": node.processors, "allocated_processors": node.processors});
    }
    if want("thread_pool") {
        o["thread_pool"] = pools_info(node);
    }
    o
}

pub fn nodes(w: &mut World, r: &Req, rest: &[String]) -> HResult {
    let cl = &w.clusters[r.cluster];
    let parts: Vec<&str> = rest.iter().map(String::as_str).collect();
    let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    let (node_spec, stats, metrics): (String, bool, Vec<String>) = match parts.as_slice() {
        [] => ("_all".into(), false, vec![]),
        ["stats"] => ("_all".into(), true, vec![]),
        ["stats", m] | ["stats", m, _] => ("_all".into(), true, split(m)),
        [n, "stats"] => ((*n).into(), true, vec![]),
        [n, "stats", m] | [n, "stats", m, _] => ((*n).into(), true, split(m)),
        [x] if x.split(',').all(|m| INFO_METRICS.contains(&m)) => ("_all".into(), false, split(x)),
        [x] => ((*x).into(), false, vec![]),
        [n, m] => ((*n).into(), false, split(m)),
        _ => return Ok(super::no_handler(r)),
    };
    if stats {
        if let Some(bad) = metrics
            .iter()
            .find(|m| !STATS_METRICS.contains(&m.as_str()) && *m != "_all")
        {
            return Err(OsError::illegal_argument(format!(
                "request [{}] contains unrecognized metric: [{bad}]",
                r.path
            )));
        }
    }
    let ids = select_nodes(cl, &node_spec);
    let mut nodes = Map::new();
    for n in &ids {
        let v = if stats {
            node_stats(w, cl, *n, &metrics)
        } else {
            node_info(cl, *n, &metrics)
        };
        nodes.insert(cl.nodes[*n].id.clone(), v);
    }
    Ok(Resp::ok(
        json!({"_nodes": {"total": ids.len(), "successful": ids.len(), "failed": 0}, "cluster_name": cl.name, "nodes": nodes}),
    ))
}
