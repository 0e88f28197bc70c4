//! [`ClusterApi`] for [`HttpCluster`]: one line per method, the work is in `calls_*`.
use async_trait::async_trait;
use serde_json::Value;

use super::HttpCluster;
use crate::cluster::model::*;
use crate::cluster::{ApiError, ClusterApi};

#[async_trait]
impl ClusterApi for HttpCluster {
    fn name(&self) -> &str {
        &self.t.name
    }

    async fn health(&self) -> Result<ClusterHealth, ApiError> {
        self.do_health().await
    }
    async fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError> {
        self.do_indices(pattern).await
    }
    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        self.do_thread_pools().await
    }
    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        self.do_nodes().await
    }
    async fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError> {
        self.do_aliases(pattern).await
    }
    async fn get_settings(&self, index: &str) -> Result<Value, ApiError> {
        self.do_get_settings(index).await
    }
    async fn put_settings(&self, index: &str, settings: &Value) -> Result<(), ApiError> {
        self.do_put_settings(index, settings).await
    }
    async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        self.do_allocation_explain(index, shard, primary).await
    }
    async fn rollover(
        &self,
        alias: &str,
        conditions: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError> {
        self.do_rollover(alias, conditions, dry_run).await
    }
    async fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError> {
        self.do_update_aliases(actions).await
    }
    async fn cluster_settings(&self) -> Result<Value, ApiError> {
        self.do_cluster_settings().await
    }
    async fn put_cluster_settings(&self, body: &Value) -> Result<(), ApiError> {
        self.do_put_cluster_settings(body).await
    }
    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        self.do_raw(method, path, body).await
    }

    async fn ism_explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, ApiError> {
        self.do_ism_explain(pattern).await
    }
    async fn ism_add(&self, pattern: &str, policy_id: &str) -> Result<StatusResponse, ApiError> {
        self.do_ism_add(pattern, policy_id).await
    }
    async fn ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError> {
        self.do_ism_remove(pattern).await
    }
    async fn ism_change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        self.do_ism_change_policy(pattern, policy_id, state, include_state)
            .await
    }
    async fn ism_retry(
        &self,
        pattern: &str,
        state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        self.do_ism_retry(pattern, state).await
    }
    async fn get_policy(&self, policy_id: &str) -> Result<PolicyDoc, ApiError> {
        self.do_get_policy(policy_id).await
    }
    async fn put_policy(
        &self,
        policy_id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        self.do_put_policy(policy_id, body, if_seq_no).await
    }
    async fn delete_policy(&self, policy_id: &str) -> Result<(), ApiError> {
        self.do_delete_policy(policy_id).await
    }

    async fn ccr_start(
        &self,
        follower_index: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&Value>,
    ) -> Result<(), ApiError> {
        self.do_ccr_start(follower_index, leader_alias, leader_index, settings)
            .await
    }
    async fn ccr_pause(&self, follower_index: &str) -> Result<(), ApiError> {
        self.do_ccr_pause(follower_index).await
    }
    async fn ccr_resume(&self, follower_index: &str, force: bool) -> Result<(), ApiError> {
        self.do_ccr_resume(follower_index, force).await
    }
    async fn ccr_stop(&self, follower_index: &str) -> Result<(), ApiError> {
        self.do_ccr_stop(follower_index).await
    }
    async fn ccr_update_settings(
        &self,
        follower_index: &str,
        settings: &Value,
    ) -> Result<(), ApiError> {
        self.do_ccr_update_settings(follower_index, settings).await
    }
    async fn ccr_status(&self, follower_index: &str) -> Result<ReplicationStatus, ApiError> {
        self.do_ccr_status(follower_index).await
    }
    async fn ccr_follower_stats(&self) -> Result<Value, ApiError> {
        self.get_value("/_plugins/_replication/follower_stats".into())
            .await
    }
    async fn ccr_leader_stats(&self) -> Result<Value, ApiError> {
        self.get_value("/_plugins/_replication/leader_stats".into())
            .await
    }
    async fn ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError> {
        self.do_ccr_autofollow_create(leader_alias, name, pattern)
            .await
    }
    async fn ccr_autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), ApiError> {
        self.do_ccr_autofollow_delete(leader_alias, name).await
    }
}
