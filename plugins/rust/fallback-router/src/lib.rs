//! fallback-router: unsticks allocations with a fallback tier, relaxed routing or fewer
//! replicas. See README.md for the configuration and the decisions.

mod logic;

use std::collections::BTreeMap;

use lifeguard_sdk::types::{HealthStatus, StepStatus};
use lifeguard_sdk::{
    log, metrics, reason, state, Action, Capability, Context, Plugin, PluginInfo, ReconcileError,
};
use logic::{Book, Config, Fix, Next};
use serde_json::Value;

const KEY: &str = "tries";
const FOLLOWER_KEY: &str = "index.plugins.replication.follower.leader_index";

struct FallbackRouter;

fn setting<'a>(s: &'a serde_json::Map<String, Value>, k: &str) -> Option<&'a str> {
    s.get(k).and_then(Value::as_str).filter(|v| !v.is_empty())
}

impl Plugin for FallbackRouter {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "fallback-router",
            env!("CARGO_PKG_VERSION"),
            "Reroutes stuck allocations to a fallback tier, relaxes routing or lowers replicas",
        )
        .with_capabilities(&[
            Capability::ClusterRead,
            Capability::ClusterWrite,
            Capability::IsmRead,
            Capability::IsmWrite,
            Capability::CcrWrite,
            Capability::Metrics,
            Capability::State,
        ])
    }

    fn reconcile(ctx: &Context) -> Result<Action, ReconcileError> {
        let cfg = Config::parse(ctx.config_json())?;
        let cluster = match &cfg.cluster {
            Some(c) => ctx.cluster_named(c)?,
            None => ctx.cluster(),
        };
        let now = ctx.now_ms();
        let rows = cluster.indices(&cfg.index_pattern)?;
        let explain = cluster.ism().explain(&cfg.index_pattern)?;

        // Stuck: a failed ISM step, an allocation step still waiting, or a non-green index.
        let mut stuck: BTreeMap<String, (bool, Option<String>)> = BTreeMap::new();
        for e in &explain {
            let failed = e.action.as_ref().is_some_and(|a| a.failed)
                || e.step.as_ref().is_some_and(|s| {
                    matches!(s.step_status, StepStatus::Failed | StepStatus::TimedOut)
                });
            let waiting = e.action.as_ref().is_some_and(|a| a.name == "allocation")
                && e.step
                    .as_ref()
                    .is_some_and(|s| s.step_status == StepStatus::ConditionNotMet);
            if failed || waiting {
                stuck.insert(
                    e.index.clone(),
                    (failed, e.state.as_ref().map(|s| s.name.clone())),
                );
            }
        }
        for r in &rows {
            if r.status == "open"
                && r.health.is_some_and(|h| h != HealthStatus::Green)
                && !r.index.starts_with('.')
            {
                stuck.entry(r.index.clone()).or_insert((false, None));
            }
        }

        let mut books: std::collections::BTreeMap<String, Book> =
            state::get_json(KEY).unwrap_or(None).unwrap_or_default();
        // Verify last tick's fixes: an index no longer stuck is done.
        let mut verified = 0;
        books.retain(|index, b| {
            let keep = stuck.contains_key(index);
            if !keep && b.tries > 0 {
                verified += 1;
                metrics::inc("reroutes_verified_total", &[("index", index)]);
            }
            keep
        });

        let mut nodes = None;
        let (mut fixed, mut gave_up) = (0, 0);
        for (index, (failed, ism_state)) in &stuck {
            let book = books.entry(index.clone()).or_insert(Book {
                first_seen_ms: now,
                tries: 0,
                gave_up: false,
            });
            match logic::next(book, *failed, now, &cfg) {
                Next::Watch | Next::Parked => continue,
                Next::GiveUp => {
                    book.gave_up = true;
                    gave_up += 1;
                    metrics::inc("reroute_giveups_total", &[("index", index)]);
                    reason(format!(
                        "fallback-router: giving up on {index} after {} tries; needs an operator",
                        book.tries
                    ));
                    log::error(format!(
                        "fallback-router: giving up on {index} after {} tries",
                        book.tries
                    ));
                    continue;
                }
                Next::Act => {}
            }
            let row = rows.iter().find(|r| r.index == *index);
            let replicas = row.map_or(0, |r| r.replicas);
            let replicas_only = row.is_some_and(|r| r.health == Some(HealthStatus::Yellow));
            let expl = match cluster.allocation_explain(index, 0, !replicas_only) {
                Ok(e) => e,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            };
            let settings = cluster.get_settings(index)?;
            let follower = setting(&settings, FOLLOWER_KEY).is_some();
            if nodes.is_none() {
                nodes = Some(cluster.nodes()?);
            }
            let room = logic::fallback_ok(
                nodes.as_deref().unwrap_or(&[]),
                &cfg.attribute,
                &cfg.fallback,
                cfg.low_watermark_pct,
            );
            let fix = logic::decide(
                logic::reasons(&expl),
                replicas_only,
                replicas,
                setting(&settings, &cfg.key("require")),
                setting(&settings, &cfg.key("include")),
                room,
                &cfg,
            );
            match fix {
                Fix::Wait(_) => {}
                Fix::Refuse(why) => {
                    book.tries += 1;
                    metrics::inc("reroutes_refused_total", &[("index", index)]);
                    log::warn(format!("fallback-router: {index}: {why}"));
                }
                Fix::Settings(body, what) => {
                    book.tries += 1;
                    reason(format!(
                        "fallback-router: {index} stuck ({}): {what} (try {}/{})",
                        expl.allocate_explanation
                            .clone()
                            .unwrap_or_else(|| expl.current_state.clone()),
                        book.tries,
                        cfg.max_tries
                    ));
                    if follower {
                        cluster.ccr().update_settings(index, &body)?;
                    } else {
                        cluster.put_settings(index, &body)?;
                    }
                    metrics::inc(
                        "reroutes_total",
                        &[
                            ("index", index),
                            ("follower", if follower { "true" } else { "false" }),
                        ],
                    );
                    if *failed {
                        let restart = ism_state.as_ref().and_then(|s| cfg.retry_states.get(s));
                        reason(format!(
                            "fallback-router: retry ISM on {index} after rerouting{}",
                            restart
                                .map(|s| format!(" in state {s}"))
                                .unwrap_or_default()
                        ));
                        cluster.ism().retry(index, restart.map(String::as_str))?;
                    }
                    fixed += 1;
                }
            }
        }
        state::set_json(KEY, &books)?;
        metrics::gauge("stuck_indices", stuck.len() as f64, &[]);
        let summary = format!(
            "{} stuck, {fixed} rerouted, {verified} verified, {gave_up} given up",
            stuck.len()
        );
        // Verify soon after a fix.
        Ok(if fixed > 0 {
            Action::requeue_after_ms(60_000, summary)
        } else {
            Action::done(summary)
        })
    }
}

lifeguard_sdk::plugin!(FallbackRouter);
