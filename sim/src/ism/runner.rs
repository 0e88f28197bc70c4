//! The managed-index job runner (`ManagedIndexRunner`): one job per index, run every
//! `job_interval` minutes plus jitter, at most one step per run.
use serde_json::{Map, Value};

use super::actions::{self, StepOutcome};
use super::jobs::schedule_next;
use super::meta::{ActionMeta, Managed, Meta, StateMeta, StepMeta, StepStatus};
use crate::model::Cluster;
use crate::world::World;

fn info(msg: String) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message".into(), Value::String(msg));
    m
}

fn allow_on_red(cl: &Cluster) -> bool {
    cl.settings
        .get_str("plugins.index_state_management.allow_running_on_red_cluster")
        .as_deref()
        == Some("true")
}

/// Runs one job if `gen` is still its current schedule.
pub fn run_job(world: &mut World, c: usize, index: &str, gen: u64) {
    let Some(m) = world.clusters[c]
        .indices
        .get(index)
        .and_then(|ix| ix.managed.as_ref())
    else {
        return;
    };
    if m.gen != gen || !m.enabled {
        return;
    }
    let uuid = world.clusters[c]
        .indices
        .get(index)
        .map(|ix| ix.uuid.clone())
        .unwrap_or_default();
    let enabled = world.clusters[c]
        .settings
        .get_str("plugins.index_state_management.enabled");
    if enabled.as_deref() == Some("false")
        || (world.clusters[c].is_red() && !allow_on_red(&world.clusters[c]))
    {
        schedule_next(world, c, index);
        return;
    }
    let Some(mut m) = world.clusters[c]
        .indices
        .get_mut(index)
        .and_then(|ix| ix.managed.take())
    else {
        return;
    };
    m.runs += 1;
    run_once(world, c, index, &mut m);
    // The step may have deleted the index (delete action) or replaced it.
    let keep = m.enabled;
    match world.clusters[c].indices.get_mut(index) {
        Some(ix) if ix.uuid == uuid => ix.managed = Some(m),
        _ => return,
    }
    if keep {
        schedule_next(world, c, index);
    }
}

fn backoff_ms(retry: &super::policy::Retry, consumed: i64) -> i64 {
    match retry.backoff.as_str() {
        "constant" => retry.delay_ms,
        "linear" => consumed * retry.delay_ms,
        _ => (1i64 << (consumed - 1).clamp(0, 30)) * retry.delay_ms,
    }
}

fn run_once(world: &mut World, c: usize, index: &str, m: &mut Managed) {
    let now = world.now;
    let creation = world.clusters[c]
        .indices
        .get(index)
        .map(|ix| ix.creation_date)
        .unwrap_or(-1);
    let Some(mut meta) = m.meta.take() else {
        // First run: initialise only.
        if let Some(cp) = m.change_policy.take() {
            if let Some(sp) = world.clusters[c].policies.get(&cp.policy_id) {
                m.policy = sp.policy.clone();
                m.policy_id = cp.policy_id.clone();
                m.policy_seq_no = sp.seq_no;
                m.policy_primary_term = sp.primary_term;
            }
            m.change_policy = None;
            let start = cp.state.unwrap_or_else(|| m.policy.default_state.clone());
            m.meta = Some(init_meta(m, creation, now, &start));
            return;
        }
        let start = m.policy.default_state.clone();
        m.meta = Some(init_meta(m, creation, now, &start));
        return;
    };
    run_with_meta(world, c, index, m, &mut meta);
    m.meta = Some(meta);
}

fn run_with_meta(world: &mut World, c: usize, index: &str, m: &mut Managed, meta: &mut Meta) {
    let now = world.now;
    {
        if meta.policy_completed == Some(true) || m.is_failed_meta(meta) {
            m.enabled = false;
            return;
        }
        let timeout = current_action(m, meta).and_then(|act| act.timeout_ms);
        if let Some(a) = meta.action.as_mut() {
            if let (Some(t), Some(start)) = (timeout, a.start_time) {
                if now - start > t {
                    a.failed = true;
                    if let Some(s) = meta.step.as_mut() {
                        s.status = StepStatus::TimedOut;
                    }
                    meta.info = info("Action timed out".into());
                    return;
                }
            }
        }
        if let Some(cp) = m.change_policy.clone() {
            let at_transition = meta.action.as_ref().is_none_or(|a| a.name == "transition");
            if cp.is_safe || at_transition {
                apply_change_policy(world, c, index, m, meta, &cp);
                return;
            }
        }
        if let Some(target) = meta.transition_to.take() {
            if m.policy.state(&target).is_none() {
                meta.retry_failed = true;
                meta.info = info(format!(
                    "Failed to find state={target} in policy={}",
                    m.policy_id
                ));
                return;
            }
            meta.state = Some(StateMeta {
                name: target,
                start_time: now,
            });
            meta.action = None;
            meta.step = None;
        }
        // Backoff only skips runs: the retry happens at the first run after it has elapsed.
        if let (Some(a), Some(s)) = (meta.action.as_ref(), meta.step.as_ref()) {
            if s.status == StepStatus::Failed && a.consumed_retries > 0 {
                if let Some(act) = current_action(m, meta) {
                    let wait = backoff_ms(&act.retry, a.consumed_retries);
                    if now < a.last_retry_time.unwrap_or(0) + wait {
                        return;
                    }
                }
            }
        }
        execute_next(world, c, index, m, meta);
    }
}

impl Managed {
    fn is_failed_meta(&self, meta: &Meta) -> bool {
        meta.retry_failed || meta.action.as_ref().is_some_and(|a| a.failed)
    }
}

fn init_meta(m: &Managed, creation: i64, _now: i64, state: &str) -> Meta {
    Meta {
        policy_seq_no: m.policy_seq_no,
        policy_primary_term: m.policy_primary_term,
        index_creation_date: creation,
        state: Some(StateMeta {
            name: state.to_string(),
            start_time: _now,
        }),
        info: info(format!("Successfully initialized policy: {}", m.policy_id)),
        ..Meta::default()
    }
}

fn current_action<'a>(m: &'a Managed, meta: &Meta) -> Option<&'a super::policy::Action> {
    let state = m.policy.state(&meta.state.as_ref()?.name)?;
    let a = meta.action.as_ref()?;
    if a.index < 0 {
        return None;
    }
    state.actions.get(a.index as usize)
}

fn apply_change_policy(
    world: &mut World,
    c: usize,
    _index: &str,
    m: &mut Managed,
    meta: &mut Meta,
    cp: &super::meta::ChangePolicy,
) {
    m.change_policy = None;
    let Some(sp) = world.clusters[c].policies.get(&cp.policy_id) else {
        meta.retry_failed = true;
        meta.info = info(format!("Fail to load policy: {}", cp.policy_id));
        return;
    };
    m.policy = sp.policy.clone();
    m.policy_id = cp.policy_id.clone();
    m.policy_seq_no = sp.seq_no;
    m.policy_primary_term = sp.primary_term;
    meta.policy_seq_no = sp.seq_no;
    meta.policy_primary_term = sp.primary_term;
    let current = meta.state.as_ref().map(|s| s.name.clone());
    if cp.is_safe {
        meta.info = info(format!("Attempting to change policy to {}", cp.policy_id));
        return;
    }
    let target = cp.state.clone().or(current);
    match target {
        Some(t) if m.policy.state(&t).is_some() => {
            meta.transition_to = Some(t);
            meta.action = None;
            meta.step = None;
            meta.info = info(format!("Attempting to change policy to {}", cp.policy_id));
        }
        Some(t) => {
            meta.retry_failed = true;
            meta.info = info(format!(
                "Failed to find state={t} in policy={}",
                cp.policy_id
            ));
        }
        None => {
            meta.transition_to = Some(m.policy.default_state.clone());
            meta.info = info(format!("Attempting to change policy to {}", cp.policy_id));
        }
    }
}

/// Picks the step to run (same step again, next step, next action, or the transition) and runs it.
fn execute_next(world: &mut World, c: usize, index: &str, m: &Managed, meta: &mut Meta) {
    let now = world.now;
    let Some(state_name) = meta.state.as_ref().map(|s| s.name.clone()) else {
        return;
    };
    let Some(state) = m.policy.state(&state_name) else {
        meta.retry_failed = true;
        meta.info = info(format!(
            "Failed to find state={state_name} in policy={}",
            m.policy_id
        ));
        return;
    };
    // (action index, step name, fresh action?)
    let (action_index, step_name, new_action) = match (&meta.action, &meta.step) {
        (None, _) => first_step(state, 0),
        (Some(a), step) => {
            let steps = actions::steps(&a.name);
            let pos = step
                .as_ref()
                .and_then(|s| steps.iter().position(|n| *n == s.name));
            match (step, pos) {
                (Some(s), Some(p)) if s.status == StepStatus::Completed => {
                    if p + 1 < steps.len() {
                        (a.index, steps[p + 1].to_string(), false)
                    } else if a.index < 0 {
                        // A completed transition always sets transition_to or completes the policy.
                        return;
                    } else {
                        first_step(state, a.index as usize + 1)
                    }
                }
                (Some(s), Some(_)) => (a.index, s.name.clone(), false),
                _ => (
                    a.index,
                    steps
                        .first()
                        .copied()
                        .unwrap_or("attempt_transition_step")
                        .to_string(),
                    false,
                ),
            }
        }
    };
    let action_name = if action_index < 0 {
        "transition".to_string()
    } else {
        state.actions[action_index as usize].kind.clone()
    };
    if new_action {
        meta.action = Some(ActionMeta {
            name: action_name.clone(),
            start_time: Some(now),
            index: action_index,
            failed: false,
            consumed_retries: 0,
            last_retry_time: Some(0),
        });
    } else if let Some(a) = meta.action.as_mut() {
        if a.start_time.is_none() {
            a.start_time = Some(now);
        }
    }
    let step_start = match &meta.step {
        Some(s) if s.name == step_name && s.status != StepStatus::Completed => s.start_time,
        _ => now,
    };
    let action = if action_index >= 0 {
        state.actions.get(action_index as usize)
    } else {
        None
    };
    let outcome: StepOutcome =
        actions::execute(world, c, index, state, action, &step_name, step_start, meta);
    meta.step = Some(StepMeta {
        name: step_name,
        start_time: step_start,
        status: outcome.status,
    });
    meta.info = outcome.info;
    if let Some(t) = outcome.transition_to {
        meta.transition_to = Some(t);
    }
    if outcome.policy_completed {
        meta.policy_completed = Some(true);
    }
    if outcome.status == StepStatus::Failed {
        let count = action.map(|a| a.retry.count).unwrap_or(0);
        if let Some(a) = meta.action.as_mut() {
            if a.consumed_retries >= count {
                a.failed = true;
            } else {
                a.consumed_retries += 1;
                a.last_retry_time = Some(now);
            }
        }
    }
}

fn first_step(state: &super::policy::State, from: usize) -> (i64, String, bool) {
    match state.actions.get(from) {
        Some(a) => (
            from as i64,
            actions::steps(&a.kind)
                .first()
                .copied()
                .unwrap_or("attempt")
                .to_string(),
            true,
        ),
        None => (-1, "attempt_transition_step".to_string(), true),
    }
}
