//! The replication REST API (`_plugins/_replication/*`), served by the follower cluster.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{refresh, remote_cluster, status_json, RepState, Replication, Rule, LEASE_MS};
use crate::error::{OsError, OsResult};
use crate::http::types::{HResult, Req, Resp};
use crate::world::World;

fn ack() -> Resp {
    Resp::ok(json!({"acknowledged": true}))
}

fn no_replication(index: &str) -> OsError {
    OsError::illegal_argument(format!("No replication in progress for index:{index}"))
}

/// Starts following `leader_index` into `follower` (creates the follower index).
pub fn start_replication(
    world: &mut World,
    c: usize,
    follower: &str,
    alias: &str,
    leader_index: &str,
    settings: &Value,
) -> OsResult<()> {
    let lc = remote_cluster(world, c, alias)?;
    if !super::reachable(world, lc) {
        return Err(OsError::new(
            500,
            "connect_transport_exception",
            format!("[{alias}][127.0.0.1:9300] connect_exception"),
        ));
    }
    if world.clusters[c].indices.contains_key(follower) {
        return Err(OsError::illegal_argument(format!(
            "Cant use same index again for replication. Delete the index:{follower}"
        )));
    }
    let now = world.now;
    let leader = world.clusters[lc]
        .indices
        .get(leader_index)
        .ok_or_else(|| OsError::index_not_found(leader_index))?;
    if leader.follower_of().is_some() {
        return Err(OsError::illegal_argument(format!(
            "Cannot Replicate a Replicated Index {leader_index}"
        )));
    }
    if leader.setting("index.soft_deletes.enabled") == Some("false") {
        return Err(OsError::illegal_argument(
            "Cannot Replicate an index where the setting index.soft_deletes.enabled is disabled",
        ));
    }
    let shards = leader.num_shards();
    let mut spec = crate::ops::CreateSpec {
        mappings: leader.mappings.clone(),
        ..Default::default()
    };
    for (k, v) in &leader.settings {
        if k == "index.number_of_shards"
            || k == "index.number_of_replicas"
            || k.starts_with("index.analysis")
        {
            spec.settings.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in crate::settings::flatten(settings) {
        if let Some(v) = v {
            spec.settings.insert(
                crate::ops::index_key(&k),
                crate::settings::as_setting_string(&v),
            );
        }
    }
    spec.settings.insert(
        "index.plugins.replication.follower.leader_index".into(),
        leader_index.to_string(),
    );
    let restore_ops = leader.docs.ops(now);
    let restore_bytes = leader.docs.bytes(now);
    let dur = (restore_bytes as f64 / world.models.ccr_restore_bytes_per_sec * 1000.0) as i64;
    crate::ops::create_index(world, c, follower, spec)?;
    world.clusters[c].ccr.reps.insert(
        follower.to_string(),
        Replication {
            leader_cluster: lc,
            leader_alias: alias.to_string(),
            leader_index: leader_index.to_string(),
            state: RepState::Running,
            reason: "User initiated".into(),
            started: now,
            restore_done: now + dur,
            restore_bytes,
            restore_ops,
            restored: false,
            follower_ops: 0,
            lease_renewed: now,
            unreachable_since: None,
            ops_read: 0,
            bytes_read: 0,
            write_time_ms: 0,
            shards,
            settings: BTreeMap::new(),
        },
    );
    refresh(world, c, follower);
    Ok(())
}

pub fn start(world: &mut World, c: usize, req: &Req, follower: &str) -> HResult {
    let body = req.json_required()?;
    let alias = body.get("leader_alias").and_then(Value::as_str);
    let leader = body.get("leader_index").and_then(Value::as_str);
    let mut missing = Vec::new();
    if alias.is_none() {
        missing.push("leader_alias");
    }
    if leader.is_none() {
        missing.push("leader_index");
    }
    if !missing.is_empty() {
        return Err(OsError::illegal_argument(format!(
            "Mandatory params [{}] are missing for the request",
            missing.join(", ")
        )));
    }
    if let Some(roles) = body.get("use_roles") {
        if roles.get("leader_cluster_role").is_none()
            || roles.get("follower_cluster_role").is_none()
        {
            return Err(OsError::illegal_argument(
                "Need roles for leader_cluster_role and follower_cluster_role",
            ));
        }
    }
    if world.clusters[c]
        .settings
        .get_str("plugins.replication.follower.block.start")
        .as_deref()
        == Some("true")
    {
        return Err(OsError::new(
            403,
            "cluster_block_exception",
            "blocked by: [FORBIDDEN/2000/[FORBIDDEN] Replication START block is set];",
        ));
    }
    let settings = body.get("settings").cloned().unwrap_or(json!({}));
    start_replication(
        world,
        c,
        follower,
        alias.unwrap_or_default(),
        leader.unwrap_or_default(),
        &settings,
    )?;
    Ok(ack())
}

pub fn pause(world: &mut World, c: usize, req: &Req, follower: &str) -> HResult {
    refresh(world, c, follower);
    let body = req.json()?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("User initiated")
        .to_string();
    let rep = world.clusters[c]
        .ccr
        .reps
        .get_mut(follower)
        .ok_or_else(|| no_replication(follower))?;
    match rep.state {
        RepState::Paused => Err(OsError::new(400, "resource_already_exists_exception", format!("Index {follower} is already paused"))),
        RepState::Failed => Err(OsError::new(500, "replication_exception", "Cannot pause when in FAILED state")),
        RepState::Running if !rep.restored => Err(OsError::illegal_argument(format!(
            "Index is in restore phase currently for index: {follower}. You can pause after restore completes."
        ))),
        RepState::Running => {
            rep.state = RepState::Paused;
            rep.reason = reason;
            Ok(ack())
        }
    }
}

pub fn resume(world: &mut World, c: usize, req: &Req, follower: &str) -> HResult {
    let body = req.json()?;
    let force = body
        .get("force_resume")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = world.now;
    let rep = world.clusters[c]
        .ccr
        .reps
        .get(follower)
        .cloned()
        .ok_or_else(|| no_replication(follower))?;
    if rep.state == RepState::Running {
        return Err(OsError::new(
            400,
            "resource_already_exists_exception",
            format!("Replication on Index {follower} is already running"),
        ));
    }
    let lease_ok = now - rep.lease_renewed <= LEASE_MS;
    let leader_exists = world.clusters[rep.leader_cluster]
        .indices
        .contains_key(&rep.leader_index);
    if force {
        // force_resume = internal stop + delete follower + start.
        world.clusters[c].ccr.reps.remove(follower);
        crate::ops::delete_index(world, c, follower);
        start_replication(
            world,
            c,
            follower,
            &rep.leader_alias,
            &rep.leader_index,
            &json!({}),
        )?;
        return Ok(ack());
    }
    if !leader_exists {
        return Err(OsError::index_not_found(&rep.leader_index));
    }
    if !lease_ok {
        return Err(OsError::resource_not_found(format!(
            "Retention lease doesn't exist. Replication can't be resumed for {follower}. Use force_resume=true to restore from snapshot."
        )));
    }
    if let Some(r) = world.clusters[c].ccr.reps.get_mut(follower) {
        r.state = RepState::Running;
        r.reason = "User initiated".into();
        r.lease_renewed = now;
        r.unreachable_since = None;
    }
    Ok(ack())
}

pub fn stop(world: &mut World, c: usize, follower: &str) -> HResult {
    super::stop(world, c, follower)?;
    Ok(ack())
}

pub fn status(world: &mut World, c: usize, req: &Req, follower: &str) -> HResult {
    refresh(world, c, follower);
    Ok(Resp::ok(status_json(
        world,
        c,
        follower,
        req.flag("verbose"),
    )))
}

pub fn update(world: &mut World, c: usize, req: &Req, follower: &str) -> HResult {
    let body = req.json_required()?;
    let rep = world.clusters[c]
        .ccr
        .reps
        .get(follower)
        .ok_or_else(|| no_replication(follower))?;
    if rep.state == RepState::Failed {
        return Err(OsError::illegal_argument(format!(
            "Unknown value for replication state:FAILED for index:{follower}"
        )));
    }
    let settings = body.get("settings").cloned().unwrap_or(json!({}));
    let flat = crate::settings::flatten(&settings);
    let mut dynamic = BTreeMap::new();
    for (k, v) in flat {
        let k = crate::ops::index_key(&k);
        if let Some(r) = world.clusters[c].ccr.reps.get_mut(follower) {
            r.settings
                .insert(k.clone(), v.clone().unwrap_or(Value::Null));
        }
        // Static settings are kept with the replication; dynamic ones apply to the follower now.
        if k != "index.number_of_shards" {
            dynamic.insert(k, v);
        }
    }
    crate::ops::update_settings(world, c, follower, &dynamic)?;
    Ok(ack())
}

fn counters(rep: &Replication, world: &World) -> (i64, i64) {
    let leader_ops = world.clusters[rep.leader_cluster]
        .indices
        .get(&rep.leader_index)
        .map(|l| l.docs.ops(world.now))
        .unwrap_or(0);
    (rep.follower_ops as i64 - 1, leader_ops as i64 - 1)
}

pub fn follower_stats(world: &World, c: usize) -> HResult {
    let cl = &world.clusters[c];
    let (mut syncing, mut boot, mut paused, mut failed) = (0, 0, 0, 0);
    let mut totals = [0i64; 9];
    let mut per = Map::new();
    for (name, rep) in &cl.ccr.reps {
        match rep.state {
            RepState::Running if rep.restored => syncing += 1,
            RepState::Running => boot += 1,
            RepState::Paused => paused += 1,
            RepState::Failed => failed += 1,
        }
        let (fcp, lcp) = counters(rep, world);
        let vals = [
            rep.ops_read as i64,
            rep.ops_read as i64,
            0,
            0,
            0,
            0,
            fcp,
            lcp,
            rep.write_time_ms as i64,
        ];
        for (t, v) in totals.iter_mut().zip(vals) {
            *t += v;
        }
        per.insert(name.clone(), stats_obj(&vals));
    }
    let mut o = json!({"num_syncing_indices": syncing, "num_bootstrapping_indices": boot, "num_paused_indices": paused,
        "num_failed_indices": failed, "num_shard_tasks": syncing, "num_index_tasks": syncing + boot});
    if let (Some(m), Value::Object(s)) = (o.as_object_mut(), stats_obj(&totals)) {
        m.extend(s);
        m.insert("index_stats".into(), Value::Object(per));
    }
    Ok(Resp::ok(o))
}

fn stats_obj(v: &[i64; 9]) -> Value {
    json!({"operations_written": v[0], "operations_read": v[1], "failed_read_requests": v[2], "throttled_read_requests": v[3],
        "failed_write_requests": v[4], "throttled_write_requests": v[5], "follower_checkpoint": v[6], "leader_checkpoint": v[7],
        "total_write_time_millis": v[8]})
}

pub fn leader_stats(world: &World, c: usize) -> HResult {
    let mut per = Map::new();
    let mut t = [0u64; 7];
    let mut n = 0;
    for cl in &world.clusters {
        for rep in cl.ccr.reps.values().filter(|r| r.leader_cluster == c) {
            n += 1;
            let ops = rep.ops_read.saturating_sub(rep.restore_ops);
            let bytes = ops * 120;
            let vals = [ops, bytes, 0, ops, 0, ops / 20, bytes];
            for (a, b) in t.iter_mut().zip(vals) {
                *a += b;
            }
            per.insert(rep.leader_index.clone(), leader_obj(&vals));
        }
    }
    let mut o = json!({"num_replicated_indices": n});
    if let (Some(m), Value::Object(s)) = (o.as_object_mut(), leader_obj(&t)) {
        m.extend(s);
        m.insert("index_stats".into(), Value::Object(per));
    }
    Ok(Resp::ok(o))
}

fn leader_obj(v: &[u64; 7]) -> Value {
    json!({"operations_read": v[0], "translog_size_bytes": v[1], "operations_read_lucene": v[2], "operations_read_translog": v[3],
        "total_read_time_lucene_millis": v[4], "total_read_time_translog_millis": v[5], "bytes_read": v[6]})
}

pub fn autofollow_stats(world: &World, c: usize) -> HResult {
    let cl = &world.clusters[c];
    let (mut s, mut f) = (0, 0);
    let mut failed_all = Vec::new();
    let rules: Vec<Value> = cl
        .ccr
        .rules
        .values()
        .map(|r| {
            s += r.success;
            f += r.failed;
            failed_all.extend(r.failed_indices.iter().cloned());
            json!({"name": r.name, "pattern": r.pattern, "leader_alias": r.leader_alias, "num_success_start_replication": r.success,
                "num_failed_start_replication": r.failed, "num_failed_leader_calls": 0, "failed_indices": r.failed_indices,
                "last_execution_time": r.last_execution})
        })
        .collect();
    Ok(Resp::ok(
        json!({"num_success_start_replication": s, "num_failed_start_replication": f, "num_failed_leader_calls": 0,
        "failed_indices": failed_all, "autofollow_stats": rules}),
    ))
}

pub fn autofollow(world: &mut World, c: usize, req: &Req) -> HResult {
    let body = req.json_required()?;
    let alias = body.get("leader_alias").and_then(Value::as_str);
    let name = body.get("name").and_then(Value::as_str);
    let (Some(alias), Some(name)) = (alias, name) else {
        return Err(OsError::illegal_argument(
            "Missing connection or name in the request",
        ));
    };
    let key = format!("{alias}:{name}");
    if req.method == "DELETE" {
        if body.get("pattern").is_some() {
            return Err(OsError::illegal_argument("Unexpected pattern"));
        }
        return match world.clusters[c].ccr.rules.remove(&key) {
            Some(_) => Ok(ack()),
            None => Err(OsError::resource_not_found(format!(
                "Autofollow replication rule {name} does not exist"
            ))),
        };
    }
    let pattern = body
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or_else(|| OsError::illegal_argument("Missing pattern"))?;
    let rule = RuleSpec {
        leader_alias: alias,
        name,
        pattern,
        follower_pattern: body.get("follower_index_pattern").and_then(Value::as_str),
        settings: body.get("settings").cloned().unwrap_or(json!({})),
    };
    put_autofollow_rule(world, c, &rule)?;
    Ok(ack())
}

/// What an auto-follow rule asks for (the body of `POST _plugins/_replication/_autofollow`).
#[derive(Debug, Clone)]
pub struct RuleSpec<'a> {
    pub leader_alias: &'a str,
    pub name: &'a str,
    pub pattern: &'a str,
    pub follower_pattern: Option<&'a str>,
    pub settings: Value,
}

/// Creates (or replaces) an auto-follow rule on follower cluster `c` and runs it once, as
/// the plugin does when the rule is created.
pub fn put_autofollow_rule(world: &mut World, c: usize, rule: &RuleSpec<'_>) -> OsResult<()> {
    remote_cluster(world, c, rule.leader_alias)?;
    world.clusters[c].ccr.rules.insert(
        format!("{}:{}", rule.leader_alias, rule.name),
        Rule {
            leader_alias: rule.leader_alias.to_string(),
            name: rule.name.to_string(),
            pattern: rule.pattern.to_string(),
            follower_pattern: rule.follower_pattern.map(str::to_string),
            settings: rule.settings.clone(),
            success: 0,
            failed: 0,
            failed_indices: Vec::new(),
            last_execution: world.now,
        },
    );
    run_autofollow(world, c);
    Ok(())
}

/// Starts replication for leader indices matching a rule that are not followed yet.
pub fn run_autofollow(world: &mut World, c: usize) {
    let now = world.now;
    let rules: Vec<(String, Rule)> = world.clusters[c]
        .ccr
        .rules
        .iter()
        .map(|(k, r)| (k.clone(), r.clone()))
        .collect();
    for (key, rule) in rules {
        let Ok(lc) = remote_cluster(world, c, &rule.leader_alias) else {
            continue;
        };
        let candidates: Vec<String> = world.clusters[lc]
            .indices
            .values()
            .filter(|ix| {
                crate::util::wildcard_match(&rule.pattern, &ix.name)
                    && ix.follower_of().is_none()
                    && !ix.hidden()
            })
            .map(|ix| ix.name.clone())
            .collect();
        for leader in candidates {
            let follower = rule
                .follower_pattern
                .as_ref()
                .map(|p| p.replace("{{leader_index}}", &leader))
                .unwrap_or_else(|| leader.clone());
            let already = world.clusters[c]
                .ccr
                .reps
                .values()
                .any(|r| r.leader_cluster == lc && r.leader_index == leader);
            if already || world.clusters[c].indices.contains_key(&follower) {
                continue;
            }
            let res = start_replication(
                world,
                c,
                &follower,
                &rule.leader_alias,
                &leader,
                &rule.settings,
            );
            if let Some(r) = world.clusters[c].ccr.rules.get_mut(&key) {
                r.last_execution = now;
                match res {
                    Ok(()) => r.success += 1,
                    Err(_) => {
                        r.failed += 1;
                        r.failed_indices.push(leader.clone());
                    }
                }
            }
        }
    }
}
