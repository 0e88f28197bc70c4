//! ccr-failover: health-gated, fenced, exactly-once failover to the CCR follower.
//! See README.md for the configuration and the decisions.

mod logic;

use lifeguard_sdk::types::{AliasAction, AliasAdd, ReplicationState};
use lifeguard_sdk::{
    log, metrics, reason, state, Action, Capability, Cluster, Context, Plugin, PluginInfo,
    ReconcileError,
};
use logic::{Config, Decision, Persist, Phase};

const KEY: &str = "failover";

struct CcrFailover;

fn save(p: &Persist) -> Result<(), ReconcileError> {
    state::set_json(KEY, p).map_err(ReconcileError::from)
}

/// Follower indices that are still replicating (anything but `not-in-progress`).
fn replicating(follower: &Cluster, pattern: &str) -> Result<Vec<String>, ReconcileError> {
    let mut out = Vec::new();
    for row in follower.indices(pattern)? {
        if row.index.starts_with('.') {
            continue;
        }
        match follower.ccr().status(&row.index) {
            Ok(s) if s.state != ReplicationState::NotInProgress => out.push(row.index),
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

fn plan(cfg: &Config, follower: &Cluster) -> Result<String, ReconcileError> {
    let idx = replicating(follower, &cfg.follower_pattern)?;
    Ok(format!(
        "stop replication of {:?} on {}, move write alias(es) {:?} to the follower",
        idx, cfg.follower_cluster, cfg.write_aliases
    ))
}

/// Run (or resume) the failover steps; `p` already holds the fencing token in `state`.
fn run_failover(
    cfg: &Config,
    follower: &Cluster,
    p: &mut Persist,
) -> Result<String, ReconcileError> {
    let Some(f) = p.failover.clone() else {
        return Ok(String::new());
    };
    let token = f.token.clone();
    if f.phase == Phase::Stopping {
        for index in replicating(follower, &cfg.follower_pattern)? {
            reason(format!(
                "ccr-failover [{token}]: leader {} lost for {} ticks; stop replication of {index} (follower becomes writable)",
                cfg.leader_cluster, p.bad_ticks
            ));
            match follower.ccr().stop(&index) {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
            if let Some(f) = p.failover.as_mut() {
                f.stopped.push(index);
            }
            save(p)?;
        }
        if let Some(f) = p.failover.as_mut() {
            f.phase = Phase::MovingAliases;
        }
        save(p)?;
    }
    let followers: Vec<String> = follower
        .indices(&cfg.follower_pattern)?
        .into_iter()
        .map(|r| r.index)
        .collect();
    for alias in &cfg.write_aliases {
        let entries = follower.aliases(alias)?;
        let Some(target) = logic::pick_write_index(alias, &entries, &followers) else {
            log::error(format!(
                "ccr-failover [{token}]: no follower index for write alias {alias}"
            ));
            continue;
        };
        let mut actions: Vec<AliasAction> = entries
            .iter()
            .filter(|e| e.alias == *alias && e.index != target && e.is_write_index == Some(true))
            .map(|e| {
                AliasAction::Add(AliasAdd {
                    index: e.index.clone(),
                    alias: alias.clone(),
                    is_write_index: Some(false),
                })
            })
            .collect();
        actions.push(AliasAction::Add(AliasAdd {
            index: target.clone(),
            alias: alias.clone(),
            is_write_index: Some(true),
        }));
        reason(format!(
            "ccr-failover [{token}]: move write alias {alias} to {target} on {}",
            cfg.follower_cluster
        ));
        follower.update_aliases(&actions)?;
    }
    let stopped = p.failover.as_ref().map_or(0, |f| f.stopped.len());
    if let Some(f) = p.failover.as_mut() {
        f.phase = Phase::Done;
    }
    save(p)?;
    metrics::inc("failovers_total", &[("leader", &cfg.leader_cluster)]);
    log::warn(format!(
        "ccr-failover [{token}]: failed over from {} to {}; failback is manual",
        cfg.leader_cluster, cfg.follower_cluster
    ));
    Ok(format!(
        "FAILED OVER [{token}]: stopped {stopped} follower(s), write alias(es) {:?} now on {}",
        cfg.write_aliases, cfg.follower_cluster
    ))
}

fn reverse(ctx: &Context, cfg: &Config, p: &mut Persist) -> Result<String, ReconcileError> {
    let (Some(r), Some(f)) = (&cfg.reverse, p.failover.clone()) else {
        return Ok(String::new());
    };
    let leader = ctx.cluster_named(&cfg.leader_cluster)?;
    let mut started = 0;
    for index in f.stopped.iter().filter(|i| !f.reverse_started.contains(i)) {
        let target = format!("{index}{}", r.suffix);
        reason(format!(
            "ccr-failover [{}]: old leader back; start reverse replication {index} -> {}:{target}",
            f.token, cfg.leader_cluster
        ));
        leader.ccr().start(&target, &r.remote_alias, index, None)?;
        if let Some(f) = p.failover.as_mut() {
            f.reverse_started.push(index.clone());
        }
        save(p)?;
        started += 1;
    }
    Ok(format!(
        "started reverse replication for {started} index(es)"
    ))
}

impl Plugin for CcrFailover {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "ccr-failover",
            env!("CARGO_PKG_VERSION"),
            "Fails over to the CCR follower exactly once when the leader is lost",
        )
        .with_capabilities(&[
            Capability::ClusterRead,
            Capability::ClusterWrite,
            Capability::CcrRead,
            Capability::CcrWrite,
            Capability::Metrics,
            Capability::State,
        ])
    }

    fn reconcile(ctx: &Context) -> Result<Action, ReconcileError> {
        let cfg = Config::parse(ctx.config_json())?;
        let leader = ctx.cluster_named(&cfg.leader_cluster)?;
        let follower = ctx.cluster_named(&cfg.follower_cluster)?;
        let prev: Persist = state::get_json(KEY)?.unwrap_or_default();

        let health = leader.health();
        let bad = logic::leader_bad(health.as_ref().map(|h| h.status), cfg.red_is_lost);
        let seed = format!("{}/{}", ctx.tenant(), ctx.plugin());
        let (mut next, decision) = logic::decide(&prev, bad, &cfg, ctx.now_ms(), &seed);
        // Persist first: the fencing token is durable before any mutation.
        if next != prev {
            save(&next)?;
        }
        metrics::gauge("leader_bad_ticks", f64::from(next.bad_ticks), &[]);
        let why = match &health {
            Ok(h) => format!("health {}", h.status),
            Err(e) => e.to_string(),
        };
        let summary = match decision {
            Decision::Watch if bad => format!(
                "leader {} bad ({why}) for {}/{} ticks",
                cfg.leader_cluster, next.bad_ticks, cfg.lost_after_ticks
            ),
            Decision::Watch => format!("leader {} ok", cfg.leader_cluster),
            Decision::Plan { first } => {
                let plan = plan(&cfg, &follower)?;
                if first {
                    metrics::inc("alerts_total", &[("kind", "leader_lost")]);
                }
                log::warn(format!(
                    "ccr-failover: leader lost ({why}); auto=false, plan: {plan}"
                ));
                format!("leader lost ({why}); auto=false, failover NOT performed. Plan: {plan}")
            }
            Decision::Begin { .. } | Decision::Continue => {
                run_failover(&cfg, &follower, &mut next)?
            }
            Decision::Done { reverse: true } => reverse(ctx, &cfg, &mut next)?,
            Decision::Done { reverse: false } => {
                let token = next.failover.as_ref().map_or("", |f| f.token.as_str());
                format!("failed over [{token}]; never fails back automatically")
            }
        };
        Ok(Action::done(summary))
    }
}

lifeguard_sdk::plugin!(CcrFailover);
