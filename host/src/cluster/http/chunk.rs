//! Splitting long comma-separated index lists across several requests.
//!
//! `attach` and `sync-managed` address indices by explicit name lists, which for a big
//! cluster run to many kilobytes. OpenSearch rejects request lines over 4 KB
//! (`http.max_initial_line_length`), so ISM calls split the list and merge the answers.
use super::path::seg;
use crate::cluster::model::StatusResponse;

/// Encoded bytes of one chunk: 4 KB minus room for the method, prefix and `HTTP/1.1`.
const MAX_CHUNK: usize = 3000;

/// The list as chunks whose encoded form fits a request line. A list that fits is returned
/// as it is, one chunk; a single oversized name is a chunk of its own (the cluster will say
/// what it thinks of it).
pub(super) fn split(list: &str) -> Vec<String> {
    if seg(list).len() <= MAX_CHUNK {
        return vec![list.to_owned()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for name in list.split(',').filter(|n| !n.is_empty()) {
        let len = seg(name).len();
        if !cur.is_empty() && cur_len + 1 + len > MAX_CHUNK {
            out.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if !cur.is_empty() {
            cur.push(',');
            cur_len += 1;
        }
        cur.push_str(name);
        cur_len += len;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Sum of the answers of each chunk.
pub(super) fn merge(parts: Vec<StatusResponse>) -> StatusResponse {
    let mut total = StatusResponse {
        updated_indices: 0,
        failures: false,
        failed_indices: Vec::new(),
    };
    for p in parts {
        total.updated_indices = total.updated_indices.saturating_add(p.updated_indices);
        total.failures |= p.failures;
        total.failed_indices.extend(p.failed_indices);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::FailedIndex;

    #[test]
    fn short_lists_and_patterns_stay_whole() {
        assert_eq!(split("logs-*"), ["logs-*"]);
        assert_eq!(split("a,b,,c"), ["a,b,,c"]);
    }

    #[test]
    fn long_lists_split_on_commas_within_the_limit() {
        let names: Vec<String> = (0..1000).map(|i| format!("logs-app-{i:06}")).collect();
        let list = names.join(",");
        let chunks = split(&list);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| seg(c).len() <= MAX_CHUNK));
        assert_eq!(chunks.join(","), list, "nothing lost or reordered");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any list of any names: nothing lost or reordered, and every chunk fits unless it
        /// is one oversized name.
        #[test]
        fn chunks_cover_the_list_and_fit(names in proptest::collection::vec("[^,]{0,40}", 0..400)) {
            let list = names.join(",");
            let chunks = split(&list);
            let kept: Vec<&str> = names.iter().map(String::as_str).filter(|n| !n.is_empty()).collect();
            if chunks.len() == 1 && chunks[0] == list {
                proptest::prop_assert!(seg(&list).len() <= MAX_CHUNK || kept.len() <= 1);
            } else {
                proptest::prop_assert_eq!(chunks.join(","), kept.join(","));
                for c in &chunks {
                    proptest::prop_assert!(seg(c).len() <= MAX_CHUNK || !c.contains(','), "{}", c.len());
                }
            }
        }
    }

    #[test]
    fn merged_answers_add_up() {
        let fail = |n: &str| FailedIndex {
            index_name: n.into(),
            index_uuid: String::new(),
            reason: "r".into(),
        };
        let m = merge(vec![
            StatusResponse {
                updated_indices: 2,
                failures: false,
                failed_indices: vec![],
            },
            StatusResponse {
                updated_indices: 1,
                failures: true,
                failed_indices: vec![fail("x")],
            },
        ]);
        assert_eq!(
            (m.updated_indices, m.failures, m.failed_indices.len()),
            (3, true, 1)
        );
    }
}
