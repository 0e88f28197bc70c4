//! ISM policy parsing, validation and the normalised JSON the plugin stores (default retry
//! injected into every action, `copy_alias` added to rollover, and so on).
use serde_json::{json, Map, Value};

use crate::error::OsError;
use crate::util::{parse_bytes, parse_time_ms};

pub const SCHEMA_VERSION: i64 = 21;

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    MinIndexAge(i64),
    MinDocCount(u64),
    MinSize(u64),
    MinRolloverAge(i64),
    MinStateAge(i64),
    NoAlias(bool),
    Cron {
        expression: String,
        timezone: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub state_name: String,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub count: i64,
    pub backoff: String,
    pub delay_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: String,
    pub config: Map<String, Value>,
    pub retry: Retry,
    pub timeout_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    pub actions: Vec<Action>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub patterns: Vec<String>,
    pub priority: i64,
    pub last_updated: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: String,
    pub default_state: String,
    pub states: Vec<State>,
    pub templates: Vec<Template>,
    /// The normalised body, as GET returns it under `policy`.
    pub json: Value,
}

impl Policy {
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct StoredPolicy {
    pub policy: Policy,
    pub seq_no: i64,
    pub primary_term: i64,
    pub version: i64,
}

pub const ACTIONS: &[&str] = &[
    "rollover",
    "delete",
    "force_merge",
    "read_only",
    "read_write",
    "replica_count",
    "shrink",
    "allocation",
    "open",
    "close",
    "snapshot",
    "index_priority",
    "notification",
    "alias",
    "stop_replication",
    "rollup",
    "transform",
    "search_only",
    "convert_index_to_remote",
];

fn invalid(field: &str, place: &str) -> OsError {
    OsError::illegal_argument(format!("Invalid field: [{field}] found in {place}."))
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, OsError> {
    v.as_object().ok_or_else(|| {
        OsError::new(
            400,
            "parsing_exception",
            format!("Failed to parse object: expecting token of type [START_OBJECT] for [{what}]"),
        )
    })
}

fn time_of(v: &Value, field: &str) -> Result<i64, OsError> {
    v.as_str()
        .and_then(parse_time_ms)
        .ok_or_else(|| OsError::illegal_argument(format!("failed to parse setting [{field}] with value [{}] as a time value: unit is missing or unrecognized", v.as_str().unwrap_or(&v.to_string()))))
}

fn bytes_of(v: &Value, field: &str) -> Result<u64, OsError> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_bytes(s),
        _ => None,
    }
    .ok_or_else(|| {
        OsError::new(
            400,
            "parse_exception",
            format!("failed to parse setting [{field}] with value [{v}] as a size in bytes"),
        )
    })
}

fn parse_retry(v: &Value) -> Result<Retry, OsError> {
    let o = obj(v, "retry")?;
    let mut r = Retry {
        count: 3,
        backoff: "exponential".into(),
        delay_ms: 60_000,
    };
    for (k, val) in o {
        match k.as_str() {
            "count" => {
                r.count = val
                    .as_i64()
                    .filter(|c| *c >= 0)
                    .ok_or_else(|| OsError::illegal_argument("Count cannot be a negative number"))?
            }
            "backoff" => {
                let b = val.as_str().unwrap_or_default().to_ascii_lowercase();
                if !["exponential", "constant", "linear"].contains(&b.as_str()) {
                    return Err(OsError::illegal_argument(format!("No enum constant org.opensearch.indexmanagement.spi.indexstatemanagement.model.ActionRetry.Backoff.{}", b.to_ascii_uppercase())));
                }
                r.backoff = b;
            }
            "delay" => r.delay_ms = time_of(val, "delay")?,
            other => return Err(invalid(other, "ActionRetry")),
        }
    }
    Ok(r)
}

fn retry_json(r: &Retry, raw: Option<&Value>) -> Value {
    let delay = raw
        .and_then(|v| v.get("delay"))
        .cloned()
        .unwrap_or_else(|| json!(crate::util::human_time(r.delay_ms)));
    json!({"count": r.count, "backoff": r.backoff, "delay": delay})
}

fn parse_rollover(cfg: &Map<String, Value>) -> Result<Map<String, Value>, OsError> {
    let mut out = Map::new();
    for key in [
        "min_size",
        "min_primary_shard_size",
        "min_doc_count",
        "min_index_age",
        "any_of",
        "prevent_empty_rollover",
    ] {
        if let Some(v) = cfg.get(key) {
            match key {
                "min_size" | "min_primary_shard_size" if bytes_of(v, key)? == 0 => {
                    return Err(OsError::illegal_argument(format!(
                        "{} value must be greater than 0",
                        if key == "min_size" {
                            "Min size"
                        } else {
                            "Min primary shard size"
                        }
                    )));
                }
                "min_doc_count" if v.as_u64().unwrap_or(0) == 0 => {
                    return Err(OsError::illegal_argument(
                        "Min doc count value must be greater than 0",
                    ));
                }
                "min_index_age" => {
                    time_of(v, key)?;
                }
                _ => {}
            }
            out.insert(key.to_string(), v.clone());
        }
    }
    for k in cfg.keys() {
        if ![
            "min_size",
            "min_primary_shard_size",
            "min_doc_count",
            "min_index_age",
            "copy_alias",
            "any_of",
            "prevent_empty_rollover",
        ]
        .contains(&k.as_str())
        {
            return Err(invalid(k, "RolloverAction"));
        }
    }
    out.insert(
        "copy_alias".into(),
        cfg.get("copy_alias").cloned().unwrap_or(json!(false)),
    );
    Ok(out)
}

fn parse_action(v: &Value) -> Result<(Action, Value), OsError> {
    let o = obj(v, "action")?;
    let mut retry = Retry {
        count: 3,
        backoff: "exponential".into(),
        delay_ms: 60_000,
    };
    let mut raw_retry = None;
    let mut timeout = None;
    let mut raw_timeout = None;
    let mut kind: Option<(String, Map<String, Value>)> = None;
    for (k, val) in o {
        match k.as_str() {
            "retry" => {
                retry = parse_retry(val)?;
                raw_retry = Some(val.clone());
            }
            "timeout" => {
                timeout = Some(time_of(val, "timeout")?);
                raw_timeout = Some(val.clone());
            }
            name if ACTIONS.contains(&name) => {
                let cfg = obj(val, name)?.clone();
                let cfg = if name == "rollover" {
                    parse_rollover(&cfg)?
                } else {
                    check_action(name, cfg)?
                };
                kind = Some((name.to_string(), cfg));
            }
            other => return Err(invalid(other, "Actions")),
        }
    }
    let (kind, config) =
        kind.ok_or_else(|| OsError::illegal_argument("Action must have a type"))?;
    let mut out = Map::new();
    if let Some(t) = raw_timeout {
        out.insert("timeout".into(), t);
    }
    out.insert("retry".into(), retry_json(&retry, raw_retry.as_ref()));
    out.insert(kind.clone(), Value::Object(config.clone()));
    Ok((
        Action {
            kind,
            config,
            retry,
            timeout_ms: timeout,
        },
        Value::Object(out),
    ))
}

fn check_action(name: &str, cfg: Map<String, Value>) -> Result<Map<String, Value>, OsError> {
    let (allowed, place): (&[&str], &str) = match name {
        "delete" | "read_only" | "read_write" | "open" | "close" | "stop_replication"
        | "search_only" => (&[], "action"),
        "replica_count" => (&["number_of_replicas"], "ReplicaCountAction"),
        "force_merge" => (
            &[
                "max_num_segments",
                "wait_for_completion",
                "task_execution_timeout",
            ],
            "ForceMergeAction",
        ),
        "allocation" => (
            &["require", "include", "exclude", "wait_for"],
            "AllocationAction",
        ),
        "index_priority" => (&["priority"], "IndexPriorityAction"),
        "snapshot" => (&["repository", "snapshot"], "SnapshotAction"),
        "alias" => (&["actions"], "AliasAction"),
        "notification" => (
            &["destination", "channel", "message_template"],
            "NotificationAction",
        ),
        _ => return Ok(cfg),
    };
    for k in cfg.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(invalid(k, place));
        }
    }
    match name {
        "replica_count"
            if cfg
                .get("number_of_replicas")
                .and_then(Value::as_i64)
                .is_none() =>
        {
            Err(OsError::illegal_argument(
                "ReplicaCountAction number_of_replicas is required",
            ))
        }
        "force_merge"
            if cfg
                .get("max_num_segments")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                <= 0 =>
        {
            Err(OsError::illegal_argument(
                "Force merge {max_num_segments} must be greater than 0",
            ))
        }
        "index_priority" if cfg.get("priority").and_then(Value::as_i64).unwrap_or(-1) < 0 => {
            Err(OsError::illegal_argument(
                "IndexPriorityAction index_priority must be a non-negative number",
            ))
        }
        _ => Ok(cfg),
    }
}

fn parse_conditions(v: &Value) -> Result<(Option<Condition>, Value), OsError> {
    let o = obj(v, "conditions")?;
    let mut found = Vec::new();
    for (k, val) in o {
        let c = match k.as_str() {
            "min_index_age" => Condition::MinIndexAge(time_of(val, k)?),
            "min_rollover_age" => Condition::MinRolloverAge(time_of(val, k)?),
            "min_state_age" => Condition::MinStateAge(time_of(val, k)?),
            "min_doc_count" => Condition::MinDocCount(
                val.as_u64()
                    .ok_or_else(|| OsError::illegal_argument("min_doc_count must be a number"))?,
            ),
            "min_size" => Condition::MinSize(bytes_of(val, k)?),
            "no_alias" => Condition::NoAlias(val.as_bool().unwrap_or(false)),
            "cron" => {
                let c = obj(val, "cron")?;
                let expression = c
                    .get("expression")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                super::cron::Cron::parse(&expression).map_err(OsError::illegal_argument)?;
                let timezone = c
                    .get("timezone")
                    .and_then(Value::as_str)
                    .unwrap_or("UTC")
                    .to_string();
                Condition::Cron {
                    expression,
                    timezone,
                }
            }
            other => return Err(invalid(other, "Conditions")),
        };
        found.push(c);
    }
    if found.len() > 1 {
        return Err(OsError::illegal_argument(
            "Cannot provide more than one Transition condition",
        ));
    }
    Ok((found.pop(), v.clone()))
}

/// Parses the `policy` object of a PUT body. `now` becomes `last_updated_time`.
pub fn parse(id: &str, body: &Value, now: i64) -> Result<Policy, OsError> {
    let o = obj(body, "policy")?;
    let mut description = Value::String(String::new());
    let mut default_state = None;
    let mut states_raw = Vec::new();
    let mut error_notification = Value::Null;
    let mut template_raw = Value::Null;
    for (k, v) in o {
        match k.as_str() {
            "description" => description = v.clone(),
            "default_state" => default_state = v.as_str().map(str::to_string),
            "states" => states_raw = v.as_array().cloned().unwrap_or_default(),
            "error_notification" => error_notification = v.clone(),
            "ism_template" => template_raw = v.clone(),
            "policy_id" | "last_updated_time" | "schema_version" | "user" => {}
            other => return Err(invalid(other, "Policy")),
        }
    }
    let mut states = Vec::new();
    let mut states_json = Vec::new();
    for s in &states_raw {
        let so = obj(s, "state")?;
        let mut name = None;
        let mut actions = Vec::new();
        let mut actions_json = Vec::new();
        let mut transitions = Vec::new();
        let mut transitions_json = Vec::new();
        for (k, v) in so {
            match k.as_str() {
                "name" => name = v.as_str().map(str::to_string),
                "actions" => {
                    for a in v.as_array().cloned().unwrap_or_default() {
                        let (act, j) = parse_action(&a)?;
                        actions.push(act);
                        actions_json.push(j);
                    }
                }
                "transitions" => {
                    for t in v.as_array().cloned().unwrap_or_default() {
                        let to = obj(&t, "transition")?;
                        let mut state_name = None;
                        let mut condition = None;
                        let mut tj = Map::new();
                        for (tk, tv) in to {
                            match tk.as_str() {
                                "state_name" => state_name = tv.as_str().map(str::to_string),
                                "conditions" => {
                                    let (c, raw) = parse_conditions(tv)?;
                                    condition = c;
                                    tj.insert("conditions".into(), raw);
                                }
                                other => return Err(invalid(other, "Transition")),
                            }
                        }
                        let state_name = state_name.ok_or_else(|| {
                            OsError::illegal_argument("Transition must have a state_name")
                        })?;
                        let mut ordered = Map::new();
                        ordered.insert("state_name".into(), json!(state_name));
                        ordered.append(&mut tj);
                        transitions_json.push(Value::Object(ordered));
                        transitions.push(Transition {
                            state_name,
                            condition,
                        });
                    }
                }
                other => return Err(invalid(other, "State")),
            }
        }
        let name = name.ok_or_else(|| OsError::illegal_argument("State must have a name"))?;
        states_json
            .push(json!({"name": name, "actions": actions_json, "transitions": transitions_json}));
        states.push(State {
            name,
            actions,
            transitions,
        });
    }
    let default_state = default_state
        .ok_or_else(|| OsError::illegal_argument("Policy must have a valid default state"))?;
    if states.is_empty() {
        return Err(OsError::illegal_argument(
            "Policy must contain at least one State",
        ));
    }
    if !states.iter().any(|s| s.name == default_state) {
        return Err(OsError::illegal_argument(
            "Policy must have a valid default state",
        ));
    }
    let mut names = std::collections::HashSet::new();
    for s in &states {
        if !names.insert(s.name.clone()) {
            return Err(OsError::illegal_argument(
                "Policy cannot have duplicate state names",
            ));
        }
    }
    for s in &states {
        for t in &s.transitions {
            if !names.contains(&t.state_name) {
                return Err(OsError::illegal_argument(format!(
                    "Policy contains a transition in state={} pointing to a nonexistent state={}",
                    s.name, t.state_name
                )));
            }
        }
    }
    let mut templates = Vec::new();
    let template_list = match &template_raw {
        Value::Null => vec![],
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut template_json = Vec::new();
    for t in template_list {
        let to = obj(&t, "ism_template")?;
        let patterns: Vec<String> = match to.get("index_patterns") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => vec![],
        };
        let priority = to.get("priority").and_then(Value::as_i64).unwrap_or(0);
        for k in to.keys() {
            if !["index_patterns", "priority", "last_updated_time"].contains(&k.as_str()) {
                return Err(invalid(k, "ISMTemplate"));
            }
        }
        template_json.push(
            json!({"index_patterns": patterns, "priority": priority, "last_updated_time": now}),
        );
        templates.push(Template {
            patterns,
            priority,
            last_updated: now,
        });
    }
    let json = json!({
        "policy_id": id,
        "description": description,
        "last_updated_time": now,
        "schema_version": SCHEMA_VERSION,
        "error_notification": error_notification,
        "default_state": default_state,
        "states": states_json,
        "ism_template": if template_json.is_empty() { Value::Null } else { Value::Array(template_json) },
    });
    Ok(Policy {
        id: id.to_string(),
        default_state,
        states,
        templates,
        json,
    })
}

/// `Policy.isSafeToChange`: the new policy has the current state with the same action types.
pub fn is_safe_change(
    old: &Policy,
    new: &Policy,
    state: Option<&str>,
    requested_state: Option<&str>,
) -> bool {
    if requested_state.is_some() {
        return false;
    }
    let Some(state) = state else { return true };
    match (old.state(state), new.state(state)) {
        (Some(a), Some(b)) => a
            .actions
            .iter()
            .map(|x| &x.kind)
            .eq(b.actions.iter().map(|x| &x.kind)),
        _ => false,
    }
}
