//! Decision logic of ism-doctor, over plain data (unit-tested natively).

use std::collections::BTreeMap;

use lifeguard_sdk::types::{AliasEntry, ExplainEntry, StepStatus};
use lifeguard_sdk::units::{de, MINUTE_MS};
use lifeguard_sdk::{policy, ReconcileError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The plugin's configuration (see README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub cluster: Option<String>,
    /// Declared policies: id → body (the `policy` object, or `{"policy":{..}}`).
    #[serde(default)]
    pub policies: BTreeMap<String, Value>,
    /// Policy attached to unmanaged in-scope indices; none disables attaching.
    #[serde(default)]
    pub default_policy: Option<String>,
    #[serde(default = "d_pattern")]
    pub index_pattern: String,
    #[serde(default = "d_batch")]
    pub sync_batch: u32,
    #[serde(default = "d_retries")]
    pub max_retries: u32,
    #[serde(default = "d_backoff", deserialize_with = "de::duration_ms")]
    pub retry_backoff: u64,
    /// Extra substrings of `info.message`/`info.cause` that mark a failure as transient.
    #[serde(default)]
    pub transient_patterns: Vec<String>,
}

fn d_pattern() -> String {
    "*".into()
}
fn d_batch() -> u32 {
    20
}
fn d_retries() -> u32 {
    3
}
fn d_backoff() -> u64 {
    10 * MINUTE_MS
}

impl Config {
    /// Parse and check; every error is terminal and names the field.
    pub fn parse(json: &str) -> Result<Self, ReconcileError> {
        let mut c: Config = lifeguard_sdk::parse_config(json)?;
        let bad = |f: String, why: &str| {
            ReconcileError::terminal(format!("invalid config at `{f}`: {why}"))
        };
        for (id, body) in c.policies.iter_mut() {
            *body = policy::unwrap_policy(body).clone();
            if id.is_empty() {
                return Err(bad("policies".into(), "empty policy id"));
            }
            if policy::states(body).is_empty() {
                return Err(bad(format!("policies.{id}"), "policy has no `states`"));
            }
        }
        if c.default_policy.as_deref() == Some("") {
            return Err(bad("default_policy".into(), "must not be empty"));
        }
        if c.index_pattern.trim().is_empty() {
            return Err(bad("index_pattern".into(), "must not be empty"));
        }
        if c.sync_batch == 0 {
            return Err(bad("sync_batch".into(), "must be > 0"));
        }
        Ok(c)
    }
}

/// Failures worth retrying: the cluster or ISM hiccupped, nothing is misconfigured.
const TRANSIENT: &[&str] = &[
    "timed out",
    "timeout",
    "previous action was not able to update indexmetadata",
    "version conflict",
    "failed to get stats",
    "failed to evaluate conditions",
    "circuit_breaking",
    "rejected",
    "unavailable",
    "node_not_connected",
    "no_shard_available",
    "shard not available",
    "fail to load policy",
];

/// Whether a failed index's message/cause is transient (retry) rather than a configuration
/// problem (report). Unknown failures are not retried.
pub fn is_transient(message: Option<&str>, cause: Option<&str>, extra: &[String]) -> bool {
    let text = format!("{} {}", message.unwrap_or(""), cause.unwrap_or("")).to_lowercase();
    TRANSIENT.iter().any(|p| text.contains(p))
        || extra
            .iter()
            .any(|p| !p.is_empty() && text.contains(&p.to_lowercase()))
}

/// Whether an explain entry is failed (needs `_ism/retry`).
pub fn is_failed(e: &ExplainEntry) -> bool {
    e.action.as_ref().is_some_and(|a| a.failed)
        || e.retry_info.as_ref().is_some_and(|r| r.failed)
        || e.step
            .as_ref()
            .is_some_and(|s| matches!(s.step_status, StepStatus::Failed | StepStatus::TimedOut))
}

/// The retry budget of one index, kept in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Book {
    pub retries: u32,
    pub last_ms: u64,
}

/// What to do with one failed index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Not transient: report, do not retry.
    Report,
    /// Backing off until this time.
    Wait(u64),
    Retry,
    /// The budget is spent: alert.
    Exhausted,
}

/// Bounded retries with exponential backoff: `retry_backoff × 2^retries` between attempts.
pub fn retry_decision(transient: bool, book: Book, now_ms: u64, cfg: &Config) -> RetryDecision {
    if !transient {
        return RetryDecision::Report;
    }
    if book.retries >= cfg.max_retries {
        return RetryDecision::Exhausted;
    }
    if book.retries == 0 {
        return RetryDecision::Retry;
    }
    let shift = (book.retries - 1).min(20);
    let due = book
        .last_ms
        .saturating_add(cfg.retry_backoff.saturating_mul(1u64 << shift));
    if now_ms >= due {
        RetryDecision::Retry
    } else {
        RetryDecision::Wait(due)
    }
}

/// A rollover prerequisite that is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    MissingRolloverAlias,
    NotWriteIndex(String),
    NoNumericSuffix,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::MissingRolloverAlias => {
                f.write_str("missing index.plugins.index_state_management.rollover_alias")
            }
            Problem::NotWriteIndex(a) => write!(f, "alias {a} is not the write index"),
            Problem::NoNumericSuffix => f.write_str("name does not end in -NNNNNN"),
        }
    }
}

const ROLLOVER_ALIAS: &[&str] = &[
    "index.plugins.index_state_management.rollover_alias",
    "index.opendistro.index_state_management.rollover_alias",
];

/// Pre-flight checks of an index about to be managed by a policy with a rollover action.
/// `newest` is whether no newer index carries the same alias (older ones have rolled over and
/// are exempt from the write-index check).
pub fn preflight(
    index: &str,
    settings: &Map<String, Value>,
    aliases: &[AliasEntry],
    newest: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if !has_numeric_suffix(index) {
        out.push(Problem::NoNumericSuffix);
    }
    let alias = ROLLOVER_ALIAS
        .iter()
        .find_map(|k| settings.get(*k).and_then(Value::as_str))
        .filter(|a| !a.is_empty());
    let Some(alias) = alias else {
        out.push(Problem::MissingRolloverAlias);
        return out;
    };
    if newest {
        let on_alias: Vec<&AliasEntry> = aliases.iter().filter(|e| e.alias == alias).collect();
        let mine = on_alias.iter().find(|e| e.index == index);
        let ok = match mine {
            None => false,
            Some(e) => {
                e.is_write_index == Some(true)
                    || (e.is_write_index.is_none() && on_alias.len() == 1)
            }
        };
        if !ok {
            out.push(Problem::NotWriteIndex(alias.to_string()));
        }
    }
    out
}

/// `logs-000001` yes, `logs` no (the core rollover needs `^.*-\d+$`).
pub fn has_numeric_suffix(index: &str) -> bool {
    index
        .rsplit_once('-')
        .is_some_and(|(_, d)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifeguard_sdk::types::{ActionInfo, RetryInfo};
    use serde_json::json;

    fn cfg() -> Config {
        Config::parse(r#"{"policies":{"logs":{"policy":{"states":[{"name":"hot"}]}}},"default_policy":"logs"}"#)
            .unwrap()
    }

    fn entry(failed: bool) -> ExplainEntry {
        ExplainEntry {
            index: "logs-000001".into(),
            index_uuid: None,
            policy_id: Some("logs".into()),
            policy_seq_no: Some(1),
            policy_primary_term: Some(1),
            enabled: Some(!failed),
            index_creation_date_ms: None,
            rolled_over: None,
            rolled_over_index_name: None,
            policy_completed: false,
            transition_to: None,
            state: None,
            action: Some(ActionInfo {
                name: "rollover".into(),
                start_time_ms: None,
                index: 0,
                failed,
                consumed_retries: 3,
                last_retry_time_ms: None,
            }),
            step: None,
            retry_info: Some(RetryInfo {
                failed: false,
                consumed_retries: 0,
            }),
            info_message: None,
            info_cause: None,
        }
    }

    #[test]
    fn config() {
        let c = cfg();
        assert!(c.policies["logs"].get("states").is_some());
        assert_eq!(c.max_retries, 3);
        let e = Config::parse(r#"{"policies":{"p":{"x":1}}}"#).unwrap_err();
        assert!(e.message().contains("policies.p"), "{}", e.message());
        let e = Config::parse(r#"{"retry_backoff":"1.5h"}"#).unwrap_err();
        assert!(e.message().contains("retry_backoff"));
    }

    #[test]
    fn failed_detection() {
        assert!(is_failed(&entry(true)));
        assert!(!is_failed(&entry(false)));
    }

    #[test]
    fn transient_classification() {
        assert!(is_transient(
            Some("Previous action was not able to update IndexMetaData."),
            None,
            &[]
        ));
        assert!(is_transient(
            Some("Failed to rollover index [index=x]"),
            Some("es_rejected_execution_exception"),
            &[]
        ));
        assert!(!is_transient(
            Some("Missing rollover_alias index setting [index=x]"),
            None,
            &[]
        ));
        assert!(!is_transient(Some("Failed to rollover index"), Some("this action would add [8] total shards, but this cluster currently has [2997]/[3000] maximum shards open"), &[]));
        assert!(is_transient(Some("odd"), None, &["ODD".into()]));
    }

    #[test]
    fn bounded_retries_with_backoff() {
        let c = cfg();
        let b = Book::default();
        assert_eq!(retry_decision(false, b, 0, &c), RetryDecision::Report);
        assert_eq!(retry_decision(true, b, 0, &c), RetryDecision::Retry);
        let b = Book {
            retries: 1,
            last_ms: 1000,
        };
        assert_eq!(
            retry_decision(true, b, 1000, &c),
            RetryDecision::Wait(1000 + 10 * MINUTE_MS)
        );
        assert_eq!(
            retry_decision(true, b, 1000 + 10 * MINUTE_MS, &c),
            RetryDecision::Retry
        );
        let b = Book {
            retries: 2,
            last_ms: 0,
        };
        assert_eq!(
            retry_decision(true, b, 10 * MINUTE_MS, &c),
            RetryDecision::Wait(20 * MINUTE_MS)
        );
        let b = Book {
            retries: 3,
            last_ms: 0,
        };
        assert_eq!(
            retry_decision(true, b, u64::MAX, &c),
            RetryDecision::Exhausted
        );
    }

    #[test]
    fn preflight_problems() {
        let alias = |i: &str, w: Option<bool>| AliasEntry {
            alias: "logs".into(),
            index: i.into(),
            is_write_index: w,
        };
        let s = json!({"index.plugins.index_state_management.rollover_alias": "logs"});
        let s = s.as_object().unwrap();
        assert!(preflight(
            "logs-000002",
            s,
            &[
                alias("logs-000001", Some(false)),
                alias("logs-000002", Some(true))
            ],
            true
        )
        .is_empty());
        assert!(preflight("logs-000001", s, &[alias("logs-000001", None)], true).is_empty());
        assert_eq!(
            preflight(
                "logs-000002",
                s,
                &[
                    alias("logs-000001", Some(true)),
                    alias("logs-000002", Some(false))
                ],
                true
            ),
            vec![Problem::NotWriteIndex("logs".into())]
        );
        // An older, rolled-over index is exempt from the write check.
        assert!(preflight(
            "logs-000001",
            s,
            &[alias("logs-000001", Some(false))],
            false
        )
        .is_empty());
        assert_eq!(
            preflight("logs", &Map::new(), &[], true),
            vec![Problem::NoNumericSuffix, Problem::MissingRolloverAlias]
        );
        assert_eq!(
            Problem::MissingRolloverAlias.to_string(),
            "missing index.plugins.index_state_management.rollover_alias"
        );
    }
}
