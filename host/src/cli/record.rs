//! `lifeguard record --cluster URL [--auth MODE:…] [--indices PATTERN] [--sample 60s]
//! [--redact] [--verify] -o scenario.toml`: a live cluster as a scenario (see
//! [`crate::record`]).
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::cluster::http::TlsConfig;
use crate::record::{self, RecordOptions};
use crate::sim::{Scenario, Sim, SimOptions};

/// Read a cluster through read-only APIs and write a scenario that reproduces it.
#[derive(clap::Parser, Debug)]
#[command(name = "record")]
pub struct RecordArgs {
    /// The cluster's base URL, e.g. `https://os-1:9200`.
    #[arg(long)]
    pub cluster: String,
    /// Credentials, secrets from the environment: `basic:USER:PASSWORD_ENV`,
    /// `bearer:TOKEN_ENV` or `api-key:KEY_ENV`.
    #[arg(long)]
    pub auth: Option<String>,
    /// PEM bundle of CA certificates to trust.
    #[arg(long)]
    pub ca_file: Option<String>,
    /// Indices to record (comma-separated patterns).
    #[arg(long, default_value = "*")]
    pub indices: String,
    /// Time between the two samples ingest rates are estimated from; `0s` records none.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub sample: Duration,
    /// Replace index and alias names with stable pseudonyms.
    #[arg(long)]
    pub redact: bool,
    /// Replay the recording in an embedded simulator and compare it with the cluster, field
    /// by field; exit 1 listing the differences if there are any.
    #[arg(long)]
    pub verify: bool,
    /// The scenario file to write (`.json` for JSON, TOML otherwise).
    #[arg(long, short)]
    pub output: PathBuf,
}

fn duration(s: &str) -> Result<Duration, String> {
    crate::units::parse_duration(s)
}

/// A progress line on a terminal, nothing in a pipe.
fn progress() -> impl FnMut(&str) {
    let mut p = crate::plan::Progress::new(true, 0);
    move |area: &str| p.note(&format!("recording: {area}"))
}

pub async fn run(args: RecordArgs) -> anyhow::Result<()> {
    let auth = args.auth.as_deref().map(record::parse_auth).transpose()?;
    let tls = TlsConfig {
        ca_file: args.ca_file.clone(),
        ..TlsConfig::default()
    };
    let api = record::client(&args.cluster, auth, tls)?;
    let json = args.output.extension().is_some_and(|e| e == "json");
    let opts = RecordOptions {
        indices: args.indices.clone(),
        sample: args.sample,
        redact: args.redact,
        json,
        source: args.cluster.clone(),
    };
    let rec = record::record(&api, &opts, &mut progress())
        .await
        .with_context(|| format!("lifeguard record --cluster {}", args.cluster))?;
    std::fs::write(&args.output, &rec.text)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "recorded {} indices, {} nodes, {} policies in {:.1}s into {}",
        rec.indices,
        rec.nodes,
        rec.policies,
        rec.elapsed.as_secs_f64(),
        args.output.display()
    );
    if args.verify {
        if args.redact {
            anyhow::bail!("--verify compares names with the cluster's; it cannot follow --redact");
        }
        let scenario = Scenario::parse(&rec.text)
            .with_context(|| format!("{}: the recording does not load", args.output.display()))?;
        let sim = Sim::start(SimOptions {
            scenario: Some(scenario),
            ..SimOptions::default()
        })
        .await?;
        sim.set_speed(0.0);
        let replay = record::client(sim.leader_url(), None, TlsConfig::default())?;
        let cmp = record::compare(&api, &replay, &args.indices).await?;
        sim.shutdown().await;
        let fields: usize = cmp.fields.values().sum();
        if !cmp.is_same() {
            for d in &cmp.differences {
                println!("{d}");
            }
            anyhow::bail!(
                "the replay differs from the cluster in {} of {fields} fields (listed above)",
                cmp.differences.len()
            );
        }
        eprintln!("verified: the replay matches the cluster in all {fields} compared fields");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn arguments() {
        let a =
            RecordArgs::try_parse_from(["record", "--cluster", "http://x:9200", "-o", "s.toml"])
                .unwrap();
        assert_eq!(a.indices, "*");
        assert_eq!(a.sample, Duration::from_secs(60));
        assert!(!a.redact && !a.verify);
        let a = RecordArgs::try_parse_from([
            "record",
            "--cluster",
            "u",
            "--auth",
            "basic:u:P",
            "--indices",
            "logs-*",
            "--sample",
            "0s",
            "--redact",
            "-o",
            "s.json",
        ])
        .unwrap();
        assert_eq!(a.sample, Duration::ZERO);
        assert!(a.redact);
        assert!(RecordArgs::try_parse_from([
            "record",
            "--cluster",
            "u",
            "-o",
            "s",
            "--sample",
            "60"
        ])
        .is_err());
        assert!(RecordArgs::try_parse_from(["record", "-o", "s"]).is_err());
    }
}
