//! Document endpoints: `_bulk`, `/<index>/_doc`, `_create`, `_count`, a minimal `_search`.
use serde_json::{json, Map, Value};

use super::query::Query;
use super::types::{parse_json, HResult, Req, Resp};
use crate::error::OsError;
use crate::model::{Cluster, DocMeta};
use crate::ops;
use crate::world::World;

fn shards() -> Value {
    json!({"total": 2, "successful": 1, "failed": 0})
}

/// The 429 a saturated write pool answers with.
pub fn rejected(w: &World, c: usize, index: &str) -> Option<OsError> {
    let now = w.now;
    let cl = &w.clusters[c];
    let ix = cl.indices.get(index)?;
    let node = ix.shards.iter().find(|s| s.primary).and_then(|s| s.node)?;
    let n = &cl.nodes[node];
    let p = n.pool("write")?;
    if !p.is_saturated(now) {
        return None;
    }
    Some(OsError::new(429, "rejected_execution_exception", format!(
        "rejected execution of org.opensearch.common.util.concurrent.TimedRunnable@5c2a0ad6 on OpenSearchThreadPoolExecutor[name = {}/write, queue capacity = {}, org.opensearch.common.util.concurrent.OpenSearchThreadPoolExecutor@4d5c1a7b[Running, pool size = {}, active threads = {}, queued tasks = {}, completed tasks = {}]]",
        n.name, p.queue_size, p.size, p.size, p.queue_size.max(0), p.completed
    )))
}

fn note_rejection(w: &mut World, c: usize, index: &str) {
    let cl = &mut w.clusters[c];
    let node = cl
        .indices
        .get(index)
        .and_then(|ix| ix.shards.iter().find(|s| s.primary))
        .and_then(|s| s.node);
    if let Some(p) = node.and_then(|n| cl.nodes[n].pool_mut("write")) {
        p.rejected += 1;
    }
}

fn ensure_index(w: &mut World, c: usize, index: &str) -> Result<String, OsError> {
    let cl = &w.clusters[c];
    if let Some(wi) = cl
        .aliases
        .contains_key(index)
        .then(|| cl.write_index(index))
    {
        return wi.ok_or_else(|| OsError::illegal_argument(format!(
            "no write index is defined for alias [{index}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index"
        )));
    }
    if !cl.indices.contains_key(index) {
        if cl.settings.get_str("action.auto_create_index").as_deref() == Some("false") {
            return Err(OsError::index_not_found(index));
        }
        ops::create_index(
            w,
            c,
            index,
            ops::CreateSpec {
                mappings: json!({}),
                ..Default::default()
            },
        )?;
    }
    Ok(index.to_string())
}

fn gen_id(w: &mut World, c: usize) -> String {
    let seed = w.seed ^ 0xD0C;
    w.clusters[c].next_uuid(seed)[..20].to_string()
}

enum Op {
    Index { create: bool },
    Update,
    Delete,
}

/// Applies one write; returns (status, item body).
fn apply(
    w: &mut World,
    c: usize,
    op: &Op,
    index: &str,
    id: Option<String>,
    source: Option<&Value>,
) -> (u16, Value) {
    let target = match ensure_index(w, c, index) {
        Ok(t) => t,
        Err(e) => {
            return (
                e.status,
                json!({"_index": index, "_id": id, "status": e.status, "error": error_obj(&e)}),
            )
        }
    };
    let id = match id {
        Some(i) => i,
        None => gen_id(w, c),
    };
    if let Some(e) = w.clusters[c]
        .indices
        .get(&target)
        .and_then(ops::write_block)
        .or_else(|| rejected(w, c, &target))
    {
        if e.kind == "rejected_execution_exception" {
            note_rejection(w, c, &target);
        }
        return (
            e.status,
            json!({"_index": target, "_id": id, "status": e.status, "error": error_obj(&e)}),
        );
    }
    let Some(ix) = w.clusters[c].indices.get_mut(&target) else {
        return (404, json!({"_index": target, "_id": id, "status": 404}));
    };
    let existing = ix.stored.get(&id).cloned();
    let seq = ix.next_seq;
    let item = |result: &str, version: u64, status: u16| json!({"_index": target, "_id": id, "_version": version, "result": result, "_shards": shards(), "_seq_no": seq, "_primary_term": 1, "status": status});
    match op {
        Op::Index { create } => {
            if *create && existing.is_some() {
                let v = existing.map(|e| e.version).unwrap_or(1);
                let e = OsError::new(
                    409,
                    "version_conflict_engine_exception",
                    format!(
                        "[{id}]: version conflict, document already exists (current version [{v}])"
                    ),
                )
                .with("index", target.clone())
                .with("shard", "0")
                .with("index_uuid", ix.uuid.clone());
                return (
                    409,
                    json!({"_index": target, "_id": id, "status": 409, "error": error_obj(&e)}),
                );
            }
            let src = source.cloned().unwrap_or(json!({}));
            let bytes = src.to_string().len() as u64;
            let version = existing.as_ref().map(|e| e.version + 1).unwrap_or(1);
            if existing.is_none() {
                ix.docs.add(1, bytes);
            } else {
                ix.docs.base_ops += 1;
            }
            ix.next_seq += 1;
            ix.stored.insert(
                id.clone(),
                DocMeta {
                    version,
                    seq_no: seq,
                    source: src,
                },
            );
            if existing.is_some() {
                (200, item("updated", version, 200))
            } else {
                (201, item("created", version, 201))
            }
        }
        Op::Update => {
            let body = source.cloned().unwrap_or(json!({}));
            let script_noop = body
                .get("script")
                .and_then(|s| s.get("source").or(Some(s)))
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains("ctx.op") && s.contains("none"));
            match existing {
                None => {
                    let upsert = if body.get("doc_as_upsert") == Some(&Value::Bool(true)) {
                        body.get("doc").cloned()
                    } else {
                        body.get("upsert").cloned()
                    };
                    match upsert {
                        Some(_) if script_noop => (200, item("noop", 0, 200)),
                        Some(doc) => {
                            ix.docs.add(1, doc.to_string().len() as u64);
                            ix.next_seq += 1;
                            ix.stored.insert(
                                id.clone(),
                                DocMeta {
                                    version: 1,
                                    seq_no: seq,
                                    source: doc,
                                },
                            );
                            (201, item("created", 1, 201))
                        }
                        None => {
                            let e = OsError::new(
                                404,
                                "document_missing_exception",
                                format!("[{id}]: document missing"),
                            )
                            .with("index", target.clone())
                            .with("shard", "0")
                            .with("index_uuid", ix.uuid.clone());
                            (
                                404,
                                json!({"_index": target, "_id": id, "status": 404, "error": error_obj(&e)}),
                            )
                        }
                    }
                }
                Some(e) => {
                    let mut src = e.source.clone();
                    let mut changed = false;
                    if let (Some(doc), Some(obj)) = (
                        body.get("doc").and_then(Value::as_object),
                        src.as_object_mut(),
                    ) {
                        for (k, v) in doc {
                            if obj.get(k) != Some(v) {
                                obj.insert(k.clone(), v.clone());
                                changed = true;
                            }
                        }
                    }
                    if body.get("script").is_some() && !script_noop {
                        changed = true;
                    }
                    if !changed {
                        return (200, item("noop", e.version, 200));
                    }
                    ix.docs.base_ops += 1;
                    ix.next_seq += 1;
                    let version = e.version + 1;
                    ix.stored.insert(
                        id.clone(),
                        DocMeta {
                            version,
                            seq_no: seq,
                            source: src,
                        },
                    );
                    (200, item("updated", version, 200))
                }
            }
        }
        Op::Delete => match existing {
            Some(e) => {
                ix.stored.remove(&id);
                ix.docs.base_docs = ix.docs.base_docs.saturating_sub(1);
                ix.docs.deleted += 1;
                ix.docs.base_ops += 1;
                ix.next_seq += 1;
                (200, item("deleted", e.version + 1, 200))
            }
            None => {
                ix.next_seq += 1;
                (404, item("not_found", 1, 404))
            }
        },
    }
}

fn error_obj(e: &OsError) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!(e.kind));
    o.insert("reason".into(), json!(e.reason));
    for (k, v) in &e.extra {
        o.insert(k.clone(), v.clone());
    }
    Value::Object(o)
}

pub fn bulk(w: &mut World, r: &Req, path_index: Option<&str>) -> HResult {
    let c = r.cluster;
    let text = String::from_utf8_lossy(&r.body).to_string();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let mut items = Vec::new();
    let mut errors = false;
    while let Some(line) = lines.next() {
        let action = parse_json(line.as_bytes())?;
        let Some((kind, meta)) = action
            .as_object()
            .and_then(|o| o.iter().next())
            .map(|(k, v)| (k.clone(), v.clone()))
        else {
            return Err(OsError::illegal_argument("Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [null]"));
        };
        let op = match kind.as_str() {
            "index" => Op::Index { create: false },
            "create" => Op::Index { create: true },
            "update" => Op::Update,
            "delete" => Op::Delete,
            other => return Err(OsError::illegal_argument(format!("Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [{other}]"))),
        };
        let source = match op {
            Op::Delete => None,
            _ => Some(parse_json(lines.next().unwrap_or("{}").as_bytes())?),
        };
        let index = meta
            .get("_index")
            .and_then(Value::as_str)
            .or(path_index)
            .ok_or_else(|| {
                OsError::new(
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: index is missing;",
                )
            })?;
        let id = meta.get("_id").and_then(Value::as_str).map(str::to_string);
        if matches!(op, Op::Update | Op::Delete) && id.is_none() {
            return Err(OsError::new(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: id is missing;",
            ));
        }
        let (status, body) = apply(w, c, &op, index, id, source.as_ref());
        if status >= 400 && !(matches!(op, Op::Delete) && status == 404) {
            errors = true;
        }
        items.push(json!({ kind: body }));
    }
    let took = items.len() as u64;
    Ok(Resp::ok(
        json!({"took": took, "errors": errors, "items": items}),
    ))
}

pub fn index_doc(w: &mut World, r: &Req, index: &str, id: Option<&str>, create: bool) -> HResult {
    let body = r.json_required()?;
    let create = create || r.q("op_type") == Some("create");
    let (status, item) = apply(
        w,
        r.cluster,
        &Op::Index { create },
        index,
        id.map(str::to_string),
        Some(&body),
    );
    single(status, item)
}

fn single(status: u16, mut item: Value) -> HResult {
    if let Some(err) = item.get("error").cloned() {
        let e = OsError {
            status,
            kind: err
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("exception")
                .to_string(),
            reason: err
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            extra: err
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| *k != "type" && *k != "reason")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            headers: vec![],
        };
        return Err(e);
    }
    if let Some(o) = item.as_object_mut() {
        o.remove("status");
    }
    Ok(Resp::json(status, item))
}

pub fn doc(w: &mut World, r: &Req, index: &str, id: &str) -> HResult {
    let c = r.cluster;
    match r.method.as_str() {
        "PUT" | "POST" => index_doc(w, r, index, Some(id), false),
        "DELETE" => {
            let (status, item) = apply(w, c, &Op::Delete, index, Some(id.to_string()), None);
            single(status, item)
        }
        m => {
            let cl = &w.clusters[c];
            let target = if cl.aliases.contains_key(index) {
                cl.write_index(index).unwrap_or_default()
            } else {
                index.to_string()
            };
            let ix = cl
                .indices
                .get(&target)
                .ok_or_else(|| OsError::index_not_found(index))?;
            match ix.stored.get(id) {
                Some(d) if m == "HEAD" => {
                    let _ = d;
                    Ok(Resp::empty(200))
                }
                Some(d) => Ok(Resp::ok(
                    json!({"_index": target, "_id": id, "_version": d.version, "_seq_no": d.seq_no,
                    "_primary_term": 1, "found": true, "_source": d.source}),
                )),
                None if m == "HEAD" => Ok(Resp::empty(404)),
                None => Ok(Resp::json(
                    404,
                    json!({"_index": target, "_id": id, "found": false}),
                )),
            }
        }
    }
}

pub fn count(w: &mut World, r: &Req, idx: Option<&str>) -> HResult {
    let now = w.now;
    let cl = &w.clusters[r.cluster];
    let names = match idx {
        Some(i) => cl.resolve_strict(i)?,
        None => cl.indices.keys().cloned().collect(),
    };
    let n: u64 = names.iter().map(|x| cl.indices[x].docs.count(now)).sum();
    let shards: usize = names
        .iter()
        .map(|x| cl.indices[x].num_shards() as usize)
        .sum();
    Ok(Resp::ok(
        json!({"count": n, "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0}}),
    ))
}

pub fn search(w: &mut World, r: &Req, idx: Option<&str>) -> HResult {
    let body = r.json()?;
    let size = r.q("size").and_then(|s| s.parse().ok());
    search_names(&w.clusters[r.cluster], w.now, idx, &body, size).map(Resp::ok)
}

/// One search over `idx` (every index when `None`): hits that match the body's query, from
/// `from`, at most `size` (the body's, else `size_param`, else 10).
pub fn search_names(
    cl: &Cluster,
    now: i64,
    idx: Option<&str>,
    body: &Value,
    size_param: Option<usize>,
) -> Result<Value, OsError> {
    let names = match idx {
        Some(i) => cl.resolve_strict(i)?,
        None => cl.indices.keys().cloned().collect(),
    };
    let query = Query::of_body(cl, body)?;
    let size = body
        .get("size")
        .and_then(Value::as_u64)
        .map(|s| s as usize)
        .or(size_param)
        .unwrap_or(10);
    let from = body.get("from").and_then(Value::as_u64).unwrap_or(0) as usize;
    let stored: Vec<(&String, &String, &Value)> = names
        .iter()
        .flat_map(|n| {
            cl.indices[n]
                .stored
                .iter()
                .map(move |(id, d)| (n, id, &d.source))
        })
        .filter(|(_, id, src)| query.matches(id, src))
        .collect();
    // Documents counted but not stored (simulated ingest) match only `match_all`.
    let total: u64 = if matches!(query, Query::All) {
        names.iter().map(|x| cl.indices[x].docs.count(now)).sum()
    } else {
        stored.len() as u64
    };
    let hits: Vec<Value> = stored
        .iter()
        .skip(from)
        .take(size)
        .map(|(n, id, src)| json!({"_index": n, "_id": id, "_score": 1.0, "_source": src}))
        .collect();
    let shards: usize = names
        .iter()
        .map(|x| cl.indices[x].num_shards() as usize)
        .sum();
    Ok(
        json!({"took": 1, "timed_out": false, "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": total, "relation": "eq"}, "max_score": if hits.is_empty() { Value::Null } else { json!(1.0) }, "hits": hits}}),
    )
}
