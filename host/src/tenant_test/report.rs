//! The report of a test: the plugin's mutations in time order, its runs (outcome, summary,
//! fuel), its metrics, and the verdict on each expectation; as text for people and JUnit XML
//! for CI.
use std::fmt::Write as _;
use std::time::Duration;

use crate::guard::{AuditLine, Verdict as AuditVerdict};
use crate::runtime::{RunOutcome, RunReport};

use super::expect::{offset, Verdict};
use super::TestOptions;

/// One mutation attempt.
#[derive(Debug, Clone)]
pub struct TimelineLine {
    pub tick: u64,
    pub offset_ms: i64,
    pub verb: String,
    pub target: String,
    pub outcome: AuditVerdict,
    pub reason: String,
    pub error: Option<String>,
}

impl TimelineLine {
    pub fn from_audit(tick: u64, start_ms: i64, l: &AuditLine) -> Self {
        Self {
            tick,
            offset_ms: l.time_ms as i64 - start_ms,
            verb: l.verb.clone(),
            target: l.target.clone(),
            outcome: l.outcome,
            reason: l.reason.clone(),
            error: l.error.clone(),
        }
    }

    /// Whether the change was made (sent and accepted); refusals are shown, not counted.
    pub fn happened(&self) -> bool {
        matches!(self.outcome, AuditVerdict::Sent | AuditVerdict::DryRun)
    }
}

/// One run of the plugin.
#[derive(Debug, Clone)]
pub struct RunLine {
    pub tick: u64,
    /// `ok`, `transient`, `terminal`, `trap`.
    pub result: &'static str,
    /// The summary of an `ok`, the message otherwise (with the trap kind).
    pub text: String,
    pub fuel: u64,
}

impl RunLine {
    pub fn from_report(tick: u64, r: &RunReport) -> Self {
        let text = match &r.outcome {
            RunOutcome::Ok { summary, .. } => summary.clone(),
            RunOutcome::Transient { message } | RunOutcome::Terminal { message } => message.clone(),
            RunOutcome::Trap { kind, message } => format!("{kind}: {message}"),
        };
        Self {
            tick,
            result: r.outcome.label(),
            text,
            fuel: r.fuel,
        }
    }
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub plugin: String,
    pub scenario: String,
    pub ticks: u64,
    pub every: Duration,
    pub timeline: Vec<TimelineLine>,
    pub runs: Vec<RunLine>,
    /// `lifeguard_plugin_*` lines of the metrics exposition at the end.
    pub metrics: Vec<String>,
    pub verdicts: Vec<Verdict>,
}

impl Report {
    pub fn new(opts: &TestOptions, every: Duration) -> Self {
        Self {
            plugin: opts.plugin.display().to_string(),
            scenario: opts.scenario.display().to_string(),
            ticks: opts.ticks,
            every,
            timeline: Vec::new(),
            runs: Vec::new(),
            metrics: Vec::new(),
            verdicts: Vec::new(),
        }
    }

    /// Every expectation held.
    pub fn passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.passed)
    }

    pub fn failures(&self) -> usize {
        self.verdicts.iter().filter(|v| !v.passed).count()
    }
}

fn span(every: Duration, ticks: u64) -> String {
    offset((every.as_millis() as i64) * (ticks.saturating_sub(1)) as i64)
        .trim_start_matches('+')
        .to_string()
}

/// The report as text.
pub fn text(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "lifeguard test {} --scenario {}\n{} ticks, one every {} ({} of simulated time)\n",
        r.plugin,
        r.scenario,
        r.ticks,
        humantime::format_duration(r.every),
        span(r.every, r.ticks)
    );
    let _ = writeln!(o, "timeline ({} mutations)", r.timeline.len());
    if r.timeline.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for l in &r.timeline {
        let _ = write!(
            o,
            "  {:>7}  tick {:<4} {:<18} {:<28} {}",
            offset(l.offset_ms),
            l.tick,
            l.verb,
            l.target,
            l.outcome.as_str()
        );
        if let Some(e) = &l.error {
            let _ = write!(o, " ({e})");
        }
        if !l.reason.is_empty() {
            let _ = write!(o, "  \"{}\"", l.reason);
        }
        o.push('\n');
    }
    let count = |label: &str| r.runs.iter().filter(|x| x.result == label).count();
    let fuel: u64 = r.runs.iter().map(|x| x.fuel).sum();
    let max_fuel = r.runs.iter().map(|x| x.fuel).max().unwrap_or(0);
    let _ = writeln!(
        o,
        "\nruns: {} ok, {} transient, {} terminal, {} traps; fuel {fuel} in all, {max_fuel} at most in one run",
        count("ok"),
        count("transient"),
        count("terminal"),
        count("trap")
    );
    // Consecutive runs that said the same thing are one line.
    let mut i = 0;
    while i < r.runs.len() {
        let first = &r.runs[i];
        let mut j = i + 1;
        while j < r.runs.len() && r.runs[j].result == first.result && r.runs[j].text == first.text {
            j += 1;
        }
        let ticks = if j - i == 1 {
            format!("tick {}", first.tick)
        } else {
            format!("ticks {}-{}", first.tick, r.runs[j - 1].tick)
        };
        let _ = writeln!(o, "  {ticks:<13} {:<9} {}", first.result, first.text);
        i = j;
    }
    if !r.metrics.is_empty() {
        let _ = writeln!(o, "\nmetrics");
        for m in &r.metrics {
            let _ = writeln!(o, "  {m}");
        }
    }
    let _ = writeln!(o, "\nexpectations");
    if r.verdicts.is_empty() {
        let _ = writeln!(o, "  (none in the scenario)");
    }
    for v in &r.verdicts {
        let mark = if v.passed { "PASS" } else { "FAIL" };
        let first = if v.passed {
            v.detail
                .first()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let _ = writeln!(o, "  {mark}  {}{first}    [{}]", v.name, v.at);
        if !v.passed {
            for d in &v.detail {
                let _ = writeln!(o, "        {d}");
            }
        }
    }
    let _ = writeln!(
        o,
        "\nresult: {}",
        if r.passed() {
            format!("ok, {} expectations held", r.verdicts.len())
        } else {
            format!(
                "FAILED, {} of {} expectations failed",
                r.failures(),
                r.verdicts.len()
            )
        }
    );
    o
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The report as a JUnit XML file: one test case per expectation, the text report as the
/// suite's system-out.
pub fn junit(r: &Report) -> String {
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites><testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        xml(&format!("lifeguard test {}", r.scenario)),
        r.verdicts.len(),
        r.failures()
    );
    for v in &r.verdicts {
        let _ = write!(
            o,
            "  <testcase classname=\"{}\" name=\"{}\"",
            xml(&r.plugin),
            xml(&v.name)
        );
        if v.passed {
            o.push_str("/>\n");
        } else {
            let _ = writeln!(
                o,
                "><failure message=\"{}\">{}</failure></testcase>",
                xml(&format!("{} [{}]", v.name, v.at)),
                xml(&v.detail.join("\n"))
            );
        }
    }
    let _ = writeln!(
        o,
        "  <system-out>{}</system-out>\n</testsuite></testsuites>",
        xml(&text(r))
    );
    o
}
