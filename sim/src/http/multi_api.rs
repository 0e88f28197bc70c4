//! Multi-document reads: `_mget` and `_msearch`, with per-item errors as OpenSearch answers
//! them (a missing index fails its item, not the request).
use serde_json::{json, Value};

use super::docs_api::search_names;
use super::types::{parse_json, HResult, Req, Resp};
use crate::error::OsError;
use crate::model::Cluster;

fn validation(msg: impl std::fmt::Display) -> OsError {
    OsError::new(
        400,
        "action_request_validation_exception",
        format!("Validation Failed: 1: {msg};"),
    )
}

/// One document of `_mget`: its source, `found: false`, or an error for a missing index.
fn get_one(cl: &Cluster, index: &str, id: &str) -> Value {
    let target = if cl.aliases.contains_key(index) {
        cl.write_index(index).unwrap_or_default()
    } else {
        index.to_string()
    };
    match cl.indices.get(&target) {
        None => {
            let e = OsError::index_not_found(index);
            json!({"_index": index, "_id": id, "error": e.body()["error"].clone()})
        }
        Some(ix) => match ix.stored.get(id) {
            Some(d) => json!({"_index": target, "_id": id, "_version": d.version,
                "_seq_no": d.seq_no, "_primary_term": 1, "found": true, "_source": d.source}),
            None => json!({"_index": target, "_id": id, "found": false}),
        },
    }
}

/// `GET|POST [/<index>]/_mget` with `docs[]` (`_index`, `_id`) or `ids`.
pub fn mget(cl: &Cluster, r: &Req, path_index: Option<&str>) -> HResult {
    let body = r.json_required()?;
    let mut docs = Vec::new();
    if let Some(ids) = body.get("ids").and_then(Value::as_array) {
        let Some(index) = path_index else {
            return Err(validation("index is missing for doc 0"));
        };
        for id in ids {
            let id = id
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| id.to_string());
            docs.push(get_one(cl, index, &id));
        }
    } else if let Some(items) = body.get("docs").and_then(Value::as_array) {
        for (i, d) in items.iter().enumerate() {
            let index = d.get("_index").and_then(Value::as_str).or(path_index);
            let Some(index) = index else {
                return Err(validation(format!("index is missing for doc {i}")));
            };
            let Some(id) = d.get("_id").and_then(Value::as_str) else {
                return Err(validation(format!("id is missing for doc {i}")));
            };
            docs.push(get_one(cl, index, id));
        }
    } else {
        return Err(validation("no documents to get"));
    }
    Ok(Resp::ok(json!({ "docs": docs })))
}

/// `GET|POST [/<index>]/_msearch`: NDJSON header and body pairs.
pub fn msearch(cl: &Cluster, now: i64, r: &Req, path_index: Option<&str>) -> HResult {
    let text = String::from_utf8_lossy(&r.body).to_string();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err(validation("no requests added"));
    }
    let mut responses = Vec::new();
    for pair in lines.chunks(2) {
        let header = parse_json(pair[0].as_bytes())?;
        let body = match pair.get(1) {
            Some(b) => parse_json(b.as_bytes())?,
            None => Value::Null,
        };
        let index = match header.get("index") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => path_index.map(String::from),
        };
        let item = search_names(cl, now, index.as_deref(), &body, None)
            .map(|mut v| {
                v["status"] = json!(200);
                v
            })
            .unwrap_or_else(|e| e.body());
        responses.push(item);
    }
    Ok(Resp::ok(json!({"took": 1, "responses": responses})))
}
