//! Index operations shared by the REST handlers, ISM actions, CCR and scenarios: create,
//! delete, settings updates, aliases, rollover, ingest routing.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::error::{OsError, OsResult};
use super::model::{AliasMeta, Docs, Index, RepState, Replication, ShardCopy};
use super::settings::{as_setting_string, flatten};
use super::world::World;

/// Settings prefixes the simulated cluster accepts on indices.
const KNOWN_INDEX_PREFIXES: &[&str] = &[
    "index.number_of_shards",
    "index.number_of_replicas",
    "index.routing",
    "index.blocks.",
    "index.plugins.",
    "index.opendistro.",
    "index.refresh_interval",
    "index.priority",
    "index.hidden",
    "index.analysis.",
    "index.codec",
    "index.store.",
    "index.soft_deletes.",
    "index.translog.",
    "index.mapping.",
    "index.max_",
    "index.auto_expand_replicas",
    "index.number_of_routing_shards",
    "index.search.",
    "index.indexing.",
    "index.merge.",
    "index.query.",
    "index.unassigned.",
    "index.write.",
    "index.shard.",
    "index.sort.",
    "index.knn",
    "index.default_pipeline",
    "index.final_pipeline",
    "index.replication.",
    "index.provided_name",
    "index.creation_date",
    "index.uuid",
    "index.version.",
    "index.remote_store",
    "index.gc_deletes",
    "index.load_fixed_bitset_filters_eagerly",
    "index.format",
    "index.frozen",
    "index.verified_before_close",
    "index.history.",
    "index.requests.",
    "index.similarity.",
    "index.optimize_auto_generated_id",
    "index.append_only",
    "index.lifecycle.",
];
const PRIVATE: &[&str] = &[
    "index.creation_date",
    "index.uuid",
    "index.version.created",
    "index.provided_name",
];

/// Normalises a flat settings key to its `index.`-prefixed form.
pub fn index_key(k: &str) -> String {
    if k.starts_with("index.") {
        k.to_string()
    } else {
        format!("index.{k}")
    }
}

pub fn check_known(key: &str) -> OsResult<()> {
    if KNOWN_INDEX_PREFIXES.iter().any(|p| key.starts_with(p)) {
        Ok(())
    } else {
        Err(OsError::illegal_argument(format!(
            "unknown setting [{key}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"
        )))
    }
}

pub fn validate_index_name(name: &str) -> OsResult<()> {
    let bad = |why: &str| {
        Err(OsError::new(
            400,
            "invalid_index_name_exception",
            format!("Invalid index name [{name}], {why}"),
        )
        .with("index", name)
        .with("index_uuid", "_na_"))
    };
    if name.is_empty() || name == "." || name == ".." {
        return bad("must not be '.' or '..'");
    }
    if name.chars().any(|c| c.is_uppercase()) {
        return bad("must be lowercase");
    }
    if name.chars().any(|c| " \\/*?\"<>|,#:".contains(c)) {
        return bad("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]");
    }
    if name.starts_with(['_', '-', '+']) {
        return bad("must not start with '_', '-', or '+'");
    }
    Ok(())
}

/// A create-index request after parsing.
#[derive(Debug, Default, Clone)]
pub struct CreateSpec {
    pub settings: BTreeMap<String, String>,
    pub aliases: BTreeMap<String, AliasMeta>,
    pub mappings: Value,
}

pub fn parse_alias_meta(v: &Value) -> AliasMeta {
    AliasMeta {
        is_write_index: v.get("is_write_index").and_then(Value::as_bool),
        filter: v.get("filter").cloned(),
        routing: v.get("routing").and_then(Value::as_str).map(str::to_string),
        is_hidden: v.get("is_hidden").and_then(Value::as_bool),
    }
}

/// Parses `{"settings":…,"aliases":…,"mappings":…}`; unknown top-level keys are rejected.
pub fn parse_create_body(body: &Value) -> OsResult<CreateSpec> {
    let mut spec = CreateSpec {
        mappings: json!({}),
        ..CreateSpec::default()
    };
    let Some(o) = body.as_object() else {
        return Ok(spec);
    };
    for (k, v) in o {
        match k.as_str() {
            "settings" => {
                for (key, val) in flatten(v) {
                    let key = index_key(&key);
                    if PRIVATE.contains(&key.as_str()) && key != "index.creation_date" {
                        return Err(OsError::illegal_argument(format!(
                            "private index setting [{key}] can not be set explicitly"
                        )));
                    }
                    check_known(&key)?;
                    if let Some(val) = val {
                        spec.settings.insert(key, as_setting_string(&val));
                    }
                }
            }
            "aliases" => {
                for (alias, meta) in v.as_object().cloned().unwrap_or_default() {
                    spec.aliases.insert(alias, parse_alias_meta(&meta));
                }
            }
            "mappings" => spec.mappings = v.clone(),
            other => {
                return Err(OsError::parse(format!(
                    "unknown key [{other}] for create index"
                )))
            }
        }
    }
    Ok(spec)
}

fn apply_templates(world: &World, c: usize, name: &str, spec: &mut CreateSpec) {
    let cl = &world.clusters[c];
    let best = cl
        .templates
        .values()
        .filter(|t| {
            t.get("index_patterns")
                .and_then(Value::as_array)
                .is_some_and(|ps| {
                    ps.iter()
                        .filter_map(Value::as_str)
                        .any(|p| super::util::wildcard_match(p, name))
                })
        })
        .max_by_key(|t| t.get("priority").and_then(Value::as_i64).unwrap_or(0));
    let Some(t) = best else { return };
    let tpl = t.get("template").cloned().unwrap_or(json!({}));
    if let Some(s) = tpl.get("settings") {
        for (k, v) in flatten(s) {
            let k = index_key(&k);
            if let Some(v) = v {
                spec.settings
                    .entry(k)
                    .or_insert_with(|| as_setting_string(&v));
            }
        }
    }
    if let Some(a) = tpl.get("aliases").and_then(Value::as_object) {
        for (alias, meta) in a {
            spec.aliases
                .entry(alias.clone())
                .or_insert_with(|| parse_alias_meta(meta));
        }
    }
}

fn build_shards(n: u32, replicas: u32, now: i64, reason: &'static str) -> Vec<ShardCopy> {
    let mut v = Vec::new();
    for shard in 0..n {
        for r in 0..=replicas {
            v.push(ShardCopy {
                shard,
                primary: r == 0,
                node: None,
                unassigned_reason: reason,
                unassigned_at: now,
            });
        }
    }
    v
}

/// Creates an index: templates, defaults, shards, allocation, ingest routing, ism_template.
pub fn create_index(
    world: &mut World,
    c: usize,
    name: &str,
    mut spec: CreateSpec,
) -> OsResult<String> {
    validate_index_name(name)?;
    if let Some(ix) = world.clusters[c].indices.get(name) {
        return Err(OsError::new(
            400,
            "resource_already_exists_exception",
            format!("index [{name}/{}] already exists", ix.uuid),
        )
        .with("index", name)
        .with("index_uuid", ix.uuid.clone()));
    }
    if world.clusters[c].aliases.contains_key(name) {
        return Err(OsError::new(
            400,
            "invalid_index_name_exception",
            format!("Invalid index name [{name}], already exists as alias"),
        )
        .with("index", name)
        .with("index_uuid", "_na_"));
    }
    apply_templates(world, c, name, &mut spec);
    let now = world.now;
    let seed = world.seed;
    let cl = &mut world.clusters[c];
    let uuid = cl.next_uuid(seed);
    let mut settings = spec.settings;
    let creation = settings
        .get("index.creation_date")
        .and_then(|v| v.parse().ok())
        .unwrap_or(now);
    settings.insert("index.creation_date".into(), creation.to_string());
    settings
        .entry("index.number_of_shards".into())
        .or_insert_with(|| "1".into());
    settings
        .entry("index.number_of_replicas".into())
        .or_insert_with(|| "1".into());
    settings.insert("index.provided_name".into(), name.to_string());
    settings.insert("index.uuid".into(), uuid.clone());
    settings.insert("index.version.created".into(), "136407827".into());
    let shards: u32 = settings
        .get("index.number_of_shards")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let replicas: u32 = settings
        .get("index.number_of_replicas")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let ix = Index {
        name: name.to_string(),
        uuid: uuid.clone(),
        creation_date: creation,
        settings,
        mappings: spec.mappings,
        aliases: BTreeMap::new(),
        open: true,
        docs: Docs {
            since_ms: now,
            ..Docs::default()
        },
        stored: Default::default(),
        shards: build_shards(shards, replicas, now, "INDEX_CREATED"),
        rollover_info: BTreeMap::new(),
        managed: None,
        next_seq: 0,
    };
    cl.indices.insert(name.to_string(), ix);
    for (alias, meta) in spec.aliases {
        cl.put_alias(name, &alias, meta);
    }
    let mut counts = super::alloc::take_counts(cl);
    super::alloc::reroute_index(cl, name, &mut counts);
    cl.counts = Some(counts);
    sync_ingest_all(world, c);
    auto_manage(world, c, name);
    Ok(uuid)
}

/// Attaches the best matching `ism_template` policy to a newly created index.
fn auto_manage(world: &mut World, c: usize, name: &str) {
    let cl = &world.clusters[c];
    let Some(ix) = cl.indices.get(name) else {
        return;
    };
    if ix.hidden()
        || ix.setting("index.plugins.index_state_management.auto_manage") == Some("false")
    {
        return;
    }
    let mut best: Option<(i64, String)> = None;
    for (id, sp) in &cl.policies {
        for t in &sp.policy.templates {
            if t.last_updated <= ix.creation_date
                && t.patterns
                    .iter()
                    .any(|p| super::util::wildcard_match(p, name))
                && best.as_ref().is_none_or(|(p, _)| t.priority > *p)
            {
                best = Some((t.priority, id.clone()));
            }
        }
    }
    if let Some((_, id)) = best {
        // Observed on real clusters: template-attached jobs report seq_no -2, primary term 0.
        super::ism::jobs::attach(world, c, name, &id, -2, 0);
    }
}

pub fn delete_index(world: &mut World, c: usize, name: &str) {
    let cl = &mut world.clusters[c];
    let Some(ix) = cl.indices.remove(name) else {
        return;
    };
    cl.ingesting.remove(name);
    if let Some(counts) = cl.counts.as_mut() {
        for s in &ix.shards {
            if let Some(n) = s.node.filter(|n| *n < counts.len()) {
                counts[n] = counts[n].saturating_sub(1);
            }
        }
    }
    for alias in ix.aliases.keys() {
        if let Some(set) = cl.aliases.get_mut(alias) {
            set.remove(name);
            if set.is_empty() {
                cl.aliases.remove(alias);
            }
        }
    }
    cl.health_dirty = true;
    pause_replication_of_deleted(world, c, name);
}

/// Applies a flat settings update (`None` resets). Validates dynamic-ness on open indices.
pub fn update_settings(
    world: &mut World,
    c: usize,
    name: &str,
    updates: &BTreeMap<String, Option<Value>>,
) -> OsResult<()> {
    let now = world.now;
    let cl = &mut world.clusters[c];
    let ix = cl
        .indices
        .get(name)
        .ok_or_else(|| OsError::index_not_found(name))?;
    let static_keys: Vec<&String> = updates
        .keys()
        .filter(|k| {
            [
                "index.number_of_shards",
                "index.codec",
                "index.store.type",
                "index.soft_deletes.enabled",
                "index.number_of_routing_shards",
            ]
            .contains(&k.as_str())
        })
        .collect();
    if !static_keys.is_empty() && ix.open {
        return Err(OsError::illegal_argument(format!(
            "Can't update non dynamic settings [[{}]] for open indices [[{}/{}]]",
            static_keys
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            name,
            ix.uuid
        )));
    }
    for k in updates.keys() {
        if PRIVATE.contains(&k.as_str()) {
            return Err(OsError::illegal_argument(format!(
                "final {} setting [{k}], not updateable",
                name
            )));
        }
        check_known(k)?;
    }
    let Some(ix) = cl.indices.get_mut(name) else {
        return Err(OsError::index_not_found(name));
    };
    for (k, v) in updates {
        match v {
            Some(v) => {
                ix.settings.insert(k.clone(), as_setting_string(v));
            }
            None => {
                ix.settings.remove(k);
            }
        }
    }
    if updates.contains_key("index.number_of_replicas") {
        let want = ix.num_replicas();
        let shards = ix.num_shards();
        for shard in 0..shards {
            let have = ix
                .shards
                .iter()
                .filter(|s| s.shard == shard && !s.primary)
                .count() as u32;
            if have < want {
                for _ in have..want {
                    ix.shards.push(ShardCopy {
                        shard,
                        primary: false,
                        node: None,
                        unassigned_reason: "REPLICA_ADDED",
                        unassigned_at: now,
                    });
                }
            } else if have > want {
                let mut drop = have - want;
                // Drop unassigned replicas first.
                ix.shards
                    .sort_by_key(|s| (s.shard, !s.primary, s.node.is_some()));
                ix.shards.retain(|s| {
                    if drop > 0 && s.shard == shard && !s.primary {
                        drop -= 1;
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }
    cl.counts = None;
    let mut counts = super::alloc::take_counts(cl);
    super::alloc::reroute_index(cl, name, &mut counts);
    cl.counts = Some(counts);
    Ok(())
}

/// Sets the ingest rate of `alias` on cluster `c` (a rate of 0 or below stops it) and gives
/// the write indices their new rates.
pub fn set_ingest(world: &mut World, c: usize, alias: &str, docs_per_sec: f64, bytes_per_doc: f64) {
    if docs_per_sec <= 0.0 {
        world.clusters[c].ingest.remove(alias);
    } else {
        world.clusters[c]
            .ingest
            .insert(alias.to_string(), (docs_per_sec, bytes_per_doc));
    }
    sync_ingest_all(world, c);
}

/// Gives each ingest alias's write index its rate; every other index stops growing.
pub fn sync_ingest_all(world: &mut World, c: usize) {
    let now = world.now;
    let cl = &mut world.clusters[c];
    let rates: Vec<(String, f64, f64)> = cl
        .ingest
        .iter()
        .map(|(a, (d, b))| (a.clone(), *d, *b))
        .collect();
    let mut targets: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (alias, dps, bpd) in rates {
        let target = if cl.aliases.contains_key(&alias) {
            cl.write_index(&alias)
        } else if cl.indices.contains_key(&alias) {
            Some(alias.clone())
        } else {
            None
        };
        if let Some(t) = target {
            let e = targets.entry(t).or_insert((0.0, bpd));
            e.0 += dps;
        }
    }
    let touched: Vec<String> = cl.ingesting.iter().chain(targets.keys()).cloned().collect();
    for name in touched {
        let Some(ix) = cl.indices.get_mut(&name) else {
            cl.ingesting.remove(&name);
            continue;
        };
        let (dps, bpd) = targets
            .get(&name)
            .copied()
            .unwrap_or((0.0, ix.docs.bytes_per_doc));
        let blocked = ix.setting_bool(super::alloc::FLOOD_BLOCK)
            || ix.setting_bool("index.blocks.write")
            || ix.setting_bool("index.blocks.read_only")
            || ix.follower_of().is_some()
            || !ix.open;
        let dps = if blocked { 0.0 } else { dps };
        if (ix.docs.rate_dps - dps).abs() > f64::EPSILON
            || (ix.docs.bytes_per_doc - bpd).abs() > f64::EPSILON
        {
            ix.docs.set_rate(now, dps, bpd);
        }
        if dps > 0.0 {
            cl.ingesting.insert(name);
        } else {
            cl.ingesting.remove(&name);
        }
    }
}

/// Why writes to an index are refused, as OpenSearch's cluster blocks say it.
pub fn write_block(ix: &Index) -> Option<OsError> {
    let block = |status: u16, what: &str| {
        Some(OsError::new(
            status,
            "cluster_block_exception",
            format!("index [{}] blocked by: [{what}];", ix.name),
        ))
    };
    if ix.follower_of().is_some() {
        return block(
            403,
            "FORBIDDEN/1000/index read-only(cross-cluster-replication)",
        );
    }
    if ix.setting_bool(super::alloc::FLOOD_BLOCK) {
        return block(429, "TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block");
    }
    if ix.setting_bool("index.blocks.read_only") {
        return block(403, "FORBIDDEN/5/index read-only (api)");
    }
    if ix.setting_bool("index.blocks.write") {
        return block(403, "FORBIDDEN/8/index write (api)");
    }
    if !ix.open {
        return Some(
            OsError::new(400, "index_closed_exception", "closed")
                .with("index", ix.name.clone())
                .with("index_uuid", ix.uuid.clone()),
        );
    }
    None
}

/// A deleted leader auto-pauses its followers; a deleted follower drops its replication.
fn pause_replication_of_deleted(world: &mut World, c: usize, name: &str) {
    world.clusters[c].ccr.reps.remove(name);
    for cl in world.clusters.iter_mut() {
        for rep in cl.ccr.reps.values_mut() {
            if rep.leader_cluster == c && rep.leader_index == name && rep.state == RepState::Running
            {
                rep.state = RepState::Paused;
                rep.reason = Replication::auto_pause_reason(
                    name,
                    &format!(
                        "org.opensearch.index.IndexNotFoundException - \"no such index [{name}]\""
                    ),
                );
            }
        }
    }
}
