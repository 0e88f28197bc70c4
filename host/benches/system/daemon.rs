//! A `lifeguard run` daemon for the benches: its config written beside it (so relative paths
//! and errors read as in production), started without telemetry or hot reload.
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use lifeguard::daemon::{start, HostHandle, HostOptions};

/// Write `config` to `dir/lifeguard.toml` and start a daemon on it.
pub async fn start_daemon(
    dir: &Path,
    config: &str,
    scheduler_seed: Option<u64>,
) -> anyhow::Result<HostHandle> {
    let path = dir.join("lifeguard.toml");
    std::fs::write(&path, config)?;
    let loaded = lifeguard::config::parse_str(&path, config).map_err(|e| anyhow!("{e}"))?;
    let handle = start(
        loaded,
        HostOptions {
            hot_reload: false,
            telemetry_listen: Some(String::new()),
            scheduler_seed,
            ..HostOptions::default()
        },
    )
    .await?;
    Ok(handle)
}

/// Wait until the scheduler holds `jobs` jobs and each has run at least once.
pub async fn wait_every_job_ran(
    host: &HostHandle,
    jobs: usize,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let st = host.scheduler.status().await?;
        if st.len() == jobs && st.iter().all(|j| j.runs >= 1) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(anyhow!(
                "not every one of {jobs} jobs ran within {} s",
                within.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
