//! Semantic comparison of ISM policy bodies: equal unless something a user wrote differs.
//! The server injects fields on write (`policy_id`, `schema_version`, `last_updated_time`,
//! a default `retry` on every action, a null `error_notification`), so a byte comparison would
//! make every `ensure-policy` a write.
use serde_json::{Map, Value};

/// Fields the server adds or rewrites at the top of a stored policy.
const SERVER_FIELDS: &[&str] = &["policy_id", "schema_version", "last_updated_time", "seq_no"];

/// Whether two `policy` objects mean the same.
pub fn same_policy(stored: &Value, wanted: &Value) -> bool {
    normalize(stored) == normalize(wanted)
}

fn normalize(policy: &Value) -> Value {
    let mut p = policy.clone();
    if let Some(obj) = p.as_object_mut() {
        for f in SERVER_FIELDS {
            obj.remove(*f);
        }
        // Stored with defaults the user did not write: null `error_notification` and
        // `ism_template`, an empty `description`.
        for f in ["error_notification", "ism_template"] {
            if obj.get(f).is_some_and(Value::is_null) {
                obj.remove(f);
            }
        }
        if obj.get("description").and_then(Value::as_str) == Some("") {
            obj.remove("description");
        }
        if let Some(states) = obj.get_mut("states").and_then(Value::as_array_mut) {
            for state in states {
                normalize_state(state);
            }
        }
        // An empty template list means no template, as null does.
        if obj
            .get("ism_template")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            obj.remove("ism_template");
        }
        if let Some(t) = obj.get_mut("ism_template") {
            normalize_template(t);
        }
    }
    p
}

fn normalize_state(state: &mut Value) {
    if let Some(s) = state.as_object_mut() {
        if s.get("transitions")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            s.remove("transitions");
        }
    }
    let Some(actions) = state.get_mut("actions").and_then(Value::as_array_mut) else {
        return;
    };
    for action in actions {
        if let Some(a) = action.as_object_mut() {
            if a.get("retry") == Some(&default_retry()) {
                a.remove("retry");
            }
        }
    }
}

/// The server stores `ism_template` as a list and adds `last_updated_time`.
fn normalize_template(t: &mut Value) {
    if t.is_object() {
        *t = Value::Array(vec![t.clone()]);
    }
    if let Some(items) = t.as_array_mut() {
        for item in items {
            if let Some(o) = item.as_object_mut() {
                o.remove("last_updated_time");
            }
        }
    }
}

fn default_retry() -> Value {
    let mut m = Map::new();
    m.insert("count".into(), Value::from(3));
    m.insert("backoff".into(), Value::from("exponential"));
    m.insert("delay".into(), Value::from("1m"));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn injected_fields_do_not_count() {
        let wanted = json!({"description":"d","default_state":"hot","states":[
            {"name":"hot","actions":[{"rollover":{"min_size":"50gb"}}],"transitions":[]}]});
        let stored = json!({"policy_id":"p","description":"d","last_updated_time":1,"schema_version":21,
            "error_notification":null,"default_state":"hot","states":[
            {"name":"hot","actions":[{"retry":{"count":3,"backoff":"exponential","delay":"1m"},
              "rollover":{"min_size":"50gb"}}],"transitions":[]}],"ism_template":null});
        let wanted_with_null_template = {
            let mut w = wanted.clone();
            w["ism_template"] = Value::Null;
            w
        };
        assert!(same_policy(&stored, &wanted_with_null_template));
    }

    #[test]
    fn stored_defaults_do_not_count() {
        let stored = json!({"policy_id":"p","description":"","last_updated_time":1,"schema_version":21,
            "error_notification":null,"default_state":"a","ism_template":null,
            "states":[{"name":"a","actions":[{"retry":{"count":3,"backoff":"exponential","delay":"1m"},"read_only":{}}],"transitions":[]}]});
        let wanted =
            json!({"default_state":"a","states":[{"name":"a","actions":[{"read_only":{}}]}]});
        assert!(same_policy(&stored, &wanted));
        let described = json!({"description":"x","default_state":"a","states":[{"name":"a","actions":[{"read_only":{}}]}]});
        assert!(!same_policy(&stored, &described));
    }

    #[test]
    fn a_null_template_equals_none() {
        // What the server stores for a policy PUT without `ism_template`.
        let wanted = json!({"default_state":"hot","states":[
            {"name":"hot","actions":[{"delete":{}}],"transitions":[]}]});
        let stored = json!({"policy_id":"p","last_updated_time":1,"schema_version":21,
            "error_notification":null,"default_state":"hot","states":[
            {"name":"hot","actions":[{"retry":{"count":3,"backoff":"exponential","delay":"1m"},
              "delete":{}}],"transitions":[]}],"ism_template":null});
        assert!(same_policy(&stored, &wanted));
        assert!(same_policy(&wanted, &stored));
        let mut with_template = wanted.clone();
        with_template["ism_template"] = json!({"index_patterns": ["logs-*"], "priority": 1});
        assert!(!same_policy(&stored, &with_template));
    }

    #[test]
    fn a_changed_threshold_counts() {
        let a = json!({"states":[{"name":"hot","actions":[{"rollover":{"min_size":"50gb"}}]}]});
        let b = json!({"states":[{"name":"hot","actions":[{"rollover":{"min_size":"40gb"}}]}]});
        assert!(!same_policy(&a, &b));
    }

    #[test]
    fn a_custom_retry_counts() {
        let a = json!({"states":[{"name":"hot","actions":[{"retry":{"count":5,"backoff":"exponential","delay":"1m"},"delete":{}}]}]});
        let b = json!({"states":[{"name":"hot","actions":[{"delete":{}}]}]});
        assert!(!same_policy(&a, &b));
    }
}
