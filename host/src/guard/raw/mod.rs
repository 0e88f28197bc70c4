//! Scope for the raw `request` escape hatch, by allowlist: a request passes only when it
//! matches a row of [`table::endpoints`], and then only with every index, alias, policy and
//! cluster it names (in its path, its body and its query) inside the tenant's grant.
//!
//! Reads are narrowed where the path allows it (`/_cat/indices` gets the grant's globs; a
//! wider pattern keeps only the part inside the grant: a raw answer can't be filtered
//! afterwards, so partial overlaps are dropped); mutations must be contained. Paths with
//! `%`, `#`, `\`, empty, `.` or `..` segments are refused, since a client or server
//! normalising them would send something other than what was checked. Names that are
//! aliases are resolved by the guard against the cluster ([`Planned::names`]).
mod body;
mod query;
pub mod table;
#[cfg(test)]
mod tests;

pub use table::{endpoints, is_read_request, Access, Endpoint};

use super::scope::Grant;
use table::Seg;

/// A raw request the guard may send.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The path to send, narrowed for reads, with its query.
    pub path: String,
    pub endpoint: &'static Endpoint,
    /// Only reads (the table's flag; a rollover with `dry_run=true` reads too).
    pub read: bool,
    /// Every index expression named, after narrowing, for alias resolution.
    pub names: Vec<String>,
}

/// Why a raw request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It names something outside the grant; the subject says what.
    Scope(String),
    /// Not an endpoint, parameter or body the guard can scope.
    Unscopable(String),
}

impl Refusal {
    pub fn message(&self, tenant: &str) -> String {
        match self {
            Refusal::Scope(s) => format!("{s} is outside the grant of tenant [{tenant}]"),
            Refusal::Unscopable(s) => format!("{s} (tenant [{tenant}])"),
        }
    }
}

fn unscopable(s: impl Into<String>) -> Refusal {
    Refusal::Unscopable(s.into())
}

/// Check a raw request against the grant.
pub fn plan(
    grant: &Grant,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Planned, Refusal> {
    let method = method.to_ascii_uppercase();
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let Some(rest) = p.strip_prefix('/') else {
        return Err(unscopable("a raw path must start with `/`"));
    };
    if path.contains(['%', '#', '\\']) {
        return Err(unscopable("raw paths may not contain `%`, `#` or `\\`"));
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut segs: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').map(str::to_string).collect()
    };
    if segs.iter().any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(unscopable(
            "raw paths may not contain empty, `.` or `..` segments",
        ));
    }
    let Some(endpoint) = table::find(&method, &segs) else {
        return Err(unscopable(format!(
            "`{method} /{}` is not an endpoint the guard can scope; use the typed calls",
            segs.join("/")
        )));
    };
    let read = is_read_request(&method, p, query.unwrap_or(""));
    let mut names = Vec::new();
    let mut path_index = None;
    for (i, seg) in endpoint.path.iter().enumerate() {
        match seg {
            Seg::Lit(_) | Seg::Word => {}
            Seg::Policy => {
                if !grant.allows_policy(&segs[i]) {
                    return Err(Refusal::Scope(format!("policy [{}]", segs[i])));
                }
            }
            Seg::Index | Seg::OptIndex => {
                if i == segs.len() {
                    // Only an OptIndex can be missing (the table's matcher says so).
                    if grant.index_globs().is_empty() {
                        return Err(unscopable("the tenant's grant has no indices"));
                    }
                    segs.push(grant.index_globs().join(","));
                } else if read {
                    segs[i] = narrow_exact(grant, &segs[i])?;
                } else {
                    grant
                        .check_target(&segs[i])
                        .map_err(|el| Refusal::Scope(format!("index or alias [{el}]")))?;
                }
                names.push(segs[i].clone());
                path_index.get_or_insert(i);
            }
        }
    }
    let mut seen = body::Names {
        grant,
        seen: Vec::new(),
        out_of_scope: false,
    };
    let path_expr = path_index.map(|i| segs[i].clone());
    if let Err(s) = body::check(&mut seen, endpoint.body, body, path_expr.as_deref()) {
        return Err(if seen.out_of_scope {
            Refusal::Scope(s)
        } else {
            unscopable(format!("{}: {s}", endpoint.name))
        });
    }
    names.extend(seen.seen);
    let wildcards = names.iter().any(|n| n.contains('*'));
    query::check(endpoint, query, wildcards).map_err(unscopable)?;
    let mut out = format!("/{}", segs.join("/"));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(q);
    }
    Ok(Planned {
        path: out,
        endpoint,
        read,
        names,
    })
}

/// Narrow a read expression keeping only what is inside the grant.
fn narrow_exact(grant: &Grant, expr: &str) -> Result<String, Refusal> {
    let n = grant
        .narrow(expr)
        .map_err(|el| Refusal::Scope(format!("index pattern [{el}]")))?;
    let kept: Vec<&String> = n
        .elements
        .iter()
        .filter(|e| e.starts_with('-') || grant.check_target(e).is_ok())
        .collect();
    if !kept.iter().any(|e| !e.starts_with('-')) {
        return Err(Refusal::Scope(format!("index pattern [{expr}]")));
    }
    Ok(kept
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// Index settings a typed `put_settings` may write: no ingest pipelines (they can write
/// into any index), and `aliases` inside the grant. `Err` names the offending key.
pub fn check_settings(grant: &Grant, settings: &serde_json::Value) -> Result<(), String> {
    let Some(obj) = settings.as_object() else {
        return Ok(());
    };
    let mut names = body::Names {
        grant,
        seen: Vec::new(),
        out_of_scope: false,
    };
    body::settings(&mut names, obj)
}
