//! Building request paths from tenant-supplied names.
//!
//! Index names, patterns and policy ids come from plugins, which are tenant code. Every
//! character that could change the request's shape (`/`, `?`, `#`, `%`, spaces, …) is
//! percent-encoded, so a name can never address another endpoint. Glob `*` and list `,`
//! stay literal: OpenSearch needs them as they are.
use std::fmt::Write;

/// Characters kept as they are in a path segment or query value.
fn plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'*' | b',' | b':' | b'@')
}

/// Percent-encode one path segment (or query value).
pub(super) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A path plus query parameters.
pub(super) struct PathBuf {
    path: String,
    has_query: bool,
}

impl PathBuf {
    pub(super) fn new(path: impl Into<String>) -> Self {
        let path = path.into();
        let has_query = path.contains('?');
        PathBuf { path, has_query }
    }

    /// Append `key=value`; the value is encoded, the key is a constant of ours.
    pub(super) fn q(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.path.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.path.push_str(key);
        self.path.push('=');
        self.path.push_str(&seg(value.as_ref()));
        self
    }

    pub(super) fn build(self) -> String {
        self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_their_segment() {
        assert_eq!(seg("logs-*,metrics-2024.01"), "logs-*,metrics-2024.01");
        assert_eq!(
            seg("a/../_cluster/settings"),
            "a%2F..%2F_cluster%2Fsettings"
        );
        assert_eq!(seg("x?pretty#y z%"), "x%3Fpretty%23y%20z%25");
        assert_eq!(seg("é"), "%C3%A9");
        // `+` would read as a space in a query value.
        assert_eq!(seg("a+b"), "a%2Bb");
    }

    #[test]
    fn query_building() {
        let p = PathBuf::new("/_cat/indices?format=json")
            .q("h", "index,uuid")
            .q("x", "a&b")
            .build();
        assert_eq!(p, "/_cat/indices?format=json&h=index,uuid&x=a%26b");
        assert_eq!(
            PathBuf::new("/p").q("if_seq_no", "7").build(),
            "/p?if_seq_no=7"
        );
    }
}
