//! The status page's data, refreshed from the scheduler, registry, breakers and audit, and
//! the telemetry listener that serves it.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::guard::Phase;
use crate::reconcile::{JobState as SchedState, JobStatus, SchedulerHandle};
use crate::telemetry::{
    self, AuditLine, BreakerState, BreakerStatus, ClusterStatus, JobState, PluginStatus,
    ProcessInfo, StatusBoard, StatusSnapshot, TelemetryState, TenantStatus,
};

use super::{Host, StartError};

/// How often the page's data is rebuilt.
const REFRESH: Duration = Duration::from_millis(500);
/// Audit lines shown.
const AUDIT_LINES: usize = 50;

fn job_state(s: SchedState) -> JobState {
    match s {
        SchedState::Idle => JobState::Idle,
        SchedState::Queued => JobState::Queued,
        SchedState::Running => JobState::Running,
        SchedState::Backoff => JobState::Backoff,
        SchedState::Parked => JobState::Parked,
        SchedState::Quarantined => JobState::Quarantined,
    }
}

/// Build the snapshot from the current state of everything.
pub(crate) fn snapshot(host: &Host, jobs: &[JobStatus]) -> StatusSnapshot {
    let now = Instant::now();
    let last_runs = host.last_runs.lock().map(|m| m.clone()).unwrap_or_default();
    let mut tenants: Vec<TenantStatus> = host
        .tenants
        .iter()
        .map(|(name, t)| TenantStatus {
            name: name.clone(),
            plugins: t
                .config
                .plugins
                .iter()
                .map(|p| {
                    let job = jobs
                        .iter()
                        .find(|j| &*j.id.tenant == name && *j.id.plugin == p.name);
                    let v = host.registry.get(p.file.get_ref());
                    PluginStatus {
                        name: p.name.clone(),
                        file: p.file.get_ref().clone(),
                        version_hash: v
                            .as_ref()
                            .map(|v| v.version().to_string())
                            .unwrap_or_default(),
                        version: v
                            .as_ref()
                            .map(|v| v.info.version.clone())
                            .unwrap_or_default(),
                        state: job.map(|j| job_state(j.state)).unwrap_or_default(),
                        last: last_runs.get(&(name.clone(), p.name.clone())).cloned(),
                        next_run_ms: job
                            .and_then(|j| j.next_run)
                            .map(|n| n.saturating_duration_since(now).as_millis() as u64),
                        consecutive_failures: job.map(|j| j.consecutive_failures).unwrap_or(0),
                    }
                })
                .collect(),
        })
        .collect();
    tenants.sort_by(|a, b| a.name.cmp(&b.name));
    let mut breakers: Vec<BreakerStatus> = host
        .clusters
        .values()
        .map(|c| {
            let s = c.breaker.state();
            BreakerStatus {
                cluster: c.name.clone(),
                state: match s.state {
                    Phase::Closed => BreakerState::Closed,
                    Phase::Open => BreakerState::Open,
                    Phase::HalfOpen => BreakerState::HalfOpen,
                },
                reason: s.reason.unwrap_or_default(),
                since_ms: Some(s.since_ms),
            }
        })
        .collect();
    breakers.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    let mut clusters: Vec<ClusterStatus> = host
        .clusters
        .values()
        .map(|c| ClusterStatus {
            name: c.name.clone(),
            url: c.url.clone(),
            reachable: host.health.was_reached(&c.name),
            health: c
                .snapshot
                .last_health()
                .map(|h| format!("{h:?}").to_lowercase()),
        })
        .collect();
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    let mut audit: Vec<AuditLine> = host
        .audit
        .recent(AUDIT_LINES)
        .into_iter()
        .map(|a| AuditLine {
            time_ms: a.time_ms,
            tenant: a.tenant,
            plugin: a.plugin,
            cluster: a.cluster,
            verb: a.verb,
            target: a.target,
            outcome: a.outcome.as_str().to_string(),
            reason: a.reason,
        })
        .collect();
    audit.reverse();
    let dry = host.options.force_dry_run || host.config.config.host.dry_run;
    StatusSnapshot {
        process: ProcessInfo::current(host.started, if dry { "dry-run" } else { "live" }),
        tenants,
        breakers,
        clusters,
        audit,
        coordination: host.coord.as_ref().map(|c| c.status()),
    }
}

/// Start the listener (unless disabled) and the task that refreshes its data.
pub(super) async fn serve(
    host: &Arc<Host>,
    sched: &SchedulerHandle,
    stop: watch::Receiver<bool>,
) -> Result<(Option<SocketAddr>, tokio::task::JoinHandle<()>), StartError> {
    let board = StatusBoard::new(snapshot(host, &[]));
    let refresher = {
        let (host, sched, board, mut stop) =
            (host.clone(), sched.clone(), board.clone(), stop.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(REFRESH);
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = every.tick() => {
                        let jobs = sched.status().await.unwrap_or_default();
                        board.set(snapshot(&host, &jobs));
                    }
                }
            }
        })
    };
    let listen = host
        .options
        .telemetry_listen
        .clone()
        .unwrap_or_else(|| host.config.config.host.telemetry_listen.clone());
    if listen.is_empty() {
        return Ok((None, refresher));
    }
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| StartError::Telemetry(format!("host.telemetry_listen [{listen}]: {e}")))?;
    let state = TelemetryState::new(host.metrics.clone(), host.health.clone(), Arc::new(board));
    let mut stop = stop;
    let server = telemetry::serve(addr, state, async move {
        let _ = stop.changed().await;
    })
    .await
    .map_err(|e| StartError::Telemetry(e.to_string()))?;
    Ok((Some(server.local_addr), refresher))
}
