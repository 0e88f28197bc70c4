//! ISM action steps: what each step does to the cluster and the messages it reports.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::cron::{tz_offset_ms, Cron};
use super::meta::{Meta, StepStatus};
use super::policy::{Action, Condition, State};
use crate::util::{human_bytes, human_time, parse_bytes, parse_time_ms};
use crate::world::World;

pub struct StepOutcome {
    pub status: StepStatus,
    pub info: Map<String, Value>,
    pub transition_to: Option<String>,
    pub policy_completed: bool,
}

fn out(status: StepStatus, message: String) -> StepOutcome {
    let mut info = Map::new();
    info.insert("message".into(), Value::String(message));
    StepOutcome {
        status,
        info,
        transition_to: None,
        policy_completed: false,
    }
}

fn with_cause(mut o: StepOutcome, cause: String) -> StepOutcome {
    o.info.insert("cause".into(), Value::String(cause));
    o
}

/// The steps of each action, in order.
pub fn steps(action: &str) -> &'static [&'static str] {
    match action {
        "rollover" => &["attempt_rollover"],
        "delete" => &["attempt_delete"],
        "force_merge" => &[
            "attempt_set_read_only",
            "attempt_call_force_merge",
            "wait_for_force_merge",
        ],
        "read_only" => &["set_read_only"],
        "read_write" => &["set_read_write"],
        "replica_count" => &["attempt_set_replica_count"],
        "shrink" => &[
            "attempt_move_shards_step",
            "wait_for_move_shards_step",
            "attempt_shrink_step",
            "wait_for_shrink_step",
        ],
        "allocation" => &["attempt_allocation"],
        "open" => &["attempt_open"],
        "close" => &["attempt_close"],
        "snapshot" => &["attempt_snapshot", "wait_for_snapshot"],
        "index_priority" => &["attempt_set_index_priority"],
        "notification" => &["attempt_notification"],
        "alias" => &["attempt_alias"],
        "stop_replication" => &["attempt_stop_replication"],
        "search_only" => &["attempt_search_only"],
        "rollup" => &["attempt_create_rollup", "wait_for_rollup_completion"],
        "transform" => &["attempt_create_transform", "wait_for_transform_completion"],
        "transition" => &["attempt_transition_step"],
        _ => &["attempt"],
    }
}

fn set(
    world: &mut World,
    c: usize,
    index: &str,
    pairs: &[(&str, Option<Value>)],
) -> Result<(), String> {
    let updates: BTreeMap<String, Option<Value>> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    crate::ops::update_settings(world, c, index, &updates).map_err(|e| e.reason)
}

#[allow(clippy::too_many_arguments)]
pub fn execute(
    world: &mut World,
    c: usize,
    index: &str,
    state: &State,
    action: Option<&Action>,
    step: &str,
    step_start: i64,
    meta: &mut Meta,
) -> StepOutcome {
    let now = world.now;
    let empty = Map::new();
    let cfg = action.map(|a| &a.config).unwrap_or(&empty);
    match step {
        "attempt_transition_step" => {
            let state_start = meta.state.as_ref().map(|s| s.start_time).unwrap_or(step_start);
            transition(world, c, index, state, step_start, state_start)
        }
        "attempt_rollover" => rollover(world, c, index, cfg, meta),
        "attempt_delete" => {
            crate::ops::delete_index(world, c, index);
            out(StepStatus::Completed, format!("Successfully deleted index [index={index}]"))
        }
        "set_read_only" | "attempt_set_read_only" => match set(world, c, index, &[("index.blocks.write", Some(json!("true")))]) {
            Ok(()) => out(StepStatus::Completed, format!("Successfully set index to read-only [index={index}]")),
            Err(e) => with_cause(out(StepStatus::Failed, format!("Failed to set index to read-only [index={index}]")), e),
        },
        "set_read_write" => match set(world, c, index, &[("index.blocks.write", Some(json!("false")))]) {
            Ok(()) => out(StepStatus::Completed, format!("Successfully set index to read-write [index={index}]")),
            Err(e) => with_cause(out(StepStatus::Failed, format!("Failed to set index to read-write [index={index}]")), e),
        },
        "attempt_call_force_merge" => out(StepStatus::Completed, format!("Successfully started force merge [index={index}]")),
        "wait_for_force_merge" => {
            // Merging takes about a minute per GB of primaries in this model.
            let bytes = world.clusters[c].indices.get(index).map(|ix| ix.primary_bytes(now)).unwrap_or(0);
            let need = 60_000 * (bytes >> 30) as i64;
            if now - step_start >= need {
                out(StepStatus::Completed, format!("Successfully confirmed segments force merged [index={index}]"))
            } else {
                out(StepStatus::ConditionNotMet, format!("Waiting for force merge to complete [index={index}]"))
            }
        }
        "attempt_set_replica_count" => {
            let n = cfg.get("number_of_replicas").cloned().unwrap_or(json!(1));
            match set(world, c, index, &[("index.number_of_replicas", Some(n.clone()))]) {
                Ok(()) => out(StepStatus::Completed, format!("Successfully set number_of_replicas to {n} [index={index}]")),
                Err(e) => with_cause(out(StepStatus::Failed, format!("Failed to set number_of_replicas to {n} [index={index}]")), e),
            }
        }
        "attempt_allocation" => {
            // Settings are applied when the step starts; later runs of a `wait_for` step only
            // wait, so a routing change by the user can unstick it.
            let first = meta.step.as_ref().is_none_or(|s| s.name != "attempt_allocation" || s.status == StepStatus::Completed);
            allocation(world, c, index, cfg, first)
        }
        "attempt_open" => {
            if let Some(ix) = world.clusters[c].indices.get_mut(index) {
                ix.open = true;
            }
            world.clusters[c].health_dirty = true;
            out(StepStatus::Completed, format!("Successfully opened index [index={index}]"))
        }
        "attempt_close" => {
            if let Some(ix) = world.clusters[c].indices.get_mut(index) {
                ix.open = false;
            }
            crate::ops::sync_ingest_all(world, c);
            out(StepStatus::Completed, format!("Successfully closed index [index={index}]"))
        }
        "attempt_set_index_priority" => {
            let p = cfg.get("priority").cloned().unwrap_or(json!(1));
            match set(world, c, index, &[("index.priority", Some(p.clone()))]) {
                Ok(()) => out(StepStatus::Completed, format!("Successfully set index priority to {p} [index={index}]")),
                Err(e) => with_cause(out(StepStatus::Failed, format!("Failed to set index priority to {p} [index={index}]")), e),
            }
        }
        "attempt_notification" => {
            let msg = cfg.get("message_template").and_then(|t| t.get("source")).and_then(Value::as_str).unwrap_or("").replace("{{ctx.index}}", index);
            tracing::info!(index, message = %msg, "ISM notification");
            world.clusters[c].notifications.push(json!({"index": index, "message": msg, "time": now, "config": Value::Object(cfg.clone())}));
            out(StepStatus::Completed, format!("Successfully sent notification [index={index}]"))
        }
        "attempt_alias" => alias(world, c, index, cfg),
        "attempt_stop_replication" => match crate::ccr::stop(world, c, index) {
            Ok(()) => out(StepStatus::Completed, format!("Successfully stopped replication [index={index}]")),
            Err(e) => with_cause(out(StepStatus::Failed, format!("Failed to stop replication [index={index}]")), e.reason),
        },
        "attempt_snapshot" => out(StepStatus::Completed, format!("Successfully started snapshot [index={index}]")),
        "wait_for_snapshot" => out(StepStatus::Completed, format!("Successfully confirmed snapshot [index={index}]")),
        "attempt_search_only" => out(StepStatus::Completed, format!("Successfully set search-only [index={index}]")),
        "attempt_move_shards_step" => out(StepStatus::Completed, format!("Successfully started moving the shards [index={index}]")),
        "wait_for_move_shards_step" => out(StepStatus::Completed, format!("The shards successfully moved to a node [index={index}]")),
        "attempt_shrink_step" => shrink(world, c, index, cfg),
        "wait_for_shrink_step" => out(StepStatus::Completed, format!("Shrink finished successfully [index={index}]")),
        other => out(StepStatus::Completed, format!("Step [{other}] is not modelled by the simulator and was treated as completed [index={index}]")),
    }
}

fn rollover(
    world: &mut World,
    c: usize,
    index: &str,
    cfg: &Map<String, Value>,
    meta: &mut Meta,
) -> StepOutcome {
    let now = world.now;
    let cl = &world.clusters[c];
    let Some(ix) = cl.indices.get(index) else {
        return out(
            StepStatus::Failed,
            format!("Failed to rollover index [index={index}]"),
        );
    };
    if ix.setting_bool("index.plugins.index_state_management.rollover_skip") {
        return out(
            StepStatus::Completed,
            format!("Skipped rollover action for [index={index}]"),
        );
    }
    let alias = ix
        .setting("index.plugins.index_state_management.rollover_alias")
        .or_else(|| ix.setting("index.opendistro.index_state_management.rollover_alias"))
        .map(str::to_string);
    let Some(alias) = alias else {
        return out(
            StepStatus::Failed,
            format!("Missing rollover_alias index setting [index={index}]"),
        );
    };
    if ix.rollover_info.contains_key(&alias) {
        meta.rolled_over = Some(true);
        return out(StepStatus::Completed, format!("This index has already been rolled over using this alias, treating as a success [index={index}, alias={alias}]"));
    }
    let is_write = ix.aliases.get(&alias).and_then(|m| m.is_write_index) == Some(true);
    let only = cl.alias_indices(&alias) == vec![index.to_string()];
    if !ix.aliases.contains_key(&alias) || (!is_write && !only) {
        return out(
            StepStatus::Failed,
            format!("Missing alias or not the write index when rollover [index={index}]"),
        );
    }
    let docs = ix.docs.count(now);
    let size = ix.primary_bytes(now);
    let shard = ix.shard_bytes(now);
    let age = if ix.creation_date < 0 {
        0
    } else {
        now - ix.creation_date
    };
    let mut conds = Map::new();
    let mut results = Vec::new();
    if let Some(v) = cfg.get("min_index_age") {
        let want = v.as_str().and_then(parse_time_ms).unwrap_or(i64::MAX);
        results.push(age >= want);
        conds.insert(
            "min_index_age".into(),
            json!({"condition": v, "current": human_time(age), "creationDate": ix.creation_date}),
        );
    }
    if let Some(v) = cfg.get("min_doc_count") {
        results.push(docs >= v.as_u64().unwrap_or(u64::MAX));
        conds.insert(
            "min_doc_count".into(),
            json!({"condition": v, "current": docs}),
        );
    }
    if let Some(v) = cfg.get("min_size") {
        let want = v
            .as_str()
            .and_then(parse_bytes)
            .or_else(|| v.as_u64())
            .unwrap_or(u64::MAX);
        results.push(size >= want);
        conds.insert(
            "min_size".into(),
            json!({"condition": v, "current": human_bytes(size)}),
        );
    }
    if let Some(v) = cfg.get("min_primary_shard_size") {
        let want = v
            .as_str()
            .and_then(parse_bytes)
            .or_else(|| v.as_u64())
            .unwrap_or(u64::MAX);
        results.push(shard >= want);
        conds.insert(
            "min_primary_shard_size".into(),
            json!({"condition": v, "current": human_bytes(shard), "shard": 0}),
        );
    }
    if cfg.get("prevent_empty_rollover") == Some(&Value::Bool(true)) && docs == 0 {
        return out(
            StepStatus::ConditionNotMet,
            format!("Rollover prevented: index is empty (0 documents) [index={index}]"),
        );
    }
    let met = results.is_empty() || results.iter().any(|b| *b);
    if !met {
        let mut o = out(
            StepStatus::ConditionNotMet,
            format!("Pending rollover of index [index={index}]"),
        );
        o.info.insert("conditions".into(), Value::Object(conds));
        return o;
    }
    match crate::rollover::rollover(world, c, &alias, None, &json!({}), false) {
        Ok(resp) => {
            meta.rolled_over = Some(true);
            meta.rolled_over_index_name = resp
                .get("new_index")
                .and_then(Value::as_str)
                .map(str::to_string);
            let mut o = out(
                StepStatus::Completed,
                format!("Successfully rolled over index [index={index}]"),
            );
            o.info.insert("conditions".into(), Value::Object(conds));
            o
        }
        Err(e) => with_cause(
            out(
                StepStatus::Failed,
                format!("Failed to rollover index [index={index}]"),
            ),
            e.reason,
        ),
    }
}

fn transition(
    world: &mut World,
    c: usize,
    index: &str,
    state: &State,
    step_start: i64,
    state_start: i64,
) -> StepOutcome {
    let now = world.now;
    if state.transitions.is_empty() {
        return StepOutcome {
            status: StepStatus::Completed,
            info: Map::new(),
            transition_to: None,
            policy_completed: true,
        };
    }
    let cl = &world.clusters[c];
    let Some(ix) = cl.indices.get(index) else {
        return out(
            StepStatus::Failed,
            format!("Failed to transition index [index={index}]"),
        );
    };
    let rollover_date = ix.rollover_info.values().min().copied();
    if rollover_date.is_none()
        && state
            .transitions
            .iter()
            .any(|t| matches!(t.condition, Some(Condition::MinRolloverAge(_))))
    {
        return out(StepStatus::Failed, format!("Failed to transition index as min_rollover_age condition was used, but the index has never been rolled over [index={index}]"));
    }
    let stats = state.transitions.iter().any(|t| {
        matches!(
            t.condition,
            Some(Condition::MinDocCount(_) | Condition::MinSize(_))
        )
    });
    let docs = ix.docs.count(now);
    let size = ix.primary_bytes(now);
    let creation = ix.creation_date;
    let target = state.transitions.iter().find(|t| match &t.condition {
        None => true,
        Some(Condition::MinIndexAge(ms)) => creation >= 0 && now - creation >= *ms,
        Some(Condition::MinDocCount(n)) => docs >= *n,
        Some(Condition::MinSize(b)) => size >= *b,
        Some(Condition::MinRolloverAge(ms)) => rollover_date.is_some_and(|r| now - r >= *ms),
        Some(Condition::MinStateAge(ms)) => now - state_start >= *ms,
        Some(Condition::NoAlias(want)) => ix.aliases.is_empty() == *want,
        Some(Condition::Cron {
            expression,
            timezone,
        }) => Cron::parse(expression)
            .ok()
            .and_then(|cr| cr.next_after(step_start, tz_offset_ms(timezone)))
            .is_some_and(|t| t <= now),
    });
    let mut conditions = Map::new();
    conditions.insert("min_index_age".into(), json!(creation));
    conditions.insert(
        "min_doc_count".into(),
        if stats { json!(docs) } else { Value::Null },
    );
    conditions.insert(
        "min_size".into(),
        if stats {
            json!(human_bytes(size))
        } else {
            Value::Null
        },
    );
    conditions.insert("cron".into(), json!(step_start));
    conditions.insert(
        "min_rollover_age".into(),
        rollover_date.map(|d| json!(d)).unwrap_or(Value::Null),
    );
    let mut o = match target {
        Some(t) => {
            let mut o = out(
                StepStatus::Completed,
                format!("Transitioning to {} [index={index}]", t.state_name),
            );
            o.transition_to = Some(t.state_name.clone());
            o
        }
        None => out(
            StepStatus::ConditionNotMet,
            format!("Evaluating transition conditions [index={index}]"),
        ),
    };
    o.info
        .insert("conditions".into(), Value::Object(conditions));
    o
}

fn allocation(
    world: &mut World,
    c: usize,
    index: &str,
    cfg: &Map<String, Value>,
    first: bool,
) -> StepOutcome {
    let mut pairs: Vec<(String, Option<Value>)> = Vec::new();
    for kind in ["require", "include", "exclude"] {
        if let Some(m) = cfg.get(kind).and_then(Value::as_object) {
            for (k, v) in m {
                pairs.push((
                    format!("index.routing.allocation.{kind}.{k}"),
                    Some(v.clone()),
                ));
            }
        }
    }
    let refs: Vec<(&str, Option<Value>)> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    if !first {
        // Waiting: nothing to set again.
    } else if let Err(e) = set(world, c, index, &refs) {
        return with_cause(
            out(
                StepStatus::Failed,
                format!("Failed to update allocation setting [index={index}]"),
            ),
            e,
        );
    }
    if cfg.get("wait_for") == Some(&Value::Bool(true)) {
        let cl = &world.clusters[c];
        let settled = cl.indices.get(index).is_some_and(|ix| {
            ix.shards.iter().all(|s| {
                s.node
                    .is_some_and(|n| crate::alloc::filter_decision(ix, &cl.nodes[n]).yes)
            })
        });
        if !settled {
            return out(
                StepStatus::ConditionNotMet,
                format!("Waiting for allocation of index to complete [index={index}]"),
            );
        }
    }
    out(
        StepStatus::Completed,
        format!("Successfully updated allocation setting [index={index}]"),
    )
}

fn alias(world: &mut World, c: usize, index: &str, cfg: &Map<String, Value>) -> StepOutcome {
    let cl = &mut world.clusters[c];
    for a in cfg
        .get("actions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(add) = a.get("add") {
            let names = alias_names(add);
            for n in names {
                cl.put_alias(index, &n, crate::ops::parse_alias_meta(add));
            }
        }
        if let Some(rm) = a.get("remove") {
            for n in alias_names(rm) {
                cl.remove_alias(index, &n);
            }
        }
    }
    crate::ops::sync_ingest_all(world, c);
    out(
        StepStatus::Completed,
        format!("Successfully updated aliases [index={index}]"),
    )
}

fn alias_names(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = v.get("alias").and_then(Value::as_str) {
        out.push(a.to_string());
    }
    if let Some(list) = v.get("aliases").and_then(Value::as_array) {
        out.extend(list.iter().filter_map(|x| x.as_str().map(str::to_string)));
    }
    out
}

fn shrink(world: &mut World, c: usize, index: &str, cfg: &Map<String, Value>) -> StepOutcome {
    let Some(src) = world.clusters[c].indices.get(index).cloned() else {
        return out(
            StepStatus::Failed,
            format!("Shrink failed when sending shrink request [index={index}]"),
        );
    };
    let shards = src.num_shards();
    let target_shards = if let Some(n) = cfg.get("num_new_shards").and_then(Value::as_u64) {
        n as u32
    } else if let Some(p) = cfg
        .get("percentage_of_source_shards")
        .and_then(Value::as_f64)
    {
        ((f64::from(shards) * p) as u32).max(1)
    } else {
        1
    };
    let name = cfg
        .get("target_index_name_template")
        .and_then(|t| t.get("source"))
        .and_then(Value::as_str)
        .map(|s| s.replace("{{ctx.index}}", index))
        .unwrap_or_else(|| format!("{index}_shrunken"));
    let spec = crate::ops::CreateSpec {
        settings: [
            (
                "index.number_of_shards".to_string(),
                target_shards.to_string(),
            ),
            (
                "index.number_of_replicas".to_string(),
                src.num_replicas().to_string(),
            ),
        ]
        .into(),
        aliases: Default::default(),
        mappings: src.mappings.clone(),
    };
    match crate::ops::create_index(world, c, &name, spec) {
        Ok(_) => {
            if let Some(ix) = world.clusters[c].indices.get_mut(&name) {
                ix.docs.base_docs = src.docs.count(world.now);
                ix.docs.base_ops = ix.docs.base_docs;
                ix.docs.base_bytes = src.primary_bytes(world.now);
            }
            out(
                StepStatus::Completed,
                format!("Shrink started. {name} currently being populated [index={index}]"),
            )
        }
        Err(e) => with_cause(
            out(
                StepStatus::Failed,
                format!("Shrink failed when sending shrink request [index={index}]"),
            ),
            e.reason,
        ),
    }
}
