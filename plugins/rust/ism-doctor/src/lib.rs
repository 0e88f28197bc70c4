//! ism-doctor: declared policies, attach, drift sync, bounded retries, pre-flight checks.
//! See README.md for the configuration and the decisions.

mod logic;

use std::collections::BTreeMap;

use lifeguard_sdk::types::EnsureResult;
use lifeguard_sdk::{
    log, metrics, policy, reason, state, Action, Capability, Context, Plugin, PluginInfo,
    ReconcileError,
};
use logic::{Book, Config, RetryDecision};

const RETRIES_KEY: &str = "retries";
const SYNC_REQUEUE_MS: u64 = 15_000;

struct IsmDoctor;

impl Plugin for IsmDoctor {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "ism-doctor",
            env!("CARGO_PKG_VERSION"),
            "Keeps declared ISM policies applied, attached, in sync and retried",
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
        let ism = cluster.ism();
        let now = ctx.now_ms();
        let mut notes: Vec<String> = Vec::new();

        // 1. Declared policies exist and match.
        let mut written = 0;
        for (id, body) in &cfg.policies {
            reason(format!(
                "ism-doctor: policy {id} as declared in the tenant's config"
            ));
            let r = ism.ensure_policy(id, body)?;
            if r != EnsureResult::Unchanged {
                written += 1;
                let kind = if r == EnsureResult::Created {
                    "created"
                } else {
                    "updated"
                };
                metrics::inc(
                    "policies_written_total",
                    &[("policy", id), ("result", kind)],
                );
            }
        }
        notes.push(format!(
            "{} policies ensured ({written} written)",
            cfg.policies.len()
        ));

        let entries = ism.explain(&cfg.index_pattern)?;

        // 2. Attach unmanaged in-scope indices to the default policy, after pre-flight.
        let mut problems = 0;
        if let Some(default) = &cfg.default_policy {
            let unmanaged: Vec<&str> = entries
                .iter()
                .filter(|e| e.policy_id.is_none() && !e.index.starts_with('.'))
                .map(|e| e.index.as_str())
                .collect();
            if !unmanaged.is_empty() {
                let body = match cfg.policies.get(default) {
                    Some(b) => b.clone(),
                    None => serde_json::from_str(&ism.get_policy(default)?.body).map_err(|e| {
                        ReconcileError::transient(format!("policy {default} body: {e}"))
                    })?,
                };
                let mut ok: Vec<&str> = Vec::new();
                if policy::has_action(&body, "rollover") {
                    let aliases = cluster.aliases("*")?;
                    let rows = cluster.indices(&cfg.index_pattern)?;
                    for index in &unmanaged {
                        let settings = cluster.get_settings(index)?;
                        let created = rows
                            .iter()
                            .find(|r| r.index == *index)
                            .and_then(|r| r.creation_date_ms);
                        let my_aliases: Vec<&str> = aliases
                            .iter()
                            .filter(|a| a.index == *index)
                            .map(|a| a.alias.as_str())
                            .collect();
                        let newest = !aliases.iter().any(|a| {
                            my_aliases.contains(&a.alias.as_str())
                                && a.index != *index
                                && rows
                                    .iter()
                                    .find(|r| r.index == a.index)
                                    .and_then(|r| r.creation_date_ms)
                                    > created
                        });
                        let found = logic::preflight(index, &settings, &aliases, newest);
                        if found.is_empty() {
                            ok.push(index);
                        } else {
                            problems += found.len();
                            let list: Vec<String> = found.iter().map(ToString::to_string).collect();
                            log::warn(format!(
                                "ism-doctor: pre-flight {index}: {}; not attaching {default}",
                                list.join("; ")
                            ));
                        }
                    }
                } else {
                    ok = unmanaged.clone();
                }
                if !ok.is_empty() {
                    reason(format!(
                        "ism-doctor: attach unmanaged in-scope indices to default policy {default}"
                    ));
                    let report = ism.attach(&ok.join(","), default)?;
                    if !report.attached.is_empty() {
                        metrics::counter(
                            "attached_total",
                            report.attached.len() as u64,
                            &[("policy", default)],
                        );
                    }
                    notes.push(format!("attached {}", report.attached.len()));
                }
            }
        }
        metrics::gauge("preflight_problems", problems as f64, &[]);
        if problems > 0 {
            notes.push(format!("{problems} pre-flight problem(s)"));
        }

        // 3. Drift: managed indices running a stale copy of a declared policy.
        let mut remaining = 0;
        for id in cfg.policies.keys() {
            reason(format!(
                "ism-doctor: indices run a stale copy of {id} (policy_seq_no behind)"
            ));
            let r = ism.sync_managed(id, cfg.sync_batch)?;
            if !r.changed.is_empty() {
                metrics::counter(
                    "change_policy_total",
                    r.changed.len() as u64,
                    &[("policy", id)],
                );
                notes.push(format!("change_policy {} on {id}", r.changed.len()));
            }
            remaining += r.remaining;
        }

        // 4. Bounded retries of transient failures.
        let mut books: BTreeMap<String, Book> = state::get_json(RETRIES_KEY)
            .unwrap_or(None)
            .unwrap_or_default();
        let failed: Vec<_> = entries.iter().filter(|e| logic::is_failed(e)).collect();
        books.retain(|i, _| failed.iter().any(|e| &e.index == i));
        let (mut retried, mut exhausted, mut reported) = (0, 0, 0);
        for e in &failed {
            let transient = logic::is_transient(
                e.info_message.as_deref(),
                e.info_cause.as_deref(),
                &cfg.transient_patterns,
            );
            let book = books.get(&e.index).copied().unwrap_or_default();
            let msg = e.info_message.as_deref().unwrap_or("");
            match logic::retry_decision(transient, book, now, &cfg) {
                RetryDecision::Retry => {
                    reason(format!(
                        "ism-doctor: retry {} after transient failure ({}/{}): {msg}",
                        e.index,
                        book.retries + 1,
                        cfg.max_retries
                    ));
                    ism.retry(&e.index, None)?;
                    books.insert(
                        e.index.clone(),
                        Book {
                            retries: book.retries + 1,
                            last_ms: now,
                        },
                    );
                    metrics::inc("retries_total", &[]);
                    retried += 1;
                }
                RetryDecision::Wait(_) => {}
                RetryDecision::Exhausted => {
                    exhausted += 1;
                    log::error(format!(
                        "ism-doctor: {} still failed after {} retries: {msg}",
                        e.index, book.retries
                    ));
                }
                RetryDecision::Report => {
                    reported += 1;
                    log::warn(format!(
                        "ism-doctor: {} failed, not transient, needs a fix: {msg}",
                        e.index
                    ));
                }
            }
        }
        state::set_json(RETRIES_KEY, &books)?;
        metrics::gauge("failed_indices", failed.len() as f64, &[]);
        metrics::gauge("retry_budget_exhausted", f64::from(exhausted), &[]);
        if !failed.is_empty() {
            notes.push(format!(
                "{} failed: {retried} retried, {exhausted} exhausted, {reported} need a fix",
                failed.len()
            ));
        }

        let summary = notes.join("; ");
        Ok(if remaining > 0 {
            Action::requeue_after_ms(SYNC_REQUEUE_MS, summary)
        } else {
            Action::done(summary)
        })
    }
}

lifeguard_sdk::plugin!(IsmDoctor);
