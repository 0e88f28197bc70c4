//! Decision logic of ccr-guard, over plain data (unit-tested natively).

use lifeguard_sdk::units::{de, format_duration_ms, parse_duration_ms, GB, HOUR_MS, MINUTE_MS};
use lifeguard_sdk::{policy, ReconcileError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The plugin's configuration (see README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub leader_cluster: String,
    pub follower_cluster: String,
    #[serde(default = "d_pattern")]
    pub follower_pattern: String,
    #[serde(default)]
    pub leader_policy_id: Option<String>,
    #[serde(default)]
    pub follower_policy_id: Option<String>,
    #[serde(default)]
    pub write_aliases: Vec<String>,
    #[serde(default = "d_job", deserialize_with = "de::duration_ms")]
    pub job_interval: u64,
    #[serde(default = "d_window", deserialize_with = "de::duration_ms")]
    pub lag_window: u64,
    #[serde(default, deserialize_with = "de::opt_duration_ms")]
    pub rollover_interval: Option<u64>,
    #[serde(default = "d_frac")]
    pub lag_fraction: f64,
    #[serde(default = "d_reduce")]
    pub size_reduction: f64,
    #[serde(default = "d_floor", deserialize_with = "de::size")]
    pub min_rollover_size: u64,
    #[serde(default = "d_cooldown", deserialize_with = "de::duration_ms")]
    pub cooldown: u64,
    #[serde(default = "d_lease", deserialize_with = "de::duration_ms")]
    pub lease: u64,
    #[serde(default = "d_resume", deserialize_with = "de::duration_ms")]
    pub resume_after: u64,
    #[serde(default = "d_margin", deserialize_with = "de::duration_ms")]
    pub lease_margin: u64,
    #[serde(default)]
    pub force_resume_expired: bool,
}

fn d_pattern() -> String {
    "*".into()
}
fn d_job() -> u64 {
    5 * MINUTE_MS
}
fn d_window() -> u64 {
    24 * HOUR_MS
}
fn d_frac() -> f64 {
    0.2
}
fn d_reduce() -> f64 {
    0.15
}
fn d_floor() -> u64 {
    GB
}
fn d_cooldown() -> u64 {
    HOUR_MS
}
fn d_lease() -> u64 {
    12 * HOUR_MS
}
fn d_resume() -> u64 {
    2 * MINUTE_MS
}
fn d_margin() -> u64 {
    HOUR_MS
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
        if c.leader_cluster.is_empty() {
            return bad("leader_cluster", "must not be empty");
        }
        if c.follower_cluster.is_empty() || c.follower_cluster == c.leader_cluster {
            return bad(
                "follower_cluster",
                "must be set and differ from leader_cluster",
            );
        }
        if !(c.lag_fraction > 0.0 && c.lag_fraction <= 1.0) {
            return bad("lag_fraction", "must be in (0, 1]");
        }
        if !(c.size_reduction > 0.0 && c.size_reduction < 1.0) {
            return bad("size_reduction", "must be in (0, 1)");
        }
        if c.lease_margin >= c.lease {
            return bad("lease_margin", "must be shorter than lease");
        }
        Ok(c)
    }
}

/// Per follower index, kept in `state` (key `f/<index>`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowerState {
    /// (time, leader checkpoint) samples.
    pub leader: Vec<(u64, i64)>,
    /// (time, lag ms) observations within the window.
    pub lags: Vec<(u64, u64)>,
    pub paused_since: Option<u64>,
}

const MAX_SAMPLES: usize = 288;

/// Record this tick's checkpoints and return the time lag: how long ago the leader was where
/// the follower is now (0 when caught up; at least the age of the oldest sample when the
/// follower is behind all of them).
pub fn observe(
    st: &mut FollowerState,
    now: u64,
    leader_cp: i64,
    follower_cp: i64,
    window: u64,
) -> u64 {
    st.leader.push((now, leader_cp));
    let cutoff = now.saturating_sub(window);
    st.leader.retain(|(t, _)| *t >= cutoff);
    if st.leader.len() > MAX_SAMPLES {
        let drop = st.leader.len() - MAX_SAMPLES;
        st.leader.drain(..drop);
    }
    let lag = if follower_cp >= leader_cp {
        0
    } else {
        let at = st
            .leader
            .iter()
            .rev()
            .find(|(_, cp)| *cp <= follower_cp)
            .or(st.leader.first())
            .map_or(now, |(t, _)| *t);
        now.saturating_sub(at)
    };
    st.lags.push((now, lag));
    st.lags.retain(|(t, _)| *t >= cutoff);
    if st.lags.len() > MAX_SAMPLES {
        let drop = st.lags.len() - MAX_SAMPLES;
        st.lags.drain(..drop);
    }
    lag
}

/// The largest lag observed in the window.
pub fn max_lag(st: &FollowerState) -> u64 {
    st.lags.iter().map(|(_, l)| *l).max().unwrap_or(0)
}

/// The transition gate the leader policy needs: max lag + job interval, rounded up to a minute.
pub fn required_gate(max_lag_ms: u64, cfg: &Config) -> u64 {
    let ms = max_lag_ms.saturating_add(cfg.job_interval);
    ms.div_ceil(MINUTE_MS) * MINUTE_MS
}

/// Raise every `min_index_age` transition below `required` (never lowers). Returns how many.
pub fn raise_gates(p: &mut Value, required: u64) -> usize {
    let mut n = 0;
    let names: Vec<String> = policy::states(p)
        .iter()
        .filter_map(|s| s.get("name")?.as_str().map(str::to_string))
        .collect();
    for s in names {
        for (target, age) in policy::transition_ages(p, &s) {
            let cur = parse_duration_ms(&age).unwrap_or(0);
            if cur < required {
                n +=
                    policy::set_transition_age(p, &s, Some(&target), &format_duration_ms(required));
            }
        }
    }
    n
}

/// Copy the leader's `min_index_age` transition values into the follower policy, for the same
/// (state, target) pairs. Returns how many changed.
pub fn copy_gates(leader: &Value, follower: &mut Value) -> usize {
    let mut n = 0;
    for s in policy::states(leader).to_vec() {
        let Some(name) = s.get("name").and_then(Value::as_str) else {
            continue;
        };
        for (target, age) in policy::transition_ages(leader, name) {
            n += policy::set_transition_age(follower, name, Some(&target), &age);
        }
    }
    n
}

/// The rollover interval: the config's, else the leader rollover's `min_index_age`.
pub fn rollover_interval(p: &Value, cfg: &Config) -> Option<u64> {
    if cfg.rollover_interval.is_some() {
        return cfg.rollover_interval;
    }
    let state = policy::states_with_action(p, "rollover")
        .into_iter()
        .next()?;
    let age = policy::rollover(p, &state)?
        .get("min_index_age")?
        .as_str()?
        .to_string();
    parse_duration_ms(&age).ok()
}

/// Size thresholds the guard adjusts, with the original values it started from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SizeState {
    pub original: Vec<(String, u64)>,
    pub last_change_ms: u64,
}

pub const SIZE_KEYS: &[&str] = &["min_size", "min_primary_shard_size"];

/// Size direction for this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeMove {
    Hold,
    /// Lower by `size_reduction` (lag above `lag_fraction` of the interval).
    Lower,
    /// Restore by the same step toward the original (lag below half the trigger).
    Restore,
}

/// Lag above the trigger lowers, below half of it restores; in between holds (hysteresis),
/// and nothing moves within `cooldown` of the last change.
pub fn size_move(lag: u64, interval: u64, st: &SizeState, now: u64, cfg: &Config) -> SizeMove {
    if now.saturating_sub(st.last_change_ms) < cfg.cooldown && st.last_change_ms != 0 {
        return SizeMove::Hold;
    }
    let trigger = interval as f64 * cfg.lag_fraction;
    if lag as f64 > trigger {
        SizeMove::Lower
    } else if (lag as f64) < trigger / 2.0 && !st.original.is_empty() {
        SizeMove::Restore
    } else {
        SizeMove::Hold
    }
}

/// The next value of one size threshold: 15 % lower but not below the floor, or 15 % higher
/// but not above the original.
pub fn next_size(current: u64, original: u64, mv: SizeMove, cfg: &Config) -> u64 {
    match mv {
        SizeMove::Hold => current,
        SizeMove::Lower => {
            let v = (current as f64 * (1.0 - cfg.size_reduction)) as u64;
            v.max(cfg.min_rollover_size).min(current)
        }
        SizeMove::Restore => {
            let v = (current as f64 / (1.0 - cfg.size_reduction)).ceil() as u64;
            v.min(original).max(current)
        }
    }
}

/// What to do with a paused follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseDecision {
    /// Paused by a user or for a lasting cause: leave it, report.
    Leave,
    /// Give a transient pause a moment to settle.
    Wait,
    /// Resume now (before the lease runs out).
    Resume,
    /// The lease has (nearly) expired: a plain resume will fail.
    LeaseExpired,
}

/// Whether a pause reason is transient (auto-paused for a cause that can go away).
pub fn transient_pause(reason: Option<&str>) -> bool {
    let r = reason.unwrap_or("").to_lowercase();
    if r.contains("user initiated") || r.contains("cancelled by user") {
        return false;
    }
    let lasting = [
        "no such index",
        "indexnotfound",
        "index_not_found",
        "indexclosedexception",
        "no permissions",
    ];
    !lasting.iter().any(|l| r.contains(l))
}

/// Resume transient pauses after `resume_after`, and before `lease - lease_margin`.
pub fn pause_decision(transient: bool, paused_for: u64, cfg: &Config) -> PauseDecision {
    if !transient {
        PauseDecision::Leave
    } else if paused_for >= cfg.lease.saturating_sub(cfg.lease_margin) {
        PauseDecision::LeaseExpired
    } else if paused_for >= cfg.resume_after {
        PauseDecision::Resume
    } else {
        PauseDecision::Wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg() -> Config {
        Config::parse(r#"{"leader_cluster":"l","follower_cluster":"f"}"#).unwrap()
    }

    fn pol() -> Value {
        json!({"states":[
            {"name":"hot","actions":[{"rollover":{"min_index_age":"10h","min_size":"50gb"}}],
             "transitions":[{"state_name":"warm","conditions":{"min_index_age":"1h"}}]},
            {"name":"warm","actions":[],"transitions":[{"state_name":"delete","conditions":{"min_index_age":"30d"}}]},
            {"name":"delete","actions":[{"delete":{}}],"transitions":[]}]})
    }

    #[test]
    fn config_errors() {
        assert!(Config::parse(r#"{"leader_cluster":"l","follower_cluster":"l"}"#).is_err());
        let e = Config::parse(r#"{"leader_cluster":"l","follower_cluster":"f","lag_fraction":2}"#)
            .unwrap_err();
        assert!(e.message().contains("lag_fraction"));
        let e = Config::parse(r#"{"leader_cluster":"l","follower_cluster":"f","lease":"bad"}"#)
            .unwrap_err();
        assert!(e.message().contains("lease"));
        assert_eq!(cfg().lease, 12 * HOUR_MS);
    }

    #[test]
    fn lag_in_time() {
        let mut st = FollowerState::default();
        let w = 24 * HOUR_MS;
        assert_eq!(observe(&mut st, 0, 100, 100, w), 0);
        assert_eq!(observe(&mut st, 60_000, 200, 150, w), 60_000);
        assert_eq!(observe(&mut st, 120_000, 300, 210, w), 60_000);
        // Behind every sample: at least the oldest sample's age.
        assert_eq!(observe(&mut st, 180_000, 400, 50, w), 180_000);
        assert_eq!(observe(&mut st, 240_000, 400, 400, w), 0);
        assert_eq!(max_lag(&st), 180_000);
        // Observations older than the window are dropped.
        observe(&mut st, w + 200_000, 500, 500, w);
        assert_eq!(max_lag(&st), 0);
    }

    #[test]
    fn gate_above_max_lag_plus_interval() {
        let c = cfg();
        assert_eq!(required_gate(90 * MINUTE_MS + 1, &c), 96 * MINUTE_MS);
        let mut p = pol();
        assert_eq!(raise_gates(&mut p, 2 * HOUR_MS), 1);
        assert_eq!(policy::transition_ages(&p, "hot")[0].1, "2h");
        // 30d stays; never lowered.
        assert_eq!(policy::transition_ages(&p, "warm")[0].1, "30d");
        assert_eq!(raise_gates(&mut p, HOUR_MS), 0);
        let mut f = pol();
        assert_eq!(copy_gates(&p, &mut f), 1);
        assert_eq!(policy::transition_ages(&f, "hot")[0].1, "2h");
    }

    #[test]
    fn lag_rule_lowers_sizes_bounded_with_hysteresis() {
        let c = cfg();
        let p = pol();
        let interval = rollover_interval(&p, &c).unwrap();
        assert_eq!(interval, 10 * HOUR_MS);
        let st = SizeState::default();
        // 20 % of 10 h = 2 h.
        assert_eq!(
            size_move(2 * HOUR_MS + 1, interval, &st, 0, &c),
            SizeMove::Lower
        );
        assert_eq!(size_move(2 * HOUR_MS, interval, &st, 0, &c), SizeMove::Hold);
        let st = SizeState {
            original: vec![("min_size".into(), 50 * GB)],
            last_change_ms: 1000,
        };
        // Cooldown.
        assert_eq!(
            size_move(5 * HOUR_MS, interval, &st, 2000, &c),
            SizeMove::Hold
        );
        let later = 1000 + HOUR_MS;
        assert_eq!(
            size_move(5 * HOUR_MS, interval, &st, later, &c),
            SizeMove::Lower
        );
        // Between half and full trigger: hold; below half: restore.
        assert_eq!(
            size_move(90 * MINUTE_MS, interval, &st, later, &c),
            SizeMove::Hold
        );
        assert_eq!(
            size_move(30 * MINUTE_MS, interval, &st, later, &c),
            SizeMove::Restore
        );
        assert_eq!(
            next_size(50 * GB, 50 * GB, SizeMove::Lower, &c),
            (50.0 * GB as f64 * 0.85) as u64
        );
        assert_eq!(next_size(GB + 1, 50 * GB, SizeMove::Lower, &c), GB);
        assert_eq!(next_size(GB, 50 * GB, SizeMove::Lower, &c), GB);
        assert_eq!(next_size(45 * GB, 50 * GB, SizeMove::Restore, &c), 50 * GB);
        assert_eq!(
            next_size(20 * GB, 50 * GB, SizeMove::Restore, &c),
            (20.0 * GB as f64 / 0.85).ceil() as u64
        );
    }

    #[test]
    fn resume_before_lease() {
        let c = cfg();
        assert!(transient_pause(Some(
            "AutoPaused:  + [[leader-01][0] - java.net.SocketTimeoutException]"
        )));
        assert!(!transient_pause(Some("User initiated")));
        assert!(!transient_pause(Some(
            "AutoPaused: no such index [leader-01]"
        )));
        assert_eq!(pause_decision(false, 0, &c), PauseDecision::Leave);
        assert_eq!(pause_decision(true, MINUTE_MS, &c), PauseDecision::Wait);
        assert_eq!(
            pause_decision(true, 3 * MINUTE_MS, &c),
            PauseDecision::Resume
        );
        assert_eq!(
            pause_decision(true, 10 * HOUR_MS, &c),
            PauseDecision::Resume
        );
        assert_eq!(
            pause_decision(true, 11 * HOUR_MS, &c),
            PauseDecision::LeaseExpired
        );
    }
}
