//! `lifeguard test PLUGIN.wasm --scenario FILE [--config plugin.json] [--ticks N | --for 48h]
//! [--every 5m] [--format text|junit] [--output FILE]`: run a plugin on the simulator and check
//! the scenario's expectations (see [`crate::tenant_test`]). Exit 0 when all hold, 1 when one
//! fails (the report shows the diff), 2 when the test could not run.
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::tenant_test::{self, report, TestOptions};

/// Run a plugin against a scenario on the simulated clock and check its expectations.
#[derive(clap::Parser, Debug)]
#[command(name = "test")]
pub struct TestArgs {
    /// The plugin component.
    pub plugin: PathBuf,
    /// The scenario (TOML or JSON), with its `[[expect]]` list.
    #[arg(long)]
    pub scenario: PathBuf,
    /// The plugin's configuration, a JSON object (`ctx.config`); `{}` when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ticks to run; each runs the plugin once.
    #[arg(long, conflicts_with = "for_")]
    pub ticks: Option<u64>,
    /// Simulated time to cover, one tick per `--every` (e.g. `48h`).
    #[arg(long = "for", value_name = "DURATION", value_parser = duration)]
    pub for_: Option<Duration>,
    /// Simulated time between ticks.
    #[arg(long, default_value = "5m", value_parser = duration)]
    pub every: Duration,
    /// `text` for people, `junit` for CI.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A compile cache directory, reused across runs (big components compile once).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Write the report here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Junit,
}

/// Ticks when neither `--ticks` nor `--for` is given: an hour at the default `--every`.
pub const DEFAULT_TICKS: u64 = 12;

fn duration(s: &str) -> Result<Duration, String> {
    crate::units::parse_duration(s)
}

/// The exit code: 0 all expectations held, 1 one failed, 2 the test could not run.
pub async fn exit_code(args: TestArgs, out: &mut dyn Write) -> u8 {
    let ticks = match (args.ticks, args.for_) {
        (Some(n), _) => n,
        (None, Some(span)) => tenant_test::ticks_for(span, args.every),
        (None, None) => DEFAULT_TICKS,
    };
    let opts = TestOptions {
        plugin: args.plugin.clone(),
        scenario: args.scenario.clone(),
        config: args.config.clone(),
        ticks,
        every: args.every,
        cache_dir: args.cache_dir.clone(),
    };
    let r = match tenant_test::run(&opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: lifeguard test {}: {e}", args.plugin.display());
            return 2;
        }
    };
    let text = match args.format {
        Format::Text => report::text(&r),
        Format::Junit => report::junit(&r),
    };
    let written = match &args.output {
        Some(p) => std::fs::write(p, &text).map_err(|e| format!("{}: {e}", p.display())),
        None => out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: writing the report: {e}");
        return 2;
    }
    if r.passed() {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn arguments() {
        let a = TestArgs::try_parse_from(["test", "p.wasm", "--scenario", "s.toml"]).unwrap();
        assert_eq!((a.ticks, a.for_, a.format), (None, None, Format::Text));
        assert_eq!(a.every, Duration::from_secs(300));
        let a = TestArgs::try_parse_from([
            "test",
            "p.wasm",
            "--scenario",
            "s.toml",
            "--for",
            "48h",
            "--format",
            "junit",
            "--config",
            "c.json",
        ])
        .unwrap();
        assert_eq!(a.for_, Some(Duration::from_secs(48 * 3600)));
        assert!(TestArgs::try_parse_from([
            "test",
            "p.wasm",
            "--scenario",
            "s",
            "--ticks",
            "2",
            "--for",
            "1h"
        ])
        .is_err());
        assert!(TestArgs::try_parse_from(["test", "p.wasm"]).is_err());
    }

    #[tokio::test]
    async fn bad_input_is_exit_code_2() {
        let a = TestArgs::try_parse_from(["test", "/nonexistent.wasm", "--scenario", "s.toml"])
            .unwrap();
        let mut out = Vec::new();
        assert_eq!(exit_code(a, &mut out).await, 2);
        assert!(out.is_empty());
    }
}
