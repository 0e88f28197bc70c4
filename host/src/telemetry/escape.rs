//! Escaping for the two places untrusted strings (plugin summaries, label values, index names)
//! end up: HTML on the status page and label values in the Prometheus text format.

/// Escapes text for HTML element content and quoted attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a label value for the text exposition format. prometheus-client 0.24 writes label
/// values verbatim, so a quote or newline from a plugin would corrupt the whole scrape.
pub fn label_value(s: &str) -> String {
    if !s.contains(['\\', '"', '\n']) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `s` is safe to write verbatim as a metric name or label key.
pub fn is_metric_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | 'A'..='Z' | '_'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC, for the status page.
pub fn utc_time(epoch_ms: u64) -> String {
    crate::time::utc_seconds(i64::try_from(epoch_ms).unwrap_or(i64::MAX))
}

/// A duration in milliseconds, short and human: `850 ms`, `4.2 s`, `3 min`, `2.5 h`.
pub fn duration_ms(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{} min", ms / 60_000),
        _ => format!("{:.1} h", ms as f64 / 3_600_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn label_values_escape_quotes_backslashes_and_newlines() {
        assert_eq!(label_value("plain"), "plain");
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn metric_idents() {
        assert!(is_metric_ident("ingest_rate"));
        assert!(!is_metric_ident("9lives"));
        assert!(!is_metric_ident("a-b"));
        assert!(!is_metric_ident("a\"} 1\nx"));
        assert!(!is_metric_ident(""));
    }

    #[test]
    fn utc_times_format() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00");
        // 2024-02-29T12:34:56Z, a leap day.
        assert_eq!(utc_time(1_709_210_096_000), "2024-02-29 12:34:56");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_ms(850), "850 ms");
        assert_eq!(duration_ms(4_200), "4.2 s");
        assert_eq!(duration_ms(180_000), "3 min");
        assert_eq!(duration_ms(9_000_000), "2.5 h");
    }
}
