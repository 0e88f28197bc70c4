//! Core `_rollover` (used by the REST handler and ISM's rollover action).
use serde_json::{json, Map, Value};

use super::error::{OsError, OsResult};
use super::model::AliasMeta;
use super::ops::{create_index, parse_create_body, sync_ingest_all};
use super::world::World;

/// Generates the next rollover name (`logs-000001` → `logs-000002`).
pub fn next_rollover_name(old: &str) -> OsResult<String> {
    let dash = old.rfind('-');
    let digits = dash
        .map(|d| &old[d + 1..])
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()));
    match (dash, digits) {
        (Some(d), Some(num)) => {
            let n: u64 = num.parse().unwrap_or(0) + 1;
            Ok(format!("{}-{:06}", &old[..d], n))
        }
        _ => Err(OsError::illegal_argument(format!(
            "index name [{old}] does not match pattern '^.*-\\d+$'"
        ))),
    }
}

/// Core `_rollover`. `conditions` are the core names (max_age, max_docs, max_size, max_primary_shard_size).
pub fn rollover(
    world: &mut World,
    c: usize,
    alias: &str,
    new_name: Option<&str>,
    body: &Value,
    dry_run: bool,
) -> OsResult<Value> {
    let now = world.now;
    let cl = &world.clusters[c];
    if !cl.aliases.contains_key(alias) {
        return Err(OsError::illegal_argument(format!(
            "rollover target [{alias}] does not exist"
        )));
    }
    let old = cl.write_index(alias).ok_or_else(|| {
        OsError::illegal_argument(format!(
            "rollover target [{alias}] does not point to a write index"
        ))
    })?;
    let new_name = match new_name {
        Some(n) => n.to_string(),
        None => next_rollover_name(&old)?,
    };
    let ix = &cl.indices[&old];
    let mut results = Map::new();
    if let Some(conds) = body.get("conditions").and_then(Value::as_object) {
        for (k, v) in conds {
            let met = match k.as_str() {
                "max_age" => {
                    now - ix.creation_date
                        >= super::util::parse_time_ms(v.as_str().unwrap_or("")).unwrap_or(i64::MAX)
                }
                "max_docs" => ix.docs.count(now) >= v.as_u64().unwrap_or(u64::MAX),
                "max_size" => {
                    ix.primary_bytes(now)
                        >= v.as_str()
                            .and_then(super::util::parse_bytes)
                            .unwrap_or(u64::MAX)
                }
                "max_primary_shard_size" => {
                    ix.shard_bytes(now)
                        >= v.as_str()
                            .and_then(super::util::parse_bytes)
                            .unwrap_or(u64::MAX)
                }
                other => {
                    return Err(OsError::new(
                        400,
                        "x_content_parse_exception",
                        format!("[1:1] [conditions] unknown field [{other}]"),
                    ))
                }
            };
            let shown = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            results.insert(format!("[{k}: {shown}]"), Value::Bool(met));
        }
    }
    let met = results.is_empty() || results.values().any(|v| v == &Value::Bool(true));
    let respond = |rolled: bool| {
        json!({"acknowledged": rolled, "shards_acknowledged": rolled, "old_index": old, "new_index": new_name,
               "rolled_over": rolled, "dry_run": dry_run, "conditions": Value::Object(results.clone())})
    };
    if dry_run || !met {
        return Ok(respond(false));
    }
    let mut spec = parse_create_body(&json!({
        "settings": body.get("settings").cloned().unwrap_or(json!({})),
        "mappings": body.get("mappings").cloned().unwrap_or(json!({})),
        "aliases": body.get("aliases").cloned().unwrap_or(json!({})),
    }))?;
    let explicit_write = cl.indices[&old]
        .aliases
        .get(alias)
        .and_then(|m| m.is_write_index)
        == Some(true);
    spec.aliases.insert(
        alias.to_string(),
        AliasMeta {
            is_write_index: if explicit_write { Some(true) } else { None },
            ..AliasMeta::default()
        },
    );
    create_index(world, c, &new_name, spec)?;
    let cl = &mut world.clusters[c];
    if explicit_write {
        if let Some(m) = cl
            .indices
            .get_mut(&old)
            .and_then(|ix| ix.aliases.get_mut(alias))
        {
            m.is_write_index = Some(false);
        }
    } else {
        cl.remove_alias(&old, alias);
    }
    if let Some(ix) = cl.indices.get_mut(&old) {
        ix.rollover_info.insert(alias.to_string(), now);
    }
    sync_ingest_all(world, c);
    let mut out = respond(true);
    out["acknowledged"] = json!(true);
    Ok(out)
}
