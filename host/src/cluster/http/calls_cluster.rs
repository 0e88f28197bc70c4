//! Cluster-level and index-level calls.
use async_trait::async_trait;
use bytes::Bytes;
use reqwest::Method;
use serde_json::{json, Value};

use super::path::{seg, PathBuf};
use super::request::{Replay, Req};
use super::verify::{Verified, Verify};
use super::HttpCluster;
use crate::cluster::model::*;
use crate::cluster::{parse, ApiError};

/// `_cat/indices` columns, in the order the parser expects none of (it goes by name).
const INDEX_COLUMNS: &str = "health,status,index,uuid,pri,rep,docs.count,docs.deleted,store.size,pri.store.size,creation.date";

/// `/<prefix>` or `/<prefix>/<pattern>`: an empty pattern means all.
fn with_pattern(prefix: &str, pattern: &str) -> String {
    if pattern.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}/{}", seg(pattern))
    }
}

impl HttpCluster {
    /// Send and return the body of a 2xx answer, or the mapped error.
    pub(super) async fn call(&self, req: Req) -> Result<Bytes, ApiError> {
        self.t.send(&req).await?.ok(&req)
    }

    pub(super) async fn get(&self, path: String) -> Result<Bytes, ApiError> {
        self.call(Req::get(path)).await
    }

    pub(super) async fn get_value(&self, path: String) -> Result<Value, ApiError> {
        let body = self.get(path).await?;
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::Other(format!("unexpected response from cluster: {e}")))
    }

    pub(super) async fn do_health(&self) -> Result<ClusterHealth, ApiError> {
        Ok(parse::cluster_health(
            &self.get("/_cluster/health".into()).await?,
        )?)
    }

    pub(super) async fn do_indices(&self, pattern: &str) -> Result<Vec<IndexRow>, ApiError> {
        let path = PathBuf::new(with_pattern("/_cat/indices", pattern))
            .q("format", "json")
            .q("bytes", "b")
            .q("h", INDEX_COLUMNS)
            .build();
        Ok(parse::cat_indices(&self.get(path).await?)?)
    }

    pub(super) async fn do_thread_pools(&self) -> Result<Vec<ThreadPool>, ApiError> {
        let (stats, info) = tokio::try_join!(
            self.get("/_nodes/stats/thread_pool".into()),
            self.get("/_nodes/thread_pool".into()),
        )?;
        Ok(parse::thread_pools(&stats, &info)?)
    }

    pub(super) async fn do_nodes(&self) -> Result<Vec<NodeInfo>, ApiError> {
        // Full node info runs to megabytes on large clusters; only three fields are used.
        let info_path = PathBuf::new("/_nodes")
            .q(
                "filter_path",
                "nodes.*.name,nodes.*.roles,nodes.*.attributes",
            )
            .build();
        let alloc_path = PathBuf::new("/_cat/allocation")
            .q("format", "json")
            .q("bytes", "b")
            .build();
        let (info, alloc) = tokio::try_join!(self.get(info_path), self.get(alloc_path))?;
        Ok(parse::nodes(&info, &alloc)?)
    }

    pub(super) async fn do_aliases(&self, pattern: &str) -> Result<Vec<AliasEntry>, ApiError> {
        let path = PathBuf::new(with_pattern("/_cat/aliases", pattern))
            .q("format", "json")
            .q("h", "alias,index,is_write_index")
            .build();
        Ok(parse::cat_aliases(&self.get(path).await?)?)
    }

    pub(super) async fn do_get_settings(&self, index: &str) -> Result<Value, ApiError> {
        let path = PathBuf::new(format!("/{}/_settings", seg(index)))
            .q("flat_settings", "true")
            .build();
        Ok(parse::index_settings(&self.get(path).await?, index)?)
    }

    pub(super) async fn do_put_settings(
        &self,
        index: &str,
        settings: &Value,
    ) -> Result<(), ApiError> {
        // Settings are absolute values: sending them twice changes nothing.
        let path = format!("/{}/_settings", seg(index));
        self.call(Req::new(Method::PUT, path, Some(settings)).replay(Replay::Blind))
            .await?;
        Ok(())
    }

    pub(super) async fn do_allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, ApiError> {
        let body = json!({"index": index, "shard": shard, "primary": primary});
        let req = Req::new(
            Method::GET,
            "/_cluster/allocation/explain".into(),
            Some(&body),
        );
        Ok(parse::allocation_explain(&self.call(req).await?)?)
    }

    /// The write index behind `alias`: the one flagged `is_write_index`, or the only one.
    pub(super) async fn write_index(&self, alias: &str) -> Result<Option<String>, ApiError> {
        let rows: Vec<AliasEntry> = self
            .do_aliases(alias)
            .await?
            .into_iter()
            .filter(|r| r.alias == alias)
            .collect();
        let flagged = rows.iter().find(|r| r.is_write_index == Some(true));
        Ok(match (flagged, rows.as_slice()) {
            (Some(r), _) => Some(r.index.clone()),
            (None, [only]) => Some(only.index.clone()),
            _ => None,
        })
    }

    pub(super) async fn do_rollover(
        &self,
        alias: &str,
        conditions: Option<&Value>,
        dry_run: bool,
    ) -> Result<RolloverResult, ApiError> {
        let mut path = PathBuf::new(format!("/{}/_rollover", seg(alias)));
        if dry_run {
            path = path.q("dry_run", "true");
        }
        let body = conditions.map(|c| json!({ "conditions": c }));
        let req = Req::new(Method::POST, path.build(), body.as_ref());
        if dry_run {
            return Ok(parse::rollover_result(
                &self.call(req.replay(Replay::Blind)).await?,
            )?);
        }
        // Read the write index first: after an ambiguous failure, a changed write index is
        // the proof that the rollover happened, and a second one must not be sent.
        let before = match self.write_index(alias).await {
            Ok(w) => w,
            Err(e) => {
                tracing::debug!(cluster = %self.t.name, alias, error = %e, "write index unknown before rollover");
                None
            }
        };
        let check = RolledOver { alias, before };
        match self.send_verified(&req, &check).await? {
            Verified::Sent(resp) => Ok(parse::rollover_result(&resp.ok(&req)?)?),
            Verified::AlreadyDone(r) => Ok(r),
        }
    }

    pub(super) async fn do_update_aliases(&self, actions: &[AliasAction]) -> Result<(), ApiError> {
        let actions: Vec<Value> = actions
            .iter()
            .map(|a| match a {
                AliasAction::Add(a) => {
                    let mut add = json!({"index": a.index, "alias": a.alias});
                    if let (Some(w), Some(obj)) = (a.is_write_index, add.as_object_mut()) {
                        obj.insert("is_write_index".into(), Value::Bool(w));
                    }
                    json!({ "add": add })
                }
                AliasAction::Remove(r) => json!({"remove": {"index": r.index, "alias": r.alias}}),
            })
            .collect();
        let body = json!({ "actions": actions });
        self.call(Req::new(Method::POST, "/_aliases".into(), Some(&body)))
            .await?;
        Ok(())
    }

    pub(super) async fn do_cluster_settings(&self) -> Result<Value, ApiError> {
        self.get_value(
            PathBuf::new("/_cluster/settings")
                .q("flat_settings", "true")
                .build(),
        )
        .await
    }

    pub(super) async fn do_put_cluster_settings(&self, body: &Value) -> Result<(), ApiError> {
        let req =
            Req::new(Method::PUT, "/_cluster/settings".into(), Some(body)).replay(Replay::Blind);
        self.call(req).await?;
        Ok(())
    }

    pub(super) async fn do_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| ApiError::Invalid(format!("raw request: bad method {method:?}")))?;
        if !path.starts_with('/')
            || path.contains("//")
            || path
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '#')
        {
            return Err(ApiError::Invalid(format!("raw request: bad path {path:?}")));
        }
        let replay = if method == Method::GET || method == Method::HEAD {
            Replay::Blind
        } else {
            Replay::Never
        };
        let req = Req {
            method,
            path: path.to_owned(),
            body: body.map(|b| Bytes::copy_from_slice(b.as_bytes())),
            replay,
        };
        // The escape hatch hands back whatever status the cluster gave (a HEAD's 404 is an
        // answer); only transport failures and retryable statuses that outlived their retries
        // are errors.
        let resp = self.t.send(&req).await?;
        Ok(RawResponse {
            status: resp.status.as_u16(),
            body: String::from_utf8_lossy(&resp.body).into_owned(),
        })
    }
}

/// Rollover took effect if the alias's write index is no longer the one seen before.
struct RolledOver<'a> {
    alias: &'a str,
    before: Option<String>,
}

#[async_trait]
impl Verify for RolledOver<'_> {
    type Done = RolloverResult;

    async fn done(&self, api: &HttpCluster) -> Result<Option<RolloverResult>, ApiError> {
        let Some(before) = &self.before else {
            return Err(ApiError::Other(
                "the write index before the attempt is unknown".into(),
            ));
        };
        match api.write_index(self.alias).await? {
            Some(now) if &now != before => Ok(Some(RolloverResult {
                old_index: before.clone(),
                new_index: now,
                rolled_over: true,
                dry_run: false,
                // Which conditions matched was in the lost answer.
                conditions: Vec::new(),
            })),
            _ => Ok(None),
        }
    }
}
