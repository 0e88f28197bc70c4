//! Decision logic of ccr-failover, over plain data (unit-tested natively).

use lifeguard_sdk::types::AliasEntry;
use lifeguard_sdk::{HealthStatus, ReconcileError};
use serde::{Deserialize, Serialize};

/// The plugin's configuration (see README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub leader_cluster: String,
    pub follower_cluster: String,
    #[serde(default = "d_ticks")]
    pub lost_after_ticks: u32,
    #[serde(default)]
    pub auto: bool,
    #[serde(default = "d_pattern")]
    pub follower_pattern: String,
    #[serde(default)]
    pub write_aliases: Vec<String>,
    #[serde(default = "d_true")]
    pub red_is_lost: bool,
    #[serde(default)]
    pub reverse: Option<Reverse>,
}

/// Reverse replication after a failover, once the old leader is back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reverse {
    /// The remote alias of the (new leader) follower cluster, as configured on the old leader.
    pub remote_alias: String,
    /// Suffix of the new follower index on the old leader (the old index still exists there).
    #[serde(default = "d_suffix")]
    pub suffix: String,
}

fn d_ticks() -> u32 {
    3
}
fn d_pattern() -> String {
    "*".into()
}
fn d_true() -> bool {
    true
}
fn d_suffix() -> String {
    "-reverse".into()
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
        if c.lost_after_ticks == 0 {
            return bad("lost_after_ticks", "must be >= 1");
        }
        if let Some(r) = &c.reverse {
            if r.remote_alias.is_empty() {
                return bad("reverse.remote_alias", "must not be empty");
            }
            if r.suffix.is_empty() {
                return bad(
                    "reverse.suffix",
                    "must not be empty (the old index still exists)",
                );
            }
        }
        Ok(c)
    }
}

/// How far a failover got. Written to `state` before each step, so a host restart resumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Stopping,
    MovingAliases,
    Done,
}

/// The fenced failover record: present means a failover was started, and is never repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failover {
    pub token: String,
    pub started_ms: u64,
    pub phase: Phase,
    #[serde(default)]
    pub stopped: Vec<String>,
    #[serde(default)]
    pub reverse_started: Vec<String>,
}

/// Everything kept in `state` (key `failover`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Persist {
    pub bad_ticks: u32,
    #[serde(default)]
    pub failover: Option<Failover>,
}

/// What this tick does.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Leader fine, or not bad for long enough yet.
    Watch,
    /// Leader lost but `auto = false`: alert and print the plan. `first` is true on the tick
    /// the threshold is crossed.
    Plan { first: bool },
    /// Start a failover now with this fencing token.
    Begin { token: String },
    /// A failover was started (maybe before a restart) and is not finished: continue it.
    Continue,
    /// Failed over already; never fail back. `reverse` when reverse replication is due.
    Done { reverse: bool },
}

/// Whether a leader health probe means "lost": unreachable (any error) or red.
pub fn leader_bad(health: Result<HealthStatus, &lifeguard_sdk::Error>, red_is_lost: bool) -> bool {
    match health {
        Err(_) => true,
        Ok(HealthStatus::Red) => red_is_lost,
        Ok(_) => false,
    }
}

/// The state machine. Returns the state to persist **before** acting, and the decision.
pub fn decide(
    p: &Persist,
    bad: bool,
    cfg: &Config,
    now_ms: u64,
    token_seed: &str,
) -> (Persist, Decision) {
    let mut next = p.clone();
    next.bad_ticks = if bad {
        p.bad_ticks.saturating_add(1)
    } else {
        0
    };
    if let Some(f) = &p.failover {
        let d = if f.phase == Phase::Done {
            let pending = f.stopped.len() > f.reverse_started.len();
            Decision::Done {
                reverse: cfg.reverse.is_some() && !bad && pending,
            }
        } else {
            Decision::Continue
        };
        return (next, d);
    }
    if next.bad_ticks < cfg.lost_after_ticks {
        return (next, Decision::Watch);
    }
    if !cfg.auto {
        let first = next.bad_ticks == cfg.lost_after_ticks;
        return (next, Decision::Plan { first });
    }
    let token = format!("failover/{token_seed}/{now_ms}");
    next.failover = Some(Failover {
        token: token.clone(),
        started_ms: now_ms,
        phase: Phase::Stopping,
        stopped: Vec::new(),
        reverse_started: Vec::new(),
    });
    (next, Decision::Begin { token })
}

/// The numeric suffix of `logs-000012` (12), if any.
pub fn generation(index: &str) -> Option<u64> {
    let (_, digits) = index.rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The index that should carry the write flag of `alias` on the follower: the one already
/// flagged, else the newest generation among the alias's indices, else the newest
/// `<alias>-NNNNNN` among the follower indices.
pub fn pick_write_index(
    alias: &str,
    entries: &[AliasEntry],
    followers: &[String],
) -> Option<String> {
    let on_alias: Vec<&AliasEntry> = entries.iter().filter(|e| e.alias == alias).collect();
    let flagged: Vec<&&AliasEntry> = on_alias
        .iter()
        .filter(|e| e.is_write_index == Some(true))
        .collect();
    if flagged.len() == 1 {
        return flagged.first().map(|e| e.index.clone());
    }
    let newest = |names: Vec<&str>| -> Option<String> {
        names
            .into_iter()
            .max_by_key(|n| (generation(n), n.to_string()))
            .map(str::to_string)
    };
    if !on_alias.is_empty() {
        return newest(on_alias.iter().map(|e| e.index.as_str()).collect());
    }
    let prefix = format!("{alias}-");
    newest(
        followers
            .iter()
            .filter(|f| f.starts_with(&prefix) && generation(f).is_some())
            .map(String::as_str)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifeguard_sdk::{Error, ErrorKind};

    fn cfg(auto: bool) -> Config {
        Config::parse(&format!(
            r#"{{"leader_cluster":"leader","follower_cluster":"follower","auto":{auto},
                "lost_after_ticks":3,"reverse":{{"remote_alias":"dr"}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn config_errors() {
        let e = Config::parse(r#"{"leader_cluster":"a","follower_cluster":"a"}"#).unwrap_err();
        assert!(e.message().contains("follower_cluster"));
        let e = Config::parse(r#"{"leader_cluster":"a"}"#).unwrap_err();
        assert!(e.message().contains("follower_cluster"));
        let e =
            Config::parse(r#"{"leader_cluster":"a","follower_cluster":"b","lost_after_ticks":0}"#)
                .unwrap_err();
        assert!(e.message().contains("lost_after_ticks"));
        let c = Config::parse(r#"{"leader_cluster":"a","follower_cluster":"b"}"#).unwrap();
        assert!(!c.auto);
        assert_eq!(c.lost_after_ticks, 3);
    }

    #[test]
    fn leader_health() {
        let e = Error::new(ErrorKind::Unavailable, "down");
        assert!(leader_bad(Err(&e), true));
        assert!(leader_bad(Ok(HealthStatus::Red), true));
        assert!(!leader_bad(Ok(HealthStatus::Red), false));
        assert!(!leader_bad(Ok(HealthStatus::Yellow), true));
    }

    #[test]
    fn needs_n_consecutive_bad_ticks() {
        let c = cfg(true);
        let mut p = Persist::default();
        for _ in 0..2 {
            let (n, d) = decide(&p, true, &c, 1, "t");
            assert_eq!(d, Decision::Watch);
            p = n;
        }
        // A good tick resets the count.
        let (n, d) = decide(&p, false, &c, 1, "t");
        assert_eq!((n.bad_ticks, d), (0, Decision::Watch));
        p = n;
        for _ in 0..2 {
            p = decide(&p, true, &c, 1, "t").0;
        }
        let (n, d) = decide(&p, true, &c, 42, "acme");
        assert_eq!(
            d,
            Decision::Begin {
                token: "failover/acme/42".into()
            }
        );
        assert_eq!(n.failover.as_ref().unwrap().phase, Phase::Stopping);
    }

    #[test]
    fn exactly_once_and_never_back() {
        let c = cfg(true);
        let p = Persist {
            bad_ticks: 3,
            failover: None,
        };
        let (mut n, d) = decide(&p, true, &c, 5, "t");
        assert!(matches!(d, Decision::Begin { .. }));
        // Restart mid-way: the persisted record makes it continue, not begin again.
        let (n2, d) = decide(&n, true, &c, 6, "t");
        assert_eq!(d, Decision::Continue);
        assert_eq!(n2.failover, n.failover);
        // Even if the leader is back, an unfinished failover continues.
        assert_eq!(decide(&n, false, &c, 7, "t").1, Decision::Continue);
        if let Some(f) = n.failover.as_mut() {
            f.phase = Phase::Done;
            f.stopped = vec!["logs-000001".into()];
        }
        // Done: the leader still down, nothing; back up: reverse replication, never failback.
        assert_eq!(
            decide(&n, true, &c, 8, "t").1,
            Decision::Done { reverse: false }
        );
        assert_eq!(
            decide(&n, false, &c, 9, "t").1,
            Decision::Done { reverse: true }
        );
        if let Some(f) = n.failover.as_mut() {
            f.reverse_started = vec!["logs-000001".into()];
        }
        assert_eq!(
            decide(&n, false, &c, 9, "t").1,
            Decision::Done { reverse: false }
        );
        assert_eq!(
            decide(&n, true, &c, 10, "t").0.failover.unwrap().token,
            "failover/t/5"
        );
    }

    #[test]
    fn manual_mode_only_plans() {
        let c = cfg(false);
        let p = Persist {
            bad_ticks: 2,
            failover: None,
        };
        let (n, d) = decide(&p, true, &c, 5, "t");
        assert_eq!(d, Decision::Plan { first: true });
        assert!(n.failover.is_none());
        assert_eq!(
            decide(&n, true, &c, 6, "t").1,
            Decision::Plan { first: false }
        );
    }

    #[test]
    fn write_index_choice() {
        let e = |i: &str, w: Option<bool>| AliasEntry {
            alias: "logs".into(),
            index: i.into(),
            is_write_index: w,
        };
        let f = vec![
            "logs-000001".to_string(),
            "logs-000010".to_string(),
            "other".into(),
        ];
        assert_eq!(
            pick_write_index(
                "logs",
                &[e("logs-000001", Some(false)), e("logs-000002", Some(true))],
                &f
            ),
            Some("logs-000002".into())
        );
        assert_eq!(
            pick_write_index(
                "logs",
                &[e("logs-000009", None), e("logs-000010", None)],
                &f
            ),
            Some("logs-000010".into())
        );
        assert_eq!(
            pick_write_index("logs", &[], &f),
            Some("logs-000010".into())
        );
        assert_eq!(pick_write_index("none", &[], &f), None);
        assert_eq!(generation("logs-000012"), Some(12));
        assert_eq!(generation("logs"), None);
    }
}
