//! `lifeguard plan --sim SCENARIO`: the configured clusters replaced by an embedded simulator
//! on loopback, its clock stopped and moved only between plan ticks; and the request log
//! read back to prove nothing was written.
use std::path::Path;
use std::sync::Arc;

use crate::config::Loaded;
use crate::sim::{RequestRecord, Scenario, Sim, SimHandle, SimOptions};

use super::PlanError;

/// Start the scenario at `path` (TOML or JSON) with its clock stopped. Returns the handle
/// and, for a leader/follower pair, the follower's name.
pub async fn start(path: &Path) -> Result<(Arc<SimHandle>, Option<String>), PlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| PlanError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let scenario = Scenario::parse(&text)
        .map_err(|e| PlanError::Scenario(format!("{}: {e}", path.display())))?;
    let follower = scenario
        .follower
        .as_ref()
        .map(|f| f.name.clone().unwrap_or_else(|| "follower".into()));
    let handle = Sim::start(SimOptions {
        follower: scenario.follower.is_some(),
        scenario: Some(scenario),
        ..SimOptions::default()
    })
    .await
    .map_err(|e| PlanError::Scenario(e.to_string()))?;
    // A scenario may set its own speed; a plan moves time only between ticks.
    handle.set_speed(0.0);
    Ok((Arc::new(handle), follower))
}

/// Which configured clusters are the simulator's follower (`follower_name`: `None` when the
/// simulator has none): the one named like the scenario's follower (or `follower`), else the
/// second configured cluster. The others are the leader.
pub fn follower_flags(aliases: &[String], follower_name: Option<&str>) -> Vec<bool> {
    let Some(fname) = follower_name else {
        return vec![false; aliases.len()];
    };
    let named: Vec<bool> = aliases
        .iter()
        .map(|a| a == fname || a == "follower")
        .collect();
    if named.iter().any(|b| *b) {
        return named;
    }
    (0..aliases.len()).map(|i| i == 1).collect()
}

/// Point every configured cluster at the simulator (`follower_name`: its follower, if a pair).
/// Credentials and TLS settings are dropped: the simulator speaks plain HTTP and asks for none.
pub fn point_at(loaded: &mut Loaded, sim: &SimHandle, follower_name: Option<&str>) {
    let aliases: Vec<String> = loaded
        .config
        .clusters
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let flags = follower_flags(&aliases, sim.follower_url().and(follower_name));
    for (c, follower) in loaded.config.clusters.iter_mut().zip(flags) {
        let url = match (follower, sim.follower_url()) {
            (true, Some(f)) => f,
            _ => sim.leader_url(),
        };
        c.urls = vec![url.to_string()];
        c.auth = None;
        c.tls = Default::default();
    }
}

/// Whether a request could change the cluster: the guard's one definition of a read
/// ([`crate::guard::raw::is_read_request`]), so `plan` counts what the guard lets through.
pub fn is_mutating(method: &str, path: &str, query: &str) -> bool {
    !crate::guard::raw::is_read_request(method, path, query)
}

/// (reads, writes) in `log`.
pub fn count(log: &[RequestRecord]) -> (u64, u64) {
    let writes = log
        .iter()
        .filter(|r| is_mutating(&r.method, &r.path, &r.query))
        .count() as u64;
    (log.len() as u64 - writes, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes() {
        assert!(!is_mutating("GET", "/_cat/indices", "format=json"));
        assert!(!is_mutating("HEAD", "/logs", ""));
        assert!(!is_mutating("POST", "/logs-*/_search", ""));
        assert!(!is_mutating("POST", "/_cluster/allocation/explain", ""));
        assert!(!is_mutating("POST", "/logs/_rollover", "dry_run=true"));
        assert!(is_mutating("POST", "/logs/_rollover", ""));
        assert!(is_mutating("POST", "/_plugins/_ism/add/ops-*", ""));
        assert!(is_mutating("POST", "/_aliases", ""));
        assert!(is_mutating("PUT", "/_plugins/_ism/policies/p", ""));
        assert!(is_mutating("DELETE", "/_plugins/_ism/policies/p", ""));
    }

    #[test]
    fn follower_by_name_then_position() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(follower_flags(&a(&["x", "y"]), None), [false, false]);
        assert_eq!(
            follower_flags(&a(&["leader", "follower"]), Some("follower-cluster")),
            [false, true]
        );
        assert_eq!(
            follower_flags(&a(&["f-c", "l"]), Some("f-c")),
            [true, false]
        );
        assert_eq!(
            follower_flags(&a(&["a", "b", "c"]), Some("z")),
            [false, true, false]
        );
    }
}
