//! A managed index put back in the state an explain response reported: what a recorded
//! scenario replays, so that explain on the replay answers as explain on the original did.
use serde_json::{json, Map, Value};

use super::meta::{ActionMeta, Managed, Meta, StateMeta, StepMeta, StepStatus};
use crate::world::World;

/// Sets index `index` of cluster `c` to the explain entry `ism`. An entry without
/// `policy_id` leaves the index unmanaged (undoing an `ism_template` match at creation).
pub fn restore(world: &mut World, c: usize, index: &str, ism: &Value) -> Result<(), String> {
    let Some(policy_id) = ism.get("policy_id").and_then(Value::as_str) else {
        if let Some(ix) = world.clusters[c].indices.get_mut(index) {
            ix.managed = None;
        }
        return Ok(());
    };
    let cl = &world.clusters[c];
    let stored = cl.policies.get(policy_id);
    // The job keeps its own copy of the policy; explain's `policy` is that copy.
    let policy = match (ism.get("policy"), stored) {
        (Some(p), _) if p.is_object() => {
            let updated = p
                .get("last_updated_time")
                .and_then(Value::as_i64)
                .unwrap_or(world.now);
            super::policy::parse(policy_id, p, updated).map_err(|e| e.reason)?
        }
        (_, Some(sp)) => sp.policy.clone(),
        (_, None) => return Err(format!("unknown policy [{policy_id}]")),
    };
    let (seq, term) = stored.map_or((-2, 0), |sp| (sp.seq_no, sp.primary_term));
    let meta = match ism.get("policy_seq_no") {
        Some(_) => Some(meta_of(ism)?),
        None => None,
    };
    let enabled = ism.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    let Some(ix) = world.clusters[c].indices.get_mut(index) else {
        return Err("no such index".into());
    };
    ix.managed = Some(Managed {
        policy_id: policy_id.to_string(),
        policy,
        policy_seq_no: meta.as_ref().map_or(seq, |m| m.policy_seq_no),
        policy_primary_term: meta.as_ref().map_or(term, |m| m.policy_primary_term),
        enabled,
        next_run: 0,
        gen: 0,
        runs: 0,
        change_policy: None,
        meta,
    });
    super::jobs::schedule_next(world, c, index);
    Ok(())
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn meta_of(e: &Value) -> Result<Meta, String> {
    let state = match e.get("state") {
        Some(s) => Some(StateMeta {
            name: text(s, "name").ok_or("state without a name")?,
            start_time: int(s, "start_time").unwrap_or(0),
        }),
        None => None,
    };
    let action = match e.get("action") {
        Some(a) => Some(ActionMeta {
            name: text(a, "name").ok_or("action without a name")?,
            start_time: int(a, "start_time"),
            index: int(a, "index").unwrap_or(0),
            failed: a.get("failed").and_then(Value::as_bool).unwrap_or(false),
            consumed_retries: int(a, "consumed_retries").unwrap_or(0),
            last_retry_time: int(a, "last_retry_time"),
        }),
        None => None,
    };
    let step = match e.get("step") {
        Some(s) => Some(StepMeta {
            name: text(s, "name").ok_or("step without a name")?,
            start_time: int(s, "start_time").unwrap_or(0),
            status: step_status(s.get("step_status").and_then(Value::as_str))?,
        }),
        None => None,
    };
    let retry = e.get("retry_info").cloned().unwrap_or(json!({}));
    Ok(Meta {
        policy_seq_no: int(e, "policy_seq_no").unwrap_or(-2),
        policy_primary_term: int(e, "policy_primary_term").unwrap_or(0),
        rolled_over: e.get("rolled_over").and_then(Value::as_bool),
        rolled_over_index_name: text(e, "rolled_over_index_name"),
        index_creation_date: int(e, "index_creation_date").unwrap_or(0),
        transition_to: text(e, "transition_to"),
        state,
        action,
        step,
        retry_failed: retry
            .get("failed")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        retry_consumed: int(&retry, "consumed_retries").unwrap_or(0),
        info: info(e.get("info"))?,
        policy_completed: e.get("policy_completed").and_then(Value::as_bool),
    })
}

/// `info` as an object, or as its JSON text (a recording keeps an `info` with nulls so).
fn info(v: Option<&Value>) -> Result<Map<String, Value>, String> {
    match v {
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Object(o)) => Ok(o),
            _ => Err(format!("info is not a JSON object: {s}")),
        },
        None => Ok(Map::new()),
        Some(other) => Err(format!("info is not an object: {other}")),
    }
}

fn step_status(s: Option<&str>) -> Result<StepStatus, String> {
    Ok(match s {
        Some("starting") | None => StepStatus::Starting,
        Some("condition_not_met") => StepStatus::ConditionNotMet,
        Some("failed") => StepStatus::Failed,
        Some("completed") => StepStatus::Completed,
        Some("timed_out") => StepStatus::TimedOut,
        Some(other) => return Err(format!("unknown step_status [{other}]")),
    })
}
