//! Scope for the raw `request` escape hatch: read the path, find what it names, check it.
//!
//! What passes (anything else is `denied`; the typed calls cover it):
//!
//! | path | reads (`GET`, `HEAD`) | mutations |
//! |------|-----------------------|-----------|
//! | `/` | yes | no |
//! | `/_cluster/*` except `/_cluster/state` (it carries every index's metadata) | yes | no: cluster-wide |
//! | `/_nodes/*` | yes | no |
//! | `/_cat/*`; for `indices`, `aliases`, `shards`, `segments`, `recovery`, `count` the pattern is narrowed, or the grant is added when absent | yes | no |
//! | `/_plugins/_ism/explain[/<pattern>]` | narrowed | no |
//! | `/_plugins/_ism/{add,remove,change_policy,retry}/<pattern>` (+ `policy_id` in the body) | checked | checked |
//! | `/_plugins/_ism/policies/<id>` | checked | checked |
//! | `/_plugins/_replication/<follower>/…` (+ leader alias and index of `_start`) | checked | checked |
//! | `/<indices>/…`; a target in the third segment of `_alias(es)`, `_rollover`, `_clone`, `_split`, `_shrink` too | narrowed | checked |
//!
//! "Narrowed" rewrites the expression to the part inside the grant (results of a raw request
//! can't be filtered, so partial overlaps are dropped); "checked" means every element must be
//! inside the grant. Paths with `%`, `#`, `\`, empty, `.` or `..` segments are refused, since
//! a client or server normalising them would send something other than what was checked.
use serde_json::Value;

use super::scope::Grant;

/// Whether a raw method only reads.
pub fn is_read(method: &str) -> bool {
    matches!(method, "GET" | "HEAD")
}

/// Check a raw request against the grant. `Ok` carries the path to send (possibly narrowed);
/// `Err` says why it was denied.
pub fn plan(grant: &Grant, method: &str, path: &str, body: Option<&str>) -> Result<String, String> {
    let read = is_read(method);
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let Some(rest) = p.strip_prefix('/') else {
        return Err("a raw path must start with `/`".into());
    };
    if path.contains(['%', '#', '\\']) {
        return Err("raw paths may not contain `%`, `#` or `\\`".into());
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segs: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').map(str::to_string).collect()
    };
    if segs.iter().any(|s| s.is_empty() || s == "." || s == "..") {
        return Err("raw paths may not contain empty, `.` or `..` segments".into());
    }
    let s0 = segs.first().cloned();
    let s1 = segs.get(1).cloned();
    let cluster_wide = || -> Result<(), String> {
        if read {
            Ok(())
        } else {
            Err("cluster-wide mutations are platform operations".into())
        }
    };
    match s0.as_deref() {
        None => cluster_wide()?,
        Some("_cluster") if s1.as_deref() == Some("state") => {
            return Err(
                "`_cluster/state` carries every index's metadata; use the typed reads".into(),
            )
        }
        Some("_cluster" | "_nodes") => cluster_wide()?,
        Some("_cat") => {
            cluster_wide()?;
            if matches!(
                s1.as_deref(),
                Some("indices" | "aliases" | "shards" | "segments" | "recovery" | "count")
            ) {
                narrow_or_add(grant, &mut segs, 2)?;
            }
        }
        Some("_plugins") => plugins(grant, read, &mut segs, body)?,
        Some(s) if s.starts_with('_') => {
            return Err(format!(
                "raw `/{s}` spans indices outside any grant; use the typed calls"
            ))
        }
        Some(_) => {
            target(grant, read, &mut segs, 0)?;
            if matches!(
                s1.as_deref(),
                Some("_alias" | "_aliases" | "_rollover" | "_clone" | "_split" | "_shrink")
            ) && segs.len() > 2
            {
                target(grant, read, &mut segs, 2)?;
            }
        }
    }
    let mut out = format!("/{}", segs.join("/"));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

fn plugins(
    grant: &Grant,
    read: bool,
    segs: &mut Vec<String>,
    body: Option<&str>,
) -> Result<(), String> {
    let s1 = segs.get(1).cloned();
    let s2 = segs.get(2).cloned();
    match (s1.as_deref(), s2.as_deref()) {
        (Some("_ism"), Some("explain")) if read => narrow_or_add(grant, segs, 3),
        (Some("_ism"), Some("add" | "remove" | "change_policy" | "retry")) => {
            if segs.len() < 4 {
                return Err("ISM requests need an index pattern in the path".into());
            }
            target(grant, false, segs, 3)?;
            if let Some(id) = body_field(body, &["policy_id"])? {
                policy(grant, &id)?;
            }
            Ok(())
        }
        (Some("_ism"), Some("policies")) => match segs.get(3) {
            Some(id) if segs.len() == 4 => policy(grant, id),
            _ => Err("raw policy requests must name one policy id".into()),
        },
        (Some("_replication"), Some(idx))
            if !matches!(
                idx,
                "follower_stats" | "leader_stats" | "autofollow_stats" | "_autofollow"
            ) =>
        {
            target(grant, false, segs, 2)?;
            if let Some(alias) = body_field(body, &["leader_alias"])? {
                if !grant.allows_cluster(&alias) {
                    return Err(format!("leader alias [{alias}]"));
                }
            }
            if let Some(leader) = body_field(body, &["leader_index"])? {
                grant.check_target(&leader)?;
            }
            Ok(())
        }
        _ => Err(format!(
            "raw `/{}` is not a path the guard can scope; use the typed calls",
            segs.join("/")
        )),
    }
}

fn policy(grant: &Grant, id: &str) -> Result<(), String> {
    if grant.allows_policy(id) {
        Ok(())
    } else {
        Err(format!("policy [{id}]"))
    }
}

/// Check segment `i` as an index expression: narrowed for reads, contained for mutations.
fn target(grant: &Grant, read: bool, segs: &mut [String], i: usize) -> Result<(), String> {
    let Some(expr) = segs.get(i).cloned() else {
        return Ok(());
    };
    if read {
        segs[i] = narrow_exact(grant, &expr)?;
        Ok(())
    } else {
        grant.check_target(&expr)
    }
}

/// Narrow segment `i`, or, if the path stops before it, append the grant's globs.
fn narrow_or_add(grant: &Grant, segs: &mut Vec<String>, i: usize) -> Result<(), String> {
    if segs.len() > i {
        segs[i] = narrow_exact(grant, &segs[i])?;
    } else if segs.len() == i {
        if grant.index_globs().is_empty() {
            return Err("the tenant's grant has no indices".into());
        }
        segs.push(grant.index_globs().join(","));
    }
    Ok(())
}

/// Narrow a read expression keeping only what is inside the grant: a raw answer can't be
/// filtered afterwards, so partial overlaps are dropped.
fn narrow_exact(grant: &Grant, expr: &str) -> Result<String, String> {
    let n = grant.narrow(expr)?;
    let kept: Vec<&String> = n
        .elements
        .iter()
        .filter(|e| e.starts_with('-') || grant.check_target(e).is_ok())
        .collect();
    if !kept.iter().any(|e| !e.starts_with('-')) {
        return Err(format!("[{expr}] matches nothing inside the grant"));
    }
    Ok(kept
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// A string field of a JSON body, if the body has one. A body that isn't JSON is refused:
/// what it would do can't be checked.
fn body_field(body: Option<&str>, path: &[&str]) -> Result<Option<String>, String> {
    let Some(body) = body.filter(|b| !b.trim().is_empty()) else {
        return Ok(None);
    };
    let v: Value = serde_json::from_str(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let mut cur = &v;
    for k in path {
        match cur.get(k) {
            Some(next) => cur = next,
            None => return Ok(None),
        }
    }
    match cur {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Null => Ok(None),
        other => Err(format!(
            "body field {} is not a string: {other}",
            path.join(".")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::scope::GrantConfig;

    fn grant() -> Grant {
        Grant::new(&GrantConfig {
            indices: vec!["logs-app1-*".into()],
            policies: vec!["app1-*".into()],
            clusters: vec!["prod".into(), "leader".into()],
            autofollow_rules: vec![],
        })
        .unwrap()
    }

    #[test]
    fn reads() {
        let g = grant();
        assert_eq!(plan(&g, "GET", "/", None).unwrap(), "/");
        assert_eq!(
            plan(&g, "GET", "/_cluster/health?pretty", None).unwrap(),
            "/_cluster/health?pretty"
        );
        assert!(plan(&g, "GET", "/_cluster/state", None).is_err());
        assert_eq!(
            plan(&g, "GET", "/_cat/indices?v", None).unwrap(),
            "/_cat/indices/logs-app1-*?v"
        );
        assert_eq!(
            plan(&g, "GET", "/_cat/indices/logs-*", None).unwrap(),
            "/_cat/indices/logs-app1-*"
        );
        assert_eq!(plan(&g, "GET", "/_cat/nodes", None).unwrap(), "/_cat/nodes");
        assert_eq!(
            plan(&g, "GET", "/*/_stats", None).unwrap(),
            "/logs-app1-*/_stats"
        );
        assert!(plan(&g, "GET", "/metrics-*/_stats", None).is_err());
        assert_eq!(
            plan(&g, "GET", "/*-app1-*/_stats", None).unwrap(),
            "/logs-app1-*/_stats"
        );
        // A partial overlap can't be filtered in a raw answer: refused.
        assert!(plan(&g, "GET", "/*-x/_stats", None).is_err());
        assert_eq!(
            plan(&g, "GET", "/_plugins/_ism/explain", None).unwrap(),
            "/_plugins/_ism/explain/logs-app1-*"
        );
        assert!(plan(&g, "GET", "/_plugins/_ism/policies", None).is_err());
        assert!(plan(&g, "GET", "/_plugins/_ism/policies/app2-x", None).is_err());
        assert!(plan(&g, "GET", "/_plugins/_ism/policies/app1-x", None).is_ok());
        assert!(plan(&g, "GET", "/_search", None).is_err());
    }

    #[test]
    fn mutations() {
        let g = grant();
        assert!(plan(&g, "PUT", "/logs-app1-1/_settings", Some("{}")).is_ok());
        assert!(plan(&g, "PUT", "/logs-*/_settings", Some("{}")).is_err());
        assert!(plan(&g, "DELETE", "/logs-app2-1", None).is_err());
        assert!(plan(&g, "PUT", "/_cluster/settings", Some("{}")).is_err());
        assert!(plan(&g, "POST", "/_aliases", Some("{}")).is_err());
        assert!(plan(&g, "POST", "/_reindex", Some("{}")).is_err());
        assert!(plan(&g, "POST", "/logs-app1-1/_clone/other-1", None).is_err());
        assert!(plan(&g, "POST", "/logs-app1-1/_clone/logs-app1-2", None).is_ok());
        assert!(plan(&g, "PUT", "/logs-app1-1/_alias/app2", None).is_err());
        assert!(plan(
            &g,
            "POST",
            "/_plugins/_ism/add/logs-app1-*",
            Some(r#"{"policy_id":"app1-p"}"#)
        )
        .is_ok());
        assert!(plan(
            &g,
            "POST",
            "/_plugins/_ism/add/logs-app1-*",
            Some(r#"{"policy_id":"app2-p"}"#)
        )
        .is_err());
        assert!(plan(&g, "POST", "/_plugins/_ism/add/*", None).is_err());
        assert!(plan(&g, "DELETE", "/_plugins/_ism/policies/app2-p", None).is_err());
        assert!(plan(
            &g,
            "PUT",
            "/_plugins/_replication/logs-app1-1/_start",
            Some(r#"{"leader_alias":"leader","leader_index":"logs-app1-1"}"#)
        )
        .is_ok());
        assert!(plan(
            &g,
            "PUT",
            "/_plugins/_replication/logs-app1-1/_start",
            Some(r#"{"leader_alias":"leader","leader_index":"secret-1"}"#)
        )
        .is_err());
        assert!(plan(&g, "POST", "/_plugins/_replication/_autofollow", None).is_err());
    }

    #[test]
    fn tricky_paths_are_refused() {
        let g = grant();
        for p in [
            "logs-app1-1/_settings",
            "/logs-app1-1/../_cluster/settings",
            "/logs-app1-1/./x",
            "/logs-app1-1//x",
            "/logs-app1-1%2Cother/_settings",
            "/logs-app1-1#frag",
            "/logs-app1-1,other-1/_settings",
            "/logs-app1-1\\x",
        ] {
            assert!(plan(&g, "PUT", p, None).is_err(), "{p}");
        }
    }
}
