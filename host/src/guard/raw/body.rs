//! Body checks: every field of a raw request body that can name an index, alias, policy or
//! cluster is checked against the grant, or the request is denied. A body that can't be
//! parsed is denied too: what it would do can't be checked.
use serde_json::{Map, Value};

use super::table::Body;
use crate::guard::scope::Grant;

/// The grant, and every index expression the body named (for alias resolution).
pub struct Names<'a> {
    pub grant: &'a Grant,
    pub seen: Vec<String>,
    /// Set when a refusal is about scope (a name outside the grant), not about shape.
    pub out_of_scope: bool,
}

impl Names<'_> {
    fn outside(&mut self, subject: String) -> Result<(), String> {
        self.out_of_scope = true;
        Err(subject)
    }
}

/// Settings that run an ingest pipeline, which can rewrite `_index` and so write anywhere.
const PIPELINE_SETTINGS: &[&str] = &["default_pipeline", "final_pipeline"];

/// Check `body` by `rule`. `path_index` is the index expression of the path, used where an
/// item may leave its index out (`_mget` docs, `_bulk` and `_msearch` lines).
pub fn check(
    g: &mut Names<'_>,
    rule: Body,
    body: Option<&str>,
    path_index: Option<&str>,
) -> Result<(), String> {
    let text = body.map(str::trim).filter(|b| !b.is_empty());
    match rule {
        Body::Msearch => return msearch(g, text, path_index),
        Body::Bulk => return bulk(g, text, path_index),
        Body::Empty => {
            return match text {
                None => Ok(()),
                Some(_) => Err("this endpoint takes no body".into()),
            }
        }
        _ => {}
    }
    let Some(text) = text else {
        return match rule {
            Body::AllocationExplain => Err(
                "allocation explain needs a body naming the index and shard; without one it explains any unassigned shard of the cluster".into(),
            ),
            Body::IsmPolicy => Err("a policy write needs its policy document".into()),
            Body::CcrStart => Err("replication _start needs leader_alias and leader_index".into()),
            Body::Autofollow => Err("an auto-follow request needs leader_alias and name".into()),
            _ => Ok(()),
        };
    };
    let v: Value = serde_json::from_str(text).map_err(|e| format!("body is not JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| "body must be a JSON object".to_string())?;
    match rule {
        Body::Json => Ok(()),
        Body::Settings => settings(g, obj),
        Body::Search => search_names(g, &v, "body"),
        Body::Mget => mget(g, obj, path_index),
        Body::AliasActions => alias_actions(g, obj),
        Body::AllocationExplain => match obj.get("index") {
            Some(Value::String(i)) => index(g, i, "index"),
            _ => Err("allocation explain must name an `index`".into()),
        },
        Body::IsmPolicyId => match obj.get("policy_id") {
            Some(Value::String(id)) => policy(g, id),
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(format!("policy_id is not a string: {other}")),
        },
        Body::IsmPolicy => ism_policy(g, obj),
        Body::CcrStart => {
            cluster(g, str_field(obj, "leader_alias")?)?;
            index(g, str_field(obj, "leader_index")?, "leader_index")
        }
        Body::Autofollow => {
            cluster(g, str_field(obj, "leader_alias")?)?;
            let name = str_field(obj, "name")?;
            if !g.grant.allows_autofollow(name) {
                return g.outside(format!("auto-follow rule [{name}]"));
            }
            match obj.get("pattern") {
                Some(Value::String(p)) => index(g, p, "pattern"),
                None => Ok(()),
                Some(other) => Err(format!("pattern is not a string: {other}")),
            }
        }
        Body::Empty | Body::Msearch | Body::Bulk => Ok(()),
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("body field {key} is not a string: {other}")),
        None => Err(format!("body field {key} is missing")),
    }
}

/// An index expression named in a body: every element must be inside the grant.
fn index(g: &mut Names<'_>, expr: &str, field: &str) -> Result<(), String> {
    if let Err(el) = g.grant.check_target(expr) {
        return g.outside(format!("{field} [{el}]"));
    }
    g.seen.push(expr.to_string());
    Ok(())
}

fn policy(g: &mut Names<'_>, id: &str) -> Result<(), String> {
    if g.grant.allows_policy(id) {
        Ok(())
    } else {
        g.outside(format!("policy [{id}]"))
    }
}

fn cluster(g: &mut Names<'_>, alias: &str) -> Result<(), String> {
    if g.grant.allows_cluster(alias) {
        Ok(())
    } else {
        g.outside(format!("leader alias [{alias}]"))
    }
}

/// A string or an array of strings, each an index expression.
fn names(g: &mut Names<'_>, v: &Value, field: &str) -> Result<(), String> {
    match v {
        Value::String(s) => index(g, s, field),
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::String(s) => index(g, s, field)?,
                    other => return Err(format!("{field} holds a non-string: {other}")),
                }
            }
            Ok(())
        }
        other => Err(format!("{field} is not a string or list: {other}")),
    }
}

/// Every `index` / `_index` key anywhere in a search body. A field that happens to be called
/// `index` is checked too: a false refusal is safe, a missed lookup is not.
fn search_names(g: &mut Names<'_>, v: &Value, at: &str) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}.{k}");
                if matches!(k.as_str(), "index" | "_index" | "indices") && !x.is_object() {
                    names(g, x, &here)?;
                } else {
                    search_names(g, x, &here)?;
                }
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                search_names(g, x, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(super) fn settings(g: &mut Names<'_>, obj: &Map<String, Value>) -> Result<(), String> {
    fn walk(v: &Value, at: &str) -> Result<(), String> {
        if let Value::Object(m) = v {
            for (k, x) in m {
                if PIPELINE_SETTINGS.iter().any(|p| k.ends_with(p)) {
                    return Err(format!(
                        "setting {at}{k}: ingest pipelines can write into any index; set them through the platform"
                    ));
                }
                walk(x, &format!("{at}{k}."))?;
            }
        }
        Ok(())
    }
    walk(&Value::Object(obj.clone()), "")?;
    if let Some(aliases) = obj.get("aliases") {
        let m = aliases
            .as_object()
            .ok_or_else(|| "aliases is not an object".to_string())?;
        for alias in m.keys() {
            index(g, alias, "alias")?;
        }
    }
    Ok(())
}

fn mget(
    g: &mut Names<'_>,
    obj: &Map<String, Value>,
    path_index: Option<&str>,
) -> Result<(), String> {
    if obj.contains_key("ids") && path_index.is_none() {
        return Err("`ids` needs an index in the path".into());
    }
    if let Some(docs) = obj.get("docs") {
        let docs = docs
            .as_array()
            .ok_or_else(|| "docs is not a list".to_string())?;
        for (i, d) in docs.iter().enumerate() {
            match d.get("_index") {
                Some(v) => names(g, v, &format!("docs[{i}]._index"))?,
                None if path_index.is_some() => {}
                None => return Err(format!("docs[{i}] names no _index and the path none")),
            }
        }
    }
    Ok(())
}

fn alias_actions(g: &mut Names<'_>, obj: &Map<String, Value>) -> Result<(), String> {
    let actions = obj
        .get("actions")
        .and_then(Value::as_array)
        .ok_or_else(|| "`actions` must be a list".to_string())?;
    for (i, a) in actions.iter().enumerate() {
        let m = a
            .as_object()
            .filter(|m| m.len() == 1)
            .ok_or_else(|| format!("actions[{i}] must hold exactly one action"))?;
        for (verb, spec) in m {
            if !matches!(verb.as_str(), "add" | "remove" | "remove_index") {
                return Err(format!("actions[{i}]: unknown alias action `{verb}`"));
            }
            let mut named = false;
            for key in ["index", "indices", "alias", "aliases"] {
                if let Some(v) = spec.get(key) {
                    names(g, v, &format!("actions[{i}].{verb}.{key}"))?;
                    named |= key.starts_with("ind");
                }
            }
            if !named {
                return Err(format!("actions[{i}].{verb} names no index"));
            }
        }
    }
    Ok(())
}

fn ism_policy(g: &mut Names<'_>, obj: &Map<String, Value>) -> Result<(), String> {
    let Some(t) = obj.get("policy").and_then(|p| p.get("ism_template")) else {
        return Ok(());
    };
    let templates: Vec<&Value> = match t {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    for (i, tpl) in templates.into_iter().enumerate() {
        if let Some(p) = tpl.get("index_patterns") {
            names(g, p, &format!("ism_template[{i}].index_patterns"))?;
        }
    }
    Ok(())
}

/// NDJSON lines, skipping blank ones; a line that isn't JSON is refused.
fn ndjson(text: Option<&str>) -> Result<Vec<Value>, String> {
    let Some(text) = text else {
        return Err("this endpoint needs an NDJSON body".into());
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: not JSON: {e}", i + 1)))
        .collect()
}

fn msearch(g: &mut Names<'_>, text: Option<&str>, path_index: Option<&str>) -> Result<(), String> {
    let lines = ndjson(text)?;
    for (i, pair) in lines.chunks(2).enumerate() {
        let header = &pair[0];
        match header.get("index") {
            Some(v) => names(g, v, &format!("search {i} header index"))?,
            None if path_index.is_some() => {}
            None => return Err(format!("search {i} names no index and the path none")),
        }
        if let Some(body) = pair.get(1) {
            search_names(g, body, &format!("search {i} body"))?;
        }
    }
    Ok(())
}

fn bulk(g: &mut Names<'_>, text: Option<&str>, path_index: Option<&str>) -> Result<(), String> {
    let lines = ndjson(text)?;
    let mut i = 0;
    while i < lines.len() {
        let action = lines[i]
            .as_object()
            .filter(|m| m.len() == 1)
            .ok_or_else(|| format!("bulk line {}: expected one action", i + 1))?;
        let (verb, meta) = action
            .iter()
            .next()
            .ok_or_else(|| format!("bulk line {}: empty action", i + 1))?;
        let has_source = match verb.as_str() {
            "index" | "create" | "update" => true,
            "delete" => false,
            other => return Err(format!("bulk line {}: unknown action `{other}`", i + 1)),
        };
        if meta.get("pipeline").is_some() {
            return Err(format!(
                "bulk line {}: ingest pipelines can write into any index",
                i + 1
            ));
        }
        match meta.get("_index") {
            Some(v) => names(g, v, &format!("bulk line {} _index", i + 1))?,
            None if path_index.is_some() => {}
            None => {
                return Err(format!(
                    "bulk line {} names no _index and the path none",
                    i + 1
                ))
            }
        }
        i += if has_source { 2 } else { 1 };
    }
    Ok(())
}
