//! `lifeguard:plugin/ccr`.
use tracing::Instrument;

use super::{api, try_wit};
use crate::bindings::ccr::{Host, ReplicationStatus};
use crate::bindings::types::Error;
use crate::runtime::ClusterView;

type R<T> = wasmtime::Result<Result<T, Error>>;

impl Host for ClusterView<'_> {
    async fn start(
        &mut self,
        cluster: String,
        follower_index: String,
        leader_alias: String,
        leader_index: String,
        settings: Option<String>,
    ) -> R<()> {
        let api = api!(self, cluster, &follower_index, &leader_alias, &leader_index);
        let settings = match settings {
            Some(s) => Some(try_wit!(self.json_arg("settings", &s))),
            None => None,
        };
        let span = self.call_span("ccr_start", &cluster);
        let r = api
            .ccr_start(
                &follower_index,
                &leader_alias,
                &leader_index,
                settings.as_ref(),
            )
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn pause(&mut self, cluster: String, follower_index: String) -> R<()> {
        let api = api!(self, cluster, &follower_index);
        let span = self.call_span("ccr_pause", &cluster);
        Ok(api
            .ccr_pause(&follower_index)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn resume(&mut self, cluster: String, follower_index: String, force: bool) -> R<()> {
        let api = api!(self, cluster, &follower_index);
        let span = self.call_span("ccr_resume", &cluster);
        Ok(api
            .ccr_resume(&follower_index, force)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn stop(&mut self, cluster: String, follower_index: String) -> R<()> {
        let api = api!(self, cluster, &follower_index);
        let span = self.call_span("ccr_stop", &cluster);
        Ok(api
            .ccr_stop(&follower_index)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn update_settings(
        &mut self,
        cluster: String,
        follower_index: String,
        settings: String,
    ) -> R<()> {
        let api = api!(self, cluster, &follower_index);
        let body = try_wit!(self.json_arg("settings", &settings));
        let span = self.call_span("ccr_update_settings", &cluster);
        let r = api
            .ccr_update_settings(&follower_index, &body)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn status(&mut self, cluster: String, follower_index: String) -> R<ReplicationStatus> {
        let api = api!(self, cluster, &follower_index);
        let span = self.call_span("ccr_status", &cluster);
        Ok(api
            .ccr_status(&follower_index)
            .instrument(span)
            .await
            .map_err(Into::into))
    }

    async fn follower_stats(&mut self, cluster: String) -> R<String> {
        let api = api!(self, cluster,);
        let span = self.call_span("ccr_follower_stats", &cluster);
        let v = try_wit!(api.ccr_follower_stats().instrument(span).await);
        Ok(Ok(v.to_string()))
    }

    async fn leader_stats(&mut self, cluster: String) -> R<String> {
        let api = api!(self, cluster,);
        let span = self.call_span("ccr_leader_stats", &cluster);
        let v = try_wit!(api.ccr_leader_stats().instrument(span).await);
        Ok(Ok(v.to_string()))
    }

    async fn autofollow_create(
        &mut self,
        cluster: String,
        leader_alias: String,
        name: String,
        pattern: String,
    ) -> R<()> {
        let api = api!(self, cluster, &leader_alias, &name, &pattern);
        let span = self.call_span("ccr_autofollow_create", &cluster);
        let r = api
            .ccr_autofollow_create(&leader_alias, &name, &pattern)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }

    async fn autofollow_delete(
        &mut self,
        cluster: String,
        leader_alias: String,
        name: String,
    ) -> R<()> {
        let api = api!(self, cluster, &leader_alias, &name);
        let span = self.call_span("ccr_autofollow_delete", &cluster);
        let r = api
            .ccr_autofollow_delete(&leader_alias, &name)
            .instrument(span)
            .await;
        Ok(r.map_err(Into::into))
    }
}
