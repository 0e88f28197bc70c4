//! Index endpoints: create/get/delete, settings, aliases, rollover, stats, refresh, templates.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::types::{HResult, Req, Resp};
use crate::error::OsError;
use crate::model::{AliasMeta, Cluster, Index};
use crate::ops;
use crate::settings::{flatten, nest, strings_to_values};
use crate::util::wildcard_match;
use crate::world::World;

fn ack() -> Resp {
    Resp::ok(json!({"acknowledged": true}))
}

fn alias_json(m: &AliasMeta) -> Value {
    let mut o = Map::new();
    if let Some(f) = &m.filter {
        o.insert("filter".into(), f.clone());
    }
    if let Some(r) = &m.routing {
        o.insert("index_routing".into(), json!(r));
        o.insert("search_routing".into(), json!(r));
    }
    if let Some(w) = m.is_write_index {
        o.insert("is_write_index".into(), json!(w));
    }
    if let Some(h) = m.is_hidden {
        o.insert("is_hidden".into(), json!(h));
    }
    Value::Object(o)
}

fn settings_json(ix: &Index, flat: bool, filter: Option<&str>) -> Value {
    let kept: BTreeMap<String, String> = ix
        .settings
        .iter()
        .filter(|(k, _)| {
            filter.is_none_or(|f| {
                f.split(',')
                    .any(|p| wildcard_match(p, k) || k.starts_with(&format!("{p}.")))
            })
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if flat {
        Value::Object(
            kept.into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    } else {
        nest(strings_to_values(&kept))
    }
}

pub fn index(w: &mut World, r: &Req, name: &str) -> HResult {
    let c = r.cluster;
    match r.method.as_str() {
        "PUT" => {
            let body = r.json()?;
            let spec = ops::parse_create_body(&body)?;
            ops::create_index(w, c, name, spec)?;
            let red = w.clusters[c]
                .indices
                .get(name)
                .is_some_and(|ix| ix.health() == "red");
            Ok(Resp::ok(
                json!({"acknowledged": true, "shards_acknowledged": !red, "index": name}),
            ))
        }
        "DELETE" => {
            let cl = &w.clusters[c];
            for part in name.split(',') {
                if !part.contains('*')
                    && cl.aliases.contains_key(part)
                    && !cl.indices.contains_key(part)
                {
                    return Err(OsError::illegal_argument(format!(
                        "The provided expression [{part}] matches an alias, specify the corresponding concrete indices instead."
                    )));
                }
            }
            let names = if r.flag("ignore_unavailable") {
                cl.resolve(name)
            } else {
                cl.resolve_strict(name)?
            };
            for n in names {
                ops::delete_index(w, c, &n);
            }
            Ok(ack())
        }
        _ => {
            let cl = &w.clusters[c];
            let names = cl.resolve(name);
            if names.is_empty() && !name.contains('*') {
                if r.method == "HEAD" {
                    return Ok(Resp::empty(404));
                }
                return Err(OsError::index_not_found(name));
            }
            if r.method == "HEAD" {
                return Ok(Resp::empty(200));
            }
            let flat = r.flag("flat_settings");
            let mut o = Map::new();
            for n in names {
                let ix = &cl.indices[&n];
                let aliases: Map<String, Value> = ix
                    .aliases
                    .iter()
                    .map(|(a, m)| (a.clone(), alias_json(m)))
                    .collect();
                o.insert(n, json!({"aliases": aliases, "mappings": ix.mappings, "settings": settings_json(ix, flat, None)}));
            }
            Ok(Resp::ok(Value::Object(o)))
        }
    }
}

pub fn settings(w: &mut World, r: &Req, idx: &str, name: Option<&str>) -> HResult {
    let c = r.cluster;
    if r.method == "PUT" {
        let body = r.json_required()?;
        let inner = body.get("settings").cloned().unwrap_or(body);
        let updates: BTreeMap<String, Option<Value>> = flatten(&inner)
            .into_iter()
            .map(|(k, v)| (ops::index_key(&k), v))
            .collect();
        let names = w.clusters[c].resolve_strict(idx)?;
        for n in &names {
            ops::update_settings(w, c, n, &updates)?;
        }
        ops::sync_ingest_all(w, c);
        return Ok(ack());
    }
    let cl = &w.clusters[c];
    let names = if idx == "_all" {
        cl.indices.keys().cloned().collect()
    } else {
        cl.resolve_strict(idx)?
    };
    let flat = r.flag("flat_settings");
    let mut o = Map::new();
    for n in names {
        let ix = &cl.indices[&n];
        let mut entry = json!({"settings": settings_json(ix, flat, name)});
        if r.flag("include_defaults") {
            let defaults: BTreeMap<String, String> = [
                ("index.store.type", ""),
                ("index.refresh_interval", "1s"),
                ("index.priority", "1"),
                ("index.hidden", "false"),
                ("index.blocks.write", "false"),
                ("index.blocks.read_only", "false"),
                ("index.blocks.read_only_allow_delete", "false"),
                ("index.routing.allocation.total_shards_per_node", "-1"),
                ("index.soft_deletes.enabled", "true"),
                ("index.soft_deletes.retention_lease.period", "12h"),
                ("index.auto_expand_replicas", "false"),
            ]
            .into_iter()
            .filter(|(k, _)| !ix.settings.contains_key(*k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            entry["defaults"] = if flat {
                Value::Object(
                    defaults
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                )
            } else {
                nest(strings_to_values(&defaults))
            };
        }
        o.insert(n, entry);
    }
    Ok(Resp::ok(Value::Object(o)))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

fn check_single_write(cl: &Cluster, alias: &str) -> Result<(), OsError> {
    let writers: Vec<String> = cl
        .alias_indices(alias)
        .into_iter()
        .filter(|i| {
            cl.indices
                .get(i)
                .and_then(|ix| ix.aliases.get(alias))
                .and_then(|m| m.is_write_index)
                == Some(true)
        })
        .collect();
    if writers.len() > 1 {
        return Err(OsError::new(
            400,
            "illegal_state_exception",
            format!(
                "alias [{alias}] has more than one write index [{}]",
                writers.join(",")
            ),
        ));
    }
    Ok(())
}

pub fn aliases(w: &mut World, r: &Req) -> HResult {
    let c = r.cluster;
    if r.method == "GET" {
        return get_alias(w, r, None, None);
    }
    let body = r.json_required()?;
    let actions = body
        .get("actions")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            OsError::new(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: no actions specified;",
            )
        })?;
    // Validate first so a failing action leaves nothing half-applied.
    let snapshot = (w.clusters[c].indices.clone(), w.clusters[c].aliases.clone());
    let result = (|| -> Result<(), OsError> {
        for a in &actions {
            let Some((kind, spec)) = a.as_object().and_then(|o| o.iter().next()) else {
                continue;
            };
            let mut indices = strings(spec.get("index"));
            indices.extend(strings(spec.get("indices")));
            let mut names = strings(spec.get("alias"));
            names.extend(strings(spec.get("aliases")));
            let mut concrete = Vec::new();
            for i in &indices {
                concrete.extend(w.clusters[c].resolve_strict(i)?);
            }
            match kind.as_str() {
                "add" => {
                    let cl = &mut w.clusters[c];
                    for i in &concrete {
                        for n in &names {
                            cl.put_alias(i, n, ops::parse_alias_meta(spec));
                        }
                    }
                }
                "remove" => {
                    let cl = &mut w.clusters[c];
                    for i in &concrete {
                        for n in &names {
                            let pattern_hits: Vec<String> = cl.indices[i]
                                .aliases
                                .keys()
                                .filter(|a| wildcard_match(n, a))
                                .cloned()
                                .collect();
                            if pattern_hits.is_empty()
                                && spec.get("must_exist") != Some(&Value::Bool(false))
                            {
                                return Err(OsError::new(
                                    404,
                                    "aliases_not_found_exception",
                                    format!("aliases [{n}] missing"),
                                )
                                .with("resource.type", "aliases")
                                .with("resource.id", n.clone()));
                            }
                            for a in pattern_hits {
                                cl.remove_alias(i, &a);
                            }
                        }
                    }
                }
                "remove_index" => {
                    for i in &concrete {
                        crate::ops::delete_index(w, c, i);
                    }
                }
                other => return Err(OsError::parse(format!("[aliases] unknown field [{other}]"))),
            }
            let cl = &w.clusters[c];
            for n in &names {
                check_single_write(cl, n)?;
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let (ix, al) = snapshot;
        w.clusters[c].indices = ix;
        w.clusters[c].aliases = al;
        return Err(e);
    }
    ops::sync_ingest_all(w, c);
    Ok(ack())
}

pub fn get_alias(w: &mut World, r: &Req, idx: Option<&str>, name: Option<&str>) -> HResult {
    let cl = &w.clusters[r.cluster];
    let names: Vec<String> = match idx {
        Some(i) => cl.resolve_strict(i)?,
        None => cl.indices.keys().cloned().collect(),
    };
    let mut o = Map::new();
    let mut found = false;
    for n in names {
        let ix = &cl.indices[&n];
        let aliases: Map<String, Value> = ix
            .aliases
            .iter()
            .filter(|(a, _)| name.is_none_or(|p| p.split(',').any(|x| wildcard_match(x, a))))
            .map(|(a, m)| (a.clone(), alias_json(m)))
            .collect();
        if name.is_some() && aliases.is_empty() {
            continue;
        }
        found |= !aliases.is_empty();
        o.insert(n, json!({"aliases": aliases}));
    }
    if let Some(n) = name {
        if !found {
            if r.method == "HEAD" {
                return Ok(Resp::empty(404));
            }
            return Ok(Resp::json(
                404,
                json!({"error": format!("alias [{n}] missing"), "status": 404}),
            ));
        }
    }
    if r.method == "HEAD" {
        return Ok(Resp::empty(200));
    }
    Ok(Resp::ok(Value::Object(o)))
}

pub fn alias_one(w: &mut World, r: &Req, idx: &str, name: &str) -> HResult {
    let c = r.cluster;
    match r.method.as_str() {
        "PUT" | "POST" => {
            let body = r.json()?;
            let names = w.clusters[c].resolve_strict(idx)?;
            for n in &names {
                w.clusters[c].put_alias(n, name, ops::parse_alias_meta(&body));
            }
            check_single_write(&w.clusters[c], name)?;
            ops::sync_ingest_all(w, c);
            Ok(ack())
        }
        "DELETE" => {
            let names = w.clusters[c].resolve_strict(idx)?;
            let mut any = false;
            for n in &names {
                let hits: Vec<String> = w.clusters[c].indices[n]
                    .aliases
                    .keys()
                    .filter(|a| wildcard_match(name, a))
                    .cloned()
                    .collect();
                for a in hits {
                    any |= w.clusters[c].remove_alias(n, &a);
                }
            }
            if !any {
                return Err(OsError::new(
                    404,
                    "aliases_not_found_exception",
                    format!("aliases [{name}] missing"),
                )
                .with("resource.type", "aliases")
                .with("resource.id", name));
            }
            ops::sync_ingest_all(w, c);
            Ok(ack())
        }
        _ => get_alias(w, r, Some(idx), Some(name)),
    }
}

pub fn rollover(w: &mut World, r: &Req, alias: &str, new: Option<&str>) -> HResult {
    let body = r.json()?;
    if let Some(o) = body.as_object() {
        for k in o.keys() {
            if !["conditions", "settings", "mappings", "aliases"].contains(&k.as_str()) {
                return Err(OsError::new(
                    400,
                    "x_content_parse_exception",
                    format!("[1:2] [rollover] unknown field [{k}]"),
                ));
            }
        }
    }
    let v = crate::rollover::rollover(w, r.cluster, alias, new, &body, r.flag("dry_run"))?;
    Ok(Resp::ok(v))
}

pub fn template(w: &mut World, r: &Req, name: Option<&str>) -> HResult {
    let cl = &mut w.clusters[r.cluster];
    match (r.method.as_str(), name) {
        ("PUT" | "POST", Some(n)) => {
            let body = r.json_required()?;
            if body.get("index_patterns").is_none() {
                return Err(OsError::new(
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: index patterns are missing;",
                ));
            }
            cl.templates.insert(n.to_string(), body);
            Ok(ack())
        }
        ("DELETE", Some(n)) => match cl.templates.remove(n) {
            Some(_) => Ok(ack()),
            None => Err(OsError::resource_not_found(format!(
                "index_template [{n}] missing"
            ))),
        },
        (m, _) => {
            let list: Vec<Value> = cl
                .templates
                .iter()
                .filter(|(k, _)| name.is_none_or(|p| wildcard_match(p, k)))
                .map(|(k, v)| json!({"name": k, "index_template": v}))
                .collect();
            if name.is_some() && list.is_empty() {
                if m == "HEAD" {
                    return Ok(Resp::empty(404));
                }
                return Err(OsError::resource_not_found(format!(
                    "index template matching [{}] not found",
                    name.unwrap_or_default()
                )));
            }
            Ok(Resp::ok(json!({"index_templates": list})))
        }
    }
}

pub fn open_close(w: &mut World, r: &Req, idx: &str, open: bool) -> HResult {
    let c = r.cluster;
    let names = w.clusters[c].resolve_strict(idx)?;
    let mut out = Map::new();
    for n in &names {
        if let Some(ix) = w.clusters[c].indices.get_mut(n) {
            ix.open = open;
        }
        out.insert(n.clone(), json!({"closed": true}));
    }
    w.clusters[c].health_dirty = true;
    crate::alloc::reroute_all(&mut w.clusters[c]);
    ops::sync_ingest_all(w, c);
    if open {
        Ok(Resp::ok(
            json!({"acknowledged": true, "shards_acknowledged": true}),
        ))
    } else {
        Ok(Resp::ok(
            json!({"acknowledged": true, "shards_acknowledged": true, "indices": out}),
        ))
    }
}

pub fn refresh_search_analyzers(w: &mut World, r: &Req, idx: &str) -> HResult {
    let cl = &w.clusters[r.cluster];
    let names = cl.resolve_strict(idx)?;
    let mut details = Vec::new();
    for n in &names {
        let ix = &cl.indices[n];
        let mut analyzers = Vec::new();
        for (k, v) in &ix.settings {
            let Some(an) = k
                .strip_prefix("index.analysis.analyzer.")
                .and_then(|s| s.strip_suffix(".filter"))
            else {
                continue;
            };
            let updateable = v.split(',').any(|f| {
                ix.setting(&format!("index.analysis.filter.{}.updateable", f.trim()))
                    == Some("true")
            });
            if updateable {
                analyzers.push(an.to_string());
            }
        }
        details.push(json!({"index": n, "refreshed_analyzers": analyzers}));
    }
    Ok(Resp::ok(
        json!({"_shards": super::stats_api::shards_header(cl, &names), "successful_refresh_details": details}),
    ))
}
