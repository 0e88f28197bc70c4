//! Dry-run answers: plausible typed results for mutations that are recorded but never sent.
//! They may read the cluster (a read is never a mutation) to make the answer realistic.
use serde_json::Value;

use crate::cluster::model::{PolicyDoc, RawResponse, RolloverResult, StatusResponse};
use crate::cluster::ClusterApi;

/// An ISM status answer for `n` indices.
pub(super) fn status(n: u32) -> StatusResponse {
    StatusResponse {
        updated_indices: n,
        failures: false,
        failed_indices: Vec::new(),
    }
}

/// How many indices `pattern` would touch: literal lists are counted, wildcards are looked
/// up (falling back to the element count when the lookup fails).
pub(super) async fn count_targets(inner: &dyn ClusterApi, pattern: &str) -> u32 {
    let inclusions = pattern.split(',').filter(|e| !e.starts_with('-')).count() as u32;
    if !pattern.contains('*') {
        return inclusions;
    }
    match inner.indices(pattern).await {
        Ok(rows) => rows.len() as u32,
        Err(_) => inclusions,
    }
}

/// What a rollover of `alias` would answer: the current write index read from the aliases,
/// the next name by OpenSearch's `-NNNNNN` rule, and `rolled_over: false, dry_run: true`, as
/// a real dry-run rollover says. Conditions are listed unevaluated (`false`).
pub(super) async fn rollover(
    inner: &dyn ClusterApi,
    alias: &str,
    conditions: Option<&Value>,
) -> RolloverResult {
    let entries = inner.aliases(alias).await.unwrap_or_default();
    let old = entries
        .iter()
        .find(|e| e.is_write_index == Some(true))
        .or_else(|| (entries.len() == 1).then(|| &entries[0]))
        .map(|e| e.index.clone())
        .unwrap_or_default();
    let new = next_index(&old);
    let conditions = conditions
        .and_then(Value::as_object)
        .map(|m| m.keys().map(|k| (k.clone(), false)).collect())
        .unwrap_or_default();
    RolloverResult {
        old_index: old,
        new_index: new,
        rolled_over: false,
        dry_run: true,
        conditions,
    }
}

/// `logs-000007` → `logs-000008`, keeping the width; names without a numeric suffix get
/// `-000001` appended (OpenSearch would refuse those without an explicit new name).
pub(super) fn next_index(old: &str) -> String {
    if let Some((stem, num)) = old.rsplit_once('-') {
        if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = num.parse::<u64>() {
                let width = num.len().max(6);
                return format!("{stem}-{:0width$}", n + 1);
            }
        }
    }
    if old.is_empty() {
        return String::new();
    }
    format!("{old}-000001")
}

/// The stored policy a put would produce: the body echoed, the seq_no one past the one it
/// replaces (0 for a create).
pub(super) fn policy_doc(id: &str, body: &Value, if_seq_no: Option<(i64, i64)>) -> PolicyDoc {
    let (seq_no, primary_term) = if_seq_no.map_or((0, 1), |(s, t)| (s + 1, t));
    PolicyDoc {
        id: id.to_string(),
        seq_no,
        primary_term,
        body: body.to_string(),
    }
}

/// A raw mutation's answer.
pub(super) fn raw() -> RawResponse {
    RawResponse {
        status: 200,
        body: r#"{"acknowledged":true,"dry_run":true}"#.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_names() {
        assert_eq!(next_index("logs-app1-000007"), "logs-app1-000008");
        assert_eq!(next_index("logs-app1-999999"), "logs-app1-1000000");
        assert_eq!(next_index("logs-app1-2"), "logs-app1-000003");
        assert_eq!(next_index("logs-app1"), "logs-app1-000001");
        assert_eq!(next_index(""), "");
    }
}
