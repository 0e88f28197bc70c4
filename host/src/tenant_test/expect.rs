//! The `[[expect]]` list of a test scenario: what it says, where it says it (file:line), and
//! whether a run kept it.
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use lifeguard_common::pattern::wildcard_match;

use super::TestError;

/// The mutation verbs the guard records (the `ClusterApi` methods that change a cluster).
pub const VERBS: &[&str] = &[
    "ccr_autofollow_create",
    "ccr_autofollow_delete",
    "ccr_pause",
    "ccr_resume",
    "ccr_start",
    "ccr_stop",
    "ccr_update_settings",
    "delete_policy",
    "ism_add",
    "ism_change_policy",
    "ism_remove",
    "ism_retry",
    "put_cluster_settings",
    "put_policy",
    "put_settings",
    "raw",
    "rollover",
    "update_aliases",
];

/// One `[[expect]]` entry as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// A mutation that must happen: `"VERB [TARGET]"` (`TARGET` may use `*`).
    happens: Option<String>,
    /// A mutation that must not happen.
    never: Option<String>,
    /// With `happens`: no later than this long after the start.
    within: Option<String>,
    /// With `happens`: after the first mutation matching this selector.
    after: Option<String>,
    /// With `happens`: at least this many times (default 1).
    times: Option<u64>,
    /// At the end, no index above this primary store size ("50gb").
    max_index_size: Option<String>,
    /// With `max_index_size`: the indices checked (default `*`).
    indices: Option<String>,
    /// A name for the report; otherwise one is made up from the fields.
    name: Option<String>,
}

/// `VERB [TARGET-PATTERN]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub verb: String,
    pub target: Option<String>,
}

impl Selector {
    fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.split_whitespace();
        let verb = parts
            .next()
            .ok_or("empty selector; write \"VERB [TARGET]\"")?;
        if !VERBS.contains(&verb) {
            return Err(format!(
                "unknown mutation {verb:?}; one of: {}",
                VERBS.join(", ")
            ));
        }
        let target = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return Err(format!(
                "{s:?}: write \"VERB [TARGET]\" (one target pattern)"
            ));
        }
        Ok(Self {
            verb: verb.to_string(),
            target,
        })
    }

    pub fn matches(&self, verb: &str, target: &str) -> bool {
        self.verb == verb
            && self
                .target
                .as_ref()
                .is_none_or(|t| wildcard_match(t, target))
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.target {
            Some(t) => write!(f, "{} on {t}", self.verb),
            None => write!(f, "{}", self.verb),
        }
    }
}

/// What an expectation checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Happens {
        what: Selector,
        within: Option<Duration>,
        after: Option<Selector>,
        times: u64,
    },
    Never(Selector),
    MaxIndexSize {
        bytes: u64,
        indices: String,
    },
}

/// One expectation, ready to check.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub name: String,
    /// `file:line` of its `[[expect]]`.
    pub at: String,
    pub check: Check,
}

/// A mutation as the checks see it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub tick: u64,
    /// Since the start of the test, simulated.
    pub offset_ms: i64,
    pub verb: String,
    pub target: String,
}

/// The verdict on one expectation.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub name: String,
    pub at: String,
    pub passed: bool,
    /// Where it held (`tick 3, +10m`), or the diff: expected / found lines.
    pub detail: Vec<String>,
}

/// The expectations of a scenario file's text (TOML, or JSON if it starts with `{`).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Expectation>, TestError> {
    let file = path.display().to_string();
    let bad = |line: Option<usize>, message: String| TestError::Expectation {
        at: match line {
            Some(l) => format!("{file}:{l}"),
            None => file.clone(),
        },
        message,
    };
    let entries: Vec<(Option<usize>, Spec)> = if text.trim_start().starts_with('{') {
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(Some(e.line()), e.to_string()))?;
        let list = v.get("expect").cloned().unwrap_or(Value::Array(Vec::new()));
        let list: Vec<Spec> =
            serde_json::from_value(list).map_err(|e| bad(None, format!("expect: {e}")))?;
        list.into_iter().map(|s| (None, s)).collect()
    } else {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            expect: Vec<toml::Spanned<Spec>>,
        }
        let f: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            bad(line, e.message().to_string())
        })?;
        f.expect
            .into_iter()
            .map(|s| (Some(line_of(text, s.span().start)), s.into_inner()))
            .collect()
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(i, (line, spec))| {
            build(spec)
                .map_err(|m| bad(line, format!("expect[{i}]: {m}")))
                .map(|(name, check)| Expectation {
                    name,
                    at: match line {
                        Some(l) => format!("{file}:{l}"),
                        None => format!("{file}: expect[{i}]"),
                    },
                    check,
                })
        })
        .collect()
}

/// 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

fn duration(s: &str) -> Result<Duration, String> {
    crate::units::parse_duration(s)
}

fn build(s: Spec) -> Result<(String, Check), String> {
    let kinds = [
        s.happens.is_some(),
        s.never.is_some(),
        s.max_index_size.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err("set exactly one of `happens`, `never`, `max_index_size`".into());
    }
    let only_with = |field: &str, set: bool, kind: &str| -> Result<(), String> {
        if set {
            Err(format!("`{field}` only goes with `{kind}`"))
        } else {
            Ok(())
        }
    };
    if let Some(h) = &s.happens {
        only_with("indices", s.indices.is_some(), "max_index_size")?;
        let what = Selector::parse(h)?;
        let within = s.within.as_deref().map(duration).transpose()?;
        let after = s.after.as_deref().map(Selector::parse).transpose()?;
        let times = s.times.unwrap_or(1);
        if times == 0 {
            return Err("`times` must be at least 1 (for none, use `never`)".into());
        }
        let article = if what.verb.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let mut name = format!("{article} {what}");
        if times > 1 {
            name = format!("{what} at least {times} times");
        }
        if let Some(a) = &after {
            name.push_str(&format!(" after the first {a}"));
        }
        if let Some(w) = &s.within {
            name.push_str(&format!(" within {w}"));
        }
        let check = Check::Happens {
            what,
            within,
            after,
            times,
        };
        return Ok((s.name.unwrap_or(name), check));
    }
    for (field, set) in [
        ("within", s.within.is_some()),
        ("after", s.after.is_some()),
        ("times", s.times.is_some()),
    ] {
        only_with(field, set, "happens")?;
    }
    if let Some(n) = &s.never {
        only_with("indices", s.indices.is_some(), "max_index_size")?;
        let sel = Selector::parse(n)?;
        return Ok((s.name.unwrap_or(format!("no {sel}")), Check::Never(sel)));
    }
    let size = s.max_index_size.unwrap_or_default();
    let bytes = crate::units::parse_size(&size)?;
    let indices = s.indices.unwrap_or_else(|| "*".into());
    let name = s
        .name
        .unwrap_or(format!("no index of {indices} above {size} at the end"));
    Ok((name, Check::MaxIndexSize { bytes, indices }))
}

/// `+1h30m`-style offset.
pub fn offset(ms: i64) -> String {
    let m = ms.max(0) / 60_000;
    match (m / 60, m % 60) {
        (0, m) => format!("+{m}m"),
        (h, 0) => format!("+{h}h"),
        (h, m) => format!("+{h}h{m:02}m"),
    }
}

fn line(s: &Seen) -> String {
    format!(
        "{} {} at {} (tick {})",
        s.verb,
        s.target,
        offset(s.offset_ms),
        s.tick
    )
}

/// Check `e` against the mutations `seen` (in order) and the final index sizes.
pub fn check(e: &Expectation, seen: &[Seen], sizes: &[(String, u64)]) -> Verdict {
    let (passed, detail) = match &e.check {
        Check::Happens {
            what,
            within,
            after,
            times,
        } => {
            let start = match after {
                Some(a) => match seen.iter().position(|s| a.matches(&s.verb, &s.target)) {
                    Some(i) => i + 1,
                    None => seen.len(),
                },
                None => 0,
            };
            let hits: Vec<&Seen> = seen
                .iter()
                .skip(start)
                .filter(|s| what.matches(&s.verb, &s.target))
                .filter(|s| within.is_none_or(|w| s.offset_ms <= w.as_millis() as i64))
                .collect();
            if hits.len() as u64 >= *times {
                let first = hits.first().map(|s| line(s)).unwrap_or_default();
                (true, vec![format!("first: {first}")])
            } else {
                let mut d = vec![format!("expected: {}", e.name)];
                if let Some(a) = after {
                    if start == seen.len() && !seen.iter().any(|s| a.matches(&s.verb, &s.target)) {
                        d.push(format!("found:    no {a} at all, so nothing after it"));
                    }
                }
                let near: Vec<String> = seen
                    .iter()
                    .filter(|s| s.verb == what.verb)
                    .map(line)
                    .collect();
                if near.is_empty() {
                    d.push(format!(
                        "found:    no {} at all ({} other mutations)",
                        what.verb,
                        seen.len()
                    ));
                } else {
                    d.push(format!(
                        "found:    {} matching, {} {} in all:",
                        hits.len(),
                        near.len(),
                        what.verb
                    ));
                    d.extend(
                        near.into_iter()
                            .take(10)
                            .map(|l| format!("            {l}")),
                    );
                }
                (false, d)
            }
        }
        Check::Never(sel) => {
            let hits: Vec<String> = seen
                .iter()
                .filter(|s| sel.matches(&s.verb, &s.target))
                .map(line)
                .collect();
            if hits.is_empty() {
                (true, Vec::new())
            } else {
                let mut d = vec![
                    format!("expected: {}", e.name),
                    format!("found:    {}:", hits.len()),
                ];
                d.extend(
                    hits.into_iter()
                        .take(10)
                        .map(|l| format!("            {l}")),
                );
                (false, d)
            }
        }
        Check::MaxIndexSize { bytes, indices } => {
            let over: Vec<String> = sizes
                .iter()
                .filter(|(n, b)| {
                    lifeguard_common::pattern::matches_expression(indices, n) && b > bytes
                })
                .map(|(n, b)| format!("            {n}: {}", crate::sim::util::human_bytes(*b)))
                .collect();
            if over.is_empty() {
                (true, Vec::new())
            } else {
                let mut d = vec![
                    format!("expected: {}", e.name),
                    format!(
                        "found:    {} above {}:",
                        over.len(),
                        crate::sim::util::human_bytes(*bytes)
                    ),
                ];
                d.extend(over.into_iter().take(10));
                (false, d)
            }
        }
    };
    Verdict {
        name: e.name.clone(),
        at: e.at.clone(),
        passed,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Expectation>, TestError> {
        parse(Path::new("s.toml"), text)
    }

    #[test]
    fn entries_parse_with_their_lines() {
        let e = parse_str(
            "[leader]\n\n[[expect]]\nhappens = \"put_policy logs-web\"\nwithin = \"2h\"\n\n[[expect]]\nnever = \"ccr_stop\"\n\n[[expect]]\nmax_index_size = \"50gb\"\n",
        )
        .unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].at, "s.toml:3");
        assert_eq!(e[0].name, "a put_policy on logs-web within 2h");
        assert_eq!(e[1].name, "no ccr_stop");
        assert_eq!(e[2].at, "s.toml:10");
        assert!(matches!(e[2].check, Check::MaxIndexSize { bytes, .. } if bytes == 50 << 30));
    }

    #[test]
    fn bad_entries_say_what_and_where() {
        let err = |t: &str| parse_str(t).unwrap_err().to_string();
        assert_eq!(
            err("\n[[expect]]\nhappens = \"put_polcy\"\n"),
            format!(
                "s.toml:2: expect[0]: unknown mutation \"put_polcy\"; one of: {}",
                VERBS.join(", ")
            )
        );
        assert!(err("[[expect]]\nnever = \"rollover\"\nwithin = \"1h\"\n")
            .starts_with("s.toml:1: expect[0]: `within` only goes with `happens`"));
        assert!(
            err("[[expect]]\nhappens = \"rollover\"\nwithin = \"soon\"\n").contains("bad duration")
        );
        assert!(
            err("[[expect]]\nhapens = \"rollover\"\n").starts_with("s.toml:2"),
            "{}",
            err("[[expect]]\nhapens = \"rollover\"\n")
        );
        assert!(err("[[expect]]\n").contains("exactly one of"));
    }

    #[test]
    fn checks_and_diffs() {
        let e = parse_str("[[expect]]\nhappens = \"put_policy logs-*\"\nwithin = \"1h\"\n[[expect]]\nnever = \"ccr_stop\"\n[[expect]]\nhappens = \"ism_add\"\nafter = \"put_policy\"\n[[expect]]\nmax_index_size = \"1kb\"\nindices = \"logs-*\"\n").unwrap();
        let seen = vec![
            Seen {
                tick: 1,
                offset_ms: 0,
                verb: "ism_add".into(),
                target: "logs-1".into(),
            },
            Seen {
                tick: 3,
                offset_ms: 7_200_000,
                verb: "put_policy".into(),
                target: "logs-web".into(),
            },
        ];
        let sizes = vec![("logs-1".to_string(), 4096), ("other".to_string(), 1 << 40)];
        let v: Vec<Verdict> = e.iter().map(|x| check(x, &seen, &sizes)).collect();
        assert!(!v[0].passed, "too late");
        assert!(
            v[0].detail[2].contains("put_policy logs-web at +2h (tick 3)"),
            "{:?}",
            v[0].detail
        );
        assert!(v[1].passed);
        assert!(!v[2].passed, "the ism_add came before the put_policy");
        assert!(!v[3].passed);
        assert!(v[3].detail[2].contains("logs-1: 4kb"), "{:?}", v[3].detail);
    }
}
