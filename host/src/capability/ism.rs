//! `lifeguard:plugin/ism`.
use tracing::Instrument;

use super::{api, try_wit};
use crate::bindings::ism::{
    AttachReport, EnsureResult, ExplainEntry, Host, PolicyDoc, StatusResponse, SyncReport,
};
use crate::bindings::types::Error;
use crate::cluster::ops;
use crate::runtime::ClusterView;

type R<T> = wasmtime::Result<Result<T, Error>>;

impl Host for ClusterView<'_> {
    async fn explain(&mut self, cluster: String, pattern: String) -> R<Vec<ExplainEntry>> {
        let api = api!(self, cluster, &pattern);
        let span = self.call_span("ism_explain", &cluster);
        Ok(api
            .ism_explain(&pattern)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn add(
        &mut self,
        cluster: String,
        pattern: String,
        policy_id: String,
    ) -> R<StatusResponse> {
        let api = api!(self, cluster, &pattern, &policy_id);
        let span = self.call_span("ism_add", &cluster);
        Ok(api
            .ism_add(&pattern, &policy_id)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn remove(&mut self, cluster: String, pattern: String) -> R<StatusResponse> {
        let api = api!(self, cluster, &pattern);
        let span = self.call_span("ism_remove", &cluster);
        Ok(api
            .ism_remove(&pattern)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn change_policy(
        &mut self,
        cluster: String,
        pattern: String,
        policy_id: String,
        state: Option<String>,
        include_state: Option<String>,
    ) -> R<StatusResponse> {
        let api = api!(
            self,
            cluster,
            &pattern,
            &policy_id,
            state.as_deref().unwrap_or(""),
            include_state.as_deref().unwrap_or("")
        );
        let span = self.call_span("ism_change_policy", &cluster);
        let r = api
            .ism_change_policy(
                &pattern,
                &policy_id,
                state.as_deref(),
                include_state.as_deref(),
            )
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn retry(
        &mut self,
        cluster: String,
        pattern: String,
        state: Option<String>,
    ) -> R<StatusResponse> {
        let api = api!(self, cluster, &pattern, state.as_deref().unwrap_or(""));
        let span = self.call_span("ism_retry", &cluster);
        let r = api
            .ism_retry(&pattern, state.as_deref())
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn get_policy(&mut self, cluster: String, policy_id: String) -> R<PolicyDoc> {
        let api = api!(self, cluster, &policy_id);
        let span = self.call_span("get_policy", &cluster);
        Ok(api
            .get_policy(&policy_id)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn put_policy(
        &mut self,
        cluster: String,
        policy_id: String,
        body: String,
        if_seq_no: Option<(i64, i64)>,
    ) -> R<PolicyDoc> {
        let api = api!(self, cluster, &policy_id);
        let body = try_wit!(self.json_arg("policy body", &body));
        let span = self.call_span("put_policy", &cluster);
        let r = api
            .put_policy(&policy_id, &body, if_seq_no)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn delete_policy(&mut self, cluster: String, policy_id: String) -> R<()> {
        let api = api!(self, cluster, &policy_id);
        let span = self.call_span("delete_policy", &cluster);
        Ok(api
            .delete_policy(&policy_id)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn ensure_policy(
        &mut self,
        cluster: String,
        policy_id: String,
        body: String,
    ) -> R<EnsureResult> {
        let api = api!(self, cluster, &policy_id);
        let body = try_wit!(self.json_arg("policy body", &body));
        let span = self.call_span("ensure_policy", &cluster);
        let r = ops::ensure_policy(api.as_ref(), &policy_id, &body)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn attach(
        &mut self,
        cluster: String,
        pattern: String,
        policy_id: String,
    ) -> R<AttachReport> {
        let api = api!(self, cluster, &pattern, &policy_id);
        let span = self.call_span("attach", &cluster);
        let r = ops::attach(api.as_ref(), &pattern, &policy_id)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn sync_managed(
        &mut self,
        cluster: String,
        policy_id: String,
        batch: u32,
    ) -> R<SyncReport> {
        let api = api!(self, cluster, &policy_id);
        let span = self.call_span("sync_managed", &cluster);
        let r = ops::sync_managed(api.as_ref(), &policy_id, batch)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }
}
