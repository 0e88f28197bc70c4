//! `GET _plugins/_replication/<follower>/_status` (notes §3.3).
use serde::Deserialize;

use super::lenient::{Num, Text};
use super::{json, ParseError};
use crate::cluster::model::{ReplicationState, ReplicationStatus};

#[derive(Deserialize)]
struct RawSyncing {
    #[serde(default)]
    leader_checkpoint: Num,
    #[serde(default)]
    follower_checkpoint: Num,
    #[serde(default)]
    seq_no: Num,
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(default)]
    status: Text,
    #[serde(default)]
    reason: Text,
    #[serde(default)]
    leader_alias: Text,
    #[serde(default)]
    leader_index: Text,
    #[serde(default)]
    follower_index: Text,
    #[serde(default)]
    syncing_details: Option<RawSyncing>,
}

/// The status word: the stored states plus the per-shard `BOOTSTRAPPING`/`SYNCING`. The docs'
/// misspelling `BOOTSTRAPING` is accepted too.
fn state(s: &str) -> Option<ReplicationState> {
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "BOOTSTRAPPING" | "BOOTSTRAPING" => ReplicationState::Bootstrapping,
        "SYNCING" => ReplicationState::Syncing,
        "RUNNING" => ReplicationState::Running,
        "PAUSED" => ReplicationState::Paused,
        "FAILED" => ReplicationState::Failed,
        "STOPPED" => ReplicationState::Stopped,
        "REPLICATION NOT IN PROGRESS" => ReplicationState::NotInProgress,
        _ => return None,
    })
}

/// Parse a status answer. An unknown status word is an error rather than a guess: a plugin
/// deciding on failover must not act on a state we made up.
pub fn replication_status(body: &[u8]) -> Result<ReplicationStatus, ParseError> {
    const WHAT: &str = "_replication/_status";
    let r: RawStatus = json(WHAT, body)?;
    let word = r.status.0.unwrap_or_default();
    let state = state(&word).ok_or_else(|| ParseError::shape(WHAT, format!("status {word:?}")))?;
    let sync = r.syncing_details;
    Ok(ReplicationStatus {
        state,
        reason: r.reason.0,
        leader_alias: r.leader_alias.0,
        leader_index: r.leader_index.0,
        follower_index: r.follower_index.0,
        leader_checkpoint: sync.as_ref().and_then(|s| s.leader_checkpoint.i64()),
        follower_checkpoint: sync.as_ref().and_then(|s| s.follower_checkpoint.i64()),
        seq_no: sync.as_ref().and_then(|s| s.seq_no.i64()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncing_with_checkpoints() {
        let s = replication_status(br#"{"status":"SYNCING","reason":"User initiated","leader_alias":"leader-cluster","leader_index":"leader-01",
 "follower_index":"follower-01","syncing_details":{"leader_checkpoint":19,"follower_checkpoint":19,"seq_no":20}}"#).unwrap();
        assert_eq!(s.state, ReplicationState::Syncing);
        assert_eq!(s.leader_alias.as_deref(), Some("leader-cluster"));
        assert_eq!(
            (s.leader_checkpoint, s.follower_checkpoint, s.seq_no),
            (Some(19), Some(19), Some(20))
        );
    }

    #[test]
    fn bootstrapping_and_paused() {
        let b = replication_status(br#"{"status":"BOOTSTRAPPING", "reason":"User initiated", "leader_alias":"l","leader_index":"a","follower_index":"b","bootstrap_details":{"bytes_total":5354,"bytes_recovered":0,"bytes_percent":0.0,
 "files_total":7,"files_recovered":0,"files_percent":0.0,"start_time":1624902197433,"running_time":2}}"#).unwrap();
        assert_eq!(b.state, ReplicationState::Bootstrapping);
        assert_eq!(b.leader_checkpoint, None);
        let p = replication_status(br#"{"status":"PAUSED","reason":"AutoPaused:  + [[leader-01][0] - org.opensearch.index.IndexNotFoundException - \"no such index [leader-01]\"]...",
 "leader_alias":"leader-cluster","leader_index":"leader-01","follower_index":"follower-01"}"#).unwrap();
        assert_eq!(p.state, ReplicationState::Paused);
        assert!(p.reason.unwrap().contains("no such index"));
    }

    #[test]
    fn not_in_progress_and_negative_sums() {
        let n = replication_status(br#"{"status":"REPLICATION NOT IN PROGRESS"}"#).unwrap();
        assert_eq!(n.state, ReplicationState::NotInProgress);
        assert_eq!(n.follower_index, None);
        let e = replication_status(br#"{"status":"SYNCING","syncing_details":{"leader_checkpoint":-5,"follower_checkpoint":-5,"seq_no":0}}"#).unwrap();
        assert_eq!(e.leader_checkpoint, Some(-5));
    }

    #[test]
    fn every_state_word_and_unknown() {
        for (w, s) in [
            ("BOOTSTRAPING", ReplicationState::Bootstrapping),
            ("RUNNING", ReplicationState::Running),
            ("FAILED", ReplicationState::Failed),
            ("STOPPED", ReplicationState::Stopped),
        ] {
            let body = format!(r#"{{"status":"{w}"}}"#);
            assert_eq!(replication_status(body.as_bytes()).unwrap().state, s);
        }
        assert!(replication_status(br#"{"status":"DANCING"}"#).is_err());
        assert!(replication_status(br#"{}"#).is_err());
    }
}
