//! Requests, responses and failures as the transport sees them, and their mapping onto
//! [`ApiError`].
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode};

use crate::cluster::parse::error_summary;
use crate::cluster::ApiError;

/// How a request may be repeated after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    /// Repeating has no further effect (GET, HEAD, conditional or absolute PUT): retry.
    Blind,
    /// Not safe to repeat: the caller either checks state first or gives up.
    Never,
}

/// One request, before it is sent to any base URL.
#[derive(Debug, Clone)]
pub(super) struct Req {
    pub(super) method: Method,
    /// Starts with `/`, path segments already encoded, may carry a query string.
    pub(super) path: String,
    /// A JSON body.
    pub(super) body: Option<Bytes>,
    pub(super) replay: Replay,
}

impl Req {
    pub(super) fn get(path: String) -> Req {
        Req {
            method: Method::GET,
            path,
            body: None,
            replay: Replay::Blind,
        }
    }

    pub(super) fn new(method: Method, path: String, body: Option<&serde_json::Value>) -> Req {
        let replay = if method == Method::GET || method == Method::HEAD {
            Replay::Blind
        } else {
            Replay::Never
        };
        Req {
            method,
            path,
            body: body.map(|b| Bytes::from(b.to_string())),
            replay,
        }
    }

    pub(super) fn replay(mut self, replay: Replay) -> Req {
        self.replay = replay;
        self
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A response that is final: a success or an error no retry can fix.
#[derive(Debug, Clone)]
pub(super) struct Resp {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
}

impl Resp {
    /// The body of a 2xx answer, or the mapped error.
    pub(super) fn ok(self, req: &Req) -> Result<Bytes, ApiError> {
        if self.status.is_success() {
            Ok(self.body)
        } else {
            Err(status_error(self.status, &self.body, req, ""))
        }
    }
}

/// A failure a retry might fix.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// 429, 502, 503, 504; `retry_after` from the header, in seconds.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Bytes,
    },
    /// No connection could be made to any base URL: the request was never sent.
    Connect(String),
    /// The attempt (or the whole call) ran out of time; the server may have acted.
    Timeout(String),
    /// The connection broke mid-request; the server may have acted.
    Broken(String),
}

impl Failure {
    /// Whether the server cannot have seen the request, so even a non-idempotent one may be
    /// sent again.
    pub(super) fn never_sent(&self) -> bool {
        matches!(self, Failure::Connect(_))
    }

    pub(super) fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error once retrying is over; `why` says why it stopped.
    pub(super) fn to_error(&self, req: &Req, why: &str) -> ApiError {
        match self {
            Failure::Status { status, body, .. } => status_error(*status, body, req, why),
            Failure::Connect(e) => {
                ApiError::Unavailable(format!("cannot connect: {e} [{}]{why}", req.label()))
            }
            Failure::Timeout(e) => {
                ApiError::Unavailable(format!("timed out: {e} [{}]{why}", req.label()))
            }
            Failure::Broken(e) => {
                ApiError::Unavailable(format!("connection failed: {e} [{}]{why}", req.label()))
            }
        }
    }
}

/// Statuses worth retrying: overload and gateway trouble, not a server bug (500).
pub(super) fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// `Retry-After` in delta-seconds. The HTTP-date form is not used by OpenSearch or the
/// proxies in front of it, so it is ignored (the computed backoff applies).
pub(super) fn parse_retry_after(v: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let secs: u64 = v?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(3600)))
}

/// Map an HTTP error status onto the WIT variants, keeping OpenSearch's `type: reason`.
pub(super) fn status_error(status: StatusCode, body: &[u8], req: &Req, why: &str) -> ApiError {
    let msg = format!(
        "{} [HTTP {} {}]{why}",
        error_summary(body),
        status.as_u16(),
        req.label()
    );
    match status.as_u16() {
        400 | 405 | 406 | 411 | 413 | 414 | 415 | 422 => ApiError::Invalid(msg),
        401 | 403 => ApiError::Denied(msg),
        404 => ApiError::NotFound(msg),
        409 => ApiError::Conflict(msg),
        429 => ApiError::Throttled(msg),
        408 | 500..=599 => ApiError::Unavailable(msg),
        _ => ApiError::Other(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> ApiError {
        let req = Req::get("/_plugins/_ism/policies/p".into());
        status_error(
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            &req,
            "",
        )
    }

    #[test]
    fn statuses_map_to_variants() {
        let body = r#"{"error":{"root_cause":[],"type":"version_conflict_engine_exception","reason":"[p]: version conflict"},"status":409}"#;
        assert_eq!(
            err(409, body),
            ApiError::Conflict(
                "version_conflict_engine_exception: [p]: version conflict [HTTP 409 GET /_plugins/_ism/policies/p]"
                    .into()
            )
        );
        assert!(
            matches!(err(404, r#"{"error":{"type":"index_not_found_exception","reason":"no such index [x]"},"status":404}"#), ApiError::NotFound(m) if m.contains("no such index [x]"))
        );
        assert!(matches!(err(401, ""), ApiError::Denied(_)));
        assert!(
            matches!(err(403, "You have actions that are not allowed"), ApiError::Denied(m) if m.contains("not allowed"))
        );
        assert!(
            matches!(err(400, r#"{"error":{"type":"illegal_argument_exception","reason":"Missing indices"},"status":400}"#), ApiError::Invalid(m) if m.starts_with("illegal_argument_exception: Missing indices"))
        );
        assert!(
            matches!(err(429, r#"{"error":{"type":"rejected_execution_exception","reason":"rejected execution"},"status":429}"#), ApiError::Throttled(m) if m.contains("rejected_execution_exception"))
        );
        assert!(matches!(err(503, ""), ApiError::Unavailable(_)));
        assert!(matches!(err(500, "boom"), ApiError::Unavailable(m) if m.contains("boom")));
        assert!(matches!(err(418, ""), ApiError::Other(_)));
    }

    #[test]
    fn retry_after_seconds_only() {
        use reqwest::header::HeaderValue;
        let h = HeaderValue::from_static("2");
        assert_eq!(parse_retry_after(Some(&h)), Some(Duration::from_secs(2)));
        let d = HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_retry_after(Some(&d)), None);
        assert_eq!(parse_retry_after(None), None);
    }

    #[test]
    fn only_overload_statuses_retry() {
        for (s, r) in [
            (429, true),
            (502, true),
            (503, true),
            (504, true),
            (500, false),
            (409, false),
        ] {
            assert_eq!(retryable(StatusCode::from_u16(s).unwrap()), r, "{s}");
        }
    }
}
