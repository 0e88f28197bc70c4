//! `_stats` and `_refresh`, and the stats sections `_nodes/stats` shares.
use serde_json::{json, Map, Value};

use super::types::{HResult, Req, Resp};
use crate::model::{Cluster, Index};
use crate::world::World;

pub fn shards_header(cl: &Cluster, names: &[String]) -> Value {
    let total: usize = names.iter().map(|n| cl.indices[n].shards.len()).sum();
    let ok: usize = names.iter().map(|n| cl.indices[n].assigned_copies()).sum();
    json!({"total": total, "successful": ok, "failed": 0})
}

pub fn refresh(w: &mut World, r: &Req, idx: Option<&str>) -> HResult {
    let cl = &w.clusters[r.cluster];
    let names = match idx {
        Some(i) => cl.resolve_strict(i)?,
        None => cl.indices.keys().cloned().collect(),
    };
    Ok(Resp::ok(json!({"_shards": shards_header(cl, &names)})))
}

/// The stats sections shared by `_stats` and `_nodes/stats` (every field the spec requires).
pub fn sections(docs: u64, deleted: u64, bytes: u64, ops: u64) -> Value {
    json!({
        "docs": {"count": docs, "deleted": deleted},
        "store": {"size_in_bytes": bytes, "reserved_in_bytes": 0},
        "indexing": {"index_total": ops, "index_time_in_millis": ops / 10, "index_current": 0, "index_failed": 0,
            "delete_total": 0, "delete_time_in_millis": 0, "delete_current": 0, "noop_update_total": 0,
            "is_throttled": false, "throttle_time_in_millis": 0},
        "get": {"total": 0, "time_in_millis": 0, "exists_total": 0, "exists_time_in_millis": 0, "missing_total": 0, "missing_time_in_millis": 0, "current": 0},
        "search": {"open_contexts": 0, "query_total": 0, "query_time_in_millis": 0, "query_current": 0, "fetch_total": 0,
            "fetch_time_in_millis": 0, "fetch_current": 0, "scroll_total": 0, "scroll_time_in_millis": 0, "scroll_current": 0,
            "suggest_total": 0, "suggest_time_in_millis": 0, "suggest_current": 0},
        "merges": {"current": 0, "current_docs": 0, "current_size_in_bytes": 0, "total": 0, "total_time_in_millis": 0, "total_docs": 0,
            "total_size_in_bytes": 0, "total_stopped_time_in_millis": 0, "total_throttled_time_in_millis": 0,
            "total_auto_throttle_in_bytes": 20971520},
        "refresh": {"total": 1, "total_time_in_millis": 0, "external_total": 1, "external_total_time_in_millis": 0, "listeners": 0},
        "flush": {"total": 0, "periodic": 0, "total_time_in_millis": 0},
        "segments": {"count": u64::from(docs > 0), "memory_in_bytes": 0, "terms_memory_in_bytes": 0, "stored_fields_memory_in_bytes": 0,
            "term_vectors_memory_in_bytes": 0, "norms_memory_in_bytes": 0, "points_memory_in_bytes": 0, "doc_values_memory_in_bytes": 0,
            "index_writer_memory_in_bytes": 0, "version_map_memory_in_bytes": 0, "fixed_bit_set_memory_in_bytes": 0,
            "max_unsafe_auto_id_timestamp": -1, "file_sizes": {}},
        "translog": {"operations": 0, "size_in_bytes": 55, "uncommitted_operations": 0, "uncommitted_size_in_bytes": 55, "earliest_last_modified_age": 0},
    })
}

fn stat_block(ix: &Index, now: i64, total: bool, metric: Option<&str>) -> Value {
    let copies = if total {
        ix.assigned_copies().max(1) as u64 / u64::from(ix.num_shards().max(1)).max(1)
    } else {
        1
    };
    let docs = ix.docs.count(now);
    let bytes = if total {
        ix.total_bytes(now)
    } else {
        ix.primary_bytes(now)
    };
    let mut o = sections(
        docs * copies,
        ix.docs.deleted * copies,
        bytes,
        ix.docs.ops(now) * copies,
    );
    if let (Some(m), Some(obj)) = (metric, o.as_object_mut()) {
        if m != "_all" {
            let keep: Vec<&str> = m.split(',').collect();
            obj.retain(|k, _| keep.contains(&k.as_str()));
        }
    }
    o
}

fn add_into(acc: &mut Value, v: &Value) {
    match (acc, v) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, bv) in b {
                match a.get_mut(k) {
                    Some(av) => add_into(av, bv),
                    None => {
                        a.insert(k.clone(), bv.clone());
                    }
                }
            }
        }
        (acc @ Value::Number(_), Value::Number(b)) => {
            let s = acc.as_u64().unwrap_or(0) + b.as_u64().unwrap_or(0);
            *acc = json!(s);
        }
        _ => {}
    }
}

pub fn stats(w: &mut World, r: &Req, idx: Option<&str>, metric: Option<&str>) -> HResult {
    let now = w.now;
    let cl = &w.clusters[r.cluster];
    let names = match idx {
        Some(i) => cl.resolve_strict(i)?,
        None => cl.indices.keys().cloned().collect(),
    };
    let mut pri_all = json!({});
    let mut tot_all = json!({});
    let mut per = Map::new();
    for n in &names {
        let ix = &cl.indices[n];
        let p = stat_block(ix, now, false, metric);
        let t = stat_block(ix, now, true, metric);
        add_into(&mut pri_all, &p);
        add_into(&mut tot_all, &t);
        per.insert(n.clone(), json!({"uuid": ix.uuid, "health": ix.health(), "status": if ix.open {"open"} else {"close"}, "primaries": p, "total": t}));
    }
    let mut o = json!({"_shards": shards_header(cl, &names), "_all": {"primaries": pri_all, "total": tot_all}});
    if r.q("level") != Some("cluster") {
        o["indices"] = Value::Object(per);
    }
    Ok(Resp::ok(o))
}
