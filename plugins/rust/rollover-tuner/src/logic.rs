//! Decision logic of the rollover tuner, over plain data (unit-tested natively).

use std::collections::BTreeMap;

use lifeguard_sdk::units::{self, de, DAY_MS, GB, HOUR_MS, MINUTE_MS};
use lifeguard_sdk::{policy, ReconcileError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The plugin's configuration (see README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Cluster alias; default: the tenant's first.
    #[serde(default)]
    pub cluster: Option<String>,
    /// The ISM policy to tune.
    pub policy_id: String,
    /// The policy body (the `policy` object) used as the template.
    pub policy: Value,
    /// Write aliases whose ingest is measured (`aliases` is accepted too, as the JS twin does).
    #[serde(alias = "aliases")]
    pub write_aliases: Vec<String>,
    /// The state holding the rollover action; default: the first state with one.
    #[serde(default)]
    pub rollover_state: Option<String>,
    #[serde(default = "d_target", deserialize_with = "de::size")]
    pub target_primary_shard_size: u64,
    #[serde(default = "d_buffer")]
    pub buffer_pct: f64,
    #[serde(default = "d_min_age", deserialize_with = "de::duration_ms")]
    pub min_age: u64,
    #[serde(default = "d_max_age", deserialize_with = "de::duration_ms")]
    pub max_age: u64,
    #[serde(default)]
    pub min_doc_count: Option<u64>,
    #[serde(default = "d_hysteresis")]
    pub hysteresis_pct: f64,
    #[serde(default = "d_alpha")]
    pub ewma_alpha: f64,
    #[serde(default = "d_cap", deserialize_with = "de::size")]
    pub replicated_size_cap: u64,
    #[serde(default = "d_batch")]
    pub sync_batch: u32,
    #[serde(default = "d_sample", deserialize_with = "de::duration_ms")]
    pub min_sample_interval: u64,
}

fn d_target() -> u64 {
    30 * GB
}
fn d_buffer() -> f64 {
    12.0
}
fn d_min_age() -> u64 {
    4 * HOUR_MS
}
fn d_max_age() -> u64 {
    7 * DAY_MS
}
fn d_hysteresis() -> f64 {
    10.0
}
fn d_alpha() -> f64 {
    0.3
}
fn d_cap() -> u64 {
    50 * GB
}
fn d_batch() -> u32 {
    20
}
fn d_sample() -> u64 {
    5 * MINUTE_MS
}

fn bad(field: &str, why: impl std::fmt::Display) -> ReconcileError {
    ReconcileError::terminal(format!("invalid config at `{field}`: {why}"))
}

impl Config {
    /// Parse and check; every error is terminal and names the field.
    pub fn parse(json: &str) -> Result<Self, ReconcileError> {
        let mut c: Config = lifeguard_sdk::parse_config(json)?;
        c.policy = policy::unwrap_policy(&c.policy).clone();
        c.validate()?;
        Ok(c)
    }

    fn validate(&mut self) -> Result<(), ReconcileError> {
        if self.policy_id.trim().is_empty() {
            return Err(bad("policy_id", "must not be empty"));
        }
        if self.write_aliases.is_empty() || self.write_aliases.iter().any(|a| a.is_empty()) {
            return Err(bad("write_aliases", "needs at least one non-empty alias"));
        }
        if !(0.0..100.0).contains(&self.buffer_pct) {
            return Err(bad("buffer_pct", "must be in [0, 100)"));
        }
        if !(self.ewma_alpha > 0.0 && self.ewma_alpha <= 1.0) {
            return Err(bad("ewma_alpha", "must be in (0, 1]"));
        }
        if !(self.hysteresis_pct >= 0.0 && self.hysteresis_pct.is_finite()) {
            return Err(bad("hysteresis_pct", "must be >= 0"));
        }
        if self.min_age == 0 || self.min_age > self.max_age {
            return Err(bad("min_age", "must be > 0 and <= max_age"));
        }
        if self.target_primary_shard_size == 0 {
            return Err(bad("target_primary_shard_size", "must be > 0"));
        }
        if self.min_doc_count == Some(0) {
            return Err(bad("min_doc_count", "must be > 0 when set"));
        }
        if self.sync_batch == 0 {
            return Err(bad("sync_batch", "must be > 0"));
        }
        let state = match &self.rollover_state {
            Some(s) => s.clone(),
            None => policy::states_with_action(&self.policy, "rollover")
                .into_iter()
                .next()
                .ok_or_else(|| bad("policy", "no state has a rollover action"))?,
        };
        if policy::rollover(&self.policy, &state).is_none() {
            return Err(bad(
                "rollover_state",
                format!("state `{state}` has no rollover action"),
            ));
        }
        self.rollover_state = Some(state);
        Ok(())
    }

    /// The state holding the rollover action (resolved by `parse`).
    pub fn state_name(&self) -> &str {
        self.rollover_state.as_deref().unwrap_or_default()
    }
}

/// One index's counters as sampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IndexSample {
    pub docs: u64,
    pub bytes: u64,
    pub created_ms: u64,
}

/// What is kept in `state` per write alias between ticks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AliasState {
    pub t_ms: u64,
    pub indices: BTreeMap<String, IndexSample>,
    /// Smoothed primary bytes per hour per primary shard of the write index.
    pub shard_bytes_h: Option<f64>,
    /// Smoothed documents per hour (whole alias).
    pub docs_h: Option<f64>,
}

/// Exponentially weighted moving average; the first sample initialises it.
pub fn ewma(prev: Option<f64>, sample: f64, alpha: f64) -> f64 {
    match prev {
        Some(p) => alpha * sample + (1.0 - alpha) * p,
        None => sample,
    }
}

/// Fold a new sample into the alias state. Growth is summed over the alias's indices, so a
/// rollover between two ticks counts both the old index's tail and the new index; an index
/// that appeared with the alias but was created before the previous sample is ignored (its
/// size is not new ingest). Returns the new state and whether a velocity was measured.
pub fn update(
    prev: Option<&AliasState>,
    now_ms: u64,
    current: BTreeMap<String, IndexSample>,
    primaries: u32,
    cfg: &Config,
) -> (AliasState, bool) {
    let Some(prev) = prev else {
        return (
            AliasState {
                t_ms: now_ms,
                indices: current,
                shard_bytes_h: None,
                docs_h: None,
            },
            false,
        );
    };
    let dt = now_ms.saturating_sub(prev.t_ms);
    if dt < cfg.min_sample_interval.max(1) {
        return (prev.clone(), false);
    }
    let (mut d_bytes, mut d_docs) = (0u64, 0u64);
    for (name, cur) in &current {
        match prev.indices.get(name) {
            Some(p) => {
                d_bytes += cur.bytes.saturating_sub(p.bytes);
                d_docs += cur.docs.saturating_sub(p.docs);
            }
            None if cur.created_ms >= prev.t_ms => {
                d_bytes += cur.bytes;
                d_docs += cur.docs;
            }
            None => {}
        }
    }
    let hours = dt as f64 / HOUR_MS as f64;
    let shard_rate = d_bytes as f64 / hours / f64::from(primaries.max(1));
    let docs_rate = d_docs as f64 / hours;
    (
        AliasState {
            t_ms: now_ms,
            indices: current,
            shard_bytes_h: Some(ewma(prev.shard_bytes_h, shard_rate, cfg.ewma_alpha)),
            docs_h: Some(ewma(prev.docs_h, docs_rate, cfg.ewma_alpha)),
        },
        true,
    )
}

/// The thresholds the tuner writes into the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub min_index_age_ms: u64,
    pub min_primary_shard_size: u64,
    pub min_doc_count: Option<u64>,
    /// Hash of the template, so a changed template is applied even within hysteresis.
    pub template: u64,
}

/// The target primary shard size, capped for replicated indices.
pub fn effective_target(cfg: &Config, replicated: bool) -> u64 {
    if replicated {
        cfg.target_primary_shard_size.min(cfg.replicated_size_cap)
    } else {
        cfg.target_primary_shard_size
    }
}

/// `min_index_age` = target ÷ hourly ingest per primary shard, minus the buffer, clamped to
/// [min_age, max_age] and rounded down to a minute. No ingest gives `max_age`.
pub fn min_index_age_ms(target: u64, shard_bytes_h: f64, cfg: &Config) -> u64 {
    if shard_bytes_h.is_nan() || shard_bytes_h <= 0.0 {
        return cfg.max_age;
    }
    let hours = target as f64 / shard_bytes_h;
    let ms = hours * HOUR_MS as f64 * (1.0 - cfg.buffer_pct / 100.0);
    let ms = if ms.is_finite() {
        ms.clamp(cfg.min_age as f64, cfg.max_age as f64) as u64
    } else {
        cfg.max_age
    };
    let rounded = ms / MINUTE_MS * MINUTE_MS;
    rounded.max(cfg.min_age)
}

/// Compute the thresholds from the fastest alias's smoothed velocity.
pub fn thresholds(cfg: &Config, shard_bytes_h: f64, replicated: bool) -> Thresholds {
    let target = effective_target(cfg, replicated);
    Thresholds {
        min_index_age_ms: min_index_age_ms(target, shard_bytes_h, cfg),
        min_primary_shard_size: target,
        min_doc_count: cfg.min_doc_count,
        template: fnv(&cfg.policy.to_string()),
    }
}

/// Whether to apply `next` given what was applied last: always the first time, when the
/// template, the size or the doc floor changed, or when `min_index_age` moved by more than the
/// hysteresis.
pub fn should_apply(applied: Option<&Thresholds>, next: &Thresholds, hysteresis_pct: f64) -> bool {
    let Some(a) = applied else { return true };
    if a.template != next.template
        || a.min_primary_shard_size != next.min_primary_shard_size
        || a.min_doc_count != next.min_doc_count
    {
        return true;
    }
    let old = a.min_index_age_ms.max(1) as f64;
    let moved = (next.min_index_age_ms as f64 - old).abs() / old * 100.0;
    moved > hysteresis_pct
}

/// The template with the rollover conditions and the state's `min_index_age` transitions set.
/// Other conditions of the template stay (they are OR-ed with these).
pub fn render(cfg: &Config, t: &Thresholds) -> Result<Value, ReconcileError> {
    let mut p = cfg.policy.clone();
    let age = units::format_duration_ms(t.min_index_age_ms);
    let r = policy::rollover_mut(&mut p, cfg.state_name())
        .ok_or_else(|| bad("rollover_state", "no rollover action"))?;
    r.insert("min_index_age".into(), json!(age));
    r.insert(
        "min_primary_shard_size".into(),
        json!(units::format_size(t.min_primary_shard_size)),
    );
    if let Some(n) = t.min_doc_count {
        r.insert("min_doc_count".into(), json!(n));
    }
    policy::set_transition_age(&mut p, cfg.state_name(), None, &age);
    Ok(p)
}

/// FNV-1a, stable across builds (std's hasher is not).
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(extra: &str) -> Config {
        let json = format!(
            r#"{{"policy_id":"logs","write_aliases":["logs"],{extra}
            "policy":{{"default_state":"hot","states":[
              {{"name":"hot","actions":[{{"rollover":{{"min_size":"100gb"}}}}],
               "transitions":[{{"state_name":"warm","conditions":{{"min_index_age":"1d"}}}}]}},
              {{"name":"warm","actions":[],"transitions":[]}}]}}}}"#
        );
        Config::parse(&json).unwrap()
    }

    fn sample(docs: u64, gb: u64, created: u64) -> IndexSample {
        IndexSample {
            docs,
            bytes: gb * GB,
            created_ms: created,
        }
    }

    #[test]
    fn config_defaults_and_errors() {
        let c = cfg("");
        assert_eq!(c.target_primary_shard_size, 30 * GB);
        assert_eq!(c.state_name(), "hot");
        assert_eq!((c.min_age, c.max_age), (4 * HOUR_MS, 7 * DAY_MS));
        let e =
            Config::parse(r#"{"policy_id":"p","write_aliases":["a"],"policy":{}}"#).unwrap_err();
        assert!(e.message().contains("`policy`"), "{}", e.message());
        let e = Config::parse(
            r#"{"policy_id":"p","write_aliases":["a"],"policy":{},"target_primary_shard_size":"30gib"}"#,
        )
        .unwrap_err();
        assert!(
            e.message().contains("target_primary_shard_size"),
            "{}",
            e.message()
        );
        let e = Config::parse(r#"{"policy_id":"p","write_aliases":[],"policy":{}}"#).unwrap_err();
        assert!(e.message().contains("write_aliases"));
        let e = Config::parse(r#"{"policy_id":"p","write_aliases":["a"],"policy":{},"typo":1}"#)
            .unwrap_err();
        assert!(e.message().contains("typo"));
        let policy = r#""policy":{"states":[{"name":"hot","actions":[{"rollover":{}}]}]}"#;
        let c = Config::parse(&format!(r#"{{"policy_id":"p","aliases":["a"],{policy}}}"#)).unwrap();
        assert_eq!(c.write_aliases, ["a"]);
        let both = format!(r#"{{"policy_id":"p","aliases":["a"],"write_aliases":["b"],{policy}}}"#);
        assert!(
            Config::parse(&both).is_err(),
            "both names at once is ambiguous"
        );
    }

    #[test]
    fn ewma_smooths() {
        assert_eq!(ewma(None, 10.0, 0.3), 10.0);
        let v = ewma(Some(10.0), 20.0, 0.3);
        assert!((v - 13.0).abs() < 1e-9);
    }

    #[test]
    fn velocity_across_rollover() {
        let c = cfg("");
        let t0 = 1_000_000;
        let mut cur = BTreeMap::new();
        cur.insert("logs-000001".to_string(), sample(1000, 10, 0));
        let (s0, measured) = update(None, t0, cur.clone(), 1, &c);
        assert!(!measured);
        // Too soon: keeps the old sample.
        let (s_soon, measured) = update(Some(&s0), t0 + 1000, cur.clone(), 1, &c);
        assert!(!measured);
        assert_eq!(s_soon, s0);
        // One hour later the old index grew 2 GB and a new one (rolled over) holds 1 GB.
        cur.insert("logs-000001".to_string(), sample(1200, 12, 0));
        cur.insert("logs-000002".to_string(), sample(100, 1, t0 + 10));
        // An old index that joined the alias is not ingest.
        cur.insert("logs-old".to_string(), sample(100, 40, 5));
        let (s1, measured) = update(Some(&s0), t0 + HOUR_MS, cur, 3, &c);
        assert!(measured);
        assert!((s1.shard_bytes_h.unwrap() - GB as f64).abs() < 1.0);
        assert!((s1.docs_h.unwrap() - 300.0).abs() < 1e-6);
    }

    #[test]
    fn age_computation_clamps_and_buffer() {
        let c = cfg("");
        // 30 GB at 1 GB/h per shard = 30 h, minus 12 % = 26.4 h.
        assert_eq!(
            min_index_age_ms(30 * GB, GB as f64, &c),
            26 * HOUR_MS + 24 * MINUTE_MS
        );
        // Very fast ingest: clamped to 4 h.
        assert_eq!(
            min_index_age_ms(30 * GB, 100.0 * GB as f64, &c),
            4 * HOUR_MS
        );
        // Slow or no ingest: clamped to 7 d.
        assert_eq!(min_index_age_ms(30 * GB, 1.0, &c), 7 * DAY_MS);
        assert_eq!(min_index_age_ms(30 * GB, 0.0, &c), 7 * DAY_MS);
        assert_eq!(min_index_age_ms(30 * GB, f64::NAN, &c), 7 * DAY_MS);
        let c = cfg(r#""buffer_pct":0,"min_age":"1h","#);
        assert_eq!(min_index_age_ms(30 * GB, 3.0 * GB as f64, &c), 10 * HOUR_MS);
    }

    #[test]
    fn cap_for_replicated() {
        let c = cfg(r#""target_primary_shard_size":"80gb","#);
        assert_eq!(effective_target(&c, false), 80 * GB);
        assert_eq!(effective_target(&c, true), 50 * GB);
        let t = thresholds(&c, GB as f64, true);
        assert_eq!(t.min_primary_shard_size, 50 * GB);
        // 50 h * 0.88 = 44 h.
        assert_eq!(t.min_index_age_ms, 44 * HOUR_MS);
    }

    #[test]
    fn hysteresis() {
        let c = cfg("");
        let a = thresholds(&c, GB as f64, false);
        assert!(should_apply(None, &a, 10.0));
        let mut b = a.clone();
        b.min_index_age_ms = a.min_index_age_ms * 109 / 100;
        assert!(!should_apply(Some(&a), &b, 10.0));
        b.min_index_age_ms = a.min_index_age_ms * 111 / 100;
        assert!(should_apply(Some(&a), &b, 10.0));
        b.min_index_age_ms = a.min_index_age_ms * 85 / 100;
        assert!(should_apply(Some(&a), &b, 10.0));
        let mut d = a.clone();
        d.template ^= 1;
        assert!(should_apply(Some(&a), &d, 10.0));
    }

    #[test]
    fn render_edits_only_rollover_and_transition() {
        let c = cfg(r#""min_doc_count":1000,"#);
        let t = thresholds(&c, 5.0 * GB as f64, false);
        let p = render(&c, &t).unwrap();
        let r = policy::rollover(&p, "hot").unwrap();
        assert_eq!(r["min_index_age"], "316m");
        assert_eq!(r["min_primary_shard_size"], "30gb");
        assert_eq!(r["min_doc_count"], 1000);
        assert_eq!(r["min_size"], "100gb");
        assert_eq!(policy::transition_ages(&p, "hot")[0].1, "316m");
        assert_eq!(p["states"][1], c.policy["states"][1]);
    }
}
