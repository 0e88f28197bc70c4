//! The error every cluster call returns, mapped one-to-one onto the WIT `error` variant.
use crate::bindings::types::Error as WitError;

/// A failed cluster call. The message keeps OpenSearch's error `type` and `reason` when the
/// cluster produced them, so a plugin author sees what the cluster said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// Out of the tenant's grant, or HTTP 401/403.
    #[error("denied: {0}")]
    Denied(String),
    /// HTTP 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// HTTP 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// HTTP 429 after retries, breaker open, maintenance window, budget spent.
    #[error("throttled: {0}")]
    Throttled(String),
    /// Unreachable, timed out, or 5xx after retries.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// HTTP 400, bad JSON, an oversized argument.
    #[error("invalid: {0}")]
    Invalid(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    /// The verb-like name of the variant, for metrics and audit lines.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Denied(_) => "denied",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Throttled(_) => "throttled",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Invalid(_) => "invalid",
            ApiError::Other(_) => "other",
        }
    }
}

impl From<ApiError> for WitError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Denied(m) => WitError::Denied(m),
            ApiError::NotFound(m) => WitError::NotFound(m),
            ApiError::Conflict(m) => WitError::Conflict(m),
            ApiError::Throttled(m) => WitError::Throttled(m),
            ApiError::Unavailable(m) => WitError::Unavailable(m),
            ApiError::Invalid(m) => WitError::Invalid(m),
            ApiError::Other(m) => WitError::Other(m),
        }
    }
}
