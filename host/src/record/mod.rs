//! `lifeguard record`: a live cluster read through GET requests only and written as a
//! scenario that `lifeguard sim --scenario` loads, reproducing it.
//!
//! | module    | job |
//! |-----------|-----|
//! | `read`    | the read-only requests and their raw answers ([`read::Reading`]) |
//! | `write`   | a reading as a scenario document (TOML or JSON) and its header comment |
//! | `redact`  | `--redact`: stable pseudonyms for index and alias names |
//! | `compare` | two clusters compared field by field (the round-trip check) |
pub mod compare;
pub mod read;
pub mod redact;
pub mod write;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cluster::http::{AuthConfig, ClusterConfig, HttpCluster, RetryConfig, TlsConfig};
use crate::cluster::DynCluster;

pub use compare::{compare, Comparison, Difference};

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cluster client: {0}")]
    Client(String),
    #[error("GET {path}: {message}")]
    Read { path: String, message: String },
    #[error("writing the scenario: {0}")]
    Encode(String),
    #[error("--auth {0:?}: expected basic:USER:PASSWORD_ENV, bearer:TOKEN_ENV or api-key:KEY_ENV")]
    Auth(String),
}

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// Index pattern (`*`, `logs-*,metrics-*`).
    pub indices: String,
    /// Time between the two ingest samples; zero takes one sample and records no ingest.
    pub sample: Duration,
    pub redact: bool,
    /// JSON instead of TOML.
    pub json: bool,
    /// Where it was recorded from, for the header.
    pub source: String,
}

/// A finished recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The scenario file's text.
    pub text: String,
    pub indices: usize,
    pub nodes: usize,
    pub policies: usize,
    /// Time spent reading and writing (the sampling wait excluded).
    pub elapsed: Duration,
}

/// `basic:USER:PASSWORD_ENV`, `bearer:TOKEN_ENV`, `api-key:KEY_ENV`: secrets stay in the
/// environment, as in the host config.
pub fn parse_auth(s: &str) -> Result<AuthConfig, RecordError> {
    let bad = || RecordError::Auth(s.to_string());
    let mut parts = s.splitn(3, ':');
    let mode = parts.next().unwrap_or_default();
    let a = parts.next().filter(|x| !x.is_empty());
    let b = parts.next().filter(|x| !x.is_empty());
    Ok(match (mode, a, b) {
        ("basic", Some(user), Some(env)) => AuthConfig {
            username: Some(user.into()),
            password_env: Some(env.into()),
            ..AuthConfig::default()
        },
        ("bearer", Some(env), None) => AuthConfig {
            bearer_env: Some(env.into()),
            ..AuthConfig::default()
        },
        ("api-key", Some(env), None) => AuthConfig {
            api_key_env: Some(env.into()),
            ..AuthConfig::default()
        },
        _ => return Err(bad()),
    })
}

/// A client for reading `url` (longer timeouts than the daemon's: whole-cluster reads).
pub fn client(
    url: &str,
    auth: Option<AuthConfig>,
    tls: TlsConfig,
) -> Result<DynCluster, RecordError> {
    let cfg = ClusterConfig {
        name: "recorded".into(),
        urls: vec![url.to_string()],
        auth,
        tls,
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(120),
        overall_timeout: Duration::from_secs(300),
        retry: RetryConfig::default(),
        retry_budget_per_tick: 20,
        ccr_use_roles: None,
    };
    let c = HttpCluster::new(&cfg).map_err(|e| RecordError::Client(e.to_string()))?;
    Ok(Arc::new(c))
}

/// Record the cluster behind `api`. `progress` is told each area as it is read.
pub async fn record(
    api: &DynCluster,
    opts: &RecordOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Recording, RecordError> {
    let mut spent = Duration::ZERO;
    let first = if opts.sample.is_zero() {
        None
    } else {
        progress("first ingest sample");
        let t = Instant::now();
        let now_ms = read::cluster_now(api).await?;
        let cat = read::cat_indices(api, &opts.indices).await?;
        spent += t.elapsed();
        let sample = write::Sample::of(&read::Reading {
            now_ms,
            cat,
            ..read::Reading::default()
        });
        progress("waiting for the second ingest sample");
        tokio::time::sleep(opts.sample).await;
        Some(sample)
    };
    let t = Instant::now();
    let reading = read::read(api, &opts.indices, progress).await?;
    progress("writing");
    let mut doc = write::scenario(&reading, first.as_ref());
    if opts.redact {
        redact::redact(&mut doc);
    }
    let header = write::header(&reading, &opts.source, reading.cat.len());
    let text = write::render(&header, &doc, opts.json)?;
    spent += t.elapsed();
    tracing::info!(
        indices = reading.cat.len(),
        elapsed_ms = spent.as_millis() as u64,
        "recorded"
    );
    Ok(Recording {
        text,
        indices: reading.cat.len(),
        nodes: reading.nodes.len(),
        policies: reading.policies.len(),
        elapsed: spent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_modes() {
        let a = parse_auth("basic:admin:OS_PASSWORD").unwrap();
        assert_eq!(a.username.as_deref(), Some("admin"));
        assert_eq!(a.password_env.as_deref(), Some("OS_PASSWORD"));
        assert_eq!(
            parse_auth("bearer:TOKEN").unwrap().bearer_env.as_deref(),
            Some("TOKEN")
        );
        assert_eq!(
            parse_auth("api-key:K").unwrap().api_key_env.as_deref(),
            Some("K")
        );
        for bad in ["", "basic:admin", "bearer", "token:X", "bearer:A:B"] {
            assert!(parse_auth(bad).is_err(), "{bad}");
        }
    }
}
