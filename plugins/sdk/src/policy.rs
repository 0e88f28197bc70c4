//! Helpers over ISM policy bodies (`serde_json::Value`), for plugins that tune a policy.
//!
//! A policy body is the `policy` object (`{"default_state":..,"states":[..]}`); a document
//! wrapped as `{"policy":{..}}` is unwrapped by [`unwrap_policy`]. Remember ISM's semantics:
//! rollover conditions are OR-ed, and a transition has at most one condition.

use serde_json::{Map, Value};

/// `{"policy":{...}}` → `{...}`; any other value is returned as is.
pub fn unwrap_policy(body: &Value) -> &Value {
    match body.as_object() {
        Some(m) if m.len() == 1 && m.get("policy").is_some_and(Value::is_object) => &m["policy"],
        _ => body,
    }
}

/// The states array.
pub fn states(policy: &Value) -> &[Value] {
    policy
        .get("states")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Names of the states that contain an action named `action` (e.g. `rollover`).
pub fn states_with_action(policy: &Value, action: &str) -> Vec<String> {
    states(policy)
        .iter()
        .filter(|s| state_actions(s).iter().any(|a| a.get(action).is_some()))
        .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Whether any state has an action named `action`.
pub fn has_action(policy: &Value, action: &str) -> bool {
    !states_with_action(policy, action).is_empty()
}

fn state_actions(state: &Value) -> &[Value] {
    state
        .get("actions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The state named `name`, mutably.
pub fn state_mut<'a>(policy: &'a mut Value, name: &str) -> Option<&'a mut Map<String, Value>> {
    policy
        .get_mut("states")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
}

/// The state named `name`.
pub fn state<'a>(policy: &'a Value, name: &str) -> Option<&'a Value> {
    states(policy)
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
}

/// The rollover action's object (`{"min_size":..,..}`) in state `state_name`.
pub fn rollover<'a>(policy: &'a Value, state_name: &str) -> Option<&'a Map<String, Value>> {
    state_actions(state(policy, state_name)?)
        .iter()
        .find_map(|a| a.get("rollover"))
        .and_then(Value::as_object)
}

/// The rollover action's object in state `state_name`, mutably.
pub fn rollover_mut<'a>(
    policy: &'a mut Value,
    state_name: &str,
) -> Option<&'a mut Map<String, Value>> {
    state_mut(policy, state_name)?
        .get_mut("actions")?
        .as_array_mut()?
        .iter_mut()
        .find_map(|a| a.get_mut("rollover"))
        .and_then(Value::as_object_mut)
}

/// The `min_index_age` conditions of the transitions of state `state_name`, as
/// (target state, age string).
pub fn transition_ages(policy: &Value, state_name: &str) -> Vec<(String, String)> {
    let Some(s) = state(policy, state_name) else {
        return Vec::new();
    };
    s.get("transitions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| {
            let target = t.get("state_name")?.as_str()?.to_string();
            let age = t
                .get("conditions")?
                .get("min_index_age")?
                .as_str()?
                .to_string();
            Some((target, age))
        })
        .collect()
}

/// Set the `min_index_age` of every transition of `state_name` that has one (optionally only
/// the one to `target`). Returns how many transitions were changed.
pub fn set_transition_age(
    policy: &mut Value,
    state_name: &str,
    target: Option<&str>,
    age: &str,
) -> usize {
    let Some(s) = state_mut(policy, state_name) else {
        return 0;
    };
    let Some(ts) = s.get_mut("transitions").and_then(Value::as_array_mut) else {
        return 0;
    };
    let mut n = 0;
    for t in ts.iter_mut() {
        let to = t
            .get("state_name")
            .and_then(Value::as_str)
            .map(str::to_string);
        if target.is_some() && to.as_deref() != target {
            continue;
        }
        if let Some(c) = t
            .get_mut("conditions")
            .and_then(Value::as_object_mut)
            .filter(|c| c.contains_key("min_index_age"))
        {
            if c.get("min_index_age").and_then(Value::as_str) != Some(age) {
                c.insert("min_index_age".into(), Value::String(age.to_string()));
                n += 1;
            }
        }
    }
    n
}

/// The first transition target of state `state_name`, if any.
pub fn next_state(policy: &Value, state_name: &str) -> Option<String> {
    state(policy, state_name)?
        .get("transitions")?
        .as_array()?
        .first()?
        .get("state_name")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"policy": {"default_state": "hot", "states": [
            {"name": "hot", "actions": [{"rollover": {"min_size": "50gb"}}],
             "transitions": [{"state_name": "warm", "conditions": {"min_index_age": "1d"}}]},
            {"name": "warm", "actions": [], "transitions": []}
        ]}})
    }

    #[test]
    fn navigate_and_edit() {
        let doc = sample();
        let mut p = unwrap_policy(&doc).clone();
        assert_eq!(states_with_action(&p, "rollover"), vec!["hot".to_string()]);
        assert!(has_action(&p, "rollover"));
        assert!(!has_action(&p, "shrink"));
        assert_eq!(rollover(&p, "hot").unwrap()["min_size"], "50gb");
        assert_eq!(
            transition_ages(&p, "hot"),
            vec![("warm".into(), "1d".into())]
        );
        assert_eq!(next_state(&p, "hot").as_deref(), Some("warm"));
        rollover_mut(&mut p, "hot")
            .unwrap()
            .insert("min_index_age".into(), json!("6h"));
        assert_eq!(set_transition_age(&mut p, "hot", None, "6h"), 1);
        assert_eq!(set_transition_age(&mut p, "hot", None, "6h"), 0);
        assert_eq!(transition_ages(&p, "hot")[0].1, "6h");
        assert_eq!(rollover(&p, "hot").unwrap()["min_index_age"], "6h");
        assert!(rollover(&p, "warm").is_none());
    }
}
