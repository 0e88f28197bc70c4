//! `[coordination]`: several `lifeguard run` replicas sharing the tenants through etcd.
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Etcd,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinationConfig {
    pub backend: Backend,
    /// etcd client URLs, e.g. `["http://127.0.0.1:2379"]`.
    pub endpoints: Vec<String>,
    /// Names the key prefix when `prefix` is not set: `/lifeguard/<deployment>`.
    #[serde(default = "default_deployment")]
    pub deployment: String,
    #[serde(default)]
    pub prefix: Option<String>,
    /// The TTL asked of etcd for this replica's lease.
    #[serde(
        default = "default_ttl",
        deserialize_with = "crate::units::deserialize_duration"
    )]
    pub lease_ttl: Duration,
    /// Defaults to `<hostname>-<pid>`.
    #[serde(default)]
    pub replica_id: Option<String>,
    /// Environment variables holding the etcd user and password (never the values).
    #[serde(default)]
    pub username_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Environment variable holding the path of a PEM CA file; set it to talk TLS to etcd.
    #[serde(default)]
    pub ca_file_env: Option<String>,
}

fn default_deployment() -> String {
    "default".into()
}

fn default_ttl() -> Duration {
    Duration::from_secs(10)
}

/// The shortest and longest TTL accepted: etcd refuses TTLs under its own minimum (about
/// 1.5 s with default election settings), and a long one makes failover slow.
pub const MIN_TTL: Duration = Duration::from_secs(2);
pub const MAX_TTL: Duration = Duration::from_secs(300);

impl CoordinationConfig {
    pub fn prefix(&self) -> String {
        let p = self
            .prefix
            .clone()
            .unwrap_or_else(|| format!("/lifeguard/{}", self.deployment));
        p.trim_end_matches('/').to_string()
    }

    pub fn replica_id(&self) -> String {
        self.replica_id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "host".into());
            format!("{host}-{}", std::process::id())
        })
    }

    /// What is wrong with it, as (key, message), checked at config validation.
    pub fn problems(&self) -> Option<(&'static str, String)> {
        if self.endpoints.is_empty() {
            return Some(("endpoints", "needs at least one etcd URL".into()));
        }
        for e in &self.endpoints {
            if !(e.starts_with("http://") || e.starts_with("https://")) || e.len() < 10 {
                return Some((
                    "endpoints",
                    format!("{e:?} is not an etcd URL like \"http://127.0.0.1:2379\""),
                ));
            }
        }
        if self.lease_ttl < MIN_TTL || self.lease_ttl > MAX_TTL {
            return Some((
                "lease_ttl",
                format!(
                    "must be between {}s and {}s",
                    MIN_TTL.as_secs(),
                    MAX_TTL.as_secs()
                ),
            ));
        }
        if let Some(p) = &self.prefix {
            if !p.starts_with('/') || p.trim_end_matches('/').is_empty() {
                return Some(("prefix", format!("{p:?} must start with / and name a path")));
            }
        }
        if let Some(id) = &self.replica_id {
            if id.is_empty() || id.contains('/') {
                return Some(("replica_id", "must be non-empty and contain no /".into()));
            }
        }
        if self.username_env.is_some() != self.password_env.is_some() {
            return Some((
                "username_env",
                "username_env and password_env go together".into(),
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::config::parse_str;

    fn load(section: &str) -> Result<crate::config::Loaded, String> {
        let text = format!(
            "{section}\n[[clusters]]\nname = \"c\"\nurls = [\"http://127.0.0.1:9200\"]\n\
             [[tenants]]\nname = \"a\"\nclusters = [\"c\"]\nindices = [\"a-*\"]\n"
        );
        parse_str(std::path::Path::new("lg.toml"), &text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_placed_errors() {
        let l =
            load("[coordination]\nbackend = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\n")
                .unwrap();
        let c = l.config.coordination.unwrap();
        assert_eq!(c.prefix(), "/lifeguard/default");
        assert_eq!(c.lease_ttl, std::time::Duration::from_secs(10));
        assert!(c
            .replica_id()
            .ends_with(&format!("-{}", std::process::id())));

        let e = load("[coordination]\nbackend = \"zookeeper\"\nendpoints = []\n").unwrap_err();
        assert!(e.contains("lg.toml:2") && e.contains("etcd"), "{e}");
        let e = load("[coordination]\nbackend = \"etcd\"\nendpoints = [\"127.0.0.1:2379\"]\n")
            .unwrap_err();
        assert!(
            e.contains("coordination.endpoints") && e.contains("etcd URL"),
            "{e}"
        );
        let e = load(
            "[coordination]\nbackend = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\nlease_ttl = \"1s\"\n",
        )
        .unwrap_err();
        assert!(e.contains("lease_ttl") && e.contains("between"), "{e}");
        let e = load(
            "[coordination]\nbackend = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\nlease_ttl = \"10\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains("lg.toml:4"),
            "a duration without a unit is placed: {e}"
        );
    }
}
