//! The cluster gauges `/metrics` exports, fed from each cluster's snapshot: failed ISM
//! indices, the time indices spend in ISM's transition step, follower lag and paused
//! followers.
//!
//! Explain is read each tick through the snapshot, so a tick in which a plugin already read
//! it costs no extra request, and a transition is seen while it waits. Follower stats are one
//! request per cluster, read at most once per [`REFRESH`] (about a scrape interval), so short
//! job intervals don't multiply them.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::debug;

use crate::cluster::model::{ExplainEntry, StepStatus};
use crate::cluster::ClusterApi;
use crate::telemetry::Metrics;

use super::ClusterRt;

/// How often follower stats are read from the clusters.
pub(super) const REFRESH: Duration = Duration::from_secs(10);

/// What the gauges remember between refreshes.
#[derive(Default)]
pub(super) struct ClusterGauges {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// When follower stats were last read.
    last_ccr: Option<Instant>,
    /// (cluster, index) → (state name, start of its transition action) while ISM evaluates
    /// the index's transitions.
    transitions: HashMap<(String, String), (String, u64)>,
}

impl ClusterGauges {
    /// Whether follower stats are due now; marks them as read.
    fn ccr_due(&self) -> bool {
        let Ok(mut s) = self.inner.lock() else {
            return false;
        };
        if s.last_ccr.is_some_and(|t| t.elapsed() < REFRESH) {
            return false;
        }
        s.last_ccr = Some(Instant::now());
        true
    }

    /// Read every cluster and update the gauges (one tick's worth).
    pub(super) async fn refresh<'a>(
        &self,
        clusters: impl Iterator<Item = &'a ClusterRt>,
        metrics: &Metrics,
        now_ms: u64,
    ) {
        let ccr = self.ccr_due();
        for c in clusters {
            match c.snapshot.ism_explain("*").await {
                Ok(entries) => {
                    metrics.set_ism_failed(&c.name, failed(&entries));
                    for latency in self.transitions(&c.name, &entries, now_ms) {
                        metrics.observe_transition_latency(&c.name, latency);
                    }
                }
                Err(e) => debug!(cluster = %c.name, error = %e, "explain for the ISM gauges"),
            }
            if !ccr {
                continue;
            }
            match c.snapshot.ccr_follower_stats().await {
                Ok(stats) => {
                    let f = followers(&stats);
                    metrics.set_paused_followers(&c.name, f.paused);
                    for (index, lag) in f.lag {
                        metrics.set_follower_lag(&index, lag);
                    }
                }
                Err(e) => {
                    debug!(cluster = %c.name, error = %e, "follower stats for the CCR gauges")
                }
            }
        }
    }

    /// Transitions that completed since the last refresh: the time from the transition
    /// action's start to the next state's start, both as explain reports them. An index whose
    /// policy completed with the move shows no state; its move is dated `now_ms`, to within
    /// one tick.
    ///
    /// A transition whose condition already holds when the state's actions finish completes
    /// within one ISM job cycle, between two ticks, and is seen only when a tick falls inside.
    fn transitions(&self, cluster: &str, entries: &[ExplainEntry], now_ms: u64) -> Vec<Duration> {
        let Ok(mut s) = self.inner.lock() else {
            return Vec::new();
        };
        let mut done = Vec::new();
        for e in entries {
            let key = (cluster.to_string(), e.index.clone());
            if let Some((from, started)) = s.transitions.get(&key) {
                let moved = match &e.state {
                    Some(state) if state.name != *from => {
                        Some(state.start_time_ms.unwrap_or(now_ms))
                    }
                    None if e.policy_completed => Some(now_ms),
                    _ => None,
                };
                if let Some(moved) = moved {
                    if moved >= *started {
                        done.push(Duration::from_millis(moved - started));
                    }
                    s.transitions.remove(&key);
                }
            }
            let Some(state) = &e.state else {
                s.transitions.remove(&key);
                continue;
            };
            let transition = e.action.as_ref().filter(|a| a.name == "transition");
            if let Some(started) = transition.and_then(|a| a.start_time_ms) {
                s.transitions.insert(key, (state.name.clone(), started));
            }
        }
        // Indices that left the cluster (deleted, unmanaged) are forgotten.
        let live: std::collections::HashSet<&str> =
            entries.iter().map(|e| e.index.as_str()).collect();
        s.transitions
            .retain(|(c, i), _| c != cluster || live.contains(i.as_str()));
        done
    }
}

/// Managed indices whose current action or step failed.
fn failed(entries: &[ExplainEntry]) -> u64 {
    entries
        .iter()
        .filter(|e| {
            e.action.as_ref().is_some_and(|a| a.failed)
                || e.step
                    .as_ref()
                    .is_some_and(|s| s.step_status == StepStatus::Failed)
        })
        .count() as u64
}

/// What `GET _plugins/_replication/follower_stats` says about a cluster's followers.
struct Followers {
    paused: u64,
    /// Per follower index: leader checkpoint minus follower checkpoint.
    lag: Vec<(String, u64)>,
}

fn followers(stats: &Value) -> Followers {
    let paused = stats
        .get("num_paused_indices")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let lag = stats
        .get("index_stats")
        .and_then(Value::as_object)
        .map(|per| {
            per.iter()
                .filter_map(|(index, s)| {
                    let leader = s.get("leader_checkpoint").and_then(Value::as_i64)?;
                    let follower = s.get("follower_checkpoint").and_then(Value::as_i64)?;
                    Some((index.clone(), leader.saturating_sub(follower).max(0) as u64))
                })
                .collect()
        })
        .unwrap_or_default();
    Followers { paused, lag }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::{ActionInfo, StateInfo};
    use serde_json::json;

    fn entry(index: &str, state: &str, state_start: u64, action: &str, at: u64) -> ExplainEntry {
        let mut e = crate::testing::explain(index, Some(("p".into(), 1)));
        e.state = Some(StateInfo {
            name: state.into(),
            start_time_ms: Some(state_start),
        });
        e.action = Some(ActionInfo {
            name: action.into(),
            start_time_ms: Some(at),
            index: if action == "transition" { -1 } else { 0 },
            failed: action == "rollover-failed",
            consumed_retries: 0,
            last_retry_time_ms: None,
        });
        e
    }

    #[test]
    fn a_completed_transition_is_measured_from_explain_times() {
        let g = ClusterGauges::default();
        let before = [entry("a", "hot", 0, "transition", 5_000)];
        assert!(g.transitions("c", &before, 6_000).is_empty());
        // Still waiting: nothing yet.
        assert!(g.transitions("c", &before, 7_000).is_empty());
        let after = [entry("a", "warm", 65_000, "allocation", 65_000)];
        assert_eq!(
            g.transitions("c", &after, 70_000),
            vec![Duration::from_secs(60)]
        );
        // Counted once.
        assert!(g.transitions("c", &after, 71_000).is_empty());
    }

    #[test]
    fn a_transition_into_a_completed_policy_is_dated_by_the_tick_that_sees_it() {
        let g = ClusterGauges::default();
        let waiting = [entry("m", "warm", 0, "transition", 10_000)];
        assert!(g.transitions("c", &waiting, 20_000).is_empty());
        let mut completed = crate::testing::explain("m", Some(("p".into(), 1)));
        completed.policy_completed = true;
        assert_eq!(
            g.transitions("c", &[completed], 130_000),
            vec![Duration::from_secs(120)]
        );
    }

    #[test]
    fn failed_indices_and_follower_lag_are_read_from_the_responses() {
        let entries = [
            entry("a", "hot", 0, "rollover-failed", 0),
            entry("b", "hot", 0, "rollover", 0),
        ];
        assert_eq!(failed(&entries), 1);
        let stats = json!({"num_paused_indices": 2, "index_stats": {
            "orders-000001": {"leader_checkpoint": 120, "follower_checkpoint": 100},
            "orders-000002": {"leader_checkpoint": 5, "follower_checkpoint": 9}}});
        let f = followers(&stats);
        assert_eq!(f.paused, 2);
        assert_eq!(
            f.lag,
            vec![
                ("orders-000001".to_string(), 20),
                ("orders-000002".to_string(), 0)
            ]
        );
    }
}
