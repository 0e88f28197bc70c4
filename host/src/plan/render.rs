//! The plan as text for people: tenant by tenant, each mutation with its reason, then counts.
use std::fmt::Write as _;

use crate::guard::Verdict;

use super::report::{Counts, Plan, PlannedMutation};

/// `3 changes`, `1 change`.
fn changes(n: u64) -> String {
    if n == 1 {
        "1 change".into()
    } else {
        format!("{n} changes")
    }
}

/// `ism_add 1, put_policy 2` (verbs sorted), or `-` when none.
fn by_verb(c: &Counts) -> String {
    if c.by_verb.is_empty() {
        return "-".into();
    }
    c.by_verb
        .iter()
        .map(|(v, n)| format!("{v} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mutation(o: &mut String, m: &PlannedMutation, show_tick: bool) {
    let mark = match m.outcome {
        Verdict::DryRun => "+".to_string(),
        other => format!("! {}", other.as_str()),
    };
    let tick = if show_tick {
        format!("[tick {}] ", m.tick)
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "  {mark} {tick}{} {}  ({} @ {})",
        m.verb, m.target, m.plugin, m.cluster
    );
    let reason = if m.reason.is_empty() {
        "(the plugin gave none)"
    } else {
        m.reason.as_str()
    };
    let _ = writeln!(o, "      reason: {reason}");
    if !m.request.is_empty() {
        let _ = writeln!(o, "      request: {}", m.request);
    }
    if let Some(e) = &m.error {
        let _ = writeln!(o, "      error: {e}");
    }
}

/// The whole plan as text.
pub fn text(plan: &Plan) -> String {
    let mut o = String::new();
    let ticks = if plan.ticks == 1 {
        "1 tick".to_string()
    } else {
        format!("{} ticks", plan.ticks)
    };
    let _ = writeln!(
        o,
        "lifeguard plan: every plugin in dry-run for {ticks}; mutations are recorded, never sent\n"
    );
    let show_tick = plan.ticks > 1;
    for (name, t) in plan.tenants_in_order() {
        let blocked = if t.summary.blocked > 0 {
            format!(", {} blocked", t.summary.blocked)
        } else {
            String::new()
        };
        let _ = writeln!(o, "tenant {name}: {}{blocked}", changes(t.summary.total));
        if t.mutations.is_empty() {
            let _ = writeln!(o, "  (no changes)");
        }
        for m in &t.mutations {
            mutation(&mut o, m, show_tick);
        }
        o.push('\n');
    }

    let width = plan
        .order
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("tenant".len());
    let _ = writeln!(o, "Summary");
    let _ = writeln!(
        o,
        "  {:<width$}  {:>7}  {:>7}  by verb",
        "tenant", "changes", "blocked"
    );
    for (name, t) in plan.tenants_in_order() {
        summary_row(&mut o, name, &t.summary, width);
    }
    summary_row(&mut o, "total", &plan.summary, width);

    if !plan.failed_runs.is_empty() {
        let _ = writeln!(
            o,
            "\nRuns that did not finish (their part of the plan may be missing; a transient \
             error is often a step that needs a planned change applied first):"
        );
        for f in &plan.failed_runs {
            let _ = writeln!(
                o,
                "  tick {} {}/{}: {}: {}",
                f.tick, f.tenant, f.plugin, f.outcome, f.message
            );
        }
    }
    if let Some(s) = &plan.sim_requests {
        let _ = writeln!(
            o,
            "\nSimulator request log: {} reads, {} writes",
            s.reads, s.writes
        );
    }
    let with_changes = plan
        .tenants
        .values()
        .filter(|t| t.summary.total > 0)
        .count();
    let _ = writeln!(
        o,
        "\nPlan: {} for {with_changes} of {} tenants. Nothing was sent.",
        changes(plan.summary.total),
        plan.tenants.len()
    );
    o
}

fn summary_row(o: &mut String, name: &str, c: &Counts, width: usize) {
    let _ = writeln!(
        o,
        "  {name:<width$}  {:>7}  {:>7}  {}",
        c.total,
        c.blocked,
        by_verb(c)
    );
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::sample;
    use super::super::report::{FailedRun, Plan, SimRequests};
    use super::*;

    #[test]
    fn groups_mutations_under_their_tenant_with_reasons() {
        let out = text(&sample());
        let web = out.find("tenant web: 1 change").unwrap();
        let metrics = out.find("tenant metrics: 0 changes").unwrap();
        let ops = out.find("tenant ops: 2 changes, 1 blocked").unwrap();
        assert!(web < metrics && metrics < ops, "{out}");
        // Each mutation sits in its tenant's section, its reason on the next line.
        let web_policy = out
            .find("+ [tick 1] put_policy logs-web  (tuner @ shared)\n      reason: tuner: because logs-web")
            .unwrap();
        assert!(web < web_policy && web_policy < metrics, "{out}");
        let denied = out.find("! denied [tick 1] ism_add ops-audit-1").unwrap();
        assert!(denied > ops, "{out}");
        assert!(out[metrics..ops].contains("(no changes)"), "{out}");
    }

    #[test]
    fn summary_table_per_tenant_and_total() {
        let out = text(&sample());
        let summary = &out[out.find("Summary").unwrap()..];
        assert!(
            summary.contains("  web            1        0  put_policy 1\n"),
            "{out}"
        );
        assert!(
            summary.contains("  metrics        0        0  -\n"),
            "{out}"
        );
        assert!(
            summary.contains("  ops            2        1  ism_add 1, put_policy 1\n"),
            "{out}"
        );
        assert!(
            summary.contains("  total          3        1  ism_add 1, put_policy 2\n"),
            "{out}"
        );
        assert!(out.ends_with("Plan: 3 changes for 2 of 3 tenants. Nothing was sent.\n"));
    }

    #[test]
    fn one_tick_has_no_tick_marks_and_failures_are_listed() {
        let mut p = Plan::new(1, &["ops".into()]);
        p.add_lines(
            1,
            &[super::super::report::tests::line(
                "ops",
                "d",
                "ism_add",
                "x",
                Verdict::DryRun,
            )],
        );
        p.add_failure(FailedRun {
            tick: 1,
            tenant: "ops".into(),
            plugin: "d".into(),
            outcome: "trap".into(),
            message: "fuel exhausted".into(),
        });
        p.sim_requests = Some(SimRequests {
            reads: 12,
            writes: 0,
        });
        p.finish();
        let out = text(&p);
        assert!(out.contains("for 1 tick;"), "{out}");
        assert!(out.contains("  + ism_add x  (d @ shared)\n"), "{out}");
        assert!(!out.contains("[tick"), "{out}");
        assert!(
            out.contains("  tick 1 ops/d: trap: fuel exhausted\n"),
            "{out}"
        );
        assert!(
            out.contains("Simulator request log: 12 reads, 0 writes"),
            "{out}"
        );
        assert!(out.contains("Plan: 1 change for 1 of 1 tenants."), "{out}");
    }
}
