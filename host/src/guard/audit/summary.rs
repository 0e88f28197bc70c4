//! Request summaries for audit lines: secrets redacted, length capped.
use serde_json::Value;

/// Longest request summary kept in a line.
pub const SUMMARY_MAX: usize = 512;

/// Keys whose values never reach the audit log.
fn secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "credential",
        "authorization",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if secret_key(k) {
                        Value::String("<redacted>".into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A JSON body, redacted and truncated.
pub fn summarize_json(v: &Value) -> String {
    truncate(&redact(v).to_string())
}

/// A text body: redacted when it is JSON, truncated either way.
pub fn summarize_text(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(v) => summarize_json(&v),
        Err(_) => truncate(body),
    }
}

/// Cut `s` to [`SUMMARY_MAX`] bytes on a char boundary, saying how much was cut.
pub fn truncate(s: &str) -> String {
    if s.len() <= SUMMARY_MAX {
        return s.to_string();
    }
    let mut end = SUMMARY_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…(+{} bytes)", &s[..end], s.len() - end)
}
