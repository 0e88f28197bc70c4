//! ccr-guard: keeps ISM and CCR consistent on a leader/follower pair.
//! See README.md for the configuration and the decisions.

mod logic;

use lifeguard_sdk::types::{AliasAction, AliasAdd, ReplicationState};
use lifeguard_sdk::units::{format_duration_ms, format_size, parse_size};
use lifeguard_sdk::{
    log, metrics, policy, reason, state, Action, Capability, Cluster, Context, Plugin, PluginInfo,
    ReconcileError,
};
use logic::{Config, FollowerState, PauseDecision, SizeMove, SizeState};
use serde_json::{json, Value};

struct CcrGuard;

fn policy_body(c: &Cluster, id: &str) -> Result<Value, ReconcileError> {
    let doc = c.ism().get_policy(id)?;
    let v: Value = serde_json::from_str(&doc.body)
        .map_err(|e| ReconcileError::transient(format!("policy {id} body: {e}")))?;
    Ok(policy::unwrap_policy(&v).clone())
}

fn generation(index: &str) -> Option<u64> {
    let (_, d) = index.rsplit_once('-')?;
    d.parse().ok()
}

impl Plugin for CcrGuard {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "ccr-guard",
            env!("CARGO_PKG_VERSION"),
            "Keeps ISM and CCR consistent: lag-aware gates and thresholds, resumes, alias repair",
        )
        .with_capabilities(&[
            Capability::ClusterRead,
            Capability::ClusterWrite,
            Capability::IsmRead,
            Capability::IsmWrite,
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
        let now = ctx.now_ms();
        let mut notes = Vec::new();

        // A follower auto-paused because its leader is gone cannot catch up: resuming it only
        // re-pauses it and spends mutations. Hold resumes (and leader writes) until the
        // leader answers; failing over is ccr-failover's decision, not ours.
        let leader_up = match leader.health() {
            Ok(_) => true,
            Err(e) if e.is_unreachable() => false,
            Err(e) => return Err(e.into()),
        };

        // 1. Followers: lag, pauses, failures.
        let mut worst_lag = 0u64;
        let (mut resumed, mut held, mut failed, mut followers) = (0, 0, 0, 0);
        for row in follower.indices(&cfg.follower_pattern)? {
            if row.index.starts_with('.') {
                continue;
            }
            let index = row.index;
            let status = match follower.ccr().status(&index) {
                Ok(s) => s,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            };
            if matches!(
                status.state,
                ReplicationState::NotInProgress | ReplicationState::Stopped
            ) {
                continue;
            }
            followers += 1;
            let key = format!("f/{index}");
            let mut st: FollowerState = state::get_json(&key).unwrap_or(None).unwrap_or_default();
            let labels = [("index", index.as_str())];
            match status.state {
                ReplicationState::Paused => {
                    let since = *st.paused_since.get_or_insert(now);
                    let paused_for = now.saturating_sub(since);
                    let transient = logic::transient_pause(status.reason.as_deref());
                    let why = status.reason.clone().unwrap_or_default();
                    match logic::pause_decision(transient, paused_for, &cfg) {
                        PauseDecision::Resume if !leader_up => held += 1,
                        PauseDecision::LeaseExpired if cfg.force_resume_expired && !leader_up => {
                            held += 1;
                        }
                        PauseDecision::Resume => {
                            reason(format!("ccr-guard: resume {index}, auto-paused {} ago ({why}), before the {} retention lease expires", format_duration_ms(paused_for), format_duration_ms(cfg.lease)));
                            follower.ccr().resume(&index, false)?;
                            metrics::inc("resumes_total", &labels);
                            resumed += 1;
                        }
                        PauseDecision::LeaseExpired if cfg.force_resume_expired => {
                            reason(format!("ccr-guard: force-resume {index}: paused {} (lease {}), a plain resume would fail", format_duration_ms(paused_for), format_duration_ms(cfg.lease)));
                            follower.ccr().resume(&index, true)?;
                            metrics::inc("resumes_total", &labels);
                            resumed += 1;
                        }
                        PauseDecision::LeaseExpired => {
                            metrics::inc(
                                "alerts_total",
                                &[("kind", "lease_expiring"), ("index", &index)],
                            );
                            log::error(format!("ccr-guard: {index} paused {}; retention lease (nearly) expired, resume needs force_resume", format_duration_ms(paused_for)));
                        }
                        PauseDecision::Wait | PauseDecision::Leave => {}
                    }
                }
                ReplicationState::Failed => {
                    failed += 1;
                    metrics::inc(
                        "alerts_total",
                        &[("kind", "follower_failed"), ("index", &index)],
                    );
                    log::error(format!(
                        "ccr-guard: follower {index} FAILED: {}",
                        status.reason.clone().unwrap_or_default()
                    ));
                }
                _ => {
                    st.paused_since = None;
                    if let (Some(l), Some(f)) =
                        (status.leader_checkpoint, status.follower_checkpoint)
                    {
                        let lag = logic::observe(&mut st, now, l, f, cfg.lag_window);
                        metrics::gauge("ccr_lag_ops", (l - f).max(0) as f64, &labels);
                        metrics::gauge("ccr_lag_seconds", (lag / 1000) as f64, &labels);
                    }
                }
            }
            worst_lag = worst_lag.max(logic::max_lag(&st));
            state::set_json(&key, &st)?;
        }
        metrics::gauge("followers_failed", f64::from(failed), &[]);
        notes.push(format!(
            "{followers} followers, max lag {}",
            format_duration_ms(worst_lag)
        ));
        if resumed > 0 {
            notes.push(format!("resumed {resumed}"));
        }
        if failed > 0 {
            notes.push(format!("{failed} FAILED"));
        }
        if !leader_up {
            log::warn(format!(
                "ccr-guard: leader {} unreachable; {held} paused followers held",
                cfg.leader_cluster
            ));
            notes.push(format!(
                "leader {} unreachable: {held} resumes held, policies untouched",
                cfg.leader_cluster
            ));
            return Ok(Action::done(notes.join("; ")));
        }

        // 2. Leader policy: transition gate above max lag + job interval; lag-driven sizes.
        let mut leader_body = None;
        if let Some(id) = &cfg.leader_policy_id {
            let mut body = policy_body(&leader, id)?;
            let required = logic::required_gate(worst_lag, &cfg);
            let mut why = Vec::new();
            if logic::raise_gates(&mut body, required) > 0 {
                why.push(format!(
                    "transition gate raised to {} (max lag {} + job interval)",
                    format_duration_ms(required),
                    format_duration_ms(worst_lag)
                ));
            }
            if let Some(interval) = logic::rollover_interval(&body, &cfg) {
                let mut sizes: SizeState =
                    state::get_json("sizes").unwrap_or(None).unwrap_or_default();
                let mv = logic::size_move(worst_lag, interval, &sizes, now, &cfg);
                if mv != SizeMove::Hold {
                    let state_name = policy::states_with_action(&body, "rollover")
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    let mut changed = Vec::new();
                    if let Some(r) = policy::rollover_mut(&mut body, &state_name) {
                        for k in logic::SIZE_KEYS {
                            let Some(cur) = r
                                .get(*k)
                                .and_then(Value::as_str)
                                .and_then(|s| parse_size(s).ok())
                            else {
                                continue;
                            };
                            let orig = match sizes.original.iter().find(|(n, _)| n == k) {
                                Some((_, o)) => *o,
                                None => {
                                    sizes.original.push(((*k).to_string(), cur));
                                    cur
                                }
                            };
                            let next = logic::next_size(cur, orig, mv, &cfg);
                            if next != cur {
                                r.insert((*k).to_string(), json!(format_size(next)));
                                changed.push(format!(
                                    "{k} {} -> {}",
                                    format_size(cur),
                                    format_size(next)
                                ));
                            }
                        }
                    }
                    if !changed.is_empty() {
                        sizes.last_change_ms = now;
                        metrics::inc("threshold_changes_total", &[("policy", id)]);
                        why.push(format!(
                            "lag {} vs rollover interval {}: {}",
                            format_duration_ms(worst_lag),
                            format_duration_ms(interval),
                            changed.join(", ")
                        ));
                    }
                    if mv == SizeMove::Restore && changed.is_empty() {
                        sizes = SizeState::default();
                    }
                    state::set_json("sizes", &sizes)?;
                }
            }
            if !why.is_empty() {
                reason(format!("ccr-guard: leader policy {id}: {}", why.join("; ")));
                leader.ism().ensure_policy(id, &body)?;
                notes.push(why.join("; "));
            }
            leader_body = Some(body);
        }

        // 3. Follower policy keeps the leader's min_index_age.
        if let (Some(fid), Some(lbody)) = (&cfg.follower_policy_id, &leader_body) {
            let mut fbody = policy_body(&follower, fid)?;
            if logic::copy_gates(lbody, &mut fbody) > 0 {
                reason(format!(
                    "ccr-guard: follower policy {fid}: align min_index_age with the leader's"
                ));
                follower.ism().ensure_policy(fid, &fbody)?;
                notes.push(format!("follower policy {fid} aligned"));
            }
        }

        // 4. Write flags on the follower after an auto-followed rollover.
        for alias in &cfg.write_aliases {
            let entries = follower.aliases(alias)?;
            let on: Vec<_> = entries.iter().filter(|e| e.alias == *alias).collect();
            let flagged = on.iter().filter(|e| e.is_write_index == Some(true)).count();
            if on.len() < 2 || flagged == 1 {
                continue;
            }
            let Some(newest) = on
                .iter()
                .max_by_key(|e| (generation(&e.index), e.index.clone()))
            else {
                continue;
            };
            let actions: Vec<AliasAction> = on
                .iter()
                .map(|e| {
                    AliasAction::Add(AliasAdd {
                        index: e.index.clone(),
                        alias: alias.clone(),
                        is_write_index: Some(e.index == newest.index),
                    })
                })
                .collect();
            reason(format!(
                "ccr-guard: alias {alias} on {} has {flagged} write indices; flag {} only",
                cfg.follower_cluster, newest.index
            ));
            follower.update_aliases(&actions)?;
            metrics::inc("alias_repairs_total", &[("alias", alias)]);
            notes.push(format!("repaired alias {alias}"));
        }

        Ok(Action::done(notes.join("; ")))
    }
}

lifeguard_sdk::plugin!(CcrGuard);
