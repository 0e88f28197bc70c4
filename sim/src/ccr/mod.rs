//! Cross-cluster replication between the simulated clusters: replications, their lag model,
//! retention leases, auto-pause on a deleted leader, and auto-follow rules.
pub mod api;

use serde_json::{json, Value};

use super::error::{OsError, OsResult};
use super::world::World;

pub use super::model::{Ccr, RepState, Replication, Rule};

/// The leader's retention lease (`index.soft_deletes.retention_lease.period`, 12h).
pub const LEASE_MS: i64 = 12 * 3_600_000;
/// After this long without reaching the leader, shard tasks fail and the index auto-pauses
/// (`plugins.replication.follower.retention_lease_max_failure_duration`, 1h).
pub const MAX_FAILURE_MS: i64 = 3_600_000;
/// `plugins.replication.autofollow.fetch_poll_interval`.
pub const AUTOFOLLOW_POLL_MS: i64 = 30_000;

/// Which cluster a remote alias points to: seeds naming the sibling go to the sibling, any
/// other seeds to the cluster itself (so the upstream single-cluster stories work).
pub fn remote_cluster(world: &World, c: usize, alias: &str) -> OsResult<usize> {
    let key = format!("cluster.remote.{alias}.seeds");
    let seeds = world.clusters[c]
        .settings
        .get(&key)
        .cloned()
        .ok_or_else(|| {
            OsError::new(
                404,
                "no_such_remote_cluster_exception",
                format!("no such remote cluster: [{alias}]"),
            )
        })?;
    let seeds: Vec<String> = match seeds {
        Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
        _ => vec![],
    };
    for (i, other) in world.clusters.iter().enumerate() {
        if i == c {
            continue;
        }
        let addrs: Vec<String> = std::iter::once(other.http_addr.clone())
            .chain(other.nodes.iter().map(|n| n.transport_address()))
            .chain(std::iter::once(other.name.clone()))
            .collect();
        if seeds.iter().any(|s| addrs.contains(s)) {
            return Ok(i);
        }
    }
    Ok(c)
}

pub fn reachable(world: &World, lc: usize) -> bool {
    !(world.clusters[lc].refusing || world.clusters[lc].unavailable)
}

/// Completes the restore once its time has come (called lazily and by the tick).
pub fn refresh(world: &mut World, c: usize, follower: &str) {
    let now = world.now;
    let Some(rep) = world.clusters[c].ccr.reps.get(follower).cloned() else {
        return;
    };
    if rep.state != RepState::Running || rep.restored || now < rep.restore_done {
        return;
    }
    let mut rep = rep;
    rep.restored = true;
    rep.follower_ops = rep.restore_ops;
    rep.ops_read += rep.restore_ops;
    rep.bytes_read += rep.restore_bytes;
    set_follower_docs(world, c, follower, &rep);
    world.clusters[c].ccr.reps.insert(follower.to_string(), rep);
}

fn set_follower_docs(world: &mut World, c: usize, follower: &str, rep: &Replication) {
    let now = world.now;
    let per_doc = world.clusters[rep.leader_cluster]
        .indices
        .get(&rep.leader_index)
        .map(|l| {
            let d = l.docs.count(now).max(1);
            l.docs.bytes(now) as f64 / d as f64
        })
        .unwrap_or(0.0);
    if let Some(ix) = world.clusters[c].indices.get_mut(follower) {
        ix.docs.base_docs = rep.follower_ops;
        ix.docs.base_ops = rep.follower_ops;
        ix.docs.base_bytes = (rep.follower_ops as f64 * per_doc) as u64;
        ix.docs.since_ms = now;
    }
}

/// One follower tick: replay operations at the model's rate, renew leases, detect outages.
pub fn tick(world: &mut World, c: usize) {
    let now = world.now;
    let names: Vec<String> = world.clusters[c].ccr.reps.keys().cloned().collect();
    for name in names {
        refresh(world, c, &name);
        let Some(mut rep) = world.clusters[c].ccr.reps.get(&name).cloned() else {
            continue;
        };
        if rep.state != RepState::Running || !rep.restored {
            continue;
        }
        let lc = rep.leader_cluster;
        if !reachable(world, lc) {
            let since = *rep.unreachable_since.get_or_insert(now);
            if now - since >= MAX_FAILURE_MS {
                rep.state = RepState::Paused;
                rep.reason = Replication::auto_pause_reason(
                    &rep.leader_index,
                    "org.opensearch.transport.ConnectTransportException - \"connect_exception\"",
                );
            }
            world.clusters[c].ccr.reps.insert(name, rep);
            continue;
        }
        rep.unreachable_since = None;
        rep.lease_renewed = now;
        let Some(leader_ops) = world.clusters[lc]
            .indices
            .get(&rep.leader_index)
            .map(|l| l.docs.ops(now))
        else {
            continue;
        };
        let step =
            (world.models.ccr_ops_per_sec * super::world::CCR_TICK_MS as f64 / 1000.0) as u64;
        let before = rep.follower_ops;
        rep.follower_ops = leader_ops.min(rep.follower_ops + step.max(1));
        let moved = rep.follower_ops - before;
        rep.ops_read += moved;
        rep.write_time_ms += moved / 10;
        set_follower_docs(world, c, &name, &rep);
        world.clusters[c].ccr.reps.insert(name, rep);
    }
    if now - world.clusters[c].ccr.last_autofollow >= AUTOFOLLOW_POLL_MS
        && !world.clusters[c].ccr.rules.is_empty()
    {
        world.clusters[c].ccr.last_autofollow = now;
        api::run_autofollow(world, c);
    }
}

/// Stops replication: the follower becomes a normal writable index.
pub fn stop(world: &mut World, c: usize, follower: &str) -> OsResult<()> {
    refresh(world, c, follower);
    let Some(rep) = world.clusters[c].ccr.reps.remove(follower) else {
        return Err(OsError::illegal_argument(format!(
            "No replication in progress for index:{follower}"
        )));
    };
    if !rep.restored {
        super::ops::delete_index(world, c, follower);
        return Ok(());
    }
    if let Some(ix) = world.clusters[c].indices.get_mut(follower) {
        ix.settings
            .remove("index.plugins.replication.follower.leader_index");
    }
    Ok(())
}

pub fn status_json(world: &World, c: usize, follower: &str, verbose: bool) -> Value {
    let Some(rep) = world.clusters[c].ccr.reps.get(follower) else {
        return json!({"status": "REPLICATION NOT IN PROGRESS"});
    };
    let mut o = json!({"status": "", "reason": rep.reason, "leader_alias": rep.leader_alias,
        "leader_index": rep.leader_index, "follower_index": follower});
    match rep.state {
        RepState::Paused => o["status"] = json!("PAUSED"),
        RepState::Failed => o["status"] = json!("FAILED"),
        RepState::Running if !rep.restored => {
            o["status"] = json!("BOOTSTRAPPING");
            let total = rep.restore_done - rep.started;
            let done = (world.now - rep.started).clamp(0, total.max(0));
            let frac = if total > 0 {
                done as f64 / total as f64
            } else {
                1.0
            };
            o["bootstrap_details"] = json!({"bytes_total": rep.restore_bytes, "bytes_recovered": (rep.restore_bytes as f64 * frac) as u64,
                "bytes_percent": (frac * 1000.0).round() / 10.0, "files_total": 7, "files_recovered": (7.0 * frac) as u64,
                "files_percent": (frac * 1000.0).round() / 10.0, "start_time": rep.started, "running_time": done});
        }
        RepState::Running => {
            o["status"] = json!("SYNCING");
            let leader_ops = world.clusters[rep.leader_cluster]
                .indices
                .get(&rep.leader_index)
                .map(|l| l.docs.ops(world.now))
                .unwrap_or(0);
            let k = i64::from(rep.shards.max(1));
            o["syncing_details"] = json!({"leader_checkpoint": leader_ops as i64 - k,
                "follower_checkpoint": rep.follower_ops as i64 - k, "seq_no": rep.follower_ops as i64});
            if verbose {
                o["shard_replication_details"] = json!([{"shard_id": format!("[{follower}][0]"),
                    "syncing_task_details": o["syncing_details"].clone()}]);
            }
        }
    }
    o
}
