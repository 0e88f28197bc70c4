//! OpenSearch error bodies: `{"error":{"root_cause":[…],"type":…,"reason":…},"status":N}`.
//! Some plugins answer `{"error":"text"}` or plain text (e.g. the ISM allow-list 403).
use std::fmt;

use serde::Deserialize;

use super::lenient::Text;

/// What the cluster said about a failure, for the error message a plugin sees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorSummary {
    /// `error.type`, e.g. `version_conflict_engine_exception`.
    pub kind: Option<String>,
    /// `error.reason`, or the text of a non-JSON body.
    pub reason: Option<String>,
    /// `error.caused_by.reason`, when it adds something.
    pub cause: Option<String>,
}

impl fmt::Display for ErrorSummary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match (&self.kind, &self.reason) {
            (Some(k), Some(r)) => write!(f, "{k}: {r}")?,
            (Some(k), None) => f.write_str(k)?,
            (None, Some(r)) => f.write_str(r)?,
            (None, None) => f.write_str("no error details")?,
        }
        if let Some(c) = &self.cause {
            write!(f, " (caused by: {c})")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct RawCause {
    #[serde(rename = "type", default)]
    kind: Text,
    #[serde(default)]
    reason: Text,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(rename = "type", default)]
    kind: Text,
    #[serde(default)]
    reason: Text,
    #[serde(default)]
    caused_by: Option<RawCause>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Object(RawError),
    Text(String),
}

#[derive(Deserialize)]
struct RawBody {
    error: Option<ErrorField>,
}

/// Longest plain-text body kept in a message; an HTML error page is not worth more.
const MAX_TEXT: usize = 300;

/// Summarize an error body. Never fails: a body that is not an OpenSearch error becomes its
/// (truncated) text.
pub fn error_summary(body: &[u8]) -> ErrorSummary {
    if let Ok(RawBody { error: Some(e) }) = serde_json::from_slice::<RawBody>(body) {
        return match e {
            ErrorField::Text(t) => ErrorSummary {
                reason: Some(t),
                ..ErrorSummary::default()
            },
            ErrorField::Object(o) => ErrorSummary {
                cause: o
                    .caused_by
                    .and_then(|c| match (c.kind.0, c.reason.0) {
                        (Some(k), Some(r)) => Some(format!("{k}: {r}")),
                        (k, r) => r.or(k),
                    })
                    .filter(|c| {
                        o.reason
                            .0
                            .as_deref()
                            .is_none_or(|r| !r.contains(c.as_str()))
                    }),
                kind: o.kind.0,
                reason: o.reason.0,
            },
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    ErrorSummary {
        reason: (!text.is_empty()).then(|| truncate(text, MAX_TEXT)),
        ..ErrorSummary::default()
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_conflict_keeps_type_and_reason() {
        let body = br#"{"error":{"root_cause":[{"type":"version_conflict_engine_exception","reason":"[p]: version conflict, document already exists (current version [2])","index":".opendistro-ism-config","shard":"0","index_uuid":"u"}],"type":"version_conflict_engine_exception","reason":"[p]: version conflict, document already exists (current version [2])","index":".opendistro-ism-config"},"status":409}"#;
        let s = error_summary(body);
        assert_eq!(s.kind.as_deref(), Some("version_conflict_engine_exception"));
        assert_eq!(
            s.to_string(),
            "version_conflict_engine_exception: [p]: version conflict, document already exists (current version [2])"
        );
    }

    #[test]
    fn caused_by_is_appended() {
        let body = br#"{"error":{"type":"illegal_argument_exception","reason":"rollover failed","caused_by":{"type":"x_exception","reason":"too many shards"}},"status":400}"#;
        assert_eq!(
            error_summary(body).to_string(),
            "illegal_argument_exception: rollover failed (caused by: x_exception: too many shards)"
        );
    }

    #[test]
    fn string_error_and_plain_text() {
        assert_eq!(
            error_summary(br#"{"error":"no handler found","status":400}"#).to_string(),
            "no handler found"
        );
        assert_eq!(
            error_summary(b"You have actions that are not allowed in your policy [delete]")
                .to_string(),
            "You have actions that are not allowed in your policy [delete]"
        );
        assert_eq!(error_summary(b"").to_string(), "no error details");
        let long = "é".repeat(1000);
        assert!(error_summary(long.as_bytes()).to_string().chars().count() <= MAX_TEXT + 1);
    }
}
