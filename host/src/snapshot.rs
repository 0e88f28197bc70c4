//! The per-tick cluster snapshot: the reads every tenant's plugins make (health, thread
//! pools, nodes, indices, aliases, ISM explain, CCR status) are fetched once per tick per
//! cluster and served to all of them, each through its own guarded view that narrows them
//! to its grant. Read requests per cluster per tick therefore do not grow with the number
//! of tenants.
//!
//! [`Snapshot`] is a [`ClusterApi`] decorator: reads it caches are answered from memory while
//! younger than the tick; everything else passes through. A mutation invalidates what it can
//! have changed, so the next read sees its effect. Concurrent misses wait for one fetch.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::cluster::model::*;
use crate::cluster::{ApiError, ClusterApi, DynCluster};
use crate::pattern::matches_expression;
use lifeguard_common::name_index::NameIndex;

/// Hook called with every fresh health and thread-pool read, e.g. to feed the breaker.
pub trait SnapshotObserver: Send + Sync {
    fn health(&self, cluster: &str, health: &ClusterHealth);
    fn thread_pools(&self, cluster: &str, pools: &[ThreadPool]);
}

/// One cached read.
struct Slot<T> {
    value: Mutex<Option<(Instant, Result<T, ApiError>)>>,
}

impl<T: Clone> Slot<T> {
    fn new() -> Self {
        Self {
            value: Mutex::new(None),
        }
    }

    /// The cached value if younger than `ttl`, else the result of `fetch` (which is cached).
    /// The lock is held across the fetch so concurrent misses make one request.
    async fn get<F, Fut>(&self, ttl: Duration, fetch: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let mut guard = self.value.lock().await;
        if let Some((at, v)) = guard.as_ref() {
            if at.elapsed() < ttl {
                return v.clone();
            }
        }
        let v = fetch().await;
        *guard = Some((Instant::now(), v.clone()));
        v
    }

    async fn invalidate(&self) {
        *self.value.lock().await = None;
    }
}

/// A cluster's shared snapshot.
pub struct Snapshot {
    inner: DynCluster,
    ttl: Duration,
    observer: Option<Arc<dyn SnapshotObserver>>,
    health: Slot<ClusterHealth>,
    pools: Slot<Vec<ThreadPool>>,
    nodes: Slot<Vec<NodeInfo>>,
    // The big lists are shared: each tenant's read clones only the entries it matches,
    // found through the names sorted once per fetch.
    indices: Slot<Arc<Named<IndexRow>>>,
    aliases: Slot<Arc<Vec<AliasEntry>>>,
    explain: Slot<Arc<Named<ExplainEntry>>>,
    ccr: Mutex<HashMap<String, Cached<ReplicationStatus>>>,
}

/// A fetched list and its names, sorted once.
struct Named<T> {
    rows: Vec<T>,
    names: NameIndex,
    name: fn(&T) -> &str,
}

impl<T: Clone> Named<T> {
    fn new(rows: Vec<T>, name: fn(&T) -> &str) -> Self {
        let names = NameIndex::new(rows.iter().map(name));
        Self { rows, names, name }
    }

    /// The rows whose name matches `pattern`, in the cluster's order.
    fn select(&self, pattern: &str) -> Vec<T> {
        self.names
            .matching(pattern, |i| (self.name)(&self.rows[i]))
            .into_iter()
            .map(|i| self.rows[i].clone())
            .collect()
    }
}

/// A read and when it was made.
type Cached<T> = (Instant, Result<T, ApiError>);

impl Snapshot {
    /// Cache `inner`'s reads for `ttl` (one tick).
    pub fn new(
        inner: DynCluster,
        ttl: Duration,
        observer: Option<Arc<dyn SnapshotObserver>>,
    ) -> Self {
        Self {
            inner,
            ttl,
            observer,
            health: Slot::new(),
            pools: Slot::new(),
            nodes: Slot::new(),
            indices: Slot::new(),
            aliases: Slot::new(),
            explain: Slot::new(),
            ccr: Mutex::new(HashMap::new()),
        }
    }

    /// The last health this snapshot read, without fetching.
    pub fn last_health(&self) -> Option<HealthStatus> {
        let guard = self.health.value.try_lock().ok()?;
        match guard.as_ref() {
            Some((_, Ok(h))) => Some(h.status),
            _ => None,
        }
    }

    /// Forget everything: the next read of each kind fetches again.
    pub async fn invalidate_all(&self) {
        self.health.invalidate().await;
        self.pools.invalidate().await;
        self.nodes.invalidate().await;
        self.indices.invalidate().await;
        self.aliases.invalidate().await;
        self.explain.invalidate().await;
        self.ccr.lock().await.clear();
    }

    /// After a mutation of index settings, aliases or rollover.
    async fn indices_changed(&self) {
        self.indices.invalidate().await;
        self.aliases.invalidate().await;
        self.explain.invalidate().await;
        self.nodes.invalidate().await;
    }

    async fn ccr_changed(&self, follower: &str) {
        self.ccr.lock().await.remove(follower);
        self.indices.invalidate().await;
    }
}

#[async_trait]
impl ClusterApi for Snapshot {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn health(&self) -> Result<ClusterHealth, ApiError> {
        self.health
            .get(self.ttl, || async {
                let h = self.inner.health().await;
                if let (Ok(h), Some(o)) = (&h, &self.observer) {
                    o.health(self.inner.name(), h);
                }
                h
            })
            .await
    }

    async fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError> {
        let all = self
            .indices
            .get(self.ttl, || async {
                let rows = self.inner.indices("*").await?;
                Ok(Arc::new(Named::new(rows, |r: &IndexRow| r.index.as_str())))
            })
            .await?;
        Ok(all.select(pattern))
    }

    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        self.pools
            .get(self.ttl, || async {
                let p = self.inner.thread_pools().await;
                if let (Ok(p), Some(o)) = (&p, &self.observer) {
                    o.thread_pools(self.inner.name(), p);
                }
                p
            })
            .await
    }

    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        self.nodes.get(self.ttl, || self.inner.nodes()).await
    }

    async fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError> {
        let all = self
            .aliases
            .get(self.ttl, || async {
                self.inner.aliases("*").await.map(Arc::new)
            })
            .await?;
        Ok(all
            .iter()
            .filter(|a| {
                matches_expression(pattern, &a.alias) || matches_expression(pattern, &a.index)
            })
            .cloned()
            .collect())
    }

    async fn get_settings(&self, index: &str) -> Result<Value, ApiError> {
        self.inner.get_settings(index).await
    }

    async fn put_settings(&self, index: &str, settings: &Value) -> Result<(), ApiError> {
        let r = self.inner.put_settings(index, settings).await;
        self.indices_changed().await;
        r
    }

    async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        self.inner.allocation_explain(index, shard, primary).await
    }

    async fn rollover(
        &self,
        alias: &str,
        conditions: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError> {
        let r = self.inner.rollover(alias, conditions, dry_run).await;
        if !dry_run {
            self.indices_changed().await;
        }
        r
    }

    async fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError> {
        let r = self.inner.update_aliases(actions).await;
        self.indices_changed().await;
        r
    }

    async fn cluster_settings(&self) -> Result<Value, ApiError> {
        self.inner.cluster_settings().await
    }

    async fn put_cluster_settings(&self, body: &Value) -> Result<(), ApiError> {
        self.inner.put_cluster_settings(body).await
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        let r = self.inner.raw(method, path, body).await;
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        if !crate::guard::raw::is_read_request(method, p, q) {
            self.invalidate_all().await;
        }
        r
    }

    async fn ism_explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, ApiError> {
        let all = self
            .explain
            .get(self.ttl, || async {
                let rows = self.inner.ism_explain("*").await?;
                Ok(Arc::new(Named::new(rows, |e: &ExplainEntry| {
                    e.index.as_str()
                })))
            })
            .await?;
        Ok(all.select(pattern))
    }

    async fn ism_add(&self, pattern: &str, policy_id: &str) -> Result<StatusResponse, ApiError> {
        let r = self.inner.ism_add(pattern, policy_id).await;
        self.explain.invalidate().await;
        r
    }

    async fn ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError> {
        let r = self.inner.ism_remove(pattern).await;
        self.explain.invalidate().await;
        r
    }

    async fn ism_change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let r = self
            .inner
            .ism_change_policy(pattern, policy_id, state, include_state)
            .await;
        self.explain.invalidate().await;
        r
    }

    async fn ism_retry(
        &self,
        pattern: &str,
        state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let r = self.inner.ism_retry(pattern, state).await;
        self.explain.invalidate().await;
        r
    }

    async fn get_policy(&self, policy_id: &str) -> Result<PolicyDoc, ApiError> {
        self.inner.get_policy(policy_id).await
    }

    async fn put_policy(
        &self,
        policy_id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        self.inner.put_policy(policy_id, body, if_seq_no).await
    }

    async fn delete_policy(&self, policy_id: &str) -> Result<(), ApiError> {
        self.inner.delete_policy(policy_id).await
    }

    async fn ccr_start(
        &self,
        follower_index: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&Value>,
    ) -> Result<(), ApiError> {
        let r = self
            .inner
            .ccr_start(follower_index, leader_alias, leader_index, settings)
            .await;
        self.ccr_changed(follower_index).await;
        r
    }

    async fn ccr_pause(&self, follower_index: &str) -> Result<(), ApiError> {
        let r = self.inner.ccr_pause(follower_index).await;
        self.ccr_changed(follower_index).await;
        r
    }

    async fn ccr_resume(&self, follower_index: &str, force: bool) -> Result<(), ApiError> {
        let r = self.inner.ccr_resume(follower_index, force).await;
        self.ccr_changed(follower_index).await;
        r
    }

    async fn ccr_stop(&self, follower_index: &str) -> Result<(), ApiError> {
        let r = self.inner.ccr_stop(follower_index).await;
        self.ccr_changed(follower_index).await;
        r
    }

    async fn ccr_update_settings(
        &self,
        follower_index: &str,
        settings: &Value,
    ) -> Result<(), ApiError> {
        let r = self
            .inner
            .ccr_update_settings(follower_index, settings)
            .await;
        self.ccr_changed(follower_index).await;
        r
    }

    async fn ccr_status(&self, follower_index: &str) -> Result<ReplicationStatus, ApiError> {
        let mut map = self.ccr.lock().await;
        if let Some((at, v)) = map.get(follower_index) {
            if at.elapsed() < self.ttl {
                return v.clone();
            }
        }
        let v = self.inner.ccr_status(follower_index).await;
        map.insert(follower_index.to_string(), (Instant::now(), v.clone()));
        v
    }

    async fn ccr_follower_stats(&self) -> Result<Value, ApiError> {
        self.inner.ccr_follower_stats().await
    }

    async fn ccr_leader_stats(&self) -> Result<Value, ApiError> {
        self.inner.ccr_leader_stats().await
    }

    async fn ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError> {
        self.inner
            .ccr_autofollow_create(leader_alias, name, pattern)
            .await
    }

    async fn ccr_autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), ApiError> {
        self.inner.ccr_autofollow_delete(leader_alias, name).await
    }
}
