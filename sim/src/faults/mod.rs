//! Fault injection: HTTP latency and error rules, node loss, disk fill, leader outages and
//! thread-pool saturation. The same actions drive `/_sim/faults` and scenario timelines.
use serde_json::{json, Value};

use super::util::{parse_time_ms, wildcard_match};
use super::world::{EventKind, World};

pub mod action;

pub use action::{FaultAction, Faults, HttpRule, Verdict};

fn path_matches(pattern: &Option<String>, path: &str) -> bool {
    match pattern {
        None => true,
        Some(p) if p.contains('*') => wildcard_match(p, path),
        Some(p) => path.starts_with(p.as_str()),
    }
}

/// Decides latency and injected errors for a request (draws from the seeded RNG).
pub fn verdict(world: &mut World, cluster: usize, path: &str) -> Verdict {
    use rand::Rng;
    let mut v = Verdict::default();
    let rules = world.faults.rules.clone();
    for r in rules {
        if r.cluster.is_some_and(|c| c != cluster) || !path_matches(&r.path, path) {
            continue;
        }
        v.latency_ms += r.latency_ms;
        if let Some(status) = r.status {
            if v.error.is_none() && world.rng.random::<f64>() < r.probability {
                v.error = Some((status, r.retry_after, r.id));
            }
        }
    }
    v
}

pub fn cluster_index(world: &World, name: &Option<String>) -> Result<usize, String> {
    match name.as_deref() {
        None | Some("leader") | Some("0") => Ok(0),
        Some("follower") | Some("1") if world.clusters.len() > 1 => Ok(1),
        Some(other) => world
            .clusters
            .iter()
            .position(|c| c.name == other)
            .ok_or_else(|| format!("unknown cluster [{other}]")),
    }
}

fn schedule_end(
    world: &mut World,
    duration: &Option<String>,
    action: FaultAction,
) -> Result<(), String> {
    if let Some(d) = duration {
        let ms = parse_time_ms(d).ok_or_else(|| format!("invalid duration [{d}]"))?;
        let id = world.faults.alloc_id();
        world.faults.scheduled.insert(id, action);
        world.schedule(world.now + ms, EventKind::Fault(id));
    }
    Ok(())
}

/// Schedules an action at an absolute sim time (scenario timelines).
pub fn schedule_at(world: &mut World, at_ms: i64, action: FaultAction) {
    let id = world.faults.alloc_id();
    world.faults.scheduled.insert(id, action);
    world.schedule(at_ms, EventKind::Fault(id));
}

/// Applies an action now. Returns a small JSON acknowledgement (with the rule id if any).
pub fn apply(world: &mut World, action: &FaultAction) -> Result<Value, String> {
    tracing::info!(?action, now = world.now, "sim fault");
    match action {
        FaultAction::Latency {
            ms,
            path,
            cluster,
            duration,
        } => {
            let c = cluster
                .as_ref()
                .map(|_| cluster_index(world, cluster))
                .transpose()?;
            let id = world.faults.alloc_id();
            world.faults.rules.push(HttpRule {
                id,
                latency_ms: *ms,
                status: None,
                probability: 0.0,
                path: path.clone(),
                retry_after: None,
                cluster: c,
            });
            schedule_end(world, duration, FaultAction::RemoveRule { id })?;
            Ok(json!({"acknowledged": true, "id": id}))
        }
        FaultAction::Error {
            status,
            probability,
            path,
            retry_after,
            cluster,
            duration,
        } => {
            if !(400..=599).contains(status) {
                return Err(format!("status [{status}] is not an error status"));
            }
            let c = cluster
                .as_ref()
                .map(|_| cluster_index(world, cluster))
                .transpose()?;
            let id = world.faults.alloc_id();
            world.faults.rules.push(HttpRule {
                id,
                latency_ms: 0,
                status: Some(*status),
                probability: probability.clamp(0.0, 1.0),
                path: path.clone(),
                retry_after: *retry_after,
                cluster: c,
            });
            schedule_end(world, duration, FaultAction::RemoveRule { id })?;
            Ok(json!({"acknowledged": true, "id": id}))
        }
        FaultAction::RemoveRule { id } => {
            world.faults.rules.retain(|r| r.id != *id);
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::ClearRules {} => {
            world.faults.rules.clear();
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::NodeDown {
            node,
            cluster,
            duration,
        } => {
            let c = cluster_index(world, cluster)?;
            super::alloc::set_node_up(world, c, node, false)?;
            schedule_end(
                world,
                duration,
                FaultAction::NodeUp {
                    node: node.clone(),
                    cluster: cluster.clone(),
                },
            )?;
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::NodeUp { node, cluster } => {
            let c = cluster_index(world, cluster)?;
            super::alloc::set_node_up(world, c, node, true)?;
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::DiskFill {
            node,
            percent,
            cluster,
        } => {
            let c = cluster_index(world, cluster)?;
            let now = world.now;
            super::alloc::refresh_disk(&mut world.clusters[c], now);
            let cl = &mut world.clusters[c];
            let n = cl
                .node_index(node)
                .ok_or_else(|| format!("unknown node [{node}]"))?;
            let nd = &mut cl.nodes[n];
            let want = (nd.disk_total as f64 * percent.clamp(0.0, 100.0) / 100.0) as u64;
            nd.disk_other = want.saturating_sub(nd.shard_bytes);
            super::alloc::monitor(world, c);
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::LeaderOutage { mode, duration } => {
            let now = world.now;
            let leader = &mut world.clusters[0];
            match mode.as_str() {
                "refuse" => leader.refusing = true,
                "503" => leader.unavailable = true,
                other => return Err(format!("unknown outage mode [{other}], use refuse or 503")),
            }
            leader.outage_since.get_or_insert(now);
            schedule_end(world, duration, FaultAction::LeaderRestore {})?;
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::LeaderRestore {} => {
            let leader = &mut world.clusters[0];
            leader.refusing = false;
            leader.unavailable = false;
            leader.outage_since = None;
            Ok(json!({"acknowledged": true}))
        }
        FaultAction::Saturate {
            pool,
            node,
            cluster,
            duration,
        } => {
            let c = cluster_index(world, cluster)?;
            let until = match duration {
                Some(d) => {
                    world.now + parse_time_ms(d).ok_or_else(|| format!("invalid duration [{d}]"))?
                }
                None => i64::MAX,
            };
            let cl = &mut world.clusters[c];
            let mut hit = 0;
            for n in cl.nodes.iter_mut() {
                if node
                    .as_ref()
                    .is_some_and(|want| *want != n.name && *want != n.id)
                {
                    continue;
                }
                let size = n.pool(pool).map(|p| (p.size, p.queue_size));
                if let (Some((size, qs)), Some(p)) = (size, n.pool_mut(pool)) {
                    p.saturated_until = Some(until);
                    p.active = size;
                    p.queue = qs.max(0) as u64;
                    hit += 1;
                }
            }
            if hit == 0 {
                return Err(format!("no node has thread pool [{pool}]"));
            }
            Ok(json!({"acknowledged": true}))
        }
    }
}
