//! The host driven by hand, for `lifeguard plan`: built and loaded as [`super::start`] does,
//! but with no scheduler, watcher or telemetry. Each [`tick`] does the ticker's housekeeping
//! and runs every configured job once through the daemon's own [`super::runner`], in config
//! order, so a plan is reproducible and a run means the same thing as in the daemon.
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Loaded;
use crate::reconcile::{JobId, JobTicket};
use crate::runtime::{Engine, EngineConfig, RunReport};

use super::{build, jobs, runner, Host, HostOptions, StartError};

/// One job run of a tick.
#[derive(Debug)]
pub struct JobRun {
    pub tenant: String,
    pub plugin: String,
    pub tick: u64,
    pub report: RunReport,
}

/// Build the host and load every configured plugin. `cache_dir` is the compile cache
/// (`None`: compile in memory only).
pub async fn prepare(
    config: Loaded,
    options: HostOptions,
    cache_dir: Option<PathBuf>,
) -> Result<Arc<Host>, StartError> {
    let engine = Engine::new(&EngineConfig {
        cache_dir,
        ..EngineConfig::default()
    })
    .map_err(|e| StartError::Build(format!("engine: {e:#}")))?;
    let host = Arc::new(build::host(config, options, engine)?);
    for file in jobs::configured_files(&host) {
        if let Err(e) = host.registry.load(&file).await {
            host.engine.shutdown();
            return Err(StartError::Plugin {
                file,
                error: e.to_string(),
            });
        }
    }
    Ok(host)
}

/// Every (tenant, plugin) job, in config order.
pub fn job_list(host: &Host) -> Vec<(String, String)> {
    host.config
        .config
        .tenants
        .iter()
        .flat_map(|t| t.plugins.iter().map(|p| (t.name.clone(), p.name.clone())))
        .collect()
}

/// Tick `tick` (1-based): fresh budgets and reads, then every job once. `before_run` is
/// called with (tenant, plugin) before each run (progress display).
pub async fn tick(
    host: &Arc<Host>,
    tick: u64,
    before_run: &mut (dyn FnMut(&str, &str) + Send),
) -> Vec<JobRun> {
    host.budgets.reset_all();
    for c in host.clusters.values() {
        c.http.start_tick();
        // Reads must see the cluster as it is now, not as the last tick left the cache.
        // The ISM pauser is left alone: pausing ISM is a mutation.
        c.snapshot.invalidate_all().await;
    }
    let mut out = Vec::new();
    for (tenant, plugin) in job_list(host) {
        before_run(&tenant, &plugin);
        let version = host
            .tenants
            .get(&tenant)
            .and_then(|t| t.config.plugins.iter().find(|p| p.name == plugin))
            .and_then(|p| host.registry.get(p.file.get_ref()))
            .map(|v| v.version().to_string())
            .unwrap_or_default();
        let cluster = host
            .tenants
            .get(&tenant)
            .and_then(|t| t.config.clusters.first())
            .map(|c| c.get_ref().clone())
            .unwrap_or_default();
        let ticket = JobTicket {
            id: JobId::new(tenant.as_str(), plugin.as_str()),
            cluster: cluster.as_str().into(),
            tick,
            version: version.as_str().into(),
        };
        let report = runner::run(host, &ticket).await;
        host.record_run(&tenant, &plugin, &report);
        out.push(JobRun {
            tenant,
            plugin,
            tick,
            report,
        });
    }
    out
}
