//! One scheduled run: build the tenant's guarded views, run `reconcile` in the sandbox, and
//! turn the result into a scheduler outcome.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::bindings::types::Context;
use crate::guard::{GuardCtx, Guarded};
use crate::reconcile::{self, JobTicket, RunFn};
use crate::runtime::{self, ReasonCell, RunEnv, RunOutcome, RunReport};

use super::Host;

/// The closure the scheduler calls for every run.
pub(super) fn run_fn(host: Arc<Host>) -> RunFn {
    reconcile::run_fn(move |ticket: JobTicket| {
        let host = host.clone();
        async move {
            let report = run(&host, &ticket).await;
            host.record_run(&ticket.id.tenant, &ticket.id.plugin, &report);
            to_scheduler(report, host.options.time_scale)
        }
    })
}

/// A host-side failure before the plugin could run, as a run report.
fn host_failure(message: String) -> RunReport {
    RunReport {
        outcome: RunOutcome::Transient { message },
        fuel: 0,
        wall: Duration::ZERO,
    }
}

/// Run one job once.
pub(crate) async fn run(host: &Arc<Host>, ticket: &JobTicket) -> RunReport {
    let (tenant_name, plugin_name) = (&*ticket.id.tenant, &*ticket.id.plugin);
    let Some(tenant) = host.tenants.get(tenant_name) else {
        return host_failure(format!("tenant [{tenant_name}] is no longer configured"));
    };
    let Some(entry) = tenant.config.plugins.iter().find(|p| p.name == plugin_name) else {
        return host_failure(format!("plugin [{plugin_name}] is no longer configured"));
    };
    if !host.runs_tenant(tenant_name) {
        return host_failure(format!(
            "ownership lost: this replica no longer owns tenant [{tenant_name}]"
        ));
    }
    let Some(version) = host.registry.get(entry.file.get_ref()) else {
        return host_failure(format!(
            "plugin file [{}] is not loaded",
            entry.file.get_ref()
        ));
    };
    let state = match host.state(tenant_name, plugin_name) {
        Ok(s) => s,
        Err(e) => return host_failure(format!("plugin state: {e}")),
    };
    if let Err(e) = state.prepare().await {
        return host_failure(format!("plugin state: {e}"));
    }
    let dry_run =
        host.options.force_dry_run || host.config.config.host.dry_run || tenant.config.dry_run;
    let reason = ReasonCell::default();
    let budget = host.budgets.tenant(tenant_name);
    let mut clusters = HashMap::new();
    let mut order = Vec::new();
    for alias in &tenant.config.clusters {
        let alias = alias.get_ref();
        let Some(c) = host.clusters.get(alias) else {
            continue;
        };
        let ctx = GuardCtx {
            tenant: tenant_name.to_string(),
            plugin: plugin_name.to_string(),
            plugin_version: version.version().to_string(),
            cluster: alias.clone(),
            grant: tenant.grant.clone(),
            dry_run,
            budget: budget.clone(),
            breaker: c.breaker.clone(),
            windows: tenant.windows.clone(),
            audit: host.audit.clone(),
            backups: Some(host.backups.clone()),
            reason: reason.clone(),
            clock: host.options.clock.clone(),
            fence: host.fence(),
        };
        clusters.insert(alias.clone(), Guarded::wrap(c.api(), ctx));
        order.push(alias.clone());
    }
    let env = RunEnv {
        tenant: tenant_name.to_string(),
        plugin: plugin_name.to_string(),
        clusters,
        cluster_order: order.clone(),
        metrics: host.metrics.clone(),
        state,
        clock: host.options.clock.clone(),
        reason,
    };
    let config = serde_json::to_string(&entry.config).unwrap_or_else(|_| "{}".into());
    let ctx = Context {
        tenant: tenant_name.to_string(),
        plugin: plugin_name.to_string(),
        tick: ticket.tick,
        now_ms: host.options.clock.now_ms(),
        dry_run,
        clusters: order,
        config,
    };
    runtime::reconcile(&host.engine, &version.plugin, env, &host.limits, ctx).await
}

/// The scheduler's view of a run. A plugin's `requeue_after` is in its clock's time; with a
/// sped-up clock (`time_scale` > 1) it becomes that much shorter in real time.
fn to_scheduler(r: RunReport, time_scale: f64) -> reconcile::JobReport {
    let outcome = match &r.outcome {
        RunOutcome::Ok {
            requeue_after_ms, ..
        } => reconcile::JobOutcome::Ok {
            requeue_after: requeue_after_ms.map(|ms| {
                if time_scale > 1.0 && time_scale.is_finite() {
                    Duration::from_secs_f64(ms as f64 / 1000.0 / time_scale)
                } else {
                    Duration::from_millis(ms)
                }
            }),
        },
        RunOutcome::Transient { message } => reconcile::JobOutcome::Transient(message.clone()),
        RunOutcome::Terminal { message } => reconcile::JobOutcome::Terminal(message.clone()),
        RunOutcome::Trap { kind, message } => reconcile::JobOutcome::Trap {
            kind: kind.as_str().to_string(),
            message: message.clone(),
        },
    };
    let mut out = reconcile::JobReport::new(outcome, r.fuel);
    out.wall = r.wall;
    out
}
