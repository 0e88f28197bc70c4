//! What a plan found: the guard's audit lines of a dry run, grouped by tenant, with counts.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::guard::{AuditLine, Verdict};

/// One mutation a plugin attempted during the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedMutation {
    /// The plan tick it was attempted in (1-based).
    pub tick: u64,
    pub plugin: String,
    pub cluster: String,
    /// The `ClusterApi` method, e.g. `put_policy`, `ism_add`.
    pub verb: String,
    pub target: String,
    /// A short, redacted summary of the request body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub request: String,
    /// Why the plugin wanted it (`log.set-reason`).
    pub reason: String,
    /// `dry_run` for a planned change; `denied` or `throttled` when the guard would refuse it.
    pub outcome: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PlannedMutation {
    pub fn from_audit(tick: u64, line: &AuditLine) -> Self {
        Self {
            tick,
            plugin: line.plugin.clone(),
            cluster: line.cluster.clone(),
            verb: line.verb.clone(),
            target: line.target.clone(),
            request: line.request.clone(),
            reason: line.reason.clone(),
            outcome: line.outcome,
            error: line.error.clone(),
        }
    }
}

/// Counts of planned changes by verb.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Planned changes (dry-run lines).
    pub total: u64,
    /// Attempts the guard would refuse (outside the grant, window, breaker).
    pub blocked: u64,
    pub by_verb: BTreeMap<String, u64>,
}

impl Counts {
    fn add(&mut self, m: &PlannedMutation) {
        if m.outcome == Verdict::DryRun {
            self.total += 1;
            *self.by_verb.entry(m.verb.clone()).or_default() += 1;
        } else {
            self.blocked += 1;
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.total += other.total;
        self.blocked += other.blocked;
        for (verb, n) in &other.by_verb {
            *self.by_verb.entry(verb.clone()).or_default() += n;
        }
    }
}

/// One tenant's part of the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TenantPlan {
    /// Planned changes, then blocked attempts, each in the order the plugins made them.
    pub mutations: Vec<PlannedMutation>,
    pub summary: Counts,
}

/// A plugin run that did not end `ok`: its part of the plan may be missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedRun {
    pub tick: u64,
    pub tenant: String,
    pub plugin: String,
    /// `transient`, `terminal` or `trap`.
    pub outcome: String,
    pub message: String,
}

impl FailedRun {
    /// Terminal errors and traps make the plan fail. A transient error does not: in a dry
    /// run it is often a step that needs an earlier planned change applied first (a policy
    /// the plugin just "created" is still missing), which only the real run can do.
    pub fn is_error(&self) -> bool {
        self.outcome != "transient"
    }
}

/// Requests the simulator received during a `--sim` plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SimRequests {
    pub reads: u64,
    /// Mutating requests; a plan must leave this at 0.
    pub writes: u64,
}

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    pub ticks: u64,
    /// Every configured tenant, in config order (tenants without changes included).
    pub tenants: BTreeMap<String, TenantPlan>,
    /// Config order of `tenants`, for rendering.
    #[serde(skip)]
    pub order: Vec<String>,
    pub summary: Counts,
    pub failed_runs: Vec<FailedRun>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_requests: Option<SimRequests>,
}

impl Plan {
    /// An empty plan for `tenants` (config order).
    pub fn new(ticks: u64, tenants: &[String]) -> Self {
        let mut plan = Self {
            ticks,
            ..Self::default()
        };
        for t in tenants {
            if !plan.tenants.contains_key(t) {
                plan.order.push(t.clone());
                plan.tenants.insert(t.clone(), TenantPlan::default());
            }
        }
        plan
    }

    /// Add the audit lines of tick `tick`. Lines of tenants not configured (none expected)
    /// get their own group rather than being dropped.
    pub fn add_lines(&mut self, tick: u64, lines: &[AuditLine]) {
        for line in lines {
            let m = PlannedMutation::from_audit(tick, line);
            if !self.tenants.contains_key(&line.tenant) {
                self.order.push(line.tenant.clone());
            }
            let t = self.tenants.entry(line.tenant.clone()).or_default();
            t.summary.add(&m);
            self.summary.add(&m);
            t.mutations.push(m);
        }
    }

    /// Put each tenant's planned changes before its blocked attempts (stable otherwise), and
    /// recompute the total from the tenants.
    pub fn finish(&mut self) {
        let mut total = Counts::default();
        for t in self.tenants.values_mut() {
            t.mutations
                .sort_by_key(|m| (m.outcome != Verdict::DryRun, m.tick));
            total.merge(&t.summary);
        }
        self.summary = total;
    }

    pub fn add_failure(&mut self, f: FailedRun) {
        self.failed_runs.push(f);
    }

    /// Whether applying this plan would change anything (`--detailed-exitcode` 2).
    pub fn has_changes(&self) -> bool {
        self.summary.total > 0
    }

    /// Tenants in config order with their plans.
    pub fn tenants_in_order(&self) -> impl Iterator<Item = (&str, &TenantPlan)> {
        self.order
            .iter()
            .filter_map(|n| self.tenants.get(n).map(|t| (n.as_str(), t)))
    }

    /// The `--format json` document: tenants in config order.
    pub fn to_json(&self) -> serde_json::Value {
        let mut tenants = serde_json::Map::new();
        for (name, t) in self.tenants_in_order() {
            tenants.insert(
                name.to_string(),
                serde_json::to_value(t).unwrap_or_default(),
            );
        }
        let mut doc = serde_json::json!({
            "ticks": self.ticks,
            "has_changes": self.has_changes(),
            "tenants": tenants,
            "summary": self.summary,
            "failed_runs": self.failed_runs,
        });
        if let (Some(s), Some(obj)) = (&self.sim_requests, doc.as_object_mut()) {
            obj.insert(
                "sim_requests".into(),
                serde_json::to_value(s).unwrap_or_default(),
            );
        }
        doc
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn line(
        tenant: &str,
        plugin: &str,
        verb: &str,
        target: &str,
        outcome: Verdict,
    ) -> AuditLine {
        AuditLine {
            time: "2026-01-01T00:00:00Z".into(),
            time_ms: 0,
            tenant: tenant.into(),
            plugin: plugin.into(),
            plugin_version: "abc".into(),
            cluster: "shared".into(),
            verb: verb.into(),
            target: target.into(),
            request: String::new(),
            outcome,
            error: None,
            reason: format!("{plugin}: because {target}"),
            backup: None,
            id: None,
        }
    }

    pub fn sample() -> Plan {
        let mut p = Plan::new(2, &["web".into(), "metrics".into(), "ops".into()]);
        p.add_lines(
            1,
            &[
                line(
                    "ops",
                    "ism-doctor",
                    "put_policy",
                    "ops-retention",
                    Verdict::DryRun,
                ),
                line(
                    "ops",
                    "ism-doctor",
                    "ism_add",
                    "ops-audit-1",
                    Verdict::Denied,
                ),
                line("web", "tuner", "put_policy", "logs-web", Verdict::DryRun),
            ],
        );
        p.add_lines(
            2,
            &[line(
                "ops",
                "ism-doctor",
                "ism_add",
                "ops-audit-2",
                Verdict::DryRun,
            )],
        );
        p.finish();
        p
    }

    #[test]
    fn groups_by_tenant_in_config_order_with_every_tenant() {
        let p = sample();
        let names: Vec<&str> = p.tenants_in_order().map(|(n, _)| n).collect();
        assert_eq!(names, ["web", "metrics", "ops"]);
        assert!(p.tenants["metrics"].mutations.is_empty());
        let ops: Vec<(&str, &str)> = p.tenants["ops"]
            .mutations
            .iter()
            .map(|m| (m.verb.as_str(), m.target.as_str()))
            .collect();
        // Planned changes first (by tick), the denied attempt last.
        assert_eq!(
            ops,
            [
                ("put_policy", "ops-retention"),
                ("ism_add", "ops-audit-2"),
                ("ism_add", "ops-audit-1")
            ]
        );
        assert_eq!(p.tenants["ops"].mutations[1].tick, 2);
        assert_eq!(
            p.tenants["web"].mutations[0].reason,
            "tuner: because logs-web"
        );
    }

    #[test]
    fn counts_per_tenant_and_total_by_verb() {
        let p = sample();
        let ops = &p.tenants["ops"].summary;
        assert_eq!((ops.total, ops.blocked), (2, 1));
        assert_eq!(ops.by_verb["put_policy"], 1);
        assert_eq!(ops.by_verb["ism_add"], 1);
        assert_eq!(p.summary.total, 3);
        assert_eq!(p.summary.blocked, 1);
        assert_eq!(p.summary.by_verb["put_policy"], 2);
        assert_eq!(p.summary.by_verb["ism_add"], 1);
        assert!(p.has_changes());
    }

    #[test]
    fn blocked_only_is_no_change() {
        let mut p = Plan::new(1, &["ops".into()]);
        p.add_lines(1, &[line("ops", "d", "ism_add", "x", Verdict::Throttled)]);
        p.finish();
        assert!(!p.has_changes());
        assert_eq!(p.summary.blocked, 1);
    }

    #[test]
    fn unconfigured_tenant_lines_are_kept() {
        let mut p = Plan::new(1, &["ops".into()]);
        p.add_lines(1, &[line("ghost", "d", "ism_add", "x", Verdict::DryRun)]);
        p.finish();
        let names: Vec<&str> = p.tenants_in_order().map(|(n, _)| n).collect();
        assert_eq!(names, ["ops", "ghost"]);
        assert_eq!(p.summary.total, 1);
    }

    #[test]
    fn only_terminal_errors_and_traps_fail_the_plan() {
        let f = |outcome: &str| FailedRun {
            tick: 1,
            tenant: "t".into(),
            plugin: "p".into(),
            outcome: outcome.into(),
            message: String::new(),
        };
        assert!(!f("transient").is_error());
        assert!(f("terminal").is_error());
        assert!(f("trap (fuel)").is_error());
    }

    #[test]
    fn json_shape() {
        let v = sample().to_json();
        assert_eq!(v["ticks"], 2);
        assert_eq!(v["has_changes"], true);
        let tenants = v["tenants"].as_object().unwrap();
        let keys: Vec<&String> = tenants.keys().collect();
        assert_eq!(keys, ["web", "metrics", "ops"]);
        let m = &v["tenants"]["ops"]["mutations"][0];
        assert_eq!(m["verb"], "put_policy");
        assert_eq!(m["target"], "ops-retention");
        assert_eq!(m["plugin"], "ism-doctor");
        assert_eq!(m["reason"], "ism-doctor: because ops-retention");
        assert_eq!(m["outcome"], "dry_run");
        assert!(m.get("request").is_none(), "empty request is left out");
        assert_eq!(v["tenants"]["ops"]["summary"]["by_verb"]["ism_add"], 1);
        assert_eq!(v["summary"]["total"], 3);
        assert_eq!(v["summary"]["blocked"], 1);
        assert!(v["failed_runs"].as_array().unwrap().is_empty());
        assert!(v.get("sim_requests").is_none());
    }
}
