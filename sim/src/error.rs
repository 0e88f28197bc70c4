//! Errors: [`SimError`] for the library API, [`OsError`] for OpenSearch-shaped HTTP errors.
use serde_json::{json, Map, Value};

/// Failures of the simulator's own API (starting, scenarios, control calls).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("invalid scenario: {0}")]
    Scenario(String),
    #[error("invalid control request: {0}")]
    Control(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// An error rendered with OpenSearch's body shape:
/// `{"error":{"root_cause":[…],"type":…,"reason":…},"status":N}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OsError {
    pub status: u16,
    pub kind: String,
    pub reason: String,
    /// Extra fields written next to `type`/`reason` (e.g. `index`, `index_uuid`).
    pub extra: Map<String, Value>,
    pub headers: Vec<(String, String)>,
}

impl OsError {
    pub fn new(status: u16, kind: &str, reason: impl Into<String>) -> Self {
        Self {
            status,
            kind: kind.to_string(),
            reason: reason.into(),
            extra: Map::new(),
            headers: Vec::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn illegal_argument(reason: impl Into<String>) -> Self {
        Self::new(400, "illegal_argument_exception", reason)
    }

    pub fn parse(reason: impl Into<String>) -> Self {
        Self::new(400, "parse_exception", reason)
    }

    pub fn index_not_found(index: &str) -> Self {
        Self::new(
            404,
            "index_not_found_exception",
            format!("no such index [{index}]"),
        )
        .with("index", index)
        .with("resource.id", index)
        .with("resource.type", "index_or_alias")
        .with("index_uuid", "_na_")
    }

    pub fn resource_not_found(reason: impl Into<String>) -> Self {
        Self::new(404, "resource_not_found_exception", reason)
    }

    pub fn status_exception(status: u16, reason: impl Into<String>) -> Self {
        Self::new(status, "status_exception", reason)
    }

    /// The JSON body OpenSearch sends for this error.
    pub fn body(&self) -> Value {
        let mut cause = Map::new();
        cause.insert("type".into(), Value::String(self.kind.clone()));
        cause.insert("reason".into(), Value::String(self.reason.clone()));
        for (k, v) in &self.extra {
            cause.insert(k.clone(), v.clone());
        }
        let mut top = cause.clone();
        let mut error = Map::new();
        error.insert("root_cause".into(), json!([Value::Object(cause)]));
        error.append(&mut top);
        json!({"error": Value::Object(error), "status": self.status})
    }
}

/// Result type of request handlers.
pub type OsResult<T> = Result<T, OsError>;
