//! The real [`ClusterApi`](super::ClusterApi): OpenSearch over HTTP(S) with reqwest and
//! rustls.
//!
//! - [`config`]: [`ClusterConfig`], deserialized from the host's TOML.
//! - `transport`: failover between base URLs, timeouts, retries with full-jitter backoff and
//!   `Retry-After`, and the per-tick retry budget ([`HttpCluster::start_tick`]).
//! - `calls_*`: the typed calls; response bodies are decoded by
//!   [`super::parse`].
//!
//! Only requests that are safe to repeat are retried blindly (GET, HEAD, PUT of absolute
//! state, policy PUT with `if_seq_no`). Rollover, ISM add, CCR start and policy create
//! re-read state before a second attempt; other mutations are sent once unless the
//! connection was never made.
mod calls_cluster;
mod chunk;
pub mod config;
mod connect;
mod path;
mod request;
mod stats;
mod transport;

mod api;
mod calls_ccr;
mod calls_ism;
mod verify;

#[cfg(test)]
mod tests;

pub use config::{AuthConfig, CcrRoles, ClusterConfig, RetryConfig, TlsConfig};
pub use connect::ConfigError;
pub(crate) use connect::{auth_mode_error, check_url};
pub use stats::HttpStats;

use transport::{Transport, TransportParts};

/// One OpenSearch cluster over HTTP. Cheap to share behind an `Arc`; every call may run
/// concurrently.
pub struct HttpCluster {
    t: Transport,
    ccr_roles: Option<CcrRoles>,
}

impl std::fmt::Debug for HttpCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        // Deliberately no auth, not even redacted: nothing to leak by accident.
        f.debug_struct("HttpCluster")
            .field("name", &self.t.name)
            .finish_non_exhaustive()
    }
}

impl HttpCluster {
    /// Build the client: resolve credentials from the environment, load TLS material, check
    /// the URLs. Does not contact the cluster. Logs a warning when TLS verification is off.
    pub fn new(cfg: &ClusterConfig) -> Result<HttpCluster, ConfigError> {
        let urls = connect::base_urls(cfg)?;
        let auth = match &cfg.auth {
            Some(a) => connect::auth(cfg, a)?,
            None => connect::Auth::None,
        };
        if cfg.retry.max_attempts == 0 {
            return Err(ConfigError::Invalid {
                cluster: cfg.name.clone(),
                detail: "retry.max_attempts must be at least 1".into(),
            });
        }
        let client = connect::client(cfg)?;
        tracing::info!(cluster = %cfg.name, urls = ?urls, auth = ?auth, "cluster client ready");
        Ok(HttpCluster {
            t: Transport::new(TransportParts {
                name: cfg.name.clone(),
                client,
                urls,
                auth,
                request_timeout: cfg.request_timeout,
                overall_timeout: cfg.overall_timeout,
                retry: cfg.retry.clone(),
                retry_budget_per_tick: cfg.retry_budget_per_tick,
            }),
            ccr_roles: cfg.ccr_use_roles.clone(),
        })
    }

    /// Refill the retry budget. Called by the scheduler at the start of each tick.
    pub fn start_tick(&self) {
        self.t.budget.reset();
    }

    /// A snapshot of the request and retry counters, for metrics and the status page.
    pub fn stats(&self) -> HttpStats {
        self.t.counters.snapshot(&self.t.name, &self.t.budget)
    }
}
