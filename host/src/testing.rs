//! Test doubles, shared by the unit tests and, behind the `test-support` feature, by the
//! end-to-end tests: a manual clock, temp dirs, and an in-memory cluster that records every
//! call it receives.
// Test support only: a failed set-up should stop the test that asked for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::cluster::model::*;
use crate::cluster::{ApiError, ClusterApi};

pub use crate::time::ManualClock;

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let d = std::env::temp_dir().join(format!(
        "lifeguard-guard-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<String>,
    indices: Vec<String>,
    aliases: Vec<AliasEntry>,
    policies: Vec<PolicyDoc>,
    managed: Vec<(String, String, i64)>,
    cluster_settings: Value,
    settings_delay: Duration,
    put_delay: Duration,
}

/// An in-memory cluster. Every call is logged as `"<verb> <target>"`; reads of index patterns
/// answer from its index list, so narrowing is observable.
#[derive(Debug, Default)]
pub struct FakeCluster(Mutex<State>);

/// Whether `name` matches a comma-separated expression with `-` exclusions, as the host
/// and the simulator match it.
pub use lifeguard_common::pattern::matches_expression as expr_matches;

impl FakeCluster {
    pub fn with_indices(names: &[&str]) -> Self {
        let f = Self::default();
        f.st().indices = names.iter().map(|s| s.to_string()).collect();
        f
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    fn log(&self, call: String) {
        self.st().calls.push(call);
    }

    pub fn calls(&self) -> Vec<String> {
        self.st().calls.clone()
    }

    pub fn calls_matching(&self, verb: &str) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.split(' ').next() == Some(verb))
            .collect()
    }

    pub fn add_alias(&self, alias: &str, index: &str, write: bool) {
        self.st().aliases.push(AliasEntry {
            alias: alias.into(),
            index: index.into(),
            is_write_index: Some(write),
        });
    }

    pub fn add_policy(&self, id: &str, seq_no: i64, body: Value) {
        self.st().policies.push(PolicyDoc {
            id: id.into(),
            seq_no,
            primary_term: 1,
            body: body.to_string(),
        });
    }

    pub fn manage(&self, index: &str, policy: &str, seq_no: i64) {
        self.st()
            .managed
            .push((index.into(), policy.into(), seq_no));
    }

    pub fn set_cluster_settings(&self, v: Value) {
        self.st().cluster_settings = v;
    }

    pub fn cluster_settings_value(&self) -> Value {
        self.st().cluster_settings.clone()
    }

    pub fn set_settings_delay(&self, d: Duration) {
        self.st().settings_delay = d;
        self.st().put_delay = d;
    }

    pub fn set_settings_delay_put_only(&self, d: Duration) {
        self.st().settings_delay = Duration::ZERO;
        self.st().put_delay = d;
    }

    fn matching(&self, expr: &str) -> Vec<String> {
        self.st()
            .indices
            .iter()
            .filter(|i| expr_matches(expr, i))
            .cloned()
            .collect()
    }

    fn status(&self, pattern: &str) -> StatusResponse {
        StatusResponse {
            updated_indices: self.matching(pattern).len() as u32,
            failures: false,
            failed_indices: vec![],
        }
    }
}

fn row(name: &str) -> IndexRow {
    IndexRow {
        index: name.into(),
        uuid: format!("uuid-{name}"),
        health: Some(HealthStatus::Green),
        status: "open".into(),
        primaries: 1,
        replicas: 1,
        docs_count: Some(1),
        docs_deleted: Some(0),
        store_bytes: Some(100),
        primary_store_bytes: Some(50),
        creation_date_ms: Some(0),
    }
}

pub fn explain(index: &str, policy: Option<(String, i64)>) -> ExplainEntry {
    ExplainEntry {
        index: index.into(),
        index_uuid: None,
        policy_seq_no: policy.as_ref().map(|p| p.1),
        policy_id: policy.map(|p| p.0),
        policy_primary_term: None,
        enabled: None,
        index_creation_date_ms: None,
        rolled_over: None,
        rolled_over_index_name: None,
        policy_completed: false,
        transition_to: None,
        state: None,
        action: None,
        step: None,
        retry_info: None,
        info_message: None,
        info_cause: None,
    }
}

#[async_trait]
impl ClusterApi for FakeCluster {
    fn name(&self) -> &str {
        "fake"
    }
    async fn health(&self) -> Result<ClusterHealth, ApiError> {
        self.log("health".into());
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
    async fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError> {
        self.log(format!("indices {pattern}"));
        Ok(self.matching(pattern).iter().map(|n| row(n)).collect())
    }
    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        self.log("thread_pools".into());
        Ok(vec![])
    }
    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        self.log("nodes".into());
        Ok(vec![])
    }
    async fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError> {
        self.log(format!("aliases {pattern}"));
        let st = self.st();
        Ok(st
            .aliases
            .iter()
            .filter(|a| expr_matches(pattern, &a.alias))
            .cloned()
            .collect())
    }
    async fn get_settings(&self, index: &str) -> Result<Value, ApiError> {
        self.log(format!("get_settings {index}"));
        Ok(json!({"index.number_of_replicas": "1"}))
    }
    async fn put_settings(&self, index: &str, _: &Value) -> Result<(), ApiError> {
        self.log(format!("put_settings {index}"));
        Ok(())
    }
    async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        self.log(format!("allocation_explain {index}"));
        Ok(AllocationExplanation {
            index: index.into(),
            shard,
            primary,
            current_state: "started".into(),
            current_node: None,
            unassigned_reason: None,
            can_allocate: None,
            allocate_explanation: None,
            node_decisions: vec![],
        })
    }
    async fn rollover(
        &self,
        alias: &str,
        _: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError> {
        self.log(format!("rollover {alias} dry_run={dry_run}"));
        Ok(RolloverResult {
            old_index: format!("{alias}-000001"),
            new_index: format!("{alias}-000002"),
            rolled_over: !dry_run,
            dry_run,
            conditions: vec![],
        })
    }
    async fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError> {
        self.log(format!("update_aliases {}", actions.len()));
        Ok(())
    }
    async fn cluster_settings(&self) -> Result<Value, ApiError> {
        self.log("cluster_settings".into());
        let d = self.st().settings_delay;
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
        Ok(self.st().cluster_settings.clone())
    }
    async fn put_cluster_settings(&self, body: &Value) -> Result<(), ApiError> {
        self.log(format!("put_cluster_settings {body}"));
        let d = self.st().put_delay;
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
        let mut st = self.st();
        for section in ["persistent", "transient"] {
            let Some(Value::Object(m)) = body.get(section) else {
                continue;
            };
            if !st.cluster_settings.is_object() {
                st.cluster_settings = json!({});
            }
            let target = st
                .cluster_settings
                .as_object_mut()
                .unwrap()
                .entry(section)
                .or_insert_with(|| json!({}));
            for (k, v) in m {
                if v.is_null() {
                    target.as_object_mut().unwrap().remove(k);
                } else {
                    target[k] = v.clone();
                }
            }
        }
        Ok(())
    }
    async fn raw(
        &self,
        method: &str,
        path: &str,
        _: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        self.log(format!("raw {method} {path}"));
        Ok(RawResponse {
            status: 200,
            body: "{}".into(),
        })
    }
    async fn ism_explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, ApiError> {
        self.log(format!("ism_explain {pattern}"));
        let names = self.matching(pattern);
        let st = self.st();
        Ok(names
            .iter()
            .map(|n| {
                let p = st
                    .managed
                    .iter()
                    .find(|m| &m.0 == n)
                    .map(|m| (m.1.clone(), m.2));
                explain(n, p)
            })
            .collect())
    }
    async fn ism_add(&self, pattern: &str, policy: &str) -> Result<StatusResponse, ApiError> {
        self.log(format!("ism_add {pattern} {policy}"));
        Ok(self.status(pattern))
    }
    async fn ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError> {
        self.log(format!("ism_remove {pattern}"));
        Ok(self.status(pattern))
    }
    async fn ism_change_policy(
        &self,
        pattern: &str,
        policy: &str,
        _: Option<&str>,
        _: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        self.log(format!("ism_change_policy {pattern} {policy}"));
        Ok(self.status(pattern))
    }
    async fn ism_retry(&self, pattern: &str, _: Option<&str>) -> Result<StatusResponse, ApiError> {
        self.log(format!("ism_retry {pattern}"));
        Ok(self.status(pattern))
    }
    async fn get_policy(&self, id: &str) -> Result<PolicyDoc, ApiError> {
        self.log(format!("get_policy {id}"));
        self.st()
            .policies
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("policy [{id}]")))
    }
    async fn put_policy(
        &self,
        id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        self.log(format!("put_policy {id}"));
        let mut st = self.st();
        let seq = st.policies.iter().map(|p| p.seq_no).max().unwrap_or(-1) + 1;
        let doc = PolicyDoc {
            id: id.into(),
            seq_no: seq,
            primary_term: 1,
            body: body.to_string(),
        };
        match (st.policies.iter().position(|p| p.id == id), if_seq_no) {
            (Some(i), Some((s, _))) if st.policies[i].seq_no == s => st.policies[i] = doc.clone(),
            (None, None) => st.policies.push(doc.clone()),
            _ => return Err(ApiError::Conflict(format!("policy [{id}]"))),
        }
        Ok(doc)
    }
    async fn delete_policy(&self, id: &str) -> Result<(), ApiError> {
        self.log(format!("delete_policy {id}"));
        self.st().policies.retain(|p| p.id != id);
        Ok(())
    }
    async fn ccr_start(
        &self,
        follower: &str,
        leader_alias: &str,
        leader: &str,
        _: Option<&Value>,
    ) -> Result<(), ApiError> {
        self.log(format!("ccr_start {follower} {leader_alias} {leader}"));
        Ok(())
    }
    async fn ccr_pause(&self, follower: &str) -> Result<(), ApiError> {
        self.log(format!("ccr_pause {follower}"));
        Ok(())
    }
    async fn ccr_resume(&self, follower: &str, _: bool) -> Result<(), ApiError> {
        self.log(format!("ccr_resume {follower}"));
        Ok(())
    }
    async fn ccr_stop(&self, follower: &str) -> Result<(), ApiError> {
        self.log(format!("ccr_stop {follower}"));
        Ok(())
    }
    async fn ccr_update_settings(&self, follower: &str, _: &Value) -> Result<(), ApiError> {
        self.log(format!("ccr_update_settings {follower}"));
        Ok(())
    }
    async fn ccr_status(&self, follower: &str) -> Result<ReplicationStatus, ApiError> {
        self.log(format!("ccr_status {follower}"));
        Ok(ReplicationStatus {
            state: ReplicationState::Syncing,
            reason: None,
            leader_alias: None,
            leader_index: None,
            follower_index: Some(follower.into()),
            leader_checkpoint: None,
            follower_checkpoint: None,
            seq_no: None,
        })
    }
    async fn ccr_follower_stats(&self) -> Result<Value, ApiError> {
        self.log("ccr_follower_stats".into());
        Ok(json!({"num_syncing_indices": 2, "index_stats": {
            "logs-app1-000001": {"operations_written": 1},
            "secret-000001": {"operations_written": 2}
        }}))
    }
    async fn ccr_leader_stats(&self) -> Result<Value, ApiError> {
        self.log("ccr_leader_stats".into());
        Ok(json!({"index_stats": {"secret-000001": {}}}))
    }
    async fn ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError> {
        self.log(format!(
            "ccr_autofollow_create {leader_alias} {name} {pattern}"
        ));
        Ok(())
    }
    async fn ccr_autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), ApiError> {
        self.log(format!("ccr_autofollow_delete {leader_alias} {name}"));
        Ok(())
    }
}
