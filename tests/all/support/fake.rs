//! A minimal in-memory cluster for runtime tests that need no real cluster behaviour: health
//! answers green and counts calls; everything else is `unavailable`.
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use lifeguard::cluster::model::*;
use lifeguard::cluster::{ApiError, ClusterApi};
use serde_json::Value;

#[derive(Default)]
pub struct FakeCluster {
    pub health_calls: AtomicU64,
    pub other_calls: AtomicU64,
}

impl FakeCluster {
    fn nope<T>(&self) -> Result<T, ApiError> {
        self.other_calls.fetch_add(1, Ordering::Relaxed);
        Err(ApiError::Unavailable("fake cluster".into()))
    }
}

#[async_trait]
impl ClusterApi for FakeCluster {
    fn name(&self) -> &str {
        "fake"
    }
    async fn health(&self) -> Result<ClusterHealth, ApiError> {
        self.health_calls.fetch_add(1, Ordering::Relaxed);
        Ok(ClusterHealth {
            cluster_name: "fake".into(),
            status: HealthStatus::Green,
            number_of_nodes: 3,
            number_of_data_nodes: 3,
            active_primary_shards: 1,
            active_shards: 2,
            relocating_shards: 0,
            initializing_shards: 0,
            unassigned_shards: 0,
        })
    }
    async fn indices(&self, _: &str) -> Result<Vec<IndexRow>, ApiError> {
        self.nope()
    }
    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        self.nope()
    }
    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        self.nope()
    }
    async fn aliases(&self, _: &str) -> Result<Vec<AliasEntry>, ApiError> {
        self.nope()
    }
    async fn get_settings(&self, _: &str) -> Result<Value, ApiError> {
        self.nope()
    }
    async fn put_settings(&self, _: &str, _: &Value) -> Result<(), ApiError> {
        self.nope()
    }
    async fn allocation_explain(
        &self,
        _: &str,
        _: u32,
        _: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        self.nope()
    }
    async fn rollover(
        &self,
        _: &str,
        _: Option<&Value>,
        _: bool,
    ) -> Result<RolloverResult, ApiError> {
        self.nope()
    }
    async fn update_aliases(&self, _: &[AliasAction]) -> Result<(), ApiError> {
        self.nope()
    }
    async fn cluster_settings(&self) -> Result<Value, ApiError> {
        self.nope()
    }
    async fn put_cluster_settings(&self, _: &Value) -> Result<(), ApiError> {
        self.nope()
    }
    async fn raw(&self, _: &str, _: &str, _: Option<&str>) -> Result<RawResponse, ApiError> {
        self.nope()
    }
    async fn ism_explain(&self, _: &str) -> Result<Vec<ExplainEntry>, ApiError> {
        self.nope()
    }
    async fn ism_add(&self, _: &str, _: &str) -> Result<StatusResponse, ApiError> {
        self.nope()
    }
    async fn ism_remove(&self, _: &str) -> Result<StatusResponse, ApiError> {
        self.nope()
    }
    async fn ism_change_policy(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        self.nope()
    }
    async fn ism_retry(&self, _: &str, _: Option<&str>) -> Result<StatusResponse, ApiError> {
        self.nope()
    }
    async fn get_policy(&self, _: &str) -> Result<PolicyDoc, ApiError> {
        self.nope()
    }
    async fn put_policy(
        &self,
        _: &str,
        _: &Value,
        _: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        self.nope()
    }
    async fn delete_policy(&self, _: &str) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_start(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Option<&Value>,
    ) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_pause(&self, _: &str) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_resume(&self, _: &str, _: bool) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_stop(&self, _: &str) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_update_settings(&self, _: &str, _: &Value) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_status(&self, _: &str) -> Result<ReplicationStatus, ApiError> {
        self.nope()
    }
    async fn ccr_follower_stats(&self) -> Result<Value, ApiError> {
        self.nope()
    }
    async fn ccr_leader_stats(&self) -> Result<Value, ApiError> {
        self.nope()
    }
    async fn ccr_autofollow_create(&self, _: &str, _: &str, _: &str) -> Result<(), ApiError> {
        self.nope()
    }
    async fn ccr_autofollow_delete(&self, _: &str, _: &str) -> Result<(), ApiError> {
        self.nope()
    }
}
