//! Query parameters: only those a row lists pass, and the ones that widen what an index
//! expression reaches are checked by value.
use super::table::{Endpoint, COMMON_PARAMS};

/// Check `query` (the part after `?`) for `e`. `wildcards` says whether the request's index
/// expressions contain a `*`.
pub fn check(e: &Endpoint, query: Option<&str>, wildcards: bool) -> Result<(), String> {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return Ok(());
    };
    for kv in q.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        if !COMMON_PARAMS.contains(&k) && !e.params.contains(&k) {
            return Err(format!(
                "query parameter `{k}` is not allowed on {}",
                e.name
            ));
        }
        match k {
            "expand_wildcards" => {
                for w in v.split(',') {
                    if !matches!(w, "open" | "closed" | "none" | "") {
                        return Err(format!(
                            "expand_wildcards={w} reaches hidden or system indices"
                        ));
                    }
                }
            }
            "ignore_unavailable" | "allow_no_indices" if wildcards && v != "false" => {
                return Err(format!(
                    "{k} with a wildcard expression hides which indices were reached"
                ));
            }
            "level" if e.cluster_wide && !matches!(v, "cluster" | "node" | "") => {
                return Err(format!("level={v} on {} lists every index", e.name));
            }
            _ => {}
        }
    }
    Ok(())
}
