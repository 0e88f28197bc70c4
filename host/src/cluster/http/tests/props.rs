//! The client's handling of what comes back besides a 2xx body: error bodies of any shape,
//! `Retry-After` values. Arbitrary input must map onto an error that keeps the status, the
//! request and whatever OpenSearch said, and never panic.
use proptest::prelude::*;
use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use serde_json::json;

use super::super::request::{parse_retry_after, retryable, status_error, Req};
use crate::cluster::ApiError;

fn message(e: &ApiError) -> &str {
    match e {
        ApiError::Invalid(m)
        | ApiError::Denied(m)
        | ApiError::NotFound(m)
        | ApiError::Conflict(m)
        | ApiError::Throttled(m)
        | ApiError::Unavailable(m)
        | ApiError::Other(m) => m,
    }
}

/// Bodies an error status may carry: OpenSearch's error object, `{"error": "text"}`, plain
/// text or HTML, and noise.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        ("[a-z_]{1,20}", "\\PC{0,40}").prop_map(|(t, r)| {
            json!({"error": {"type": t, "reason": r}, "status": 400})
                .to_string()
                .into_bytes()
        }),
        "\\PC{0,40}".prop_map(|t| json!({ "error": t }).to_string().into_bytes()),
        "\\PC{0,400}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn error_statuses_keep_status_request_and_reason(
        status in 400u16..600,
        body in body(),
        path in "/[a-z_/-]{0,20}",
    ) {
        let req = Req::get(path.clone());
        let status = StatusCode::from_u16(status).unwrap();
        let e = status_error(status, &body, &req, "");
        let m = message(&e);
        prop_assert!(m.contains(&format!("HTTP {}", status.as_u16())), "{}", m);
        prop_assert!(m.contains(&path), "{}", m);
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
            if let Some(t) = v.pointer("/error/type").and_then(|t| t.as_str()) {
                prop_assert!(m.starts_with(&format!("{t}: ")), "{}", m);
            }
        }
        if retryable(status) {
            prop_assert!(matches!(e, ApiError::Throttled(_) | ApiError::Unavailable(_)), "{:?}", e);
        }
        if matches!(status.as_u16(), 401 | 403) {
            prop_assert!(matches!(e, ApiError::Denied(_)), "{:?}", e);
        }
    }

    /// Delta-seconds are honoured up to an hour; anything else is ignored, never a panic.
    #[test]
    fn retry_after_takes_seconds_only(secs in any::<u64>(), pad in " {0,2}", noise in "[ -~]{0,12}") {
        let h = HeaderValue::from_str(&format!("{pad}{secs}{pad}")).unwrap();
        prop_assert_eq!(
            parse_retry_after(Some(&h)),
            Some(std::time::Duration::from_secs(secs.min(3600)))
        );
        if let Ok(h) = HeaderValue::from_str(&noise) {
            let got = parse_retry_after(Some(&h));
            prop_assert_eq!(got.is_some(), noise.trim().parse::<u64>().is_ok(), "{:?}", noise);
        }
    }
}
