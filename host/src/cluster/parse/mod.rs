//! Parsers from OpenSearch response bodies to the WIT model.
//!
//! Plain functions over `&[u8]`, independent of HTTP, so they are unit-tested on the payloads
//! in the semantics notes, fuzzed with proptest and benchmarked (`benches/parse.rs`). They
//! tolerate unknown fields and the odd scalar shapes OpenSearch produces (see [`lenient`]),
//! and never panic: a body they cannot make sense of is a [`ParseError`].
mod cat;
mod ccr;
mod cluster;
mod error_body;
mod explain;
mod ism;
mod lenient;
mod nodes;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod shape_tests;

pub use cat::{cat_aliases, cat_allocation, cat_indices, AllocationRow};
pub use ccr::replication_status;
pub use cluster::{allocation_explain, cluster_health, index_settings, rollover_result};
pub use error_body::{error_summary, ErrorSummary};
pub use explain::ism_explain;
pub use ism::{policy_doc, status_response};
pub use nodes::{nodes, thread_pools};

use super::ApiError;
use crate::bindings::types::HealthStatus;

/// A response body that does not have the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, or JSON of the wrong type where a fixed type is required.
    #[error("{what}: {source}")]
    Json {
        /// Which response was being parsed.
        what: &'static str,
        /// The decoder's complaint.
        source: serde_json::Error,
    },
    /// Valid JSON that lacks something required.
    #[error("{what}: {detail}")]
    Shape {
        /// Which response was being parsed.
        what: &'static str,
        /// What was missing or wrong.
        detail: String,
    },
}

impl ParseError {
    fn shape(what: &'static str, detail: impl Into<String>) -> Self {
        ParseError::Shape {
            what,
            detail: detail.into(),
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(e: ParseError) -> Self {
        ApiError::Other(format!("unexpected response from cluster: {e}"))
    }
}

/// Decode `body` as `T`, naming the response in the error.
fn json<'a, T: serde::Deserialize<'a>>(
    what: &'static str,
    body: &'a [u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(body).map_err(|source| ParseError::Json { what, source })
}

/// `green`/`yellow`/`red`, in any case.
fn health_status(s: &str) -> Option<HealthStatus> {
    match s {
        "green" | "GREEN" => Some(HealthStatus::Green),
        "yellow" | "YELLOW" => Some(HealthStatus::Yellow),
        "red" | "RED" => Some(HealthStatus::Red),
        _ => None,
    }
}
