//! A small query evaluator for `_search`, `_count` and `_msearch`: `match_all`, `match_none`,
//! `ids`, `term`, `terms` (with the terms lookup, which reads a document of another index, as
//! OpenSearch does), `exists` and `bool` (`must`, `filter`, `should`, `must_not`).
use serde_json::{Map, Value};

use crate::error::OsError;
use crate::model::Cluster;

/// A parsed query. Lookups are resolved at parse time, against the cluster, so a terms lookup
/// really reads the other index.
#[derive(Debug, Clone)]
pub enum Query {
    All,
    None,
    Ids(Vec<String>),
    Terms {
        field: String,
        values: Vec<Value>,
    },
    Exists(String),
    Bool {
        must: Vec<Query>,
        should: Vec<Query>,
        must_not: Vec<Query>,
    },
}

impl Query {
    /// The `query` of a search body, or `match_all` when there is none.
    pub fn of_body(cl: &Cluster, body: &Value) -> Result<Self, OsError> {
        match body.get("query") {
            None | Some(Value::Null) => Ok(Query::All),
            Some(q) => parse(cl, q),
        }
    }

    pub fn matches(&self, id: &str, source: &Value) -> bool {
        match self {
            Query::All => true,
            Query::None => false,
            Query::Ids(ids) => ids.iter().any(|i| i == id),
            Query::Terms { field, values } => field_values(source, field)
                .iter()
                .any(|v| values.iter().any(|x| same(x, v))),
            Query::Exists(f) => !field_values(source, f).is_empty(),
            Query::Bool {
                must,
                should,
                must_not,
            } => {
                must.iter().all(|q| q.matches(id, source))
                    && !must_not.iter().any(|q| q.matches(id, source))
                    // With a must or filter clause, should clauses are optional.
                    && (should.is_empty()
                        || !must.is_empty()
                        || should.iter().any(|q| q.matches(id, source)))
            }
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), other) | (other, Value::String(x)) => x == &other.to_string(),
        _ => a == b,
    }
}

/// The values at a dotted path of a source; arrays are flattened.
fn field_values<'a>(source: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut cur = vec![source];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in cur {
            match v.get(part) {
                Some(Value::Array(a)) => next.extend(a.iter()),
                Some(Value::Null) | None => {}
                Some(x) => next.push(x),
            }
        }
        cur = next;
    }
    cur
}

fn one_key(q: &Value) -> Result<(&String, &Value), OsError> {
    q.as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
        .ok_or_else(|| OsError::parse("query malformed, must start with start_object"))
}

fn parse(cl: &Cluster, q: &Value) -> Result<Query, OsError> {
    let (kind, spec) = one_key(q)?;
    match kind.as_str() {
        "match_all" => Ok(Query::All),
        "match_none" => Ok(Query::None),
        "ids" => Ok(Query::Ids(
            spec.get("values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        )),
        "term" => {
            let (field, v) = one_key(spec)?;
            let value = v.get("value").cloned().unwrap_or_else(|| v.clone());
            Ok(Query::Terms {
                field: field.clone(),
                values: vec![value],
            })
        }
        "terms" => {
            let m = spec
                .as_object()
                .ok_or_else(|| OsError::parse("[terms] query malformed"))?;
            let (field, v) = m
                .iter()
                .find(|(k, _)| k.as_str() != "boost")
                .ok_or_else(|| OsError::parse("[terms] query requires a field"))?;
            let values = match v {
                Value::Array(a) => a.clone(),
                Value::Object(lookup) => terms_lookup(cl, lookup)?,
                _ => {
                    return Err(OsError::parse(
                        "[terms] query does not support a single value",
                    ))
                }
            };
            Ok(Query::Terms {
                field: field.clone(),
                values,
            })
        }
        "exists" => Ok(Query::Exists(
            spec.get("field")
                .and_then(Value::as_str)
                .ok_or_else(|| OsError::parse("[exists] must be provided with a [field]"))?
                .to_string(),
        )),
        "bool" => {
            let list = |k: &str| -> Result<Vec<Query>, OsError> {
                match spec.get(k) {
                    None => Ok(Vec::new()),
                    Some(Value::Array(a)) => a.iter().map(|x| parse(cl, x)).collect(),
                    Some(one) => Ok(vec![parse(cl, one)?]),
                }
            };
            let mut must = list("must")?;
            must.extend(list("filter")?);
            Ok(Query::Bool {
                must,
                should: list("should")?,
                must_not: list("must_not")?,
            })
        }
        other => Err(OsError::parse(format!("unknown query [{other}]"))),
    }
}

/// `{"index": "...", "id": "...", "path": "..."}`: the values at `path` of that document.
fn terms_lookup(cl: &Cluster, lookup: &Map<String, Value>) -> Result<Vec<Value>, OsError> {
    let get = |k: &str| lookup.get(k).and_then(Value::as_str);
    let (Some(index), Some(id), Some(path)) = (get("index"), get("id"), get("path")) else {
        return Err(OsError::parse(
            "[terms] query lookup element requires specifying the index, id and path",
        ));
    };
    let target = if cl.aliases.contains_key(index) {
        cl.write_index(index).unwrap_or_default()
    } else {
        index.to_string()
    };
    let ix = cl
        .indices
        .get(&target)
        .ok_or_else(|| OsError::index_not_found(index))?;
    Ok(ix
        .stored
        .get(id)
        .map(|d| field_values(&d.source, path).into_iter().cloned().collect())
        .unwrap_or_default())
}
