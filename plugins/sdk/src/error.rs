//! Typed host-call errors.

use crate::bindings::lifeguard::plugin::types::Error as RawError;
use crate::ReconcileError;

/// Which kind of failure a host call reported (the WIT `error` variant's case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The tenant's grant does not cover the target, or the cluster answered 401/403.
    Denied,
    /// The target does not exist (HTTP 404).
    NotFound,
    /// Optimistic concurrency failed (HTTP 409).
    Conflict,
    /// Back off: 429, open breaker, maintenance window or spent mutation budget.
    Throttled,
    /// The cluster could not be reached, timed out, or answered 5xx.
    Unavailable,
    /// The request was malformed (bad JSON, oversized argument, HTTP 400).
    Invalid,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The WIT case name, e.g. `not-found`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Denied => "denied",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Other => "other",
        }
    }

    /// Whether retrying later may succeed without anyone changing the configuration:
    /// `throttled`, `unavailable`, `conflict`, `not-found` and `other` are; `denied` and
    /// `invalid` are not.
    pub fn is_transient(self) -> bool {
        !matches!(self, ErrorKind::Denied | ErrorKind::Invalid)
    }
}

/// A failed host call: its [`ErrorKind`] and the host's message (which keeps OpenSearch's
/// error `type` and `reason` when the cluster produced it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// Build an error (useful in tests and for plugin-side validation).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The host's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shorthand for `self.kind() == ErrorKind::NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// Shorthand for `self.kind() == ErrorKind::Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.kind == ErrorKind::Conflict
    }

    /// Whether the cluster could not be reached or pushed back (`unavailable`, `throttled`).
    pub fn is_unreachable(&self) -> bool {
        matches!(self.kind, ErrorKind::Unavailable | ErrorKind::Throttled)
    }

    /// Prefix the message with what was being done, e.g. `"explain logs-*"`.
    #[must_use]
    pub fn context(self, what: impl AsRef<str>) -> Self {
        Error {
            kind: self.kind,
            message: format!("{}: {}", what.as_ref(), self.message),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<RawError> for Error {
    fn from(raw: RawError) -> Self {
        let (kind, message) = match raw {
            RawError::Denied(m) => (ErrorKind::Denied, m),
            RawError::NotFound(m) => (ErrorKind::NotFound, m),
            RawError::Conflict(m) => (ErrorKind::Conflict, m),
            RawError::Throttled(m) => (ErrorKind::Throttled, m),
            RawError::Unavailable(m) => (ErrorKind::Unavailable, m),
            RawError::Invalid(m) => (ErrorKind::Invalid, m),
            RawError::Other(m) => (ErrorKind::Other, m),
        };
        Error { kind, message }
    }
}

/// `?` in `reconcile`: `throttled`, `unavailable`, `conflict`, `not-found` and `other` become
/// [`ReconcileError::Transient`] (the host retries with backoff; a missing index or policy may
/// appear, a conflict resolves on re-read). `denied` and `invalid` become
/// [`ReconcileError::Terminal`]: the grant or the request is wrong, and retrying cannot fix it.
/// Match on [`Error::kind`] first where a plugin wants another mapping.
impl From<Error> for ReconcileError {
    fn from(e: Error) -> Self {
        if e.kind.is_transient() {
            ReconcileError::Transient(e.to_string())
        } else {
            ReconcileError::Terminal(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_to_reconcile_error() {
        let t: ReconcileError = Error::new(ErrorKind::Throttled, "budget").into();
        assert_eq!(t, ReconcileError::Transient("throttled: budget".into()));
        let t: ReconcileError = Error::new(ErrorKind::Unavailable, "down").into();
        assert!(t.is_transient());
        let t: ReconcileError = Error::new(ErrorKind::Denied, "logs-*").into();
        assert_eq!(t, ReconcileError::Terminal("denied: logs-*".into()));
        let t: ReconcileError = Error::new(ErrorKind::Invalid, "bad").into();
        assert!(!t.is_transient());
    }

    #[test]
    fn from_raw_and_display() {
        let e: Error = RawError::NotFound("no such index [x]".into()).into();
        assert!(e.is_not_found());
        assert_eq!(e.to_string(), "not-found: no such index [x]");
        assert_eq!(
            e.context("explain x").message(),
            "explain x: no such index [x]"
        );
    }
}
