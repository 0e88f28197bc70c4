//! `ClusterApi` for [`Guarded`]: each method states what it names (for scope), whether it
//! mutates, and its dry-run answer; [`Guarded::mutate`] does the rest.
use async_trait::async_trait;
use serde_json::Value;

use super::audit::summarize_json;
use super::dry_run;
use super::guarded::{Guarded, Mutation};
use super::raw;
use super::raw_call::outcome_of;
use crate::cluster::model::*;
use crate::cluster::{ApiError, ClusterApi};

impl Guarded {
    /// Keep the `index_stats` entries of a CCR stats document that are inside the grant.
    fn filter_index_stats(&self, mut v: Value) -> Value {
        if let Some(Value::Object(m)) = v.get_mut("index_stats") {
            m.retain(|k, _| self.ctx.grant.allows_name(k));
        }
        v
    }

    fn alias_scope(&self, actions: &[AliasAction]) -> Result<(), String> {
        actions.iter().try_for_each(|a| {
            let (index, alias) = match a {
                AliasAction::Add(x) => (&x.index, &x.alias),
                AliasAction::Remove(x) => (&x.index, &x.alias),
            };
            self.index_scope(index).and(self.index_scope(alias))
        })
    }
}

fn alias_summary(actions: &[AliasAction]) -> String {
    actions
        .iter()
        .map(|a| match a {
            AliasAction::Add(x) => format!(
                "add {}→{}{}",
                x.index,
                x.alias,
                if x.is_write_index == Some(true) {
                    " (write)"
                } else {
                    ""
                }
            ),
            AliasAction::Remove(x) => format!("remove {}→{}", x.index, x.alias),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "-".into(), str::to_string)
}

#[async_trait]
impl ClusterApi for Guarded {
    fn name(&self) -> &str {
        self.inner.name()
    }

    // ---- cluster-wide reads: the cluster alias is the only scope ----

    async fn health(&self) -> Result<ClusterHealth, ApiError> {
        self.read_scope(Ok(()))?;
        self.inner.health().await
    }

    async fn thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        self.read_scope(Ok(()))?;
        self.inner.thread_pools().await
    }

    async fn nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        self.read_scope(Ok(()))?;
        self.inner.nodes().await
    }

    async fn cluster_settings(&self) -> Result<Value, ApiError> {
        self.read_scope(Ok(()))?;
        self.inner.cluster_settings().await
    }

    // ---- narrowed reads ----

    async fn indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError> {
        let Some(p) = self.narrow(pattern)? else {
            return Ok(Vec::new());
        };
        let mut rows = self.inner.indices(&p).await?;
        rows.retain(|r| self.ctx.grant.allows_name(&r.index));
        Ok(rows)
    }

    async fn aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError> {
        let Some(p) = self.narrow(pattern)? else {
            return Ok(Vec::new());
        };
        let mut rows = self.inner.aliases(&p).await?;
        rows.retain(|a| {
            self.ctx.grant.allows_name(&a.alias) && self.ctx.grant.allows_name(&a.index)
        });
        Ok(rows)
    }

    async fn ism_explain(&self, pattern: &str) -> Result<Vec<ExplainEntry>, ApiError> {
        let Some(p) = self.narrow(pattern)? else {
            return Ok(Vec::new());
        };
        let mut rows = self.inner.ism_explain(&p).await?;
        rows.retain(|e| self.ctx.grant.allows_name(&e.index));
        Ok(rows)
    }

    async fn ccr_follower_stats(&self) -> Result<Value, ApiError> {
        self.read_scope(Ok(()))?;
        Ok(self.filter_index_stats(self.inner.ccr_follower_stats().await?))
    }

    async fn ccr_leader_stats(&self) -> Result<Value, ApiError> {
        self.read_scope(Ok(()))?;
        Ok(self.filter_index_stats(self.inner.ccr_leader_stats().await?))
    }

    // ---- single-target reads: the target must be inside the grant ----

    async fn get_settings(&self, index: &str) -> Result<Value, ApiError> {
        self.read_scope(self.index_scope(index))?;
        self.alias_guard(&[index]).await?;
        self.inner.get_settings(index).await
    }

    async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        self.read_scope(self.index_scope(index))?;
        self.inner.allocation_explain(index, shard, primary).await
    }

    async fn get_policy(&self, policy_id: &str) -> Result<PolicyDoc, ApiError> {
        self.read_scope(self.policy_scope(policy_id))?;
        self.inner.get_policy(policy_id).await
    }

    async fn ccr_status(&self, follower_index: &str) -> Result<ReplicationStatus, ApiError> {
        self.read_scope(self.index_scope(follower_index))?;
        self.inner.ccr_status(follower_index).await
    }

    // ---- mutations ----

    async fn put_settings(&self, index: &str, settings: &Value) -> Result<(), ApiError> {
        let m = Mutation::new("put_settings", index)
            .scope(self.index_scope(index))
            .scope(raw::check_settings(&self.ctx.grant, settings))
            .request(summarize_json(settings));
        if let Err(e) = self.alias_guard_for(&m, &[index]).await {
            return self.refuse(&m, outcome_of(&e), e).await;
        }
        self.mutate(m, async {}, self.inner.put_settings(index, settings))
            .await
    }

    async fn rollover(
        &self,
        alias: &str,
        conditions: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError> {
        if dry_run {
            // OpenSearch's own dry run changes nothing: a read.
            self.read_scope(self.index_scope(alias))?;
            self.alias_guard(&[alias]).await?;
            return self.inner.rollover(alias, conditions, true).await;
        }
        let m = Mutation::new("rollover", alias)
            .scope(self.index_scope(alias))
            .request(conditions.map(summarize_json).unwrap_or_default());
        if let Err(e) = self.alias_guard_for(&m, &[alias]).await {
            return self.refuse(&m, outcome_of(&e), e).await;
        }
        let dry = dry_run::rollover(self.inner.as_ref(), alias, conditions);
        self.mutate(m, dry, self.inner.rollover(alias, conditions, false))
            .await
    }

    async fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError> {
        let summary = alias_summary(actions);
        let m = Mutation::new("update_aliases", summary.clone())
            .scope(self.alias_scope(actions))
            .scope(if actions.is_empty() {
                Err("an empty alias action list".into())
            } else {
                Ok(())
            })
            .request(summary);
        self.mutate(m, async {}, self.inner.update_aliases(actions))
            .await
    }

    async fn put_cluster_settings(&self, body: &Value) -> Result<(), ApiError> {
        // Cluster-wide settings are platform config; no tenant grant covers them.
        let m = Mutation::new("put_cluster_settings", "_cluster/settings")
            .scope(Err("cluster-wide settings".into()))
            .request(summarize_json(body));
        self.mutate(m, async {}, self.inner.put_cluster_settings(body))
            .await
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        self.raw_request(method, path, body).await
    }

    async fn ism_add(&self, pattern: &str, policy_id: &str) -> Result<StatusResponse, ApiError> {
        let m = Mutation::new("ism_add", pattern)
            .scope(self.index_scope(pattern))
            .scope(self.policy_scope(policy_id))
            .request(format!("policy_id={policy_id}"));
        let dry =
            async { dry_run::status(dry_run::count_targets(self.inner.as_ref(), pattern).await) };
        self.mutate(m, dry, self.inner.ism_add(pattern, policy_id))
            .await
    }

    async fn ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError> {
        let m = Mutation::new("ism_remove", pattern).scope(self.index_scope(pattern));
        let dry =
            async { dry_run::status(dry_run::count_targets(self.inner.as_ref(), pattern).await) };
        self.mutate(m, dry, self.inner.ism_remove(pattern)).await
    }

    async fn ism_change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let m = Mutation::new("ism_change_policy", pattern)
            .scope(self.index_scope(pattern))
            .scope(self.policy_scope(policy_id))
            .request(format!(
                "policy_id={policy_id} state={} include_state={}",
                opt(state),
                opt(include_state)
            ));
        let dry =
            async { dry_run::status(dry_run::count_targets(self.inner.as_ref(), pattern).await) };
        let send = self
            .inner
            .ism_change_policy(pattern, policy_id, state, include_state);
        self.mutate(m, dry, send).await
    }

    async fn ism_retry(
        &self,
        pattern: &str,
        state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let m = Mutation::new("ism_retry", pattern)
            .scope(self.index_scope(pattern))
            .request(format!("state={}", opt(state)));
        let dry =
            async { dry_run::status(dry_run::count_targets(self.inner.as_ref(), pattern).await) };
        self.mutate(m, dry, self.inner.ism_retry(pattern, state))
            .await
    }

    async fn put_policy(
        &self,
        policy_id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        let mut m = Mutation::new("put_policy", policy_id)
            .scope(self.policy_scope(policy_id))
            .request(match if_seq_no {
                Some((s, t)) => {
                    format!("if_seq_no={s} if_primary_term={t} {}", summarize_json(body))
                }
                None => summarize_json(body),
            });
        // With if_seq_no it overwrites a stored policy; without, it's a create.
        if if_seq_no.is_some() {
            m = m.backup(policy_id);
        }
        let dry = async { dry_run::policy_doc(policy_id, body, if_seq_no) };
        self.mutate(m, dry, self.inner.put_policy(policy_id, body, if_seq_no))
            .await
    }

    async fn delete_policy(&self, policy_id: &str) -> Result<(), ApiError> {
        let m = Mutation::new("delete_policy", policy_id)
            .scope(self.policy_scope(policy_id))
            .delete()
            .backup(policy_id);
        self.mutate(m, async {}, self.inner.delete_policy(policy_id))
            .await
    }

    async fn ccr_start(
        &self,
        follower_index: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&Value>,
    ) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_start", follower_index)
            .scope(self.index_scope(follower_index))
            .scope(self.cluster_scope(leader_alias))
            .scope(self.index_scope(leader_index))
            .request(format!(
                "leader={leader_alias}:{leader_index} settings={}",
                settings.map(summarize_json).unwrap_or_default()
            ));
        let send = self
            .inner
            .ccr_start(follower_index, leader_alias, leader_index, settings);
        self.mutate(m, async {}, send).await
    }

    async fn ccr_pause(&self, follower_index: &str) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_pause", follower_index).scope(self.index_scope(follower_index));
        self.mutate(m, async {}, self.inner.ccr_pause(follower_index))
            .await
    }

    async fn ccr_resume(&self, follower_index: &str, force: bool) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_resume", follower_index)
            .scope(self.index_scope(follower_index))
            .request(format!("force={force}"));
        self.mutate(m, async {}, self.inner.ccr_resume(follower_index, force))
            .await
    }

    async fn ccr_stop(&self, follower_index: &str) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_stop", follower_index).scope(self.index_scope(follower_index));
        self.mutate(m, async {}, self.inner.ccr_stop(follower_index))
            .await
    }

    async fn ccr_update_settings(
        &self,
        follower_index: &str,
        settings: &Value,
    ) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_update_settings", follower_index)
            .scope(self.index_scope(follower_index))
            .request(summarize_json(settings));
        let send = self.inner.ccr_update_settings(follower_index, settings);
        self.mutate(m, async {}, send).await
    }

    async fn ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_autofollow_create", name)
            .scope(self.cluster_scope(leader_alias))
            .scope(self.autofollow_scope(name))
            .scope(self.index_scope(pattern))
            .request(format!("leader_alias={leader_alias} pattern={pattern}"));
        let send = self
            .inner
            .ccr_autofollow_create(leader_alias, name, pattern);
        self.mutate(m, async {}, send).await
    }

    async fn ccr_autofollow_delete(&self, leader_alias: &str, name: &str) -> Result<(), ApiError> {
        let m = Mutation::new("ccr_autofollow_delete", name)
            .scope(self.cluster_scope(leader_alias))
            .scope(self.autofollow_scope(name))
            .request(format!("leader_alias={leader_alias}"))
            .delete();
        let send = self.inner.ccr_autofollow_delete(leader_alias, name);
        self.mutate(m, async {}, send).await
    }
}

impl Guarded {
    fn autofollow_scope(&self, name: &str) -> Result<(), String> {
        if self.ctx.grant.allows_autofollow(name) {
            Ok(())
        } else {
            Err(format!("auto-follow rule [{name}]"))
        }
    }
}
