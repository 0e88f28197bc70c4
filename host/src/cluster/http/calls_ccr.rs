//! Cross-cluster replication calls (`_plugins/_replication`), sent to the follower.
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};

use super::path::seg;
use super::request::{Replay, Req};
use super::verify::{Verified, Verify};
use super::HttpCluster;
use crate::cluster::model::*;
use crate::cluster::{parse, ApiError};

fn repl_path(follower: &str, verb: &str) -> String {
    format!("/_plugins/_replication/{}/{verb}", seg(follower))
}

impl HttpCluster {
    /// Add `use_roles` when configured for this cluster.
    fn with_roles(&self, mut body: serde_json::Map<String, Value>) -> Value {
        if let Some(r) = &self.ccr_roles {
            body.insert(
                "use_roles".into(),
                json!({"leader_cluster_role": r.leader_cluster_role, "follower_cluster_role": r.follower_cluster_role}),
            );
        }
        Value::Object(body)
    }

    async fn acked(&self, req: Req) -> Result<(), ApiError> {
        self.call(req).await.map(drop)
    }

    pub(super) async fn do_ccr_start(
        &self,
        follower: &str,
        leader_alias: &str,
        leader_index: &str,
        settings: Option<&Value>,
    ) -> Result<(), ApiError> {
        let mut body = serde_json::Map::new();
        body.insert("leader_alias".into(), json!(leader_alias));
        body.insert("leader_index".into(), json!(leader_index));
        if let Some(s) = settings {
            body.insert("settings".into(), s.clone());
        }
        let body = self.with_roles(body);
        let req = Req::new(Method::PUT, repl_path(follower, "_start"), Some(&body));
        match self.send_verified(&req, &Replicating { follower }).await? {
            Verified::Sent(resp) => resp.ok(&req).map(drop),
            Verified::AlreadyDone(()) => Ok(()),
        }
    }

    pub(super) async fn do_ccr_pause(&self, follower: &str) -> Result<(), ApiError> {
        self.acked(Req::new(
            Method::POST,
            repl_path(follower, "_pause"),
            Some(&json!({})),
        ))
        .await
    }

    pub(super) async fn do_ccr_resume(&self, follower: &str, force: bool) -> Result<(), ApiError> {
        let body = if force {
            json!({"force_resume": true})
        } else {
            json!({})
        };
        self.acked(Req::new(
            Method::POST,
            repl_path(follower, "_resume"),
            Some(&body),
        ))
        .await
    }

    pub(super) async fn do_ccr_stop(&self, follower: &str) -> Result<(), ApiError> {
        self.acked(Req::new(
            Method::POST,
            repl_path(follower, "_stop"),
            Some(&json!({})),
        ))
        .await
    }

    pub(super) async fn do_ccr_update_settings(
        &self,
        follower: &str,
        settings: &Value,
    ) -> Result<(), ApiError> {
        // Absolute settings values: a repeat changes nothing.
        let body = json!({ "settings": settings });
        let req = Req::new(Method::PUT, repl_path(follower, "_update"), Some(&body));
        self.acked(req.replay(Replay::Blind)).await
    }

    pub(super) async fn do_ccr_status(
        &self,
        follower: &str,
    ) -> Result<ReplicationStatus, ApiError> {
        Ok(parse::replication_status(
            &self.get(repl_path(follower, "_status")).await?,
        )?)
    }

    pub(super) async fn do_ccr_autofollow_create(
        &self,
        leader_alias: &str,
        name: &str,
        pattern: &str,
    ) -> Result<(), ApiError> {
        let mut body = serde_json::Map::new();
        body.insert("leader_alias".into(), json!(leader_alias));
        body.insert("name".into(), json!(name));
        body.insert("pattern".into(), json!(pattern));
        let body = self.with_roles(body);
        self.acked(Req::new(
            Method::POST,
            "/_plugins/_replication/_autofollow".into(),
            Some(&body),
        ))
        .await
    }

    pub(super) async fn do_ccr_autofollow_delete(
        &self,
        leader_alias: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let body = json!({"leader_alias": leader_alias, "name": name});
        self.acked(Req::new(
            Method::DELETE,
            "/_plugins/_replication/_autofollow".into(),
            Some(&body),
        ))
        .await
    }
}

/// `_start` took effect if the follower's status is anything but "not in progress".
struct Replicating<'a> {
    follower: &'a str,
}

#[async_trait]
impl Verify for Replicating<'_> {
    type Done = ();

    async fn done(&self, api: &HttpCluster) -> Result<Option<()>, ApiError> {
        let status = api.do_ccr_status(self.follower).await?;
        Ok((status.state != ReplicationState::NotInProgress).then_some(()))
    }
}
