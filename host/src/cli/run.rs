//! `lifeguard run --config FILE`: the daemon.
use std::path::PathBuf;

use anyhow::Context as _;
use tokio::signal::unix::{signal, SignalKind};
use tracing::{error, info, warn};

use crate::config::load_file;
use crate::daemon::{start, HostOptions};

/// Run every tenant's plugins against the configured clusters until stopped.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The TOML configuration (see examples/lifeguard.toml).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Record mutations without sending them, for every tenant.
    #[arg(long)]
    pub dry_run: bool,
}

/// Start the host; SIGTERM/SIGINT drain it, SIGHUP reloads the config (validate, then swap;
/// a bad file keeps the running host).
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let options = HostOptions {
        force_dry_run: args.dry_run,
        ..HostOptions::default()
    };
    let loaded = load_file(&args.config)?;
    let grace = loaded.resolved.shutdown_grace;
    let mut handle = start(loaded, options.clone()).await?;
    let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing SIGHUP handler")?;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                match load_file(&args.config) {
                    Ok(next) => {
                        info!(config = %args.config.display(), "SIGHUP: configuration valid, swapping");
                        let old_grace = handle.host.shutdown_grace();
                        let finished = handle.shutdown(old_grace).await;
                        if !finished {
                            warn!("some runs were still in flight at the swap");
                        }
                        handle = start(next, options.clone()).await?;
                    }
                    Err(e) => error!(error = %e, "SIGHUP: configuration rejected; keeping the running one"),
                }
            }
        }
    }
    info!(?grace, "shutting down");
    let audit = handle.host.audit_path();
    let all = handle.shutdown(grace).await;
    if all {
        info!(audit = %audit.display(), "stopped cleanly");
    } else {
        warn!(audit = %audit.display(), "stopped; some runs outlived the grace period");
    }
    Ok(())
}
