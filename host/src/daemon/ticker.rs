//! Per-tick housekeeping, once per host interval: reset budgets and retry budgets, refresh
//! the breaker's inputs from the snapshot, apply ISM pause windows, publish queue depth and
//! the cluster gauges.
use std::sync::Arc;

use tokio::sync::watch;
use tracing::debug;

use crate::cluster::ClusterApi;
use crate::reconcile::SchedulerHandle;

use super::build::publish;
use super::Host;

pub(super) fn spawn(
    host: Arc<Host>,
    sched: SchedulerHandle,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let period = host.config.resolved.tick_period;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                _ = every.tick() => tick(&host, &sched, period).await,
            }
        }
    })
}

async fn tick(host: &Host, sched: &SchedulerHandle, period: std::time::Duration) {
    host.budgets.reset_all();
    // The scheduler loop beats on its own; /healthz sees it through here.
    if sched.heartbeat().elapsed() < period * 3 {
        host.health.heartbeat();
    }
    host.metrics.set_queue_depth(sched.queue_depth());
    for c in host.clusters.values() {
        c.http.start_tick();
        // Reading through the snapshot feeds the breaker (its observer) and costs nothing
        // extra when a plugin already read this tick.
        let health = c.snapshot.health().await;
        let pools = c.snapshot.thread_pools().await;
        c.breaker
            .record_transport_result(health.is_ok() && pools.is_ok());
        publish(&c.breaker, &host.metrics, &c.name);
        let stats = c.http.stats();
        host.metrics.set_http_stats(&stats);
        if let Some(p) = &c.ism_pauser {
            if let Err(e) = p.tick(host.options.clock.now_ms()).await {
                debug!(cluster = %c.name, error = %e, "ISM pause window");
            }
        }
    }
    host.gauges
        .refresh(
            host.clusters.values(),
            &host.metrics,
            host.options.clock.now_ms(),
        )
        .await;
}
