//! Tenant scope: the [`Grant`] of globs a tenant may touch, and the checks built on it.
//!
//! Grant globs use `*` as their only wildcard. That restriction is what makes the
//! conservative containment check sound: when a grant glob matches a requested pattern *as a
//! string* (its `*` taken literally), every name the pattern can expand to matches the glob
//! too, because each `*` of the pattern was swallowed by a `*` of the glob. A `?` or a
//! character class in the grant would break that (`logs-?` matches the string `logs-*`), so
//! they are refused when the grant is built.
use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// What one tenant may name, as globs (`*` is the only wildcard).
///
/// ```toml
/// [tenants.app1.grant]
/// indices = ["logs-app1-*", "logs-app1"]   # index and alias names
/// policies = ["app1-*"]                     # ISM policy ids
/// clusters = ["prod", "prod-dr"]            # cluster aliases, incl. CCR leader aliases
/// autofollow_rules = ["app1-*"]             # CCR auto-follow rule names; default none
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantConfig {
    /// Index and alias names and patterns. Default: none.
    #[serde(default)]
    pub indices: Vec<String>,
    /// ISM policy ids. Default: none.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Cluster aliases, both the host's and CCR leader connection aliases. Default: none.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// CCR auto-follow rule names. Default: none, so auto-follow rules are denied: a rule
    /// name says nothing about whose rule it is, so it needs its own grant.
    #[serde(default)]
    pub autofollow_rules: Vec<String>,
    /// Mutating raw requests allowed (`cluster.request` with a method that writes). Default:
    /// no, so raw access is read-only.
    #[serde(default)]
    pub raw_write: bool,
}

/// A grant glob that can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("grant {field}: glob [{glob}] uses `{ch}`; only `*` is supported as a wildcard")]
    Wildcard {
        field: &'static str,
        glob: String,
        ch: char,
    },
    #[error("grant {field}: glob [{glob}] is empty or has a character index names can't have")]
    BadChar { field: &'static str, glob: String },
    #[error("grant {field}: glob [{glob}]: {source}")]
    Glob {
        field: &'static str,
        glob: String,
        source: globset::Error,
    },
}

/// One compiled list of globs, keeping the source strings for narrowing.
#[derive(Debug, Clone)]
struct Globs {
    set: GlobSet,
    raw: Vec<String>,
}

impl Globs {
    fn build(field: &'static str, globs: &[String]) -> Result<Self, GrantError> {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            if let Some(ch) = g
                .chars()
                .find(|c| matches!(c, '?' | '[' | ']' | '{' | '}' | '\\'))
            {
                return Err(GrantError::Wildcard {
                    field,
                    glob: g.clone(),
                    ch,
                });
            }
            if g.is_empty() || g.chars().any(forbidden_char) {
                return Err(GrantError::BadChar {
                    field,
                    glob: g.clone(),
                });
            }
            b.add(glob(g).map_err(|source| GrantError::Glob {
                field,
                glob: g.clone(),
                source,
            })?);
        }
        let set = b.build().map_err(|source| GrantError::Glob {
            field,
            glob: globs.join(","),
            source,
        })?;
        Ok(Self {
            set,
            raw: globs.to_vec(),
        })
    }

    fn matches(&self, s: &str) -> bool {
        self.set.is_match(s)
    }
}

/// `*` matches any run of characters, `/` included; nothing else is special.
fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
}

/// A requested pattern as a matcher: its `*` are wildcards, everything else literal.
fn pattern_matcher(pattern: &str) -> Option<GlobMatcher> {
    let escaped: Vec<String> = pattern.split('*').map(globset::escape).collect();
    glob(&escaped.join("*")).ok().map(|g| g.compile_matcher())
}

/// Characters OpenSearch refuses in index names, plus those with meaning in an index
/// expression that this check does not model (`:` remote clusters, `<>` date math, `%`
/// escapes). A target with one of them is never in a grant.
fn forbidden_char(c: char) -> bool {
    matches!(
        c,
        ':' | '<' | '>' | '%' | '#' | '/' | '\\' | '"' | '|' | '?' | ' ' | ',' | '+'
    ) || c.is_control()
}

/// A tenant's compiled grant.
#[derive(Debug, Clone)]
pub struct Grant {
    indices: Globs,
    policies: Globs,
    clusters: Globs,
    autofollow: Globs,
    raw_write: bool,
    /// Whether any index glob is itself `.`-prefixed; if none is, hidden and system names
    /// (`.opendistro-*`, `.plugins-*`, `.kibana`) are never inside the grant.
    dot_globs: bool,
}

/// OpenSearch refuses index names longer than this many bytes.
const MAX_NAME_BYTES: usize = 255;

impl Grant {
    /// Compile a grant, refusing globs the containment check can't reason about.
    pub fn new(cfg: &GrantConfig) -> Result<Self, GrantError> {
        Ok(Self {
            indices: Globs::build("indices", &cfg.indices)?,
            policies: Globs::build("policies", &cfg.policies)?,
            clusters: Globs::build("clusters", &cfg.clusters)?,
            autofollow: Globs::build("autofollow_rules", &cfg.autofollow_rules)?,
            raw_write: cfg.raw_write,
            dot_globs: cfg.indices.iter().any(|g| g.starts_with('.')),
        })
    }

    /// The grant's index globs, as configured.
    pub fn index_globs(&self) -> &[String] {
        &self.indices.raw
    }

    /// Whether a concrete index or alias name is in the grant.
    pub fn allows_name(&self, name: &str) -> bool {
        valid_element(name)
            && name.len() <= MAX_NAME_BYTES
            && (self.dot_globs || !name.starts_with('.'))
            && self.indices.matches(name)
    }

    /// Whether mutating raw requests are allowed.
    pub fn allows_raw_write(&self) -> bool {
        self.raw_write
    }

    pub fn allows_policy(&self, id: &str) -> bool {
        valid_element(id) && !id.contains('*') && self.policies.matches(id)
    }

    pub fn allows_cluster(&self, alias: &str) -> bool {
        valid_element(alias) && !alias.contains('*') && self.clusters.matches(alias)
    }

    pub fn allows_autofollow(&self, name: &str) -> bool {
        valid_element(name) && !name.contains('*') && self.autofollow.matches(name)
    }

    /// The check for a mutation's target: every element of the comma-separated `target` must
    /// only be able to match names inside the grant. Exclusions (`-x`) only shrink the set, so
    /// they pass, but a target made of exclusions alone means "everything but", and fails.
    /// `Err` carries the offending element.
    pub fn check_target(&self, target: &str) -> Result<(), String> {
        let mut inclusions = 0;
        for el in target.split(',') {
            if let Some(ex) = el.strip_prefix('-') {
                if !valid_element(ex) {
                    return Err(el.to_string());
                }
                continue;
            }
            if el == "_all" || !self.allows_name(el) {
                return Err(el.to_string());
            }
            inclusions += 1;
        }
        if inclusions == 0 {
            return Err(target.to_string());
        }
        Ok(())
    }

    /// Narrow a read pattern to the grant. Returns the elements to send (empty: nothing in the
    /// grant can match, so send nothing) and whether every element sent is itself inside the
    /// grant (if not, the caller must filter results by [`Grant::allows_name`], which typed
    /// reads always do anyway).
    ///
    /// Per inclusion: in the grant → kept; wider than some grant globs (`*`, `logs-*` for a
    /// grant `logs-app1-*`) → replaced by those globs; a partial overlap (`*-app1-*` against
    /// `logs-*`) → kept, and only result filtering narrows it. Exclusions are kept, moved after
    /// the inclusions, which can only make the answer smaller.
    pub fn narrow(&self, pattern: &str) -> Result<Narrowed, String> {
        let mut out: Vec<String> = Vec::new();
        let mut exclusions: Vec<String> = Vec::new();
        let mut exact = true;
        let mut inclusions: Vec<&str> = Vec::new();
        // An empty expression means every index to OpenSearch.
        let pattern = if pattern.is_empty() { "*" } else { pattern };
        for el in pattern.split(',') {
            if let Some(ex) = el.strip_prefix('-') {
                if !valid_element(ex) {
                    return Err(el.to_string());
                }
                exclusions.push(el.to_string());
            } else if el == "_all" {
                inclusions.push("*");
            } else if !valid_element(el) {
                return Err(el.to_string());
            } else {
                inclusions.push(el);
            }
        }
        if inclusions.is_empty() {
            inclusions.push("*");
        }
        for el in inclusions {
            if el.starts_with('.') && !self.dot_globs {
                continue;
            }
            if self.indices.matches(el) {
                push_unique(&mut out, el);
                continue;
            }
            let Some(m) = pattern_matcher(el) else {
                return Err(el.to_string());
            };
            let mut wider = false;
            for g in &self.indices.raw {
                if m.is_match(g) {
                    push_unique(&mut out, g);
                    wider = true;
                }
            }
            let overlaps = || self.indices.raw.iter().any(|g| may_intersect(el, g));
            if !wider && el.contains('*') && overlaps() {
                push_unique(&mut out, el);
                exact = false;
            }
        }
        if out.is_empty() {
            return Ok(Narrowed {
                elements: Vec::new(),
                exact: true,
            });
        }
        out.extend(exclusions);
        Ok(Narrowed {
            elements: out,
            exact,
        })
    }
}

/// A read pattern narrowed to a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrowed {
    /// Elements to send, comma-joined by [`Narrowed::pattern`]; empty means send nothing.
    pub elements: Vec<String>,
    /// Whether every included element is inside the grant.
    pub exact: bool,
}

impl Narrowed {
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    pub fn pattern(&self) -> String {
        self.elements.join(",")
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Whether two `*`-globs can match a common name. With a `*` in each, they can exactly when
/// their literal prefixes agree (one starts the other) and so do their literal suffixes: a
/// name made of the longer prefix, every middle literal of both, and the longer suffix then
/// matches both.
fn may_intersect(a: &str, b: &str) -> bool {
    match (a.split_once('*'), b.split_once('*')) {
        (Some((pa, _)), Some((pb, _))) => {
            let (sa, sb) = (
                a.rsplit('*').next().unwrap_or(""),
                b.rsplit('*').next().unwrap_or(""),
            );
            (pa.starts_with(pb) || pb.starts_with(pa)) && (sa.ends_with(sb) || sb.ends_with(sa))
        }
        // A literal intersects a glob iff the glob matches it.
        (None, Some(_)) => pattern_matcher(b).is_some_and(|m| m.is_match(a)),
        (Some(_), None) => pattern_matcher(a).is_some_and(|m| m.is_match(b)),
        (None, None) => a == b,
    }
}

/// A single element of an index expression that this module can reason about.
fn valid_element(el: &str) -> bool {
    !el.is_empty()
        && el.len() <= MAX_NAME_BYTES
        && !el.starts_with('-')
        && !el.chars().any(forbidden_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant::new(&GrantConfig {
            indices: vec!["logs-app1-*".into(), "logs-app1".into()],
            policies: vec!["app1-*".into()],
            clusters: vec!["prod".into()],
            autofollow_rules: vec![],
            raw_write: false,
        })
        .unwrap()
    }

    #[test]
    fn grant_refuses_non_star_wildcards() {
        for bad in ["logs-?", "logs-[ab]", "logs-{a,b}"] {
            let cfg = GrantConfig {
                indices: vec![bad.into()],
                ..Default::default()
            };
            assert!(matches!(Grant::new(&cfg), Err(GrantError::Wildcard { .. })));
        }
        let cfg = GrantConfig {
            indices: vec!["remote:logs-*".into()],
            ..Default::default()
        };
        assert!(matches!(Grant::new(&cfg), Err(GrantError::BadChar { .. })));
    }

    #[test]
    fn mutation_targets_must_be_contained() {
        let g = grant();
        assert!(g.check_target("logs-app1-000001").is_ok());
        assert!(g.check_target("logs-app1-*").is_ok());
        assert!(g.check_target("logs-app1-2024-*-x").is_ok());
        assert!(g.check_target("logs-app1,logs-app1-000002").is_ok());
        assert!(g.check_target("logs-app1-*,-logs-app1-old").is_ok());
        assert_eq!(g.check_target("logs-*"), Err("logs-*".into()));
        assert_eq!(g.check_target("*"), Err("*".into()));
        assert_eq!(g.check_target("_all"), Err("_all".into()));
        assert_eq!(
            g.check_target("logs-app1-1,logs-app2-1"),
            Err("logs-app2-1".into())
        );
        assert!(g.check_target("-logs-app1-old").is_err());
        assert!(g.check_target("").is_err());
        assert!(g.check_target("logs-app1-1,,").is_err());
        assert!(g.check_target("remote:logs-app1-1").is_err());
        assert!(g.check_target("<logs-app1-{now/d}>").is_err());
        assert!(g.check_target("logs-app1-%2Cother").is_err());
    }

    #[test]
    fn reads_are_narrowed() {
        let g = grant();
        let n = g.narrow("*").unwrap();
        assert_eq!(n.elements, vec!["logs-app1-*", "logs-app1"]);
        assert!(n.exact);
        let n = g.narrow("logs-*").unwrap();
        assert_eq!(n.elements, vec!["logs-app1-*", "logs-app1"]);
        let n = g.narrow("logs-app1-00*").unwrap();
        assert_eq!(n.elements, vec!["logs-app1-00*"]);
        let n = g.narrow("metrics-*").unwrap();
        assert!(n.is_empty());
        let n = g.narrow("other-index").unwrap();
        assert!(n.is_empty());
        // Contains the grant glob: replaced by it.
        let n = g.narrow("*-app1-*").unwrap();
        assert_eq!(n.elements, vec!["logs-app1-*"]);
        assert!(n.exact);
        // A partial overlap is sent as is and filtered afterwards.
        let n = g.narrow("*-x").unwrap();
        assert_eq!(n.elements, vec!["*-x"]);
        assert!(!n.exact);
        let n = g.narrow("*,-logs-app1-old").unwrap();
        assert_eq!(n.pattern(), "logs-app1-*,logs-app1,-logs-app1-old");
        let n = g.narrow("_all").unwrap();
        assert_eq!(n.pattern(), "logs-app1-*,logs-app1");
        assert!(g.narrow("remote:*").is_err());
    }

    #[test]
    fn intersection() {
        assert!(may_intersect("*-app1-*", "logs-*"));
        assert!(may_intersect("logs-*-x", "logs-app1-*"));
        assert!(!may_intersect("metrics-*", "logs-app1-*"));
        assert!(!may_intersect("*-x", "logs-*-y"));
        assert!(may_intersect("logs-app1", "logs-*"));
        assert!(!may_intersect("logs-app1", "metrics-*"));
    }

    #[test]
    fn names_policies_clusters() {
        let g = grant();
        assert!(g.allows_name("logs-app1-000001"));
        assert!(!g.allows_name("logs-app2-000001"));
        assert!(g.allows_policy("app1-hot-warm"));
        assert!(!g.allows_policy("app1-*"));
        assert!(!g.allows_policy("app2-hot"));
        assert!(g.allows_cluster("prod"));
        assert!(!g.allows_cluster("dev"));
        assert!(!g.allows_autofollow("app1-rule"));
    }
}
