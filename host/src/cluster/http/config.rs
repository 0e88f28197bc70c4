//! The configuration of one cluster connection.
//!
//! ```toml
//! [[clusters]]
//! name = "prod-eu"
//! urls = ["https://os-eu-1:9200", "https://os-eu-2:9200"]
//! connect_timeout = "2s"
//! request_timeout = "10s"
//! overall_timeout = "30s"
//! retry_budget_per_tick = 20
//!
//! [clusters.auth]
//! username = "lifeguard"
//! password_env = "LIFEGUARD_PROD_EU_PASSWORD"
//! # or: bearer_env = "LIFEGUARD_TOKEN"  /  api_key_env = "LIFEGUARD_API_KEY"
//!
//! [clusters.tls]
//! ca_file = "/etc/lifeguard/ca.pem"
//! client_cert_file = "/etc/lifeguard/client.pem"
//! client_key_file = "/etc/lifeguard/client.key"
//!
//! [clusters.retry]
//! max_attempts = 4
//! base_delay = "100ms"
//! max_delay = "5s"
//!
//! [clusters.ccr_use_roles]
//! leader_cluster_role = "all_access"
//! follower_cluster_role = "all_access"
//! ```
//!
//! Durations are strings read by [`crate::units::parse_duration`], as in the rest of the
//! config: whole numbers with a unit (`"250ms"`, `"2s"`), or several such parts summed
//! (`"1m30s"`, `"1h 30m"`). Bare numbers are rejected so nobody has to guess the unit.
use std::time::Duration;

use serde::Deserialize;

/// One named cluster.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The alias plugins and config use for this cluster.
    pub name: String,
    /// Base URLs (`https://host:9200`, optionally with a path prefix), tried in order on
    /// connection failures; the last one that answered is tried first next time.
    pub urls: Vec<String>,
    /// Credentials; none when absent.
    #[serde(default)]
    pub auth: Option<AuthConfig>,
    /// TLS roots and client certificate.
    #[serde(default)]
    pub tls: TlsConfig,
    /// TCP connect (and TLS handshake) timeout.
    #[serde(
        default = "defaults::connect",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub connect_timeout: Duration,
    /// One HTTP attempt, from sending to the end of the body.
    #[serde(
        default = "defaults::request",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub request_timeout: Duration,
    /// One call, across retries, backoff and failover.
    #[serde(
        default = "defaults::overall",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub overall_timeout: Duration,
    /// Backoff for retryable failures.
    #[serde(default)]
    pub retry: RetryConfig,
    /// Retries this cluster may spend per reconcile tick, over all calls; see
    /// `HttpCluster::start_tick`. Keeps a struggling cluster from being hammered by every
    /// plugin's retries at once.
    #[serde(default = "defaults::budget")]
    pub retry_budget_per_tick: u32,
    /// Roles sent as `use_roles` when starting replication or creating an auto-follow rule
    /// on this (follower) cluster; required when the security plugin is on.
    #[serde(default)]
    pub ccr_use_roles: Option<CcrRoles>,
}

/// The `use_roles` object of CCR start and auto-follow requests.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CcrRoles {
    /// Role on the leader cluster, e.g. `all_access`.
    pub leader_cluster_role: String,
    /// Role on the follower cluster.
    pub follower_cluster_role: String,
}

/// Credentials. Secrets are never in the file: each names an environment variable, read
/// once when the client is built. Exactly one mode may be set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Basic auth user; needs `password_env`.
    pub username: Option<String>,
    /// Environment variable holding the basic auth password.
    pub password_env: Option<String>,
    /// Environment variable holding a bearer token (`Authorization: Bearer …`).
    pub bearer_env: Option<String>,
    /// Environment variable holding an API key (`Authorization: ApiKey …`).
    pub api_key_env: Option<String>,
}

/// TLS settings. Without `ca_file` the platform's roots are trusted.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM bundle of CA certificates; when set, only these roots are trusted.
    pub ca_file: Option<String>,
    /// PEM client certificate (chain) for mutual TLS; needs `client_key_file`.
    pub client_cert_file: Option<String>,
    /// PEM private key of the client certificate.
    pub client_key_file: Option<String>,
    /// Accept any server certificate. For labs only; logged loudly at startup.
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// Exponential backoff with full jitter: attempt `n` waits a random time in
/// `[0, min(max_delay, base_delay * 2^(n-1))]`, or the server's `Retry-After` if longer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts per call, the first included; 1 disables retries.
    #[serde(default = "defaults::attempts")]
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry.
    #[serde(
        default = "defaults::base_delay",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub base_delay: Duration,
    /// Largest computed backoff (a longer `Retry-After` is still honoured).
    #[serde(
        default = "defaults::max_delay",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: defaults::attempts(),
            base_delay: defaults::base_delay(),
            max_delay: defaults::max_delay(),
        }
    }
}

mod defaults {
    use std::time::Duration;
    pub fn connect() -> Duration {
        Duration::from_secs(2)
    }
    pub fn request() -> Duration {
        Duration::from_secs(10)
    }
    pub fn overall() -> Duration {
        Duration::from_secs(30)
    }
    pub fn budget() -> u32 {
        20
    }
    pub fn attempts() -> u32 {
        4
    }
    pub fn base_delay() -> Duration {
        Duration::from_millis(100)
    }
    pub fn max_delay() -> Duration {
        Duration::from_secs(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cluster's durations go through the config's shared parser.
    #[test]
    fn durations() {
        let timeout = |t: &str| {
            toml::from_str::<ClusterConfig>(&format!("name='a'\nurls=[]\nconnect_timeout='{t}'"))
                .map(|c| c.connect_timeout)
        };
        assert_eq!(timeout("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(timeout("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(timeout("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(timeout("2h").unwrap(), Duration::from_secs(7200));
        for bad in ["", "5", "s", "1x", "1.5s", "-1s", "1s2"] {
            let e = timeout(bad).unwrap_err().to_string();
            assert!(e.contains("duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn full_example_and_defaults() {
        let c: ClusterConfig = toml::from_str(
            r#"
            name = "prod"
            urls = ["https://a:9200", "https://b:9200"]
            request_timeout = "3s"
            retry_budget_per_tick = 7
            [auth]
            username = "u"
            password_env = "PW"
            [tls]
            ca_file = "/ca.pem"
            [retry]
            max_attempts = 2
            base_delay = "1ms"
            "#,
        )
        .unwrap();
        assert_eq!(c.urls.len(), 2);
        assert_eq!(c.request_timeout, Duration::from_secs(3));
        assert_eq!(c.connect_timeout, Duration::from_secs(2));
        assert_eq!(c.retry.max_attempts, 2);
        assert_eq!(c.retry.max_delay, Duration::from_secs(5));
        assert_eq!(c.retry_budget_per_tick, 7);
        assert_eq!(c.auth.unwrap().password_env.as_deref(), Some("PW"));
    }

    #[test]
    fn unknown_fields_and_numeric_durations_are_rejected() {
        assert!(toml::from_str::<ClusterConfig>("name='a'\nurls=[]\npasword_env='x'").is_err());
        assert!(toml::from_str::<ClusterConfig>("name='a'\nurls=[]\nconnect_timeout=5").is_err());
        assert!(toml::from_str::<ClusterConfig>("name='a'\nurls=[]\n[auth]\nbearer='x'").is_err());
    }
}
