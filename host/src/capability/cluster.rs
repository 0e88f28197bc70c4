//! `lifeguard:plugin/cluster`.
use tracing::Instrument;

use super::{api, try_wit};
use crate::bindings::cluster::{
    AliasAction, AliasEntry, AllocationExplanation, ClusterHealth, Host, IndexRow, NodeInfo,
    RawResponse, RolloverResult, ThreadPool,
};
use crate::bindings::types::Error;
use crate::runtime::ClusterView;

type R<T> = wasmtime::Result<Result<T, Error>>;

impl Host for ClusterView<'_> {
    async fn health(&mut self, cluster: String) -> R<ClusterHealth> {
        let api = api!(self, cluster,);
        let span = self.call_span("health", &cluster);
        Ok(api.health().instrument(span).await.map_err(Into::into))
    }

    async fn indices(&mut self, cluster: String, pattern: String) -> R<Vec<IndexRow>> {
        let api = api!(self, cluster, &pattern);
        let span = self.call_span("indices", &cluster);
        Ok(api
            .indices(&pattern)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn thread_pools(&mut self, cluster: String) -> R<Vec<ThreadPool>> {
        let api = api!(self, cluster,);
        let span = self.call_span("thread_pools", &cluster);
        Ok(api
            .thread_pools()
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn nodes(&mut self, cluster: String) -> R<Vec<NodeInfo>> {
        let api = api!(self, cluster,);
        let span = self.call_span("nodes", &cluster);
        Ok(api.nodes().instrument(span).await.map_err(Into::into))
    }

    async fn aliases(&mut self, cluster: String, pattern: String) -> R<Vec<AliasEntry>> {
        let api = api!(self, cluster, &pattern);
        let span = self.call_span("aliases", &cluster);
        Ok(api
            .aliases(&pattern)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn get_settings(&mut self, cluster: String, index: String) -> R<String> {
        let api = api!(self, cluster, &index);
        let span = self.call_span("get_settings", &cluster);
        let v = try_wit!(api.get_settings(&index).instrument(span).await);
        Ok(Ok(v.to_string()))
    }

    async fn put_settings(&mut self, cluster: String, index: String, settings: String) -> R<()> {
        let api = api!(self, cluster, &index);
        let body = try_wit!(self.json_arg("settings", &settings));
        let span = self.call_span("put_settings", &cluster);
        Ok(api
            .put_settings(&index, &body)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn allocation_explain(
        &mut self,
        cluster: String,
        index: String,
        shard: u32,
        primary: bool,
    ) -> R<AllocationExplanation> {
        let api = api!(self, cluster, &index);
        let span = self.call_span("allocation_explain", &cluster);
        let r = api
            .allocation_explain(&index, shard, primary)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn rollover(
        &mut self,
        cluster: String,
        alias: String,
        conditions: Option<String>,
        dry_run: bool,
    ) -> R<RolloverResult> {
        let api = api!(self, cluster, &alias);
        let conditions = match conditions {
            Some(c) => Some(try_wit!(self.json_arg("conditions", &c))),
            None => None,
        };
        let span = self.call_span("rollover", &cluster);
        let r = api
            .rollover(&alias, conditions.as_ref(), dry_run)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn update_aliases(&mut self, cluster: String, actions: Vec<AliasAction>) -> R<()> {
        let size: usize = actions
            .iter()
            .map(|a| match a {
                AliasAction::Add(x) => x.index.len() + x.alias.len(),
                AliasAction::Remove(x) => x.index.len() + x.alias.len(),
            })
            .sum();
        try_wit!(self.check_arg("alias actions", size));
        let api = api!(self, cluster,);
        let span = self.call_span("update_aliases", &cluster);
        Ok(api
            .update_aliases(&actions)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn request(
        &mut self,
        cluster: String,
        method: String,
        path: String,
        body: Option<String>,
    ) -> R<RawResponse> {
        let api = api!(self, cluster, &method, &path, body.as_deref().unwrap_or(""));
        // Scope, `raw_write` and the allowlist are the guard's to decide (and audit).
        let method = method.to_ascii_uppercase();
        let span = self.call_span("request", &cluster);
        let r = api
            .raw(&method, &path, body.as_deref())
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }
}
