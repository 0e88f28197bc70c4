//! `lifeguard sim`: serve the simulated OpenSearch cluster (or a CCR pair) until Ctrl-C.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::sim::{Scenario, Sim, SimOptions};

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Address of the (leader) cluster.
    #[arg(long, default_value = "127.0.0.1:9200")]
    pub listen: SocketAddr,
    /// Also serve a follower cluster here (a CCR pair).
    #[arg(long)]
    pub follower_listen: Option<SocketAddr>,
    /// Simulated time per real time (3600 = an hour per second); 0 stops the clock.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seed for every random choice (job jitter, fault probabilities).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A scenario file, TOML or JSON.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let scenario = match &args.scenario {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading scenario {}", p.display()))?;
            Some(
                Scenario::parse(&text)
                    .with_context(|| format!("parsing scenario {}", p.display()))?,
            )
        }
        None => None,
    };
    let mut opts = SimOptions {
        seed: args.seed,
        speed: args.speed,
        listen: args.listen,
        scenario,
        ..SimOptions::default()
    };
    if let Some(f) = args.follower_listen {
        opts.follower = true;
        opts.follower_listen = f;
    }
    let handle = Sim::start(opts).await.context("starting the simulator")?;
    println!("leader   {}", handle.leader_url());
    if let Some(f) = handle.follower_url() {
        println!("follower {f}");
    }
    println!(
        "control  {}/_sim/clock (see sim/README.md); Ctrl-C to stop",
        handle.leader_url()
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    handle.shutdown().await;
    Ok(())
}
