//! The status page at `/`: one self-contained HTML document (inline CSS, no scripts, no
//! external assets) that refreshes itself. Every string from a snapshot is escaped: plugin
//! summaries, reasons and label-like names are written by tenants and are untrusted.
//!
//! Stable hooks for tests and scrapers: tables `#tenants`, `#breakers`, `#clusters`, `#audit`;
//! cells `.tenant`, `.plugin`, `.plugin-version`, `.job-state`, `.outcome`, `.breaker-state`,
//! `.cluster-health`; rows carry `data-tenant`, `data-plugin`, `data-cluster`.
use std::fmt::Write;

use super::escape::{duration_ms, html, utc_time};
use super::health::Probe;
use super::status::{BreakerState, JobState, PluginStatus, StatusSnapshot};

/// Seconds between automatic reloads of the page.
const REFRESH_SECS: u32 = 5;

/// Audit lines shown; `/api/status` carries all the snapshot has.
const AUDIT_ROWS: usize = 50;

const STYLE: &str = r#"
:root { --fg:#1d2433; --muted:#5b6478; --line:#dde2ea; --bg:#f6f7f9; --card:#fff;
  --ok:#1a7f37; --ok-bg:#dafbe1; --warn:#9a6700; --warn-bg:#fff8c5; --bad:#cf222e; --bad-bg:#ffebe9;
  --info:#0969da; --info-bg:#ddf4ff; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:16px; padding:14px 24px; background:#1d2433; color:#fff; }
header h1 { margin:0; font-size:20px; letter-spacing:.02em; }
header .meta { color:#c9d1e0; font-size:13px; }
header .probes { margin-left:auto; display:flex; gap:8px; }
main { padding:16px 24px 32px; display:grid; gap:18px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:hidden; }
section h2 { margin:0; padding:10px 14px; font-size:15px; border-bottom:1px solid var(--line); background:#fbfcfd; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:7px 12px; border-bottom:1px solid var(--line); vertical-align:top; }
th { white-space:nowrap; font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600; }
tr:last-child td { border-bottom:none; }
td.num, td.tenant { white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.mono, .hash { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.hash, .muted { color:var(--muted); }
.msg { max-width:380px; overflow-wrap:break-word; }
footer { padding:0 24px 24px; color:var(--muted); font-size:12px; }
footer a { color:var(--info); margin-right:14px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; white-space:nowrap; }
.good { color:var(--ok); background:var(--ok-bg); }
.warn { color:var(--warn); background:var(--warn-bg); }
.bad { color:var(--bad); background:var(--bad-bg); }
.info { color:var(--info); background:var(--info-bg); }
.neutral { color:var(--muted); background:#eef1f5; }
.empty { padding:12px 14px; color:var(--muted); }
"#;

/// The liveness and readiness answers shown in the header.
#[derive(Debug, Clone)]
pub struct Probes {
    pub live: Probe,
    pub ready: Probe,
}

/// Renders the whole page.
pub fn render(s: &StatusSnapshot, probes: &Probes) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = write_page(&mut out, s, probes);
    out
}

fn write_page(o: &mut String, s: &StatusSnapshot, probes: &Probes) -> std::fmt::Result {
    write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Lifeguard status</title><style>{STYLE}</style></head><body>"
    )?;
    let p = &s.process;
    let mode_class = if p.mode == "live" { "neutral" } else { "info" };
    write!(
        o,
        "<header><h1>Lifeguard</h1><span class=\"meta\">v{} · up {}</span>\
         <span id=\"mode\" class=\"badge {mode_class}\">{}</span><span class=\"probes\">",
        html(&p.version),
        duration_ms(p.uptime_ms),
        html(&p.mode)
    )?;
    probe_badge(o, "live", "healthz", &probes.live)?;
    probe_badge(o, "ready", "readyz", &probes.ready)?;
    o.push_str("</span></header><main>");
    tenants(o, s)?;
    o.push_str("<div class=\"grid2\">");
    breakers(o, s)?;
    clusters(o, s)?;
    o.push_str("</div>");
    coordination(o, s)?;
    audit(o, s)?;
    writeln!(
        o,
        "</main><footer id=\"links\">Refreshes every {REFRESH_SECS} s · <a href=\"/api/status\">/api/status</a>\
         <a href=\"/metrics\">/metrics</a><a href=\"/healthz\">/healthz</a>\
         <a href=\"/readyz\">/readyz</a></footer></body></html>"
    )?;
    Ok(())
}

fn probe_badge(o: &mut String, what: &str, id: &str, probe: &Probe) -> std::fmt::Result {
    match probe {
        Ok(()) => write!(o, "<span id=\"{id}\" class=\"badge good\">{what}</span>"),
        Err(why) => write!(
            o,
            "<span id=\"{id}\" class=\"badge bad\" title=\"{}\">not {what}</span>",
            html(&why.join("; "))
        ),
    }
}

fn state_class(state: JobState) -> &'static str {
    match state {
        JobState::Idle => "neutral",
        JobState::Queued | JobState::Running => "info",
        JobState::Backoff => "warn",
        JobState::Parked | JobState::Quarantined => "bad",
    }
}

fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "good",
        "transient" => "warn",
        _ => "bad",
    }
}

fn tenants(o: &mut String, s: &StatusSnapshot) -> std::fmt::Result {
    o.push_str("<section><h2>Tenants</h2>");
    if s.tenants.is_empty() {
        o.push_str("<p class=\"empty\" id=\"tenants\">No tenants configured.</p></section>");
        return Ok(());
    }
    o.push_str(
        "<table id=\"tenants\"><thead><tr><th>Tenant</th><th>Plugin</th><th>Version</th>\
         <th>State</th><th>Last outcome</th><th>Fuel</th><th>Wall</th><th>Next run</th>\
         </tr></thead><tbody>",
    );
    for t in &s.tenants {
        if t.plugins.is_empty() {
            write!(
                o,
                "<tr data-tenant=\"{0}\"><td class=\"tenant\">{0}</td>\
                 <td colspan=\"7\" class=\"muted\">no plugins</td></tr>",
                html(&t.name)
            )?;
        }
        for pl in &t.plugins {
            plugin_row(o, &t.name, pl)?;
        }
    }
    o.push_str("</tbody></table></section>");
    Ok(())
}

fn plugin_row(o: &mut String, tenant: &str, p: &PluginStatus) -> std::fmt::Result {
    let (tenant, name) = (html(tenant), html(&p.name));
    write!(
        o,
        "<tr data-tenant=\"{tenant}\" data-plugin=\"{name}\"><td class=\"tenant\">{tenant}</td>\
         <td><span class=\"plugin\">{name}</span><br><span class=\"mono muted\">{}</span></td>\
         <td><span class=\"plugin-version\">{}</span><br><span class=\"hash\" title=\"{}\">{}</span></td>",
        html(&p.file),
        html(&p.version),
        html(&p.version_hash),
        html(p.version_hash.get(..12).unwrap_or(&p.version_hash)),
    )?;
    let state = p.state;
    write!(
        o,
        "<td><span class=\"job-state badge {}\">{}</span>",
        state_class(state),
        state.as_str()
    )?;
    if p.consecutive_failures > 0 {
        write!(
            o,
            "<br><span class=\"failures muted\">{} failures in a row</span>",
            p.consecutive_failures
        )?;
    }
    o.push_str("</td>");
    match &p.last {
        Some(last) => write!(
            o,
            "<td class=\"msg\"><span class=\"outcome badge {}\">{}</span> \
             <span class=\"message\">{}</span></td>\
             <td class=\"num fuel\">{}</td><td class=\"num\">{}</td>",
            outcome_class(&last.outcome),
            html(&last.outcome),
            html(&last.message),
            thousands(last.fuel),
            duration_ms(last.wall_ms),
        )?,
        None => o.push_str(
            "<td><span class=\"outcome badge neutral\">not run yet</span></td><td></td><td></td>",
        ),
    }
    match p.next_run_ms {
        Some(ms) => write!(
            o,
            "<td class=\"num next-run\">in {}</td></tr>",
            duration_ms(ms)
        ),
        None => write!(o, "<td class=\"num next-run muted\">—</td></tr>"),
    }
}

/// Members, owners and this replica's lease, with `[coordination]`.
fn coordination(o: &mut String, s: &StatusSnapshot) -> std::fmt::Result {
    let Some(c) = &s.coordination else {
        return Ok(());
    };
    let (class, lease) = if c.lease_live {
        ("good", "live")
    } else {
        ("bad", "not live")
    };
    write!(
        o,
        "<section id=\"coordination\"><h2>Coordination</h2><p>Replica <span class=\"mono\">{}</span> \
         · lease <span class=\"badge {class}\">{lease}</span> {} · {} member(s): <span class=\"mono\">{}</span></p>",
        html(&c.replica_id),
        c.lease_age_ms
            .map(|ms| format!("(renewed {} ago)", duration_ms(ms)))
            .unwrap_or_default(),
        c.members.len(),
        html(&c.members.join(", ")),
    )?;
    o.push_str("<table><thead><tr><th>Tenant</th><th>Owner</th></tr></thead><tbody>");
    for (tenant, owner) in &c.owners {
        write!(
            o,
            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
            html(tenant),
            html(owner)
        )?;
    }
    o.push_str("</tbody></table></section>");
    Ok(())
}

fn breakers(o: &mut String, s: &StatusSnapshot) -> std::fmt::Result {
    o.push_str("<section><h2>Breakers</h2>");
    if s.breakers.is_empty() {
        o.push_str("<p class=\"empty\" id=\"breakers\">No breakers.</p></section>");
        return Ok(());
    }
    o.push_str(
        "<table id=\"breakers\"><thead><tr><th>Cluster</th><th>State</th><th>Reason</th>\
         <th>Since</th></tr></thead><tbody>",
    );
    for b in &s.breakers {
        let class = match b.state {
            BreakerState::Closed => "good",
            BreakerState::HalfOpen => "warn",
            BreakerState::Open => "bad",
        };
        write!(
            o,
            "<tr data-cluster=\"{0}\"><td class=\"mono\">{0}</td>\
             <td><span class=\"breaker-state badge {class}\">{1}</span></td>\
             <td class=\"msg breaker-reason\">{2}</td><td class=\"mono muted\">{3}</td></tr>",
            html(&b.cluster),
            b.state.as_str(),
            html(&b.reason),
            b.since_ms.map(utc_time).unwrap_or_default(),
        )?;
    }
    o.push_str("</tbody></table></section>");
    Ok(())
}

fn clusters(o: &mut String, s: &StatusSnapshot) -> std::fmt::Result {
    o.push_str("<section><h2>Clusters</h2>");
    if s.clusters.is_empty() {
        o.push_str("<p class=\"empty\" id=\"clusters\">No clusters configured.</p></section>");
        return Ok(());
    }
    o.push_str(
        "<table id=\"clusters\"><thead><tr><th>Cluster</th><th>URL</th><th>Reachable</th>\
         <th>Health</th></tr></thead><tbody>",
    );
    for c in &s.clusters {
        let (reach_class, reach) = if c.reachable {
            ("good", "yes")
        } else {
            ("bad", "no")
        };
        let health = c.health.as_deref().unwrap_or("unknown");
        let health_class = match health {
            "green" => "good",
            "yellow" => "warn",
            "red" => "bad",
            _ => "neutral",
        };
        write!(
            o,
            "<tr data-cluster=\"{0}\"><td class=\"mono\">{0}</td><td class=\"mono muted\">{1}</td>\
             <td><span class=\"badge {reach_class}\">{reach}</span></td>\
             <td><span class=\"cluster-health badge {health_class}\">{2}</span></td></tr>",
            html(&c.name),
            html(&c.url),
            html(health),
        )?;
    }
    o.push_str("</tbody></table></section>");
    Ok(())
}

fn audit(o: &mut String, s: &StatusSnapshot) -> std::fmt::Result {
    o.push_str("<section><h2>Latest audit lines</h2>");
    if s.audit.is_empty() {
        o.push_str("<p class=\"empty\" id=\"audit\">No mutations yet.</p></section>");
        return Ok(());
    }
    o.push_str(
        "<table id=\"audit\"><thead><tr><th>Time (UTC)</th><th>Tenant</th><th>Plugin</th>\
         <th>Cluster</th><th>Verb</th><th>Target</th><th>Outcome</th><th>Reason</th>\
         </tr></thead><tbody>",
    );
    for a in s.audit.iter().take(AUDIT_ROWS) {
        let class = match a.outcome.as_str() {
            "allowed" | "ok" => "good",
            "dry-run" => "info",
            "throttled" | "budget" => "warn",
            _ => "bad",
        };
        write!(
            o,
            "<tr data-tenant=\"{1}\"><td class=\"mono muted\">{0}</td><td>{1}</td><td>{2}</td>\
             <td class=\"mono\">{3}</td><td class=\"mono\">{4}</td><td class=\"mono\">{5}</td>\
             <td><span class=\"audit-outcome badge {class}\">{6}</span></td>\
             <td class=\"msg\">{7}</td></tr>",
            utc_time(a.time_ms),
            html(&a.tenant),
            html(&a.plugin),
            html(&a.cluster),
            html(&a.verb),
            html(&a.target),
            html(&a.outcome),
            html(&a.reason),
        )?;
    }
    o.push_str("</tbody></table></section>");
    Ok(())
}

/// `1234567` → `1,234,567`: fuel numbers are long.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
