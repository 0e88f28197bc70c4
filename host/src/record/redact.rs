//! `--redact`: index and alias names replaced by stable pseudonyms, everywhere the scenario
//! names them (indices, aliases, rollover aliases, ingest targets, template and ISM template
//! patterns, explain's rolled-over names and `[name]`s in its messages). The same name always
//! gets the same pseudonym, across runs and clusters, so two recordings still line up. A
//! trailing generation number (`-000042`) is kept, so rollover series stay series.
use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Index settings whose value is an index or alias name.
const NAME_SETTINGS: &[&str] = &[
    "index.plugins.index_state_management.rollover_alias",
    "index.opendistro.index_state_management.rollover_alias",
    "index.plugins.replication.follower.leader_index",
];

/// `stem` and its generation suffix (`-000001`), if any.
fn split_generation(name: &str) -> (&str, &str) {
    match name.rfind('-') {
        Some(i)
            if i > 0 && i + 1 < name.len() && name[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            name.split_at(i)
        }
        _ => (name, ""),
    }
}

/// The pseudonym of an index or alias name.
pub fn pseudonym(name: &str) -> String {
    let (stem, generation) = split_generation(name);
    let digest = Sha256::digest(stem.as_bytes());
    format!("r{}{generation}", hex::encode(&digest[..5]))
}

/// A pattern's literal prefix redacted, its `*` kept: `logs-web-*` and `logs-web-0*` still
/// match the pseudonyms of the indices they matched.
pub fn pattern(p: &str) -> String {
    let Some(star) = p.find('*') else {
        return pseudonym(p);
    };
    let (lit, rest) = p.split_at(star);
    let trimmed = lit.trim_end_matches('-');
    if trimmed.is_empty() {
        return p.to_string();
    }
    // `logs-web-0*`: the digits after the last `-` are a generation prefix, kept as such.
    let (stem, generation) = match trimmed.rfind('-') {
        Some(i)
            if trimmed[i + 1..].bytes().all(|b| b.is_ascii_digit()) && i + 1 < trimmed.len() =>
        {
            (&trimmed[..i], &lit[i..])
        }
        _ => (trimmed, &lit[trimmed.len()..]),
    };
    let digest = Sha256::digest(stem.as_bytes());
    format!("r{}{generation}{rest}", hex::encode(&digest[..5]))
}

fn rename_keys(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        let old = std::mem::take(o);
        for (k, x) in old {
            o.insert(pseudonym(&k), x);
        }
    }
}

fn redact_patterns(v: Option<&mut Value>) {
    if let Some(Value::Array(ps)) = v {
        for p in ps.iter_mut() {
            if let Some(s) = p.as_str() {
                *p = Value::String(pattern(s));
            }
        }
    }
}

/// `[name]` in a message, for every known name.
fn redact_message(msg: &str, names: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        out.push_str(&rest[..=open]);
        // `[logs-000001]` or `[index=logs-000001]`, as ISM writes them.
        let (key, name) = inner.split_once('=').map_or(("", inner), |(k, v)| (k, v));
        if !key.is_empty() {
            out.push_str(key);
            out.push('=');
        }
        out.push_str(names.get(name).map_or(name, String::as_str));
        out.push(']');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Redact the scenario document in place.
pub fn redact(doc: &mut Value) {
    let Some(leader) = doc.get_mut("leader") else {
        return;
    };
    let mut names = BTreeMap::new();
    if let Some(Value::Array(ixs)) = leader.get_mut("indices") {
        for ix in ixs.iter_mut() {
            if let Some(n) = ix.get("name").and_then(Value::as_str).map(str::to_string) {
                names.insert(n.clone(), pseudonym(&n));
                ix["name"] = Value::String(pseudonym(&n));
            }
            if let Some(a) = ix.get_mut("aliases") {
                if let Some(o) = a.as_object() {
                    for k in o.keys() {
                        names.insert(k.clone(), pseudonym(k));
                    }
                }
                rename_keys(a);
            }
            if let Some(Value::Object(s)) = ix.get_mut("settings") {
                for key in NAME_SETTINGS {
                    if let Some(Value::String(v)) = s.get_mut(*key) {
                        *v = pseudonym(v);
                    }
                }
            }
        }
        for ix in ixs.iter_mut() {
            let Some(ism) = ix.get_mut("ism") else {
                continue;
            };
            if let Some(Value::String(n)) = ism.get_mut("rolled_over_index_name") {
                *n = pseudonym(n);
            }
            match ism.get_mut("info") {
                Some(Value::Object(info)) => {
                    for v in info.values_mut() {
                        if let Value::String(s) = v {
                            *s = redact_message(s, &names);
                        }
                    }
                }
                // An `info` kept as JSON text (it had nulls).
                Some(Value::String(s)) => *s = redact_message(s, &names),
                _ => {}
            }
            if let Some(p) = ism.get_mut("policy") {
                redact_policy(p);
            }
        }
    }
    if let Some(Value::Array(ing)) = leader.get_mut("ingest") {
        for i in ing.iter_mut() {
            if let Some(Value::String(a)) = i.get_mut("alias") {
                *a = pseudonym(a);
            }
        }
    }
    if let Some(Value::Object(ts)) = leader.get_mut("templates") {
        for t in ts.values_mut() {
            redact_patterns(t.get_mut("index_patterns"));
            if let Some(a) = t.pointer_mut("/template/aliases") {
                rename_keys(a);
            }
        }
    }
    if let Some(Value::Object(ps)) = leader.get_mut("policies") {
        ps.values_mut().for_each(redact_policy);
    }
    if let Some(Value::Array(rules)) = leader.get_mut("autofollow") {
        for r in rules.iter_mut() {
            if let Some(Value::String(p)) = r.get_mut("pattern") {
                *p = pattern(p);
            }
        }
    }
}

fn redact_policy(p: &mut Value) {
    if let Some(Value::Array(ts)) = p.get_mut("ism_template") {
        for t in ts.iter_mut() {
            redact_patterns(t.get_mut("index_patterns"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pseudonyms_are_stable_and_keep_generations_and_patterns_matching() {
        let a = pseudonym("logs-web-000001");
        assert_eq!(a, pseudonym("logs-web-000001"));
        assert!(a.ends_with("-000001") && !a.contains("web"), "{a}");
        let stem = a.trim_end_matches("-000001");
        assert_eq!(pseudonym("logs-web"), stem);
        assert_eq!(pattern("logs-web-*"), format!("{stem}-*"));
        assert_eq!(pattern("logs-web-0*"), format!("{stem}-0*"));
        assert_eq!(pattern("*"), "*");
        assert_ne!(pseudonym("logs-api"), pseudonym("logs-web"));
    }

    #[test]
    fn names_are_replaced_everywhere() {
        let mut doc = json!({"leader": {
            "indices": [{"name": "logs-000002", "aliases": {"logs": {"is_write_index": true}},
                "settings": {"index.plugins.index_state_management.rollover_alias": "logs"},
                "ism": {"rolled_over_index_name": "logs-000003",
                        "info": {"message": "Successfully rolled over index [logs-000002]",
                                 "cause": "Missing rollover_alias index setting [index=logs-000002]"}}}],
            "ingest": [{"alias": "logs", "docs_per_sec": 1.0}],
            "policies": {"p": {"ism_template": [{"index_patterns": ["logs-*"]}]}}
        }});
        redact(&mut doc);
        let text = doc.to_string();
        assert!(!text.contains("logs"), "{text}");
        let l = pseudonym("logs");
        assert_eq!(doc["leader"]["ingest"][0]["alias"], json!(l));
        assert!(text.contains(&format!("[{l}-000002]")), "{text}");
    }
}
