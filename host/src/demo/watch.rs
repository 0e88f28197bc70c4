//! What the demo watches while it runs: what each new audit line means for the story, and
//! the simulator's indices (rollovers, new followers).
use std::collections::{BTreeMap, BTreeSet};

use crate::guard::{AuditLine, Verdict};
use crate::sim::{Side, SimHandle};

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
    l.outcome == Verdict::Sent
        && match kind {
            Kind::Other => false,
            Kind::PolicySync => l.verb == "ism_change_policy",
            _ => true,
        }
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
        let names = |side: Side| -> BTreeSet<String> {
            sim.index_names(side)
                .into_iter()
                .filter(|n| family_of(n).is_some())
                .collect()
        };
        let now = [names(Side::Leader), names(Side::Follower)];
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
    fn families() {
        assert_eq!(family_of("logs-web-000002"), Some(("logs-web", "web")));
        assert_eq!(family_of("logs-web-archive-000002"), None);
        assert_eq!(family_of("orders-000010"), Some(("orders", "orders")));
    }
}
