//! The [`ClusterApi`] trait: one typed method per cluster operation the WIT exposes.
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::model::*;
use super::ApiError;

/// A shared, type-erased cluster.
pub type DynCluster = Arc<dyn ClusterApi>;

/// Typed access to one OpenSearch cluster.
///
/// Implemented by the HTTP client, and by the decorators that stack on it (the guard chain,
/// the per-tick snapshot). Index arguments are names or comma-separated patterns as
/// OpenSearch accepts them. JSON documents (settings, policy bodies) are `serde_json::Value`.
#[async_trait]
pub trait ClusterApi: Send + Sync {
    /// The name used in logs, metrics and audit lines.
    fn name(&self) -> &str;

    // ---- cluster ----
    /// `GET _cluster/health`.
    async fn health(&self) -> Result<ClusterHealth, ApiError>;
    /// `GET _cat/indices/<pattern>` with creation dates.
    async fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError>;
    /// `_nodes/stats/thread_pool` joined with `_nodes/thread_pool`.
    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError>;
    /// Nodes with attributes, joined with `_cat/allocation` disk figures.
    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError>;
    /// `GET _cat/aliases/<pattern>`.
    async fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError>;
    /// `GET <index>/_settings?flat_settings=true`: the flat settings object of one index.
    async fn get_settings(&self, index: &str) -> Result<Value, ApiError>;
    /// `PUT <index>/_settings`.
    async fn put_settings(&self, index: &str, settings: &Value) -> Result<(), ApiError>;
    /// `GET _cluster/allocation/explain` for one shard copy.
    async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError>;
    /// `POST <alias>/_rollover`.
    async fn rollover(
        &self,
        alias: &str,
        conditions: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError>;
    /// `POST _aliases`.
    async fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError>;
    /// `GET _cluster/settings?flat_settings=true` (persistent and transient).
    async fn cluster_settings(&self) -> Result<Value, ApiError>;
    /// `PUT _cluster/settings`, body `{"persistent":…}` or `{"transient":…}`.
    async fn put_cluster_settings(&self, body: &Value) -> Result<(), ApiError>;
    /// Any request; `path` starts with `/` and may carry a query string.
    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError>;

    // ---- ism ----
    /// `GET _plugins/_ism/explain/<pattern>`: every matching index, managed or not.
    async fn ism_explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, ApiError>;
    /// `POST _plugins/_ism/add/<pattern>`.
    async fn ism_add(&self, pattern: &str, policy_id: &str) -> Result<StatusResponse, ApiError>;
    /// `POST _plugins/_ism/remove/<pattern>`.
    async fn ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError>;
    /// `POST _plugins/_ism/change_policy/<pattern>`.
    async fn ism_change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, ApiError>;
    /// `POST _plugins/_ism/retry/<pattern>`.
    async fn ism_retry(
        &self,
        pattern: &str,
        state: Option<&str>,
    ) -> Result<StatusResponse, ApiError>;
    /// `GET _plugins/_ism/policies/<id>`.
    async fn get_policy(&self, policy_id: &str) -> Result<PolicyDoc, ApiError>;
    /// `PUT _plugins/_ism/policies/<id>[?if_seq_no&if_primary_term]`; `body` is the `policy`
    /// object.
    async fn put_policy(
        &self,
        policy_id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError>;
    /// `DELETE _plugins/_ism/policies/<id>`.
    async fn delete_policy(&self, policy_id: &str) -> Result<(), ApiError>;

    // ---- ccr (called on the follower cluster) ----
    /// `PUT _plugins/_replication/<follower>/_start`.
    async fn ccr_start(
        &self,
        follower_index: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&Value>,
    ) -> Result<(), ApiError>;
    /// `POST _plugins/_replication/<follower>/_pause`.
    async fn ccr_pause(&self, follower_index: &str) -> Result<(), ApiError>;
    /// `POST _plugins/_replication/<follower>/_resume`.
    async fn ccr_resume(&self, follower_index: &str, force: bool) -> Result<(), ApiError>;
    /// `POST _plugins/_replication/<follower>/_stop`.
    async fn ccr_stop(&self, follower_index: &str) -> Result<(), ApiError>;
    /// `PUT _plugins/_replication/<follower>/_update`.
    async fn ccr_update_settings(
        &self,
        follower_index: &str,
        settings: &Value,
    ) -> Result<(), ApiError>;
    /// `GET _plugins/_replication/<follower>/_status`.
    async fn ccr_status(&self, follower_index: &str) -> Result<ReplicationStatus, ApiError>;
    /// `GET _plugins/_replication/follower_stats`.
    async fn ccr_follower_stats(&self) -> Result<Value, ApiError>;
    /// `GET _plugins/_replication/leader_stats`.
    async fn ccr_leader_stats(&self) -> Result<Value, ApiError>;
    /// `POST _plugins/_replication/_autofollow`.
    async fn ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError>;
    /// `DELETE _plugins/_replication/_autofollow`.
    async fn ccr_autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), ApiError>;
}
