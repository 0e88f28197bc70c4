//! A [`Reading`] as a scenario that `lifeguard sim --scenario` loads: the scenario document
//! (JSON values, serialised as TOML or JSON) and a header comment of what was read but is
//! not replayed (defaults, thread pools, CCR status and auto-follow rules).
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::read::Reading;
use super::RecordError;

/// Index settings OpenSearch sets itself and refuses on create; the scenario keeps the UUID
/// in its own field.
const PRIVATE: &[&str] = &["index.uuid", "index.version.created", "index.provided_name"];

/// Whether the simulator takes index setting `key` on create: not a private one, and one
/// it knows (a real cluster has settings of plugins it does not model; the header lists them).
fn replayable(key: &str) -> bool {
    !PRIVATE.contains(&key)
        && (key == "index.creation_date" || crate::sim::ops::check_known(key).is_ok())
}

/// Docs and bytes of each index at one instant, for the ingest estimate.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub at_ms: i64,
    /// Index → (docs, primary bytes).
    pub docs: BTreeMap<String, (u64, u64)>,
}

impl Sample {
    pub fn of(r: &Reading) -> Self {
        let docs = r
            .cat
            .iter()
            .map(|(n, row)| {
                (
                    n.clone(),
                    (num(row, "docs.count"), num(row, "pri.store.size")),
                )
            })
            .collect();
        Self {
            at_ms: r.now_ms,
            docs,
        }
    }
}

fn num(row: &Value, key: &str) -> u64 {
    match row.get(key) {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(v) => v.as_u64().unwrap_or(0),
        None => 0,
    }
}

/// Removes `null`s, recursively: TOML has none, and the scenario reads absent as unset.
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The scenario document of `r`; `first` is the earlier ingest sample, if one was taken.
pub fn scenario(r: &Reading, first: Option<&Sample>) -> Value {
    let mut leader = Map::new();
    if let Some(n) = &r.cluster_name {
        leader.insert("name".into(), json!(n));
    }
    leader.insert("nodes".into(), Value::Array(nodes(r)));
    for (scope, key) in [
        ("persistent", "settings"),
        ("transient", "transient_settings"),
    ] {
        if let Some(s) = r.cluster_settings.get(scope).and_then(Value::as_object) {
            if !s.is_empty() {
                leader.insert(key.into(), Value::Object(s.clone()));
            }
        }
    }
    let templates: Map<String, Value> = r
        .templates
        .iter()
        .filter_map(|t| {
            let name = t.get("name")?.as_str()?;
            Some((name.to_string(), t.get("index_template")?.clone()))
        })
        .collect();
    if !templates.is_empty() {
        leader.insert("templates".into(), Value::Object(templates));
    }
    let mut policies = Map::new();
    let mut versions = Map::new();
    for p in &r.policies {
        let (Some(id), Some(body)) = (p.get("_id").and_then(Value::as_str), p.get("policy")) else {
            continue;
        };
        policies.insert(id.into(), body.clone());
        versions.insert(
            id.into(),
            json!({"seq_no": p.get("_seq_no").cloned().unwrap_or(json!(0)),
                   "primary_term": p.get("_primary_term").cloned().unwrap_or(json!(1)),
                   "version": p.get("_version").cloned().unwrap_or(json!(1))}),
        );
    }
    if !policies.is_empty() {
        leader.insert("policies".into(), Value::Object(policies));
        leader.insert("policy_versions".into(), Value::Object(versions));
    }
    let stored: BTreeMap<&str, &Value> = r
        .policies
        .iter()
        .filter_map(|p| Some((p.get("_id")?.as_str()?, p.get("policy")?)))
        .collect();
    let indices: Vec<Value> = r
        .cat
        .iter()
        .map(|(name, row)| index(r, name, row, &stored))
        .collect();
    leader.insert("indices".into(), Value::Array(indices));
    if let Some(first) = first {
        let ingest = ingest(r, first);
        if !ingest.is_empty() {
            leader.insert("ingest".into(), Value::Array(ingest));
        }
    }
    let mut doc = json!({"start_ms": r.now_ms, "leader": Value::Object(leader)});
    strip_nulls(&mut doc);
    doc
}

fn nodes(r: &Reading) -> Vec<Value> {
    let disk: BTreeMap<&str, &Value> = r
        .allocation
        .iter()
        .filter_map(|row| Some((row.get("node")?.as_str()?, row)))
        .collect();
    let write_pool: BTreeMap<&str, u64> = r
        .thread_pools
        .iter()
        .filter(|row| row.get("name").and_then(Value::as_str) == Some("write"))
        .filter_map(|row| Some((row.get("node_name")?.as_str()?, num(row, "size"))))
        .collect();
    r.nodes
        .values()
        .filter_map(|n| {
            let name = n.get("name")?.as_str()?;
            let mut o = Map::new();
            o.insert("name".into(), json!(name));
            if let Some(a) = n
                .get("attributes")
                .filter(|a| a.as_object().is_some_and(|m| !m.is_empty()))
            {
                o.insert("attributes".into(), a.clone());
            }
            if let Some(roles) = n.get("roles") {
                o.insert("roles".into(), roles.clone());
            }
            // The write pool is sized by the allocated processors; either tells them.
            let processors = n
                .pointer("/os/allocated_processors")
                .and_then(Value::as_u64)
                .or_else(|| write_pool.get(name).copied());
            if let Some(p) = processors {
                o.insert("processors".into(), json!(p));
            }
            if let Some(d) = disk.get(name) {
                let total = num(d, "disk.total");
                if total > 0 {
                    o.insert("disk_total".into(), json!(format!("{total}b")));
                    let other = num(d, "disk.used").saturating_sub(num(d, "disk.indices"));
                    o.insert("disk_other_bytes".into(), json!(other));
                }
            }
            Some(Value::Object(o))
        })
        .collect()
}

fn index(r: &Reading, name: &str, row: &Value, stored: &BTreeMap<&str, &Value>) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(name));
    if let Some(u) = row.get("uuid").and_then(Value::as_str) {
        o.insert("uuid".into(), json!(u));
    }
    let settings: Map<String, Value> = r
        .settings
        .get(name)
        .map(|s| {
            s.iter()
                .filter(|(k, _)| replayable(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    o.insert("settings".into(), Value::Object(settings));
    let aliases: Map<String, Value> = r
        .aliases
        .get(name)
        .map(|a| a.iter().map(|(k, v)| (k.clone(), alias_meta(v))).collect())
        .unwrap_or_default();
    if !aliases.is_empty() {
        o.insert("aliases".into(), Value::Object(aliases));
    }
    let docs = num(row, "docs.count");
    let bytes = num(row, "pri.store.size");
    o.insert("docs".into(), json!(docs));
    o.insert("primary_bytes".into(), json!(bytes));
    if docs > 0 {
        o.insert("bytes_per_doc".into(), json!(bytes as f64 / docs as f64));
    }
    let deleted = num(row, "docs.deleted");
    if deleted > 0 {
        o.insert("deleted_docs".into(), json!(deleted));
    }
    if row.get("status").and_then(Value::as_str) == Some("close") {
        o.insert("closed".into(), json!(true));
    }
    if let Some(e) = r.explain.get(name) {
        o.insert("ism".into(), ism(e, stored));
    }
    Value::Object(o)
}

/// `_alias`'s meta as a create body takes it (one `routing` for equal index/search routing).
fn alias_meta(v: &Value) -> Value {
    let mut m = v.as_object().cloned().unwrap_or_default();
    let ir = m.remove("index_routing");
    let sr = m.remove("search_routing");
    if let Some(r) = ir.or(sr) {
        m.insert("routing".into(), r);
    }
    Value::Object(m)
}

/// The explain entry, less what the scenario already says (index name and UUID, the policy
/// copy when it is the stored policy); `{}` for an unmanaged index.
fn ism(e: &Value, stored: &BTreeMap<&str, &Value>) -> Value {
    let mut m = e.as_object().cloned().unwrap_or_default();
    if m.get("policy_id").is_none_or(Value::is_null) {
        return json!({});
    }
    for k in [
        "index",
        "index_uuid",
        "index.plugins.index_state_management.policy_id",
        "index.opendistro.index_state_management.policy_id",
    ] {
        m.remove(k);
    }
    // `info` may hold nulls (rollover conditions not set), which TOML cannot: keep it as JSON.
    if let Some(info) = m.get("info") {
        if has_null(info) {
            m.insert("info".into(), Value::String(info.to_string()));
        }
    }
    let id = m
        .get("policy_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let (Some(p), Some(s)) = (m.get("policy"), stored.get(id)) {
        if p == *s {
            m.remove("policy");
        }
    }
    Value::Object(m)
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.values().any(has_null),
        Value::Array(a) => a.iter().any(has_null),
        _ => false,
    }
}

/// Docs/s per write alias (or per index outside any), between the two samples. An alias's
/// rate sums its members, so a rollover between the samples (a new write index, the old one
/// still a member) does not hide the traffic.
fn ingest(r: &Reading, first: &Sample) -> Vec<Value> {
    let second = Sample::of(r);
    let secs = (second.at_ms - first.at_ms) as f64 / 1000.0;
    if secs <= 0.0 {
        return Vec::new();
    }
    let written: std::collections::BTreeSet<&str> = r
        .aliases
        .values()
        .flat_map(|a| a.iter())
        .filter(|(_, m)| m.get("is_write_index").and_then(Value::as_bool) == Some(true))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut by_target: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (name, (docs, bytes)) in &second.docs {
        let (d0, b0) = first.docs.get(name).copied().unwrap_or((0, 0));
        let dd = docs.saturating_sub(d0);
        if dd == 0 {
            continue;
        }
        let target = r
            .aliases
            .get(name)
            .and_then(|a| a.keys().find(|k| written.contains(k.as_str())))
            .cloned()
            .unwrap_or_else(|| name.clone());
        let t = by_target.entry(target).or_default();
        t.0 += dd;
        t.1 += bytes.saturating_sub(b0);
    }
    by_target
        .into_iter()
        .map(|(target, (dd, db))| {
            let bpd = db as f64 / dd as f64;
            json!({
                "alias": target,
                "docs_per_sec": dd as f64 / secs,
                "bytes_per_doc": if bpd > 0.0 { bpd } else { 500.0 },
            })
        })
        .collect()
}

fn autofollow(r: &Reading) -> Vec<Value> {
    r.autofollow
        .get("autofollow_stats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(json!({
                "leader_alias": s.get("leader_alias").or_else(|| s.get("connection"))?.as_str()?,
                "name": s.get("name")?.as_str()?,
                "pattern": s.get("pattern")?.as_str()?,
            }))
        })
        .collect()
}

/// What was read but is not replayed, as `#` lines above the scenario.
pub fn header(r: &Reading, source: &str, indices: usize) -> String {
    let mut h = vec![format!(
        "Recorded by `lifeguard record` from {source} at {} ({} nodes, {indices} indices, {} policies).",
        crate::time::rfc3339_ms(r.now_ms.max(0) as u64),
        r.nodes.len(),
        r.policies.len()
    )];
    h.push("Replay: lifeguard sim --scenario THIS_FILE".into());
    let s = &r.cluster_settings;
    let get = |k: &str| {
        ["transient", "persistent", "defaults"]
            .iter()
            .find_map(|scope| s.get(*scope).and_then(|m| m.get(k)))
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
    };
    for k in [
        "plugins.index_state_management.job_interval",
        "cluster.routing.allocation.disk.watermark.low",
        "cluster.routing.allocation.disk.watermark.high",
        "cluster.routing.allocation.disk.watermark.flood_stage",
    ] {
        if let Some(v) = get(k) {
            h.push(format!("{k} = {v}"));
        }
    }
    let mut pools: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &r.thread_pools {
        if let (Some(n), Some(p)) = (
            row.get("node_name").and_then(Value::as_str),
            row.get("name").and_then(Value::as_str),
        ) {
            if ["write", "search", "get", "management"].contains(&p) {
                pools
                    .entry(n.to_string())
                    .or_default()
                    .push(format!("{p}={}", num(row, "size")));
            }
        }
    }
    for (n, p) in pools {
        h.push(format!("thread pools on {n}: {}", p.join(" ")));
    }
    let dropped: std::collections::BTreeSet<&str> = r
        .settings
        .values()
        .flat_map(|s| s.keys())
        .filter(|k| !PRIVATE.contains(&k.as_str()) && !replayable(k))
        .map(String::as_str)
        .collect();
    if !dropped.is_empty() {
        let list: Vec<&str> = dropped.iter().copied().collect();
        h.push(format!(
            "index settings the simulator does not model, left out: {}",
            list.join(", ")
        ));
    }
    // Rules name a remote cluster a one-cluster replay lacks; a pair's scenario can carry
    // them as `[follower] autofollow = [...]`.
    for rule in autofollow(r) {
        h.push(format!("CCR auto-follow rule (not replayed): {rule}"));
    }
    for (ix, st) in &r.ccr_status {
        h.push(format!(
            "CCR: {ix} follows {}:{} ({}); not replayed: a recording is of one cluster",
            st.get("leader_alias")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            st.get("leader_index")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            st.get("status").and_then(Value::as_str).unwrap_or("?")
        ));
    }
    h.iter().map(|l| format!("# {l}\n")).collect()
}

/// The document as TOML (or JSON when `json`), after the header.
pub fn render(header: &str, doc: &Value, json: bool) -> Result<String, RecordError> {
    if json {
        return serde_json::to_string_pretty(doc)
            .map(|s| s + "\n")
            .map_err(|e| RecordError::Encode(e.to_string()));
    }
    let body = toml::to_string(doc).map_err(|e| RecordError::Encode(e.to_string()))?;
    Ok(format!("{header}\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(now_ms: i64, docs: u64, bytes: u64) -> Reading {
        let mut r = Reading {
            now_ms,
            ..Reading::default()
        };
        for (name, d, b) in [("logs-000002", docs, bytes), ("idle", 10, 10)] {
            r.cat.insert(
                name.into(),
                json!({"index": name, "uuid": "u", "status": "open", "docs.count": d.to_string(), "pri.store.size": b.to_string()}),
            );
        }
        let mut a = Map::new();
        a.insert(
            "logs".into(),
            json!({"is_write_index": true, "index_routing": "r", "search_routing": "r"}),
        );
        r.aliases.insert("logs-000002".into(), a);
        r
    }

    #[test]
    fn ingest_is_estimated_per_write_alias_from_two_samples() {
        let first = Sample::of(&reading(1_000, 1_000, 500_000));
        let doc = scenario(&reading(61_000, 7_000, 3_500_000), Some(&first));
        let ingest = &doc["leader"]["ingest"];
        assert_eq!(ingest.as_array().map(Vec::len), Some(1), "{ingest}");
        assert_eq!(ingest[0]["alias"], "logs");
        assert_eq!(ingest[0]["docs_per_sec"], 100.0);
        assert_eq!(ingest[0]["bytes_per_doc"], 500.0);
        let ix = &doc["leader"]["indices"][1];
        assert_eq!(ix["name"], "logs-000002");
        assert_eq!(ix["primary_bytes"], 3_500_000);
        assert_eq!(
            ix["aliases"]["logs"],
            json!({"is_write_index": true, "routing": "r"})
        );
        assert_eq!(doc["start_ms"], 61_000);
    }

    #[test]
    fn documents_render_as_toml_without_nulls() {
        let mut doc = json!({"start_ms": 5, "leader": {"indices": [{"name": "a", "ism": {"action": {"start_time": null, "index": 0}}}]}});
        strip_nulls(&mut doc);
        let text = render("# h\n", &doc, false).unwrap();
        assert!(text.starts_with("# h\n"), "{text}");
        let back: Value = toml::from_str(&text).unwrap();
        assert_eq!(
            back["leader"]["indices"][0]["ism"]["action"],
            json!({"index": 0})
        );
    }

    #[test]
    fn settings_the_simulator_lacks_are_left_out_and_named() {
        let mut r = reading(0, 1, 1);
        let mut settings = Map::new();
        for (k, v) in [
            ("index.number_of_shards", "1"),
            ("index.uuid", "u"),
            ("index.creation_date", "5"),
            ("index.some_plugin.mode", "fast"),
        ] {
            settings.insert(k.into(), json!(v));
        }
        r.settings.insert("idle".into(), settings);
        let doc = scenario(&r, None);
        let s = &doc["leader"]["indices"][0]["settings"];
        assert_eq!(
            s,
            &json!({"index.number_of_shards": "1", "index.creation_date": "5"})
        );
        assert!(header(&r, "x", 2).contains(
            "# index settings the simulator does not model, left out: index.some_plugin.mode\n"
        ));
    }
}
