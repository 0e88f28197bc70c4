//! Decision logic of fallback-router, over plain data (unit-tested natively).

use std::collections::BTreeMap;

use lifeguard_sdk::types::{AllocationExplanation, NodeInfo};
use lifeguard_sdk::units::{de, MINUTE_MS};
use lifeguard_sdk::ReconcileError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How to apply the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `require.<attr>` = fallback.
    Swap,
    /// Drop `require.<attr>`, set `include.<attr>` = "<old>,<fallback>".
    Include,
}

/// The plugin's configuration (see README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default = "d_pattern")]
    pub index_pattern: String,
    pub attribute: String,
    pub fallback: String,
    #[serde(default = "d_mode")]
    pub mode: Mode,
    #[serde(default = "d_stuck", deserialize_with = "de::duration_ms")]
    pub stuck_after: u64,
    #[serde(default = "d_low")]
    pub low_watermark_pct: f64,
    #[serde(default = "d_true")]
    pub lower_replicas: bool,
    #[serde(default)]
    pub min_replicas: u32,
    #[serde(default = "d_tries")]
    pub max_tries: u32,
    /// ISM state to restart a failed index in, by its current state (default: none, which
    /// restarts the failed action).
    #[serde(default)]
    pub retry_states: BTreeMap<String, String>,
}

fn d_pattern() -> String {
    "*".into()
}
fn d_mode() -> Mode {
    Mode::Swap
}
fn d_stuck() -> u64 {
    30 * MINUTE_MS
}
fn d_low() -> f64 {
    85.0
}
fn d_true() -> bool {
    true
}
fn d_tries() -> u32 {
    3
}

impl Config {
    /// Parse and check; every error is terminal and names the field.
    pub fn parse(json: &str) -> Result<Self, ReconcileError> {
        let c: Config = lifeguard_sdk::parse_config(json)?;
        let bad = |f: &str, why: &str| {
            Err(ReconcileError::terminal(format!(
                "invalid config at `{f}`: {why}"
            )))
        };
        if c.attribute.is_empty() || c.attribute.contains(['*', ',', ' ']) {
            return bad("attribute", "must be a node attribute name, e.g. data_tier");
        }
        if c.fallback.is_empty() || c.fallback.contains(',') {
            return bad("fallback", "must be one attribute value, e.g. hot");
        }
        if !(c.low_watermark_pct > 0.0 && c.low_watermark_pct <= 100.0) {
            return bad("low_watermark_pct", "must be in (0, 100]");
        }
        if c.max_tries == 0 {
            return bad("max_tries", "must be >= 1");
        }
        Ok(c)
    }

    /// `index.routing.allocation.<kind>.<attribute>`.
    pub fn key(&self, kind: &str) -> String {
        format!("index.routing.allocation.{kind}.{}", self.attribute)
    }
}

/// Why a shard copy cannot be placed, from the deciders' `NO`/`THROTTLE` verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reasons {
    pub filter: bool,
    pub disk: bool,
    pub same_shard: bool,
    pub throttled: bool,
    pub any_yes: bool,
}

/// Summarise an allocation explanation.
pub fn reasons(e: &AllocationExplanation) -> Reasons {
    let mut r = Reasons::default();
    for n in &e.node_decisions {
        if n.node_decision.eq_ignore_ascii_case("yes") {
            r.any_yes = true;
        }
        for d in &n.deciders {
            let no = d.decision.eq_ignore_ascii_case("no");
            if d.decision.eq_ignore_ascii_case("throttle") {
                r.throttled = true;
            }
            if !no {
                continue;
            }
            match d.decider.as_str() {
                "filter" | "awareness" => r.filter = true,
                "disk_threshold" => r.disk = true,
                "same_shard" | "shards_limit" => r.same_shard = true,
                _ => {}
            }
        }
    }
    r
}

/// Whether some node carries `attr = value` and has disk below the low watermark.
pub fn fallback_ok(nodes: &[NodeInfo], attr: &str, value: &str, low_pct: f64) -> bool {
    nodes.iter().any(|n| {
        n.attributes.iter().any(|(k, v)| k == attr && v == value)
            && n.disk.as_ref().is_none_or(|d| d.used_percent < low_pct)
    })
}

/// The fix for one stuck index.
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    /// Settings to write (`null` resets a key), and a one-line description.
    Settings(Value, String),
    /// Nothing to do now (throttled, or allocatable already).
    Wait(String),
    /// No safe fix.
    Refuse(String),
}

/// Decide by the deciders' reasons. Routing (filter) or disk problems move the index to the
/// fallback tier, if that tier has a node below the low watermark; unassigned replicas that no
/// move can place (same-shard, or no fallback room) lose one replica.
pub fn decide(
    r: Reasons,
    replicas_only: bool,
    replicas: u32,
    require: Option<&str>,
    include: Option<&str>,
    fallback_room: bool,
    cfg: &Config,
) -> Fix {
    if r.any_yes || (r.throttled && !r.filter && !r.disk && !r.same_shard) {
        return Fix::Wait("allocation possible or throttled; waiting".into());
    }
    let on_fallback = require == Some(cfg.fallback.as_str())
        || include.is_some_and(|i| i.split(',').any(|v| v.trim() == cfg.fallback));
    let lower = |why: &str| {
        if cfg.lower_replicas && replicas_only && replicas > cfg.min_replicas {
            Fix::Settings(
                json!({"index.number_of_replicas": replicas - 1}),
                format!("{why}; replicas {replicas} -> {}", replicas - 1),
            )
        } else {
            Fix::Refuse(why.to_string())
        }
    };
    if (r.filter || r.disk) && !on_fallback {
        if !fallback_room {
            return lower(&format!(
                "no node with {}={} below the {}% low watermark",
                cfg.attribute, cfg.fallback, cfg.low_watermark_pct
            ));
        }
        let from = require.or(include).unwrap_or("");
        return match cfg.mode {
            Mode::Swap => Fix::Settings(
                json!({ cfg.key("require"): cfg.fallback, cfg.key("include"): Value::Null }),
                format!("require {}: {from} -> {}", cfg.attribute, cfg.fallback),
            ),
            Mode::Include => {
                let values = if from.is_empty() {
                    cfg.fallback.clone()
                } else {
                    format!("{from},{}", cfg.fallback)
                };
                Fix::Settings(
                    json!({ cfg.key("require"): Value::Null, cfg.key("include"): values }),
                    format!("relax require {}={from} to include {values}", cfg.attribute),
                )
            }
        };
    }
    if r.same_shard || r.disk || r.filter {
        return lower("not enough eligible nodes for every copy");
    }
    Fix::Refuse("no decider explains the stuck allocation".into())
}

/// Per index, kept in `state` (key `tries`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Book {
    pub first_seen_ms: u64,
    pub tries: u32,
    pub gave_up: bool,
}

/// What the book says for a stuck index this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Not stuck long enough yet.
    Watch,
    Act,
    /// Tries exhausted now: give up (once).
    GiveUp,
    /// Already gave up.
    Parked,
}

/// `failed` ISM steps act at once; other stuck indices after `stuck_after`.
pub fn next(book: &Book, failed: bool, now: u64, cfg: &Config) -> Next {
    if book.gave_up {
        Next::Parked
    } else if book.tries >= cfg.max_tries {
        Next::GiveUp
    } else if failed || now.saturating_sub(book.first_seen_ms) >= cfg.stuck_after {
        Next::Act
    } else {
        Next::Watch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifeguard_sdk::types::{DeciderVerdict, DiskUsage, NodeDecision};

    fn cfg(extra: &str) -> Config {
        Config::parse(&format!(
            r#"{{"attribute":"data_tier","fallback":"hot"{extra}}}"#
        ))
        .unwrap()
    }

    fn expl(deciders: &[(&str, &str)]) -> AllocationExplanation {
        AllocationExplanation {
            index: "logs-000001".into(),
            shard: 0,
            primary: true,
            current_state: "started".into(),
            current_node: Some("hot-1".into()),
            unassigned_reason: None,
            can_allocate: None,
            allocate_explanation: None,
            node_decisions: vec![NodeDecision {
                node_name: "warm-1".into(),
                node_decision: "no".into(),
                deciders: deciders
                    .iter()
                    .map(|(d, v)| DeciderVerdict {
                        decider: (*d).into(),
                        decision: (*v).into(),
                        explanation: String::new(),
                    })
                    .collect(),
            }],
        }
    }

    fn node(tier: &str, used: f64) -> NodeInfo {
        NodeInfo {
            id: tier.into(),
            name: tier.into(),
            roles: vec!["data".into()],
            attributes: vec![("data_tier".into(), tier.into())],
            disk: Some(DiskUsage {
                total_bytes: 100,
                used_bytes: used as u64,
                available_bytes: 100 - used as u64,
                used_percent: used,
            }),
            shards: 0,
        }
    }

    #[test]
    fn config_errors() {
        let e = Config::parse(r#"{"attribute":"","fallback":"hot"}"#).unwrap_err();
        assert!(e.message().contains("attribute"));
        let e = Config::parse(r#"{"attribute":"data_tier"}"#).unwrap_err();
        assert!(e.message().contains("fallback"));
        let e = Config::parse(r#"{"attribute":"a","fallback":"b","mode":"sideways"}"#).unwrap_err();
        assert!(e.message().contains("mode"));
        assert_eq!(cfg("").max_tries, 3);
    }

    #[test]
    fn reasons_from_deciders() {
        let r = reasons(&expl(&[("disk_threshold", "NO"), ("filter", "YES")]));
        assert!(r.disk && !r.filter && !r.any_yes);
        let r = reasons(&expl(&[("throttling", "THROTTLE")]));
        assert!(r.throttled);
    }

    #[test]
    fn swap_or_include_by_reason() {
        let c = cfg("");
        let r = reasons(&expl(&[("disk_threshold", "NO")]));
        let f = decide(r, false, 1, Some("warm"), None, true, &c);
        let Fix::Settings(v, _) = f else {
            panic!("{f:?}")
        };
        assert_eq!(v["index.routing.allocation.require.data_tier"], "hot");
        let c = cfg(r#","mode":"include""#);
        let r = reasons(&expl(&[("filter", "NO")]));
        let Fix::Settings(v, _) = decide(r, false, 1, Some("warm"), None, true, &c) else {
            panic!()
        };
        assert!(v["index.routing.allocation.require.data_tier"].is_null());
        assert_eq!(v["index.routing.allocation.include.data_tier"], "warm,hot");
        // Already on the fallback: don't swap again.
        let c = cfg("");
        assert!(matches!(
            decide(r, false, 1, Some("hot"), None, true, &c),
            Fix::Refuse(_)
        ));
        assert!(matches!(
            decide(
                Reasons {
                    throttled: true,
                    ..Reasons::default()
                },
                false,
                1,
                None,
                None,
                true,
                &c
            ),
            Fix::Wait(_)
        ));
    }

    #[test]
    fn low_watermark_refusal_and_replicas() {
        let c = cfg("");
        let nodes = vec![node("warm", 70.0), node("hot", 88.0)];
        assert!(!fallback_ok(&nodes, "data_tier", "hot", 85.0));
        assert!(fallback_ok(&[node("hot", 50.0)], "data_tier", "hot", 85.0));
        let r = reasons(&expl(&[("disk_threshold", "NO")]));
        assert!(matches!(
            decide(r, false, 1, Some("warm"), None, false, &c),
            Fix::Refuse(_)
        ));
        // Only replicas unassigned: lower them instead.
        let Fix::Settings(v, _) = decide(r, true, 2, Some("warm"), None, false, &c) else {
            panic!()
        };
        assert_eq!(v["index.number_of_replicas"], 1);
        let r = reasons(&expl(&[("same_shard", "NO")]));
        let Fix::Settings(v, _) = decide(r, true, 1, None, None, true, &c) else {
            panic!()
        };
        assert_eq!(v["index.number_of_replicas"], 0);
        assert!(matches!(
            decide(r, true, 0, None, None, true, &c),
            Fix::Refuse(_)
        ));
    }

    #[test]
    fn give_up_after_n_tries() {
        let c = cfg("");
        let mut b = Book {
            first_seen_ms: 0,
            tries: 0,
            gave_up: false,
        };
        assert_eq!(next(&b, false, MINUTE_MS, &c), Next::Watch);
        assert_eq!(next(&b, true, MINUTE_MS, &c), Next::Act);
        assert_eq!(next(&b, false, 30 * MINUTE_MS, &c), Next::Act);
        b.tries = 3;
        assert_eq!(next(&b, true, 0, &c), Next::GiveUp);
        b.gave_up = true;
        assert_eq!(next(&b, true, 0, &c), Next::Parked);
    }
}
