//! `lifeguard demo`: two simulated days of three tenants on a leader/follower pair, in about
//! a minute (see [`crate::demo`]).
use std::path::PathBuf;

use anyhow::Context as _;

use crate::demo::{DemoOptions, View};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Directory holding the plugin `.wasm` files (`make plugins`).
    #[arg(long, default_value = "build/plugins")]
    pub plugins: PathBuf,
    /// Simulated days.
    #[arg(long, default_value_t = 2.0)]
    pub days: f64,
    /// Wall-clock seconds the simulated days take.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// The audit log (default build/demo/audit.jsonl); truncated at start.
    #[arg(long)]
    pub audit: Option<PathBuf>,
    /// Where state, the compile cache and the rendered config go.
    #[arg(long, default_value = "build/demo")]
    pub work_dir: PathBuf,
    /// Load the Python ism-doctor and the JS rollover-tuner when they are built.
    #[arg(long)]
    pub polyglot: bool,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let opts = DemoOptions {
        plugin_dir: args.plugins,
        days: args.days,
        seconds: args.seconds,
        work_dir: args.work_dir,
        audit_file: args.audit,
        view: View::Live,
        polyglot: args.polyglot,
    };
    let report = crate::demo::run(opts).await.context("lifeguard demo")?;
    println!();
    print!("{}", report.render());
    Ok(())
}
