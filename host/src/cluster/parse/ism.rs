//! ISM status responses (add, remove, change_policy, retry) and policy documents.
use serde::Deserialize;
use serde_json::Value;

use super::lenient::{Flag, Num, Text};
use super::{json, ParseError};
use crate::cluster::model::{FailedIndex, PolicyDoc, StatusResponse};

#[derive(Deserialize)]
struct RawFailed {
    #[serde(default)]
    index_name: Text,
    #[serde(default)]
    index_uuid: Text,
    #[serde(default)]
    reason: Text,
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(default)]
    updated_indices: Num,
    #[serde(default)]
    failures: Flag,
    #[serde(default)]
    failed_indices: Option<Vec<RawFailed>>,
}

/// `{"updated_indices":1,"failures":false,"failed_indices":[…]}`; always HTTP 200, even when
/// every index failed. `index_uuid` is absent in some answers (retry of an unmanaged index).
pub fn status_response(body: &[u8]) -> Result<StatusResponse, ParseError> {
    let r: RawStatus = json("_ism status", body)?;
    let failed_indices: Vec<FailedIndex> = r
        .failed_indices
        .unwrap_or_default()
        .into_iter()
        .map(|f| FailedIndex {
            index_name: f.index_name.0.unwrap_or_default(),
            index_uuid: f.index_uuid.0.unwrap_or_default(),
            reason: f.reason.0.unwrap_or_default(),
        })
        .collect();
    Ok(StatusResponse {
        updated_indices: r.updated_indices.u32().unwrap_or(0),
        failures: r.failures.0.unwrap_or(!failed_indices.is_empty()),
        failed_indices,
    })
}

#[derive(Deserialize)]
struct RawPolicyDoc {
    #[serde(rename = "_id", default)]
    id: Text,
    #[serde(rename = "_seq_no", default)]
    seq_no: Num,
    #[serde(rename = "_primary_term", default)]
    primary_term: Num,
    #[serde(default)]
    policy: Option<Value>,
}

/// A policy document, from GET (`{"_id","_seq_no","_primary_term","policy":{…}}`) or PUT,
/// which wraps the policy twice (`"policy":{"policy":{…}}`, notes §2.8). `body` is always the
/// inner policy object as JSON text. `fallback_id` is used when the answer has no `_id`.
pub fn policy_doc(body: &[u8], fallback_id: &str) -> Result<PolicyDoc, ParseError> {
    const WHAT: &str = "_ism/policies";
    let raw: RawPolicyDoc = json(WHAT, body)?;
    let mut policy = raw
        .policy
        .ok_or_else(|| ParseError::shape(WHAT, "no policy object"))?;
    // A policy has no `policy` key of its own, so a nested one is always PUT's wrapper.
    if let Some(inner) = policy.get_mut("policy").filter(|p| p.is_object()) {
        policy = inner.take();
    }
    if !policy.is_object() {
        return Err(ParseError::shape(WHAT, "policy is not an object"));
    }
    Ok(PolicyDoc {
        id: raw.id.0.unwrap_or_else(|| fallback_id.to_owned()),
        seq_no: raw
            .seq_no
            .i64()
            .ok_or_else(|| ParseError::shape(WHAT, "no _seq_no"))?,
        primary_term: raw
            .primary_term
            .i64()
            .ok_or_else(|| ParseError::shape(WHAT, "no _primary_term"))?,
        body: policy.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_examples_from_the_notes() {
        let ok =
            status_response(br#"{"updated_indices": 1, "failures": false, "failed_indices": []}"#)
                .unwrap();
        assert_eq!(ok.updated_indices, 1);
        assert!(!ok.failures && ok.failed_indices.is_empty());

        let failed = status_response(
            br#"{"updated_indices": 0, "failures": true, "failed_indices": [{"index_name": "movies", "index_uuid": "gCFlS_zcTdih8xyxf3jQ-A",
  "reason": "This index already has a policy, use the update policy API to update index policies"}]}"#,
        )
        .unwrap();
        assert!(failed.failures);
        assert_eq!(failed.failed_indices[0].index_name, "movies");
        assert_eq!(
            failed.failed_indices[0].index_uuid,
            "gCFlS_zcTdih8xyxf3jQ-A"
        );
        assert!(failed.failed_indices[0]
            .reason
            .starts_with("This index already"));
    }

    #[test]
    fn retry_failure_without_uuid() {
        let r = status_response(br#"{"updated_indices":0,"failures":true,"failed_indices":[{"index_name":"books","reason":"This index is not being managed."}]}"#).unwrap();
        assert_eq!(r.failed_indices[0].index_uuid, "");
        assert_eq!(
            r.failed_indices[0].reason,
            "This index is not being managed."
        );
    }

    #[test]
    fn get_policy_single_wrapper() {
        let body = br#"{"_id":"hot_warm","_version":2,"_seq_no":7,"_primary_term":1,
            "policy":{"policy_id":"hot_warm","description":"d","default_state":"hot","states":[]}}"#;
        let d = policy_doc(body, "x").unwrap();
        assert_eq!(
            (d.id.as_str(), d.seq_no, d.primary_term),
            ("hot_warm", 7, 1)
        );
        let p: Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(p["default_state"], "hot");
    }

    #[test]
    fn put_policy_double_wrapper_from_the_notes() {
        let body = br#"{"_id":"policy_1","_version":2,"_primary_term":1,"_seq_no":10,
 "policy":{"policy":{"policy_id":"policy_1","description":"ingesting logs","last_updated_time":1577990934044,
   "schema_version":21,"error_notification":null,"default_state":"ingest",
   "states":[{"name":"ingest","actions":[{"retry":{"count":3,"backoff":"exponential","delay":"1m"},
     "rollover":{"min_doc_count":5,"copy_alias":false}}],"transitions":[{"state_name":"search"}]}],"ism_template":null}}}"#;
        let d = policy_doc(body, "policy_1").unwrap();
        assert_eq!((d.seq_no, d.primary_term), (10, 1));
        let p: Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(p["default_state"], "ingest");
        assert!(p.get("policy").is_none());
    }

    #[test]
    fn policy_doc_needs_seq_no_and_policy() {
        assert!(policy_doc(br#"{"_id":"p","policy":{}}"#, "p").is_err());
        assert!(policy_doc(br#"{"_id":"p","_seq_no":1,"_primary_term":1}"#, "p").is_err());
        assert!(policy_doc(br#"{"_seq_no":1,"_primary_term":1,"policy":[]}"#, "p").is_err());
    }
}
