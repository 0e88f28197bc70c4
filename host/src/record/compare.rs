//! Two clusters compared field by field, the check of a recording: `_cat/indices`, ISM
//! explain, aliases, index and cluster settings, and ISM policies, each flattened to
//! `path = value` pairs and diffed.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::cluster::DynCluster;

use super::read::{cat_indices, get};
use super::RecordError;

/// One field that differs (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `cat`, `explain`, `aliases`, `settings`, `cluster_settings` or `policies`.
    pub area: &'static str,
    /// The field's dotted path, e.g. `logs-000001.state.name`.
    pub path: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        write!(
            f,
            "{}: {}: {} != {}",
            self.area,
            self.path,
            show(&self.left),
            show(&self.right)
        )
    }
}

/// What a comparison looked at and what differed.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Fields compared, per area.
    pub fields: BTreeMap<&'static str, usize>,
    pub differences: Vec<Difference>,
}

impl Comparison {
    pub fn is_same(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Every leaf of `v` as `prefix.path = value`.
pub fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        // An empty object is a value too (an index without aliases), not nothing.
        Value::Object(o) if o.is_empty() => {
            out.insert(prefix.to_string(), "{}".into());
        }
        Value::Array(a) if a.is_empty() => {
            out.insert(prefix.to_string(), "[]".into());
        }
        Value::Object(o) => {
            for (k, x) in o {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// The areas of one cluster, flattened.
async fn views(
    api: &DynCluster,
    pattern: &str,
) -> Result<Vec<(&'static str, BTreeMap<String, String>)>, RecordError> {
    let mut out = Vec::new();
    let mut cat = BTreeMap::new();
    for (name, row) in cat_indices(api, pattern).await? {
        flatten(&name, &row, &mut cat);
    }
    out.push(("cat", cat));
    let mut explain = BTreeMap::new();
    let e = get(api, &format!("/_plugins/_ism/explain/{pattern}")).await?;
    flatten("", &e, &mut explain);
    out.push(("explain", explain));
    let mut aliases = BTreeMap::new();
    flatten(
        "",
        &get(api, &format!("/{pattern}/_alias")).await?,
        &mut aliases,
    );
    out.push(("aliases", aliases));
    let mut settings = BTreeMap::new();
    let s = get(api, &format!("/{pattern}/_settings?flat_settings=true")).await?;
    flatten("", &s, &mut settings);
    out.push(("settings", settings));
    let mut cluster = BTreeMap::new();
    let c = get(api, "/_cluster/settings?flat_settings=true").await?;
    flatten("", &c, &mut cluster);
    out.push(("cluster_settings", cluster));
    let mut policies = BTreeMap::new();
    let p = get(api, "/_plugins/_ism/policies?size=10000").await?;
    // Listed in id order on both sides; keyed by id so one extra policy is one difference.
    for entry in p
        .get("policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = entry.get("_id").and_then(Value::as_str).unwrap_or("?");
        flatten(id, entry, &mut policies);
    }
    out.push(("policies", policies));
    Ok(out)
}

/// Compare `left` and `right` on the indices matching `pattern`.
pub async fn compare(
    left: &DynCluster,
    right: &DynCluster,
    pattern: &str,
) -> Result<Comparison, RecordError> {
    let l = views(left, pattern).await?;
    let r = views(right, pattern).await?;
    let mut cmp = Comparison::default();
    for ((area, a), (_, b)) in l.into_iter().zip(r) {
        cmp.fields.insert(area, a.len().max(b.len()));
        diff(area, &a, &b, &mut cmp.differences);
    }
    Ok(cmp)
}

fn diff(
    area: &'static str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
    out: &mut Vec<Difference>,
) {
    for (k, v) in a {
        if b.get(k) != Some(v) {
            out.push(Difference {
                area,
                path: k.clone(),
                left: Some(v.clone()),
                right: b.get(k).cloned(),
            });
        }
    }
    for (k, v) in b {
        if !a.contains_key(k) {
            out.push(Difference {
                area,
                path: k.clone(),
                left: None,
                right: Some(v.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_the_field_and_both_sides() {
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        flatten(
            "",
            &json!({"i": {"state": {"name": "hot"}, "x": [1, 2]}}),
            &mut a,
        );
        flatten(
            "",
            &json!({"i": {"state": {"name": "warm"}, "x": [1]}, "j": true}),
            &mut b,
        );
        let mut out = Vec::new();
        diff("explain", &a, &b, &mut out);
        let text: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "explain: i.state.name: hot != warm",
                "explain: i.x[1]: 2 != (absent)",
                "explain: j: (absent) != true"
            ]
        );
    }
}
