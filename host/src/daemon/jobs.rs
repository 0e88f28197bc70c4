//! Keeping the scheduler's jobs in step with the config and the registry.
use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};
use tracing::warn;

use crate::reconcile::{JobId, JobSpec, SchedulerHandle};
use crate::registry::RegistryEvent;
use crate::telemetry::ReloadResult;

use super::Host;

/// Every plugin file some tenant uses.
pub(super) fn configured_files(host: &Host) -> Vec<String> {
    let mut files: Vec<String> = host
        .tenants
        .values()
        .flat_map(|t| t.config.plugins.iter().map(|p| p.file.get_ref().clone()))
        .collect();
    files.sort();
    files.dedup();
    files
}

/// (Re)declare the jobs that use `file` (all files when `None`) with the live version, for
/// the tenants this replica runs.
fn declare(host: &Host, sched: &SchedulerHandle, file: Option<&str>) {
    declare_for(host, sched, file, &|t| host.runs_tenant(t));
}

fn declare_for(
    host: &Host,
    sched: &SchedulerHandle,
    file: Option<&str>,
    tenant_wanted: &dyn Fn(&str) -> bool,
) {
    for (tname, t) in &host.tenants {
        if !tenant_wanted(tname) {
            continue;
        }
        let cluster = t
            .config
            .clusters
            .first()
            .map(|c| c.get_ref().clone())
            .unwrap_or_default();
        for p in &t.config.plugins {
            let f = p.file.get_ref();
            if file.is_some_and(|x| x != f) {
                continue;
            }
            let Some(v) = host.registry.get(f) else {
                continue;
            };
            let mut spec = JobSpec::new(
                JobId::new(tname.as_str(), p.name.as_str()),
                cluster.as_str(),
                v.version(),
            );
            if let Some(i) = t.intervals.get(&p.name) {
                spec = spec.with_interval(*i);
            }
            host.metrics.set_plugin_version(tname, &p.name, v.version());
            host.metrics.job_started(tname, &p.name);
            if let Err(e) = sched.upsert_job(spec) {
                warn!(tenant = %tname, plugin = %p.name, error = %e, "cannot schedule job");
            }
        }
    }
}

/// Stop the jobs that use `file`.
fn remove(host: &Host, sched: &SchedulerHandle, file: &str) {
    for (tname, t) in &host.tenants {
        for p in t.config.plugins.iter().filter(|p| p.file.get_ref() == file) {
            host.metrics.forget_plugin(tname, &p.name);
            if let Err(e) = sched.remove_job(JobId::new(tname.as_str(), p.name.as_str())) {
                warn!(tenant = %tname, plugin = %p.name, error = %e, "cannot remove job");
            }
        }
    }
}

/// Stop every job of `tenant` (this replica no longer owns it).
fn remove_tenant(host: &Host, sched: &SchedulerHandle, tenant: &str) {
    let Some(t) = host.tenants.get(tenant) else {
        return;
    };
    for p in &t.config.plugins {
        host.metrics.forget_plugin(tenant, &p.name);
        if let Err(e) = sched.remove_job(JobId::new(tenant, p.name.as_str())) {
            warn!(tenant = %tenant, plugin = %p.name, error = %e, "cannot remove job");
        }
    }
}

/// With coordination: start the jobs of tenants this replica takes, stop those it loses.
pub(super) fn follow_ownership(
    host: Arc<Host>,
    sched: SchedulerHandle,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Some(coord) = host.coord.clone() else {
            return;
        };
        let mut owned = coord.owned();
        let mut running: BTreeSet<String> = BTreeSet::new();
        loop {
            let now: BTreeSet<String> = owned.borrow_and_update().clone();
            for t in running.difference(&now) {
                remove_tenant(&host, &sched, t);
            }
            let gained: BTreeSet<String> = now.difference(&running).cloned().collect();
            if !gained.is_empty() {
                // The previous owner may have run the tenant just before it let go: wait one
                // tick, so that no tenant runs twice within one tick across replicas.
                let (host, sched) = (host.clone(), sched.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(host.tick_period()).await;
                    declare_for(&host, &sched, None, &|t| {
                        gained.contains(t) && host.runs_tenant(t)
                    });
                });
            }
            running = now;
            tokio::select! {
                _ = stop.changed() => break,
                r = owned.changed() => if r.is_err() { break },
            }
        }
    })
}

pub(super) fn sync_all(host: &Host, sched: &SchedulerHandle) {
    declare(host, sched, None);
}

/// Apply registry events to the scheduler until `stop`.
pub(super) fn follow_registry(
    host: Arc<Host>,
    sched: SchedulerHandle,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let mut events = host.registry.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                ev = events.recv() => match ev {
                    Ok(RegistryEvent::Loaded { file, .. }) => {
                        host.metrics.plugin_reloaded(ReloadResult::Ok);
                        declare(&host, &sched, Some(&file));
                    }
                    Ok(RegistryEvent::Rejected { .. }) => host.metrics.plugin_reloaded(ReloadResult::Rejected),
                    Ok(RegistryEvent::Removed { file }) => {
                        host.metrics.plugin_reloaded(ReloadResult::Removed);
                        remove(&host, &sched, &file);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        warn!(missed = n, "registry events lagged; re-syncing jobs");
                        declare(&host, &sched, None);
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    })
}
