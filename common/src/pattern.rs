//! OpenSearch index patterns: `*` is the only wildcard, everything else is literal, and an
//! expression is a comma-separated list with `_all` and `-exclusions`. The snapshot, the
//! config's overlap check and the simulator all match names this one way.

/// Whether `pattern` (`*` matches any run of characters) matches all of `name`.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    // Greedy scan with backtracking to the last `*`: linear for the patterns users write.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = ni;
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// OpenSearch-style index expression: comma-separated patterns, `_all` and `*` match
/// everything, and a leading `-` excludes what earlier parts matched (in order, as
/// OpenSearch applies them).
pub fn matches_expression(expr: &str, name: &str) -> bool {
    let mut matched = false;
    for part in expr.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(excl) = part.strip_prefix('-') {
            if matched && wildcard_match(excl, name) {
                matched = false;
            }
        } else if part == "_all" || wildcard_match(part, name) {
            matched = true;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("logs-*", "logs-000001"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(wildcard_match("*-0*1", "logs-000001"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(!wildcard_match("log*x", "logs"));
        assert!(!wildcard_match("logs-*", "metrics-1"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
        // `?` and brackets are literal in index patterns, unlike shell globs.
        assert!(wildcard_match("a?[b]", "a?[b]"));
        assert!(!wildcard_match("a?", "ab"));
    }

    #[test]
    fn expressions() {
        assert!(matches_expression("logs-*,metrics-*", "metrics-1"));
        assert!(matches_expression("_all", "x"));
        assert!(!matches_expression("logs-*,-logs-old*", "logs-old-1"));
        assert!(matches_expression("logs-*,-logs-old*", "logs-new-1"));
        assert!(!matches_expression("", "x"));
    }

    proptest! {
        #[test]
        fn a_name_matches_itself_and_any_star_cut_of_it(name in "[a-z0-9.-]{0,24}", cut in 0usize..24, len in 0usize..24) {
            prop_assert!(wildcard_match(&name, &name));
            let a = cut.min(name.len());
            let b = (a + len).min(name.len());
            let pattern = format!("{}*{}", &name[..a], &name[b..]);
            prop_assert!(wildcard_match(&pattern, &name));
        }

        #[test]
        fn without_stars_matching_is_equality(p in "[a-c]{0,6}", n in "[a-c]{0,6}") {
            prop_assert_eq!(wildcard_match(&p, &n), p == n);
        }
    }
}
