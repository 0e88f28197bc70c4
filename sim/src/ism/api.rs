//! The ISM REST API: policy CRUD with seq_no/primary_term, add, remove, change_policy, retry,
//! explain.
use serde_json::{json, Map, Value};

use super::meta::ChangePolicy;
use super::policy::{self, StoredPolicy};
use crate::error::{OsError, OsResult};
use crate::http::types::{HResult, Req, Resp};
use crate::world::World;

const CONFIG_INDEX: &str = ".opendistro-ism-config";

fn conflict(reason: String) -> OsError {
    OsError::new(409, "version_conflict_engine_exception", reason)
        .with("index", CONFIG_INDEX)
        .with("shard", "0")
        .with("index_uuid", "kCQEqfnfRSWDfvkzf5wpMQ")
}

fn policy_not_found() -> OsError {
    OsError::status_exception(404, "Policy not found")
}

pub fn put_policy(world: &mut World, c: usize, req: &Req, id: Option<&str>) -> HResult {
    let id = id
        .or(req.q("policyID"))
        .ok_or_else(|| OsError::illegal_argument("Missing policy ID"))?
        .to_string();
    let body = req.json_required()?;
    let Some(obj) = body.as_object() else {
        return Err(OsError::parse("request body is required"));
    };
    for k in obj.keys() {
        if k != "policy" {
            return Err(OsError::illegal_argument(format!(
                "Invalid field: [{k}] found in Policy."
            )));
        }
    }
    let inner = obj
        .get("policy")
        .ok_or_else(|| OsError::illegal_argument("Policy must be provided"))?;
    let now = world.now;
    let parsed = policy::parse(&id, inner, now)?;
    let cl = &mut world.clusters[c];
    for t in &parsed.templates {
        for (other_id, sp) in &cl.policies {
            if *other_id == id {
                continue;
            }
            if sp.policy.templates.iter().any(|o| {
                o.priority == t.priority && o.patterns.iter().any(|p| t.patterns.contains(p))
            }) {
                return Err(OsError::illegal_argument(format!(
                    "New policy {id} has an ISM template with index pattern {:?} matching existing policy templates, please use a different priority than {}",
                    t.patterns, t.priority
                ).replace('"', "")));
            }
        }
    }
    let if_seq = req.q("if_seq_no").map(|v| v.parse::<i64>().unwrap_or(-3));
    let if_term = req
        .q("if_primary_term")
        .map(|v| v.parse::<i64>().unwrap_or(-3));
    let existing = cl.policies.get(&id).cloned();
    let (status, version) = match (if_seq, if_term, &existing) {
        (Some(s), Some(t), Some(e)) => {
            if e.seq_no != s || e.primary_term != t {
                return Err(conflict(format!(
                    "[{id}]: version conflict, required seqNo [{s}], primary term [{t}]. current document has seqNo [{}] and primary term [{}]",
                    e.seq_no, e.primary_term
                )));
            }
            (200, e.version + 1)
        }
        (Some(s), Some(t), None) => {
            return Err(conflict(format!("[{id}]: version conflict, required seqNo [{s}], primary term [{t}]. but no document was found")));
        }
        (_, _, Some(e)) => {
            return Err(conflict(format!(
                "[{id}]: version conflict, document already exists (current version [{}])",
                e.version
            )));
        }
        (_, _, None) => (201, 1),
    };
    cl.policy_seq += 1;
    let stored = StoredPolicy {
        policy: parsed,
        seq_no: cl.policy_seq,
        primary_term: 1,
        version,
    };
    let body = json!({"_id": id, "_version": version, "_primary_term": 1, "_seq_no": stored.seq_no,
        "policy": {"policy": stored.policy.json}});
    cl.policies.insert(id.clone(), stored);
    let mut resp = Resp::json(status, body);
    if status == 201 {
        resp = resp.header("Location", &format!("/_plugins/_ism/policies/{id}"));
    }
    Ok(resp)
}

pub fn get_policy(world: &World, c: usize, id: &str, head: bool) -> HResult {
    let cl = &world.clusters[c];
    match cl.policies.get(id) {
        Some(_) if head => Ok(Resp::empty(200)),
        Some(sp) => Ok(Resp::ok(
            json!({"_id": id, "_version": sp.version, "_seq_no": sp.seq_no,
            "_primary_term": sp.primary_term, "policy": sp.policy.json}),
        )),
        None if head => Ok(Resp::empty(404)),
        None => Err(policy_not_found()),
    }
}

pub fn list_policies(world: &World, c: usize) -> HResult {
    let cl = &world.clusters[c];
    let list: Vec<Value> = cl
        .policies
        .iter()
        .map(|(id, sp)| json!({"_id": id, "_seq_no": sp.seq_no, "_primary_term": sp.primary_term, "policy": sp.policy.json}))
        .collect();
    Ok(Resp::ok(
        json!({"policies": list, "total_policies": cl.policies.len()}),
    ))
}

pub fn delete_policy(world: &mut World, c: usize, id: &str) -> HResult {
    let cl = &mut world.clusters[c];
    cl.policy_seq += 1;
    let (status, result, version) = match cl.policies.remove(id) {
        Some(sp) => (200, "deleted", sp.version + 1),
        None => (404, "not_found", 1),
    };
    Ok(Resp::json(
        status,
        json!({"_index": CONFIG_INDEX, "_id": id, "_version": version, "result": result,
        "forced_refresh": true, "_shards": {"total": 2, "successful": 1, "failed": 0},
        "_seq_no": cl.policy_seq, "_primary_term": 1}),
    ))
}

fn target_indices(req: &Req, path_index: Option<&str>) -> OsResult<String> {
    path_index
        .or(req.q("index"))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| OsError::illegal_argument("Missing indices"))
}

fn status_response(updated: usize, failed: Vec<Value>) -> Resp {
    Resp::ok(
        json!({"updated_indices": updated, "failures": !failed.is_empty(), "failed_indices": failed}),
    )
}

fn failure(name: &str, uuid: &str, reason: &str) -> Value {
    json!({"index_name": name, "index_uuid": uuid, "reason": reason})
}

fn restricted(name: &str) -> bool {
    name == CONFIG_INDEX
        || name.starts_with(".kibana")
        || name.starts_with(".opendistro_security")
        || name.starts_with(".opendistro-ism")
}

pub fn add(world: &mut World, c: usize, req: &Req, path_index: Option<&str>) -> HResult {
    let target = target_indices(req, path_index)?;
    let body = req.json()?;
    let policy_id = body
        .get("policy_id")
        .and_then(Value::as_str)
        .ok_or_else(|| OsError::illegal_argument("Missing policy_id"))?
        .to_string();
    let Some(sp) = world.clusters[c].policies.get(&policy_id) else {
        return Err(OsError::status_exception(
            404,
            format!("Could not find policy={policy_id}"),
        ));
    };
    let (seq, term) = (sp.seq_no, sp.primary_term);
    let names = world.clusters[c].resolve(&target);
    let mut updated = 0;
    let mut failed = Vec::new();
    for name in names {
        let ix = &world.clusters[c].indices[&name];
        if !ix.open {
            failed.push(failure(&name, &ix.uuid, "This index is closed"));
        } else if ix.managed.is_some() {
            failed.push(failure(&name, &ix.uuid, "This index already has a policy, use the update policy API to update index policies"));
        } else if restricted(&name) {
            failed.push(failure(
                &name,
                &ix.uuid,
                "Matches restricted index pattern defined in the cluster setting",
            ));
        } else {
            super::jobs::attach(world, c, &name, &policy_id, seq, term);
            updated += 1;
        }
    }
    Ok(status_response(updated, failed))
}

pub fn remove(world: &mut World, c: usize, req: &Req, path_index: Option<&str>) -> HResult {
    let target = target_indices(req, path_index)?;
    let names = world.clusters[c].resolve(&target);
    let mut updated = 0;
    let mut failed = Vec::new();
    for name in names {
        let Some(ix) = world.clusters[c].indices.get_mut(&name) else {
            continue;
        };
        if ix.managed.take().is_some() {
            ix.settings.insert(
                "index.plugins.index_state_management.auto_manage".into(),
                "false".into(),
            );
            updated += 1;
        } else {
            failed.push(failure(
                &name,
                &ix.uuid,
                "This index does not have a policy to remove",
            ));
        }
    }
    Ok(status_response(updated, failed))
}

pub fn change_policy(world: &mut World, c: usize, req: &Req, path_index: Option<&str>) -> HResult {
    let target = target_indices(req, path_index)?;
    let body = req.json_required()?;
    let policy_id = body
        .get("policy_id")
        .and_then(Value::as_str)
        .ok_or_else(|| OsError::illegal_argument("Missing policy_id"))?
        .to_string();
    let state = body
        .get("state")
        .and_then(Value::as_str)
        .map(str::to_string);
    let include: Vec<String> = body
        .get("include")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("state").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(new_policy) = world.clusters[c]
        .policies
        .get(&policy_id)
        .map(|sp| sp.policy.clone())
    else {
        return Err(OsError::status_exception(
            404,
            format!("Could not find policy={policy_id}"),
        ));
    };
    // An unknown `state` is not rejected here: the runner fails with "Failed to find state=…".
    let names = world.clusters[c].resolve(&target);
    let mut updated = 0;
    let mut failed = Vec::new();
    for name in names {
        let Some(ix) = world.clusters[c].indices.get_mut(&name) else {
            continue;
        };
        let uuid = ix.uuid.clone();
        let Some(m) = ix.managed.as_mut() else {
            failed.push(failure(&name, &uuid, "This index is not being managed"));
            continue;
        };
        let current = m
            .meta
            .as_ref()
            .and_then(|x| x.state.as_ref())
            .map(|s| s.name.clone());
        if m.meta.as_ref().is_some_and(|x| x.transition_to.is_some()) {
            failed.push(failure(
                &name,
                &uuid,
                "Cannot change policy while transitioning to new state",
            ));
            continue;
        }
        if m.meta.is_some()
            && !include.is_empty()
            && !current.as_ref().is_some_and(|s| include.contains(s))
        {
            continue;
        }
        let is_safe =
            policy::is_safe_change(&m.policy, &new_policy, current.as_deref(), state.as_deref());
        m.change_policy = Some(ChangePolicy {
            policy_id: policy_id.clone(),
            state: state.clone(),
            include_states: include.clone(),
            is_safe,
        });
        updated += 1;
    }
    Ok(status_response(updated, failed))
}

pub fn retry(world: &mut World, c: usize, req: &Req, path_index: Option<&str>) -> HResult {
    let target = target_indices(req, path_index)?;
    let body = req.json()?;
    let state = body
        .get("state")
        .and_then(Value::as_str)
        .map(str::to_string);
    let names = world.clusters[c].resolve(&target);
    let mut updated = 0;
    let mut failed = Vec::new();
    let mut reschedule = Vec::new();
    for name in names {
        let Some(ix) = world.clusters[c].indices.get_mut(&name) else {
            continue;
        };
        let uuid = ix.uuid.clone();
        let Some(m) = ix.managed.as_mut() else {
            failed.push(failure(&name, &uuid, "This index is not being managed."));
            continue;
        };
        let is_failed = m.is_failed();
        let Some(meta) = m.meta.as_mut() else {
            failed.push(failure(
                &name,
                &uuid,
                "This index has no metadata information",
            ));
            continue;
        };
        if !is_failed {
            failed.push(failure(&name, &uuid, "This index is not in failed state."));
            continue;
        }
        m.enabled = true;
        meta.step = None;
        meta.retry_failed = false;
        meta.retry_consumed = 0;
        if let Some(a) = meta.action.as_mut() {
            a.failed = false;
            a.consumed_retries = 0;
            a.last_retry_time = None;
            a.start_time = None;
        }
        meta.transition_to = state.clone();
        let mut info = Map::new();
        info.insert(
            "message".into(),
            json!("Pending retry of failed managed index"),
        );
        meta.info = info;
        updated += 1;
        reschedule.push(name);
    }
    for name in reschedule {
        super::jobs::schedule_next(world, c, &name);
    }
    Ok(status_response(updated, failed))
}

pub fn explain(world: &mut World, c: usize, req: &Req, path_index: Option<&str>) -> HResult {
    let body = if req.method == "POST" {
        req.json()?
    } else {
        Value::Null
    };
    let filter = super::explain::Filter::from_body(&body);
    let show_policy = req.flag("show_policy");
    let validate = req.flag("validate_action");
    let cl = &world.clusters[c];
    let mut out = Map::new();
    let mut total = 0usize;
    match path_index {
        Some(expr) => {
            for name in cl.resolve(expr) {
                let ix = &cl.indices[&name];
                if !filter.matches(ix) {
                    continue;
                }
                if ix.managed.is_some() {
                    total += 1;
                }
                out.insert(
                    name.clone(),
                    super::explain::entry(ix, show_policy, validate),
                );
            }
        }
        None => {
            // Without an index the plugin pages over managed indices (size defaults to 20).
            let size: usize = req.q("size").and_then(|s| s.parse().ok()).unwrap_or(20);
            let from: usize = req.q("from").and_then(|s| s.parse().ok()).unwrap_or(0);
            let desc = req.q("sortOrder") == Some("desc");
            let query = req.q("queryString").filter(|q| *q != "*");
            let mut managed: Vec<&crate::model::Index> = cl
                .indices
                .values()
                .filter(|ix| ix.managed.is_some() && filter.matches(ix))
                .filter(|ix| query.is_none_or(|q| crate::util::wildcard_match(q, &ix.name)))
                .collect();
            if desc {
                managed.reverse();
            }
            total = managed.len();
            for ix in managed.into_iter().skip(from).take(size) {
                out.insert(
                    ix.name.clone(),
                    super::explain::entry(ix, show_policy, validate),
                );
            }
        }
    }
    out.insert("total_managed_indices".into(), json!(total));
    Ok(Resp::ok(Value::Object(out)))
}
