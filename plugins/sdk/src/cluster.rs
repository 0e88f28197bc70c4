//! Handles for cluster, ISM and CCR calls on one cluster alias.

use crate::bindings::lifeguard::plugin::{ccr, cluster, ism};
use crate::types::*;
use crate::Error;

fn map<T>(r: Result<T, crate::bindings::lifeguard::plugin::types::Error>) -> Result<T, Error> {
    r.map_err(Error::from)
}

/// One cluster alias of the tenant. Get it from [`crate::Context::cluster`] or
/// [`crate::Context::cluster_named`]. Reads of a pattern wider than the tenant's grant are
/// narrowed by the host; writes outside it fail with `denied`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    alias: String,
}

impl Cluster {
    /// A handle for `alias` (prefer [`crate::Context::cluster_named`], which checks it).
    pub fn new(alias: impl Into<String>) -> Self {
        Cluster {
            alias: alias.into(),
        }
    }

    /// The cluster alias.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// ISM calls on this cluster.
    pub fn ism(&self) -> Ism<'_> {
        Ism { alias: &self.alias }
    }

    /// CCR calls on this cluster (the follower side).
    pub fn ccr(&self) -> Ccr<'_> {
        Ccr { alias: &self.alias }
    }

    /// `GET _cluster/health`.
    pub fn health(&self) -> Result<ClusterHealth, Error> {
        map(cluster::health(&self.alias))
    }

    /// Indices matching `pattern` (comma-separated globs), narrowed to the grant.
    pub fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, Error> {
        map(cluster::indices(&self.alias, pattern))
    }

    /// Thread pools of every node.
    pub fn thread_pools(&self) -> Result<Vec<ThreadPool>, Error> {
        map(cluster::thread_pools(&self.alias))
    }

    /// Nodes with attributes and disk usage.
    pub fn nodes(&self) -> Result<Vec<NodeInfo>, Error> {
        map(cluster::nodes(&self.alias))
    }

    /// Aliases matching `pattern`, narrowed to the grant.
    pub fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, Error> {
        map(cluster::aliases(&self.alias, pattern))
    }

    /// The flat settings of one index (`{"index.number_of_replicas":"1",...}`).
    pub fn get_settings(
        &self,
        index: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let raw = map(cluster::get_settings(&self.alias, index))?;
        match serde_json::from_str::<serde_json::Value>(&raw) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            Ok(_) => Err(Error::new(
                crate::ErrorKind::Invalid,
                format!("settings of {index} are not a JSON object"),
            )),
            Err(e) => Err(Error::new(
                crate::ErrorKind::Invalid,
                format!("settings of {index}: {e}"),
            )),
        }
    }

    /// Update index settings; `settings` is a JSON object, flat or nested, `null` resets a key.
    pub fn put_settings(&self, index: &str, settings: &serde_json::Value) -> Result<(), Error> {
        map(cluster::put_settings(
            &self.alias,
            index,
            &settings.to_string(),
        ))
    }

    /// Explain the allocation of one shard copy.
    pub fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, Error> {
        map(cluster::allocation_explain(
            &self.alias,
            index,
            shard,
            primary,
        ))
    }

    /// Roll over a write alias; `conditions` is the `conditions` object, `None` rolls over
    /// unconditionally.
    pub fn rollover(
        &self,
        alias: &str,
        conditions: Option<&serde_json::Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, Error> {
        let c = conditions.map(|c| c.to_string());
        map(cluster::rollover(&self.alias, alias, c.as_deref(), dry_run))
    }

    /// Apply alias actions atomically (`POST _aliases`).
    pub fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), Error> {
        map(cluster::update_aliases(&self.alias, actions))
    }

    /// Escape hatch: any request. Read-only unless the tenant is granted `raw_write`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, Error> {
        map(cluster::request(&self.alias, method, path, body))
    }
}

/// ISM (`_plugins/_ism`) calls on one cluster. Get it from [`Cluster::ism`].
#[derive(Debug, Clone, Copy)]
pub struct Ism<'a> {
    alias: &'a str,
}

impl Ism<'_> {
    /// Explain the indices matching `pattern`; unmanaged ones have `policy_id: None`.
    pub fn explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, Error> {
        map(ism::explain(self.alias, pattern))
    }

    /// `POST _plugins/_ism/add/<pattern>`.
    pub fn add(&self, pattern: &str, policy_id: &str) -> Result<StatusResponse, Error> {
        map(ism::add(self.alias, pattern, policy_id))
    }

    /// `POST _plugins/_ism/remove/<pattern>`.
    pub fn remove(&self, pattern: &str) -> Result<StatusResponse, Error> {
        map(ism::remove(self.alias, pattern))
    }

    /// `POST _plugins/_ism/change_policy/<pattern>`.
    pub fn change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, Error> {
        map(ism::change_policy(
            self.alias,
            pattern,
            policy_id,
            state,
            include_state,
        ))
    }

    /// `POST _plugins/_ism/retry/<pattern>`, optionally restarting in `state`.
    pub fn retry(&self, pattern: &str, state: Option<&str>) -> Result<StatusResponse, Error> {
        map(ism::retry(self.alias, pattern, state))
    }

    /// `GET _plugins/_ism/policies/<id>`.
    pub fn get_policy(&self, policy_id: &str) -> Result<PolicyDoc, Error> {
        map(ism::get_policy(self.alias, policy_id))
    }

    /// `PUT _plugins/_ism/policies/<id>`; `if_seq_no` is `(seq_no, primary_term)`, `None`
    /// creates.
    pub fn put_policy(
        &self,
        policy_id: &str,
        body: &serde_json::Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, Error> {
        map(ism::put_policy(
            self.alias,
            policy_id,
            &body.to_string(),
            if_seq_no,
        ))
    }

    /// `DELETE _plugins/_ism/policies/<id>`.
    pub fn delete_policy(&self, policy_id: &str) -> Result<(), Error> {
        map(ism::delete_policy(self.alias, policy_id))
    }

    /// Make the stored policy equal `body` (the `policy` object), comparing semantically.
    pub fn ensure_policy(
        &self,
        policy_id: &str,
        body: &serde_json::Value,
    ) -> Result<EnsureResult, Error> {
        map(ism::ensure_policy(self.alias, policy_id, &body.to_string()))
    }

    /// Manage the unmanaged indices matching `pattern` with `policy_id`.
    pub fn attach(&self, pattern: &str, policy_id: &str) -> Result<AttachReport, Error> {
        map(ism::attach(self.alias, pattern, policy_id))
    }

    /// `change_policy` for at most `batch` indices running a stale copy of `policy_id`.
    pub fn sync_managed(&self, policy_id: &str, batch: u32) -> Result<SyncReport, Error> {
        map(ism::sync_managed(self.alias, policy_id, batch))
    }
}

/// Cross-cluster replication calls; the handle's cluster is the follower. Get it from
/// [`Cluster::ccr`].
#[derive(Debug, Clone, Copy)]
pub struct Ccr<'a> {
    alias: &'a str,
}

impl Ccr<'_> {
    /// Start following `leader_index` on `leader_alias` into `follower_index`.
    pub fn start(
        &self,
        follower_index: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&serde_json::Value>,
    ) -> Result<(), Error> {
        let s = settings.map(|s| s.to_string());
        map(ccr::start(
            self.alias,
            follower_index,
            leader_alias,
            leader_index,
            s.as_deref(),
        ))
    }

    /// Pause replication.
    pub fn pause(&self, follower_index: &str) -> Result<(), Error> {
        map(ccr::pause(self.alias, follower_index))
    }

    /// Resume replication; `force` resumes past an expired retention lease.
    pub fn resume(&self, follower_index: &str, force: bool) -> Result<(), Error> {
        map(ccr::resume(self.alias, follower_index, force))
    }

    /// Stop replication; the follower becomes a normal writable index.
    pub fn stop(&self, follower_index: &str) -> Result<(), Error> {
        map(ccr::stop(self.alias, follower_index))
    }

    /// Update follower index settings through `_plugins/_replication/<index>/_update`.
    pub fn update_settings(
        &self,
        follower_index: &str,
        settings: &serde_json::Value,
    ) -> Result<(), Error> {
        map(ccr::update_settings(
            self.alias,
            follower_index,
            &settings.to_string(),
        ))
    }

    /// Replication status of one follower index.
    pub fn status(&self, follower_index: &str) -> Result<ReplicationStatus, Error> {
        map(ccr::status(self.alias, follower_index))
    }

    /// `GET _plugins/_replication/follower_stats`.
    pub fn follower_stats(&self) -> Result<serde_json::Value, Error> {
        parse_json(map(ccr::follower_stats(self.alias))?, "follower_stats")
    }

    /// `GET _plugins/_replication/leader_stats`.
    pub fn leader_stats(&self) -> Result<serde_json::Value, Error> {
        parse_json(map(ccr::leader_stats(self.alias))?, "leader_stats")
    }

    /// Create an auto-follow rule for indices matching `pattern` on `leader_alias`.
    pub fn autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), Error> {
        map(ccr::autofollow_create(
            self.alias,
            leader_alias,
            name,
            pattern,
        ))
    }

    /// Delete an auto-follow rule.
    pub fn autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), Error> {
        map(ccr::autofollow_delete(self.alias, leader_alias, name))
    }
}

fn parse_json(raw: String, what: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(&raw)
        .map_err(|e| Error::new(crate::ErrorKind::Invalid, format!("{what}: {e}")))
}

impl ReplicationStatus {
    /// Leader minus follower checkpoint, when both are reported (while syncing).
    pub fn lag_ops(&self) -> Option<i64> {
        match (self.leader_checkpoint, self.follower_checkpoint) {
            (Some(l), Some(f)) => Some(l.saturating_sub(f).max(0)),
            _ => None,
        }
    }
}
