//! rollover-tuner: sizes ISM rollover thresholds from measured ingest velocity.
//! See README.md for the configuration and the decisions.

mod logic;

use std::collections::BTreeMap;

use lifeguard_sdk::units::{format_duration_ms, format_size};
use lifeguard_sdk::{
    log, metrics, reason, state, Action, Capability, Context, Plugin, PluginInfo, ReconcileError,
};
use logic::{AliasState, Config, IndexSample, Thresholds};

const APPLIED_KEY: &str = "applied";
/// Requeue soon while managed indices are still behind the policy.
const SYNC_REQUEUE_MS: u64 = 15_000;

struct RolloverTuner;

impl Plugin for RolloverTuner {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "rollover-tuner",
            env!("CARGO_PKG_VERSION"),
            "Sizes ISM rollover thresholds from measured ingest velocity",
        )
        .with_capabilities(&[
            Capability::ClusterRead,
            Capability::IsmRead,
            Capability::IsmWrite,
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

        // 1. Measure each write alias.
        let mut fastest: Option<f64> = None;
        let mut replicated = false;
        for alias in &cfg.write_aliases {
            let entries = cluster.aliases(alias)?;
            if entries.is_empty() {
                log::warn(format!("write alias {alias} not found"));
                continue;
            }
            let names: Vec<&str> = entries.iter().map(|e| e.index.as_str()).collect();
            let rows = cluster.indices(&names.join(","))?;
            let write = entries
                .iter()
                .find(|e| e.is_write_index == Some(true))
                .or(if entries.len() == 1 {
                    entries.first()
                } else {
                    None
                })
                .map(|e| e.index.as_str());
            let write_row = write.and_then(|w| rows.iter().find(|r| r.index == w));
            let primaries = write_row.map_or(1, |r| r.primaries);
            replicated |= write_row.is_some_and(|r| r.replicas > 0);
            let current: BTreeMap<String, IndexSample> = rows
                .iter()
                .map(|r| {
                    (
                        r.index.clone(),
                        IndexSample {
                            docs: r.docs_count.unwrap_or(0),
                            bytes: r.primary_store_bytes.unwrap_or(0),
                            created_ms: r.creation_date_ms.unwrap_or(0),
                        },
                    )
                })
                .collect();
            let key = format!("alias/{alias}");
            let prev: Option<AliasState> = state::get_json(&key).unwrap_or_else(|e| {
                log::warn(format!("discarding unreadable sample: {e}"));
                None
            });
            let (next, _measured) = logic::update(prev.as_ref(), now, current, primaries, &cfg);
            state::set_json(&key, &next)?;
            if let Some(v) = next.shard_bytes_h {
                metrics::gauge("ingest_shard_bytes_per_hour", v, &[("alias", alias)]);
                fastest = Some(fastest.map_or(v, |f: f64| f.max(v)));
            }
            if let Some(d) = next.docs_h {
                metrics::gauge("ingest_docs_per_hour", d, &[("alias", alias)]);
            }
        }

        let Some(velocity) = fastest else {
            return Ok(Action::requeue_after_ms(
                cfg.min_sample_interval,
                "collecting ingest samples (need two)",
            ));
        };

        // 2. Decide, with hysteresis.
        let next = logic::thresholds(&cfg, velocity, replicated);
        let applied: Option<Thresholds> = state::get_json(APPLIED_KEY).unwrap_or(None);
        let age = format_duration_ms(next.min_index_age_ms);
        let mut summary = String::new();
        let in_force = if logic::should_apply(applied.as_ref(), &next, cfg.hysteresis_pct) {
            let body = logic::render(&cfg, &next)?;
            let from = applied.as_ref().map_or("none".to_string(), |a| {
                format_duration_ms(a.min_index_age_ms)
            });
            reason(format!(
                "rollover-tuner: ingest {:.0} MB/h per primary shard; min_index_age {from} -> {age}, min_primary_shard_size {}{}",
                velocity / 1_048_576.0,
                format_size(next.min_primary_shard_size),
                if replicated { " (capped for replicated indices)" } else { "" }
            ));
            let result = cluster.ism().ensure_policy(&cfg.policy_id, &body)?;
            state::set_json(APPLIED_KEY, &next)?;
            metrics::inc("threshold_changes_total", &[("policy", &cfg.policy_id)]);
            summary.push_str(&format!("min_index_age {from} -> {age} ({result:?}); "));
            next
        } else {
            let kept = applied.unwrap_or(next);
            summary.push_str(&format!(
                "min_index_age stays {} (computed {age}, within hysteresis); ",
                format_duration_ms(kept.min_index_age_ms)
            ));
            kept
        };
        metrics::gauge(
            "min_index_age_seconds",
            (in_force.min_index_age_ms / 1000) as f64,
            &[("policy", &cfg.policy_id)],
        );

        // 3. Bring managed indices onto the current policy, in bounded batches.
        reason(format!(
            "rollover-tuner: sync indices managed by {} to its current version",
            cfg.policy_id
        ));
        let sync = cluster.ism().sync_managed(&cfg.policy_id, cfg.sync_batch)?;
        if !sync.changed.is_empty() {
            metrics::counter(
                "change_policy_total",
                sync.changed.len() as u64,
                &[("policy", &cfg.policy_id)],
            );
        }
        summary.push_str(&format!(
            "change_policy sent to {}, {} remaining",
            sync.changed.len(),
            sync.remaining
        ));
        Ok(if sync.remaining > 0 {
            Action::requeue_after_ms(SYNC_REQUEUE_MS, summary)
        } else {
            Action::done(summary)
        })
    }
}

lifeguard_sdk::plugin!(RolloverTuner);
