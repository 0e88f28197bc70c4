//! What the demo watches while it runs: new audit lines, the host's metrics (plugin counters,
//! traps, breakers) and the simulator's indices (rollovers, new followers).
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::guard::{AuditLine, Outcome};
use crate::sim::SimHandle;

/// Reads the audit file from where it left off; only whole lines.
#[derive(Debug)]
pub struct AuditTail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl AuditTail {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            offset: 0,
            partial: Vec::new(),
        }
    }

    /// The lines appended since the last call (none while the file does not exist).
    pub fn poll(&mut self) -> Vec<AuditLine> {
        let Ok(mut f) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return Vec::new();
        }
        let mut buf = Vec::new();
        let Ok(n) = f.read_to_end(&mut buf) else {
            return Vec::new();
        };
        self.offset += n as u64;
        self.partial.extend_from_slice(&buf);
        let mut out = Vec::new();
        while let Some(pos) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=pos).collect();
            if let Ok(l) = serde_json::from_slice::<AuditLine>(&line) {
                out.push(l);
            }
        }
        out
    }
}

/// The kinds of live event lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Scenario,
    Rollover,
    Threshold,
    Attach,
    PolicySync,
    Reroute,
    IsmRetry,
    Resume,
    AliasRepair,
    Failover,
    Breaker,
    Replication,
    Other,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Rollover => "rollover",
            Kind::Threshold => "threshold changed",
            Kind::Attach => "policy attached",
            Kind::PolicySync => "change_policy",
            Kind::Reroute => "index rerouted",
            Kind::IsmRetry => "ISM retried",
            Kind::Resume => "follower resumed",
            Kind::AliasRepair => "alias repaired",
            Kind::Failover => "FAILOVER",
            Kind::Breaker => "breaker opened",
            Kind::Replication => "replication",
            Kind::Other => "mutation",
        }
    }
}

/// What a sent mutation means for the story.
pub fn classify(l: &AuditLine) -> Kind {
    let plugin = l.plugin.as_str();
    match l.verb.as_str() {
        "put_policy" if plugin.contains("rollover") || plugin.contains("guard") => Kind::Threshold,
        "put_policy" => Kind::PolicySync,
        "ism_add" => Kind::Attach,
        "ism_change_policy" => Kind::PolicySync,
        "ism_retry" => Kind::IsmRetry,
        "ccr_resume" => Kind::Resume,
        "ccr_stop" => Kind::Failover,
        "update_aliases" if plugin.contains("failover") => Kind::Failover,
        "update_aliases" => Kind::AliasRepair,
        "put_settings" | "ccr_update_settings" if plugin.contains("router") => Kind::Reroute,
        _ => Kind::Other,
    }
}

/// Whether a line deserves its own live line (bulk syncs are summed instead).
pub fn is_live(l: &AuditLine, kind: Kind) -> bool {
    l.outcome == Outcome::Sent
        && match kind {
            Kind::Other => false,
            Kind::PolicySync => l.verb == "ism_change_policy",
            _ => true,
        }
}

/// Metric samples from the text exposition: (name, labels, value).
pub fn parse_metrics(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (head, value) = match line.rsplit_once(' ') {
            Some(x) => x,
            None => continue,
        };
        let Ok(v) = value.trim().parse::<f64>() else {
            continue;
        };
        let (name, labels) = match head.split_once('{') {
            Some((n, rest)) => (n, parse_labels(rest.trim_end_matches('}'))),
            None => (head, BTreeMap::new()),
        };
        out.push((name.to_string(), labels, v));
    }
    out
}

fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s;
    while let Some((k, after)) = rest.split_once("=\"") {
        let mut val = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        val.push(match n {
                            'n' => '\n',
                            other => other,
                        });
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                other => val.push(other),
            }
        }
        out.insert(k.trim_start_matches(',').trim().to_string(), val);
        rest = after.get(end..).unwrap_or("");
    }
    out
}

/// Sum of a metric's samples per tenant.
pub fn per_tenant(
    samples: &[(String, BTreeMap<String, String>, f64)],
    name: &str,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (n, labels, v) in samples {
        if n == name {
            let t = labels.get("tenant").cloned().unwrap_or_default();
            *out.entry(t).or_insert(0.0) += v;
        }
    }
    out
}

/// The index families whose generations count as rollovers (leader cluster).
pub const FAMILIES: [(&str, &str); 3] = [
    ("logs-web", "web"),
    ("metrics", "metrics"),
    ("orders", "orders"),
];

/// Generation indices (`<alias>-NNNNNN`) on each cluster, to spot rollovers and new followers.
#[derive(Debug, Default)]
pub struct IndexWatch {
    seen: [BTreeSet<String>; 2],
    /// Rollovers seen per family, on the leader.
    pub rollovers: BTreeMap<&'static str, u64>,
    primed: bool,
}

/// One change the index watch found.
#[derive(Debug)]
pub enum IndexEvent {
    RolledOver {
        family: &'static str,
        tenant: &'static str,
        index: String,
    },
    Following {
        index: String,
    },
}

impl IndexWatch {
    pub fn poll(&mut self, sim: &SimHandle) -> Vec<IndexEvent> {
        let now: [BTreeSet<String>; 2] = sim.with_world(|w| {
            let names = |c: usize| -> BTreeSet<String> {
                w.clusters
                    .get(c)
                    .map(|cl| {
                        cl.indices
                            .keys()
                            .filter(|n| family_of(n).is_some())
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default()
            };
            [names(0), names(1)]
        });
        let mut out = Vec::new();
        if self.primed {
            for n in now[0].difference(&self.seen[0]) {
                if let Some((family, tenant)) = family_of(n) {
                    *self.rollovers.entry(family).or_insert(0) += 1;
                    out.push(IndexEvent::RolledOver {
                        family,
                        tenant,
                        index: n.clone(),
                    });
                }
            }
        }
        for n in now[1].difference(&self.seen[1]) {
            out.push(IndexEvent::Following { index: n.clone() });
        }
        self.seen = now;
        self.primed = true;
        out
    }
}

/// `logs-web-000003` → (`logs-web`, `web`).
fn family_of(name: &str) -> Option<(&'static str, &'static str)> {
    let (base, num) = name.rsplit_once('-')?;
    if num.len() != 6 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    FAMILIES.iter().copied().find(|(f, _)| *f == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_parse_labels_and_values() {
        let text = "# HELP x y\nlifeguard_plugin_threshold_changes_total{policy=\"a\\\"b\",tenant=\"web\",plugin=\"rt\"} 3\nlifeguard_workqueue_depth 0\n";
        let s = parse_metrics(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].1.get("policy").map(String::as_str), Some("a\"b"));
        assert_eq!(s[0].1.get("tenant").map(String::as_str), Some("web"));
        assert_eq!(s[0].2, 3.0);
        let t = per_tenant(&s, "lifeguard_plugin_threshold_changes_total");
        assert_eq!(t.get("web"), Some(&3.0));
    }

    #[test]
    fn families() {
        assert_eq!(family_of("logs-web-000002"), Some(("logs-web", "web")));
        assert_eq!(family_of("logs-web-archive-000002"), None);
        assert_eq!(family_of("orders-000010"), Some(("orders", "orders")));
    }
}
