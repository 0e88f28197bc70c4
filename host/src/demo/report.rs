//! The demo's counters and its closing summary table.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::guard::{AuditLine, Verdict};

use super::watch::{classify, Kind};

/// Per tenant counts, from the audit log, the plugins' metrics and the simulator.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TenantTally {
    pub rollovers: u64,
    pub threshold_changes: u64,
    pub reroutes: u64,
    pub resumes: u64,
    pub failovers: u64,
    pub attached: u64,
    pub traps: u64,
    /// Mutations the clusters accepted.
    pub mutations: u64,
    /// Mutations the guard held back (breaker, budget, window) or that failed.
    pub held: u64,
}

/// What a demo run did.
#[derive(Debug, Default, Clone)]
pub struct DemoReport {
    pub tenants: BTreeMap<String, TenantTally>,
    /// Breaker openings per cluster alias.
    pub breaker_openings: BTreeMap<String, u64>,
    pub audit_file: PathBuf,
    pub config_file: PathBuf,
    pub simulated_hours: f64,
    pub wall_seconds: f64,
}

impl DemoReport {
    /// Every accepted mutation, over all tenants.
    pub fn mutations(&self) -> u64 {
        self.tenants.values().map(|t| t.mutations).sum()
    }

    pub fn total(&self) -> TenantTally {
        let mut s = TenantTally::default();
        for t in self.tenants.values() {
            s.rollovers += t.rollovers;
            s.threshold_changes += t.threshold_changes;
            s.reroutes += t.reroutes;
            s.resumes += t.resumes;
            s.failovers += t.failovers;
            s.attached += t.attached;
            s.traps += t.traps;
            s.mutations += t.mutations;
            s.held += t.held;
        }
        s
    }

    /// Counts from the whole audit log.
    pub fn count_audit(&mut self, lines: &[AuditLine]) {
        for l in lines {
            let t = self.tenants.entry(l.tenant.clone()).or_default();
            if l.outcome != Verdict::Sent {
                t.held += 1;
                continue;
            }
            t.mutations += 1;
            match classify(l) {
                Kind::Attach => t.attached += 1,
                Kind::Resume => t.resumes += 1,
                _ => {}
            }
        }
    }

    /// The table printed at the end.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let head = [
            "tenant",
            "rollovers",
            "thresholds",
            "reroutes",
            "resumes",
            "failovers",
            "attached",
            "traps",
            "mutations",
            "held",
        ];
        let row = |name: &str, t: &TenantTally| -> Vec<String> {
            vec![
                name.to_string(),
                t.rollovers.to_string(),
                t.threshold_changes.to_string(),
                t.reroutes.to_string(),
                t.resumes.to_string(),
                t.failovers.to_string(),
                t.attached.to_string(),
                t.traps.to_string(),
                t.mutations.to_string(),
                t.held.to_string(),
            ]
        };
        let mut rows: Vec<Vec<String>> = self.tenants.iter().map(|(n, t)| row(n, t)).collect();
        rows.push(row("total", &self.total()));
        let widths: Vec<usize> = (0..head.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].len())
                    .chain(std::iter::once(head[i].len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let head: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        let sep = "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1));
        let _ = writeln!(out, "{}", line(&head));
        let _ = writeln!(out, "{sep}");
        let n = rows.len();
        for (i, r) in rows.iter().enumerate() {
            if i + 1 == n {
                let _ = writeln!(out, "{sep}");
            }
            let _ = writeln!(out, "{}", line(r));
        }
        let breakers = if self.breaker_openings.is_empty() {
            "none".to_string()
        } else {
            self.breaker_openings
                .iter()
                .map(|(c, n)| format!("{c} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "\nbreaker openings: {breakers}");
        let _ = writeln!(
            out,
            "rollovers: new generations on the leader; thresholds: rollover and CCR gate changes; \
             held: mutations the guard throttled or the cluster refused"
        );
        let _ = writeln!(
            out,
            "\n{:.1} simulated hours in {:.1} s",
            self.simulated_hours, self.wall_seconds
        );
        let _ = writeln!(out, "config:    {}", self.config_file.display());
        let _ = writeln!(out, "audit log: {}", self.audit_file.display());
        out
    }
}
