//! Settings as OpenSearch handles them: nested or flat JSON in, flat keys inside, nested or
//! flat JSON out, `null` resetting a key.
use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Flattens nested settings into dotted keys. `None` values mean "reset".
pub fn flatten(v: &Value) -> BTreeMap<String, Option<Value>> {
    let mut out = BTreeMap::new();
    walk("", v, &mut out);
    out
}

fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Option<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(&key, child, out);
            }
        }
        Value::Null => {
            out.insert(prefix.to_string(), None);
        }
        Value::Array(items) => {
            // OpenSearch keeps lists as `key.0`, `key.1`... but echoes them back as arrays;
            // the simulator keeps the array whole.
            out.insert(prefix.to_string(), Some(Value::Array(items.clone())));
        }
        other => {
            out.insert(prefix.to_string(), Some(other.clone()));
        }
    }
}

/// The string form OpenSearch stores a setting value in.
pub fn as_setting_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// Nests flat keys back into objects ("a.b.c" → {"a":{"b":{"c":…}}}).
pub fn nest<'a>(flat: impl IntoIterator<Item = (&'a String, Value)>) -> Value {
    let mut root = Map::new();
    for (key, value) in flat {
        let parts: Vec<&str> = key.split('.').collect();
        insert(&mut root, &parts, value);
    }
    Value::Object(root)
}

fn insert(map: &mut Map<String, Value>, parts: &[&str], value: Value) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).to_string(), value);
        return;
    }
    let entry = map
        .entry((*first).to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        // A key that is both a leaf and a prefix: keep both by flattening the remainder.
        let joined = format!("{}.{}", first, rest.join("."));
        map.insert(joined, value);
        return;
    }
    if let Value::Object(child) = entry {
        insert(child, rest, value);
    }
}

/// Flat string map → JSON values for output.
pub fn strings_to_values(m: &BTreeMap<String, String>) -> Vec<(&String, Value)> {
    m.iter()
        .map(|(k, v)| (k, Value::String(v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let f =
            flatten(&json!({"index": {"blocks.write": true, "number_of_replicas": 4}, "x": null}));
        assert_eq!(f.get("index.blocks.write"), Some(&Some(json!(true))));
        assert_eq!(f.get("x"), Some(&None));
        let flat: BTreeMap<String, String> =
            [("index.blocks.write".to_string(), "true".to_string())].into();
        assert_eq!(
            nest(strings_to_values(&flat)),
            json!({"index": {"blocks": {"write": "true"}}})
        );
    }
}
