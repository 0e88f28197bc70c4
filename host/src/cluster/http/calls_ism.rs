//! ISM calls (`_plugins/_ism`).
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};

use super::chunk;
use super::path::{seg, PathBuf};
use super::request::{Replay, Req};
use super::verify::{Verified, Verify};
use super::HttpCluster;
use crate::cluster::model::*;
use crate::cluster::policy_diff::same_policy;
use crate::cluster::{parse, ApiError};

fn ism_path(verb: &str, pattern: &str) -> String {
    format!("/_plugins/_ism/{verb}/{}", seg(pattern))
}

fn policy_path(id: &str) -> String {
    format!("/_plugins/_ism/policies/{}", seg(id))
}

impl HttpCluster {
    pub(super) async fn do_ism_explain(
        &self,
        pattern: &str,
    ) -> Result<Vec<ExplainEntry>, ApiError> {
        // Without a pattern ISM lists managed indices only, paginated; `*` lists every index.
        let pattern = if pattern.is_empty() { "*" } else { pattern };
        let mut out = Vec::new();
        for part in chunk::split(pattern) {
            out.extend(parse::ism_explain(
                &self.get(ism_path("explain", &part)).await?,
            )?);
        }
        Ok(out)
    }

    /// Send a status-answering ISM call per chunk of `pattern` and merge the answers.
    async fn ism_status(
        &self,
        verb: &str,
        pattern: &str,
        body: Option<&Value>,
    ) -> Result<StatusResponse, ApiError> {
        let mut parts = Vec::new();
        for part in chunk::split(pattern) {
            let req = Req::new(Method::POST, ism_path(verb, &part), body);
            parts.push(parse::status_response(&self.call(req).await?)?);
        }
        Ok(chunk::merge(parts))
    }

    pub(super) async fn do_ism_add(
        &self,
        pattern: &str,
        policy_id: &str,
    ) -> Result<StatusResponse, ApiError> {
        let mut parts = Vec::new();
        for part in chunk::split(pattern) {
            parts.push(self.ism_add_one(&part, policy_id).await?);
        }
        Ok(chunk::merge(parts))
    }

    async fn ism_add_one(
        &self,
        pattern: &str,
        policy_id: &str,
    ) -> Result<StatusResponse, ApiError> {
        let body = json!({ "policy_id": policy_id });
        let req = Req::new(Method::POST, ism_path("add", pattern), Some(&body));
        let check = Managed { pattern, policy_id };
        match self.send_verified(&req, &check).await? {
            Verified::Sent(resp) => Ok(parse::status_response(&resp.ok(&req)?)?),
            Verified::AlreadyDone(s) => Ok(s),
        }
    }

    pub(super) async fn do_ism_remove(&self, pattern: &str) -> Result<StatusResponse, ApiError> {
        self.ism_status("remove", pattern, None).await
    }

    pub(super) async fn do_ism_change_policy(
        &self,
        pattern: &str,
        policy_id: &str,
        state: Option<&str>,
        include_state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let mut body = serde_json::Map::new();
        body.insert("policy_id".into(), json!(policy_id));
        if let Some(s) = state {
            body.insert("state".into(), json!(s));
        }
        if let Some(s) = include_state {
            body.insert("include".into(), json!([{ "state": s }]));
        }
        let body = Value::Object(body);
        self.ism_status("change_policy", pattern, Some(&body)).await
    }

    pub(super) async fn do_ism_retry(
        &self,
        pattern: &str,
        state: Option<&str>,
    ) -> Result<StatusResponse, ApiError> {
        let body = state.map(|s| json!({ "state": s }));
        self.ism_status("retry", pattern, body.as_ref()).await
    }

    pub(super) async fn do_get_policy(&self, id: &str) -> Result<PolicyDoc, ApiError> {
        Ok(parse::policy_doc(&self.get(policy_path(id)).await?, id)?)
    }

    pub(super) async fn do_put_policy(
        &self,
        id: &str,
        body: &Value,
        if_seq_no: Option<(i64, i64)>,
    ) -> Result<PolicyDoc, ApiError> {
        // The trait takes the policy object; tolerate a caller passing it already wrapped.
        let wrapped = match body.as_object() {
            Some(o) if o.len() == 1 && o.get("policy").is_some_and(Value::is_object) => {
                body.clone()
            }
            _ => json!({ "policy": body }),
        };
        let mut path = PathBuf::new(policy_path(id));
        if let Some((seq, term)) = if_seq_no {
            path = path
                .q("if_seq_no", seq.to_string())
                .q("if_primary_term", term.to_string());
        }
        let req = Req::new(Method::PUT, path.build(), Some(&wrapped));
        if if_seq_no.is_some() {
            // Conditional on the seq_no: a repeat after success is a 409, never a second write.
            let resp = self.call(req.replay(Replay::Blind)).await?;
            return Ok(parse::policy_doc(&resp, id)?);
        }
        let policy = wrapped.get("policy").unwrap_or(body);
        let check = PolicyStored { id, policy };
        match self.send_verified(&req, &check).await? {
            Verified::Sent(resp) => Ok(parse::policy_doc(&resp.ok(&req)?, id)?),
            Verified::AlreadyDone(doc) => Ok(doc),
        }
    }

    pub(super) async fn do_delete_policy(&self, id: &str) -> Result<(), ApiError> {
        let req = Req::new(Method::DELETE, policy_path(id), None);
        match self.send_verified(&req, &PolicyGone { id }).await? {
            Verified::Sent(resp) => resp.ok(&req).map(drop),
            Verified::AlreadyDone(()) => Ok(()),
        }
    }
}

/// `_ism/add` took effect if explain shows no unmanaged index left in the pattern.
struct Managed<'a> {
    pattern: &'a str,
    policy_id: &'a str,
}

#[async_trait]
impl Verify for Managed<'_> {
    type Done = StatusResponse;

    async fn done(&self, api: &HttpCluster) -> Result<Option<StatusResponse>, ApiError> {
        let entries = api.do_ism_explain(self.pattern).await?;
        if entries.iter().any(|e| e.policy_id.is_none()) {
            // Resending is harmless for the indices already added: ISM refuses them with a
            // per-index failure instead of adding twice.
            return Ok(None);
        }
        let mine = entries
            .iter()
            .filter(|e| e.policy_id.as_deref() == Some(self.policy_id))
            .count();
        Ok(Some(StatusResponse {
            updated_indices: u32::try_from(mine).unwrap_or(u32::MAX),
            failures: false,
            failed_indices: Vec::new(),
        }))
    }
}

/// A policy create took effect if the stored policy now equals ours.
struct PolicyStored<'a> {
    id: &'a str,
    policy: &'a Value,
}

#[async_trait]
impl Verify for PolicyStored<'_> {
    type Done = PolicyDoc;

    async fn done(&self, api: &HttpCluster) -> Result<Option<PolicyDoc>, ApiError> {
        let doc = match api.do_get_policy(self.id).await {
            Ok(doc) => doc,
            Err(ApiError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let stored: Value = serde_json::from_str(&doc.body)
            .map_err(|e| ApiError::Other(format!("policy [{}] body: {e}", self.id)))?;
        if same_policy(&stored, self.policy) {
            Ok(Some(doc))
        } else {
            Err(ApiError::Conflict(format!(
                "policy [{}] exists with a different body",
                self.id
            )))
        }
    }
}

/// A policy delete took effect if the policy is gone.
struct PolicyGone<'a> {
    id: &'a str,
}

#[async_trait]
impl Verify for PolicyGone<'_> {
    type Done = ();

    async fn done(&self, api: &HttpCluster) -> Result<Option<()>, ApiError> {
        match api.do_get_policy(self.id).await {
            Err(ApiError::NotFound(_)) => Ok(Some(())),
            Ok(_) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
