//! `lifeguard plan --config FILE [--ticks N] [--format text|json] [--sim SCENARIO]
//! [--detailed-exitcode]`: print what the plugins would change (see [`crate::plan`]).
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::plan::{render_text, PlanOptions};

/// Run every plugin in dry-run and print the mutations it would make, by tenant.
#[derive(clap::Parser, Debug)]
#[command(name = "plan")]
pub struct PlanArgs {
    /// The TOML configuration (see examples/lifeguard.toml).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Ticks to run; each runs every plugin once.
    #[arg(long, default_value_t = 1)]
    pub ticks: u64,
    /// Output: `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Plan against an embedded simulator started from this scenario file (clock stopped,
    /// moved one tick period between ticks) instead of the configured clusters.
    #[arg(long, value_name = "SCENARIO")]
    pub sim: Option<PathBuf>,
    /// Exit 2 when there are planned changes, 0 when none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// The exit code when the plan was made: 1 when a plugin run ended in a terminal error or a
/// trap (the plan is incomplete), 2 for changes under `--detailed-exitcode`, else 0.
pub async fn run(args: PlanArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let plan = crate::plan::run(PlanOptions {
        config: args.config.clone(),
        ticks: args.ticks,
        sim: args.sim.clone(),
        progress: true,
    })
    .await
    .with_context(|| format!("lifeguard plan --config {}", args.config.display()))?;
    match args.format {
        Format::Text => write!(out, "{}", render_text(&plan))?,
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&plan.to_json())?)?,
    }
    out.flush()?;
    for f in &plan.failed_runs {
        tracing::warn!(tenant = %f.tenant, plugin = %f.plugin, tick = f.tick, outcome = %f.outcome, message = %f.message, "plugin run did not finish; its part of the plan may be incomplete");
    }
    if plan.failed_runs.iter().any(|f| f.is_error()) {
        return Ok(1);
    }
    if let Some(s) = &plan.sim_requests {
        if s.writes > 0 {
            anyhow::bail!(
                "the simulator received {} mutating request(s) during the plan",
                s.writes
            );
        }
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}

/// [`run`], with an error printed to stderr as exit code 1: what `main` returns.
pub async fn exit_code(args: PlanArgs, out: &mut dyn Write) -> u8 {
    match run(args, out).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn arguments() {
        let a = PlanArgs::try_parse_from(["plan", "--config", "x.toml"]).unwrap();
        assert_eq!(a.ticks, 1);
        assert_eq!(a.format, Format::Text);
        assert!(a.sim.is_none() && !a.detailed_exitcode);
        let a = PlanArgs::try_parse_from([
            "plan",
            "-c",
            "x.toml",
            "--ticks",
            "3",
            "--format",
            "json",
            "--sim",
            "s.toml",
            "--detailed-exitcode",
        ])
        .unwrap();
        assert_eq!((a.ticks, a.format), (3, Format::Json));
        assert_eq!(a.sim, Some(PathBuf::from("s.toml")));
        assert!(a.detailed_exitcode);
        assert!(PlanArgs::try_parse_from(["plan", "-c", "x", "--format", "yaml"]).is_err());
        assert!(PlanArgs::try_parse_from(["plan"]).is_err());
    }

    #[tokio::test]
    async fn a_missing_config_is_exit_code_1() {
        let a = PlanArgs::try_parse_from(["plan", "-c", "/nonexistent/lifeguard.toml"]).unwrap();
        let mut out = Vec::new();
        assert_eq!(exit_code(a, &mut out).await, 1);
        assert!(out.is_empty());
    }
}
