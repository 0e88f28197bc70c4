//! Idempotent operations composed from [`ClusterApi`] calls. Run through a guarded view,
//! every request they make passes the guard chain like any other.
use serde_json::Value;

use super::model::{AttachReport, EnsureResult, ExplainEntry, SyncReport};
use super::{ApiError, ClusterApi};

/// How many times `ensure_policy` re-reads after a 409 before giving up.
const ENSURE_CONFLICT_RETRIES: usize = 3;

/// Make policy `id` equal `body` (the `policy` object). Sends no write when it already matches.
pub async fn ensure_policy(
    api: &dyn ClusterApi,
    id: &str,
    body: &Value,
) -> Result<EnsureResult, ApiError> {
    for _ in 0..=ENSURE_CONFLICT_RETRIES {
        let put = match api.get_policy(id).await {
            Ok(doc) => {
                let current: Value = serde_json::from_str(&doc.body)
                    .map_err(|e| ApiError::Other(format!("policy [{id}] body: {e}")))?;
                if super::policy_diff::same_policy(&current, body) {
                    return Ok(EnsureResult::Unchanged);
                }
                api.put_policy(id, body, Some((doc.seq_no, doc.primary_term)))
                    .await
                    .map(|_| EnsureResult::Updated)
            }
            Err(ApiError::NotFound(_)) => api
                .put_policy(id, body, None)
                .await
                .map(|_| EnsureResult::Created),
            Err(e) => return Err(e),
        };
        match put {
            Err(ApiError::Conflict(_)) => continue,
            other => return other,
        }
    }
    Err(ApiError::Conflict(format!(
        "policy [{id}] kept changing under us; gave up after {ENSURE_CONFLICT_RETRIES} re-reads"
    )))
}

/// Manage the unmanaged indices matching `pattern` with `policy_id`.
pub async fn attach(
    api: &dyn ClusterApi,
    pattern: &str,
    policy_id: &str,
) -> Result<AttachReport, ApiError> {
    let mut report = AttachReport {
        attached: Vec::new(),
        already_managed: Vec::new(),
        other_policy: Vec::new(),
    };
    // The policy must exist, and through a guarded view be inside the tenant's grant, even
    // when nothing in scope is unmanaged: attaching to a policy outside the grant is denied,
    // not a silent no-op.
    api.get_policy(policy_id).await?;
    let mut unmanaged = Vec::new();
    for entry in api.ism_explain(pattern).await? {
        match entry.policy_id {
            None => unmanaged.push(entry.index),
            Some(p) if p == policy_id => report.already_managed.push(entry.index),
            Some(p) => report.other_policy.push((entry.index, p)),
        }
    }
    if unmanaged.is_empty() {
        return Ok(report);
    }
    let status = api.ism_add(&unmanaged.join(","), policy_id).await?;
    let failed: Vec<&str> = status
        .failed_indices
        .iter()
        .map(|f| f.index_name.as_str())
        .collect();
    report.attached = unmanaged
        .into_iter()
        .filter(|i| !failed.contains(&i.as_str()))
        .collect();
    Ok(report)
}

/// Whether the index's ISM job will ever apply a queued change: a completed policy has no
/// next state, and a disabled (failed) job runs again only after a retry, when the next sync
/// pass sends the change. Sending to either would be queued forever and re-sent every pass.
fn can_take_change(e: &ExplainEntry) -> bool {
    !e.policy_completed && e.enabled != Some(false)
}

/// Send `change_policy` to at most `batch` indices managed by `policy_id` whose
/// `policy_seq_no` is behind the stored policy's and whose job can still apply it.
pub async fn sync_managed(
    api: &dyn ClusterApi,
    policy_id: &str,
    batch: u32,
) -> Result<SyncReport, ApiError> {
    let policy = api.get_policy(policy_id).await?;
    let behind: Vec<String> = api
        .ism_explain("*")
        .await?
        .into_iter()
        .filter(|e| e.policy_id.as_deref() == Some(policy_id))
        .filter(|e| e.policy_seq_no.is_some_and(|s| s >= 0 && s < policy.seq_no))
        .filter(can_take_change)
        .map(|e| e.index)
        .collect();
    let take = (batch as usize).min(behind.len());
    let (now, later) = behind.split_at(take);
    if !now.is_empty() {
        api.ism_change_policy(&now.join(","), policy_id, None, None)
            .await?;
    }
    Ok(SyncReport {
        changed: now.to_vec(),
        remaining: later.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(enabled: Option<bool>, completed: bool) -> ExplainEntry {
        let mut e = crate::testing::explain("logs-000001", Some(("logs".into(), 1)));
        e.enabled = enabled;
        e.policy_completed = completed;
        e
    }

    #[test]
    fn only_a_running_job_is_sent_a_change() {
        assert!(can_take_change(&entry(Some(true), false)));
        // Not yet initialized: the first run applies a queued change.
        assert!(can_take_change(&entry(None, false)));
        assert!(!can_take_change(&entry(Some(true), true)));
        assert!(!can_take_change(&entry(Some(false), false)));
    }
}
