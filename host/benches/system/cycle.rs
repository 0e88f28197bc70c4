//! 2. Requests and CPU per reconcile cycle, Lifeguard against a naive per-index poller;
//! 8. reaction latency in wall time, the host against ISM's own job interval.
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use lifeguard::daemon::HostHandle;
use lifeguard::sim::{Side, SimHandle};

use super::start_sim;
use crate::common::{self, cpu_seconds, median, percentile, Row};
use crate::daemon::{start_daemon, wait_every_job_ran};
use crate::simproc::SimProcess;

const TENANTS: usize = 100;
const PER_TENANT: usize = 100;

/// 100 tenants × 100 indices = 10k managed indices, each tenant owning `tNNN-*`.
fn big_scenario() -> String {
    let mut s = String::from(lifeguard::sim::scenario::LARGE_LEADER);
    for t in 0..TENANTS {
        let _ = write!(
            s,
            r#"
[[leader.indices]]
name = "t{t:03}-logs"
count = {PER_TENANT}
replicas = 1
docs = 1000
policy_id = "p"
settings = {{ "plugins.index_state_management.rollover_alias" = "t{t:03}-logs" }}
"#
        );
    }
    s
}

/// A host config: one cluster, the given tenants' blocks, plugins in `dir`.
fn host_config(dir: &Path, url: &str, interval: &str, dry_run: bool, tenants: &str) -> String {
    format!(
        r#"
[host]
plugin_dir = "{plugins}"
state_dir = "{state}"
audit_file = "{audit}"
interval = "{interval}"
telemetry_listen = ""
dry_run = {dry_run}
max_concurrent_runs = 16
max_concurrent_per_cluster = 16

[[clusters]]
name = "leader"
urls = ["{url}"]
{tenants}
"#,
        plugins = dir.join("plugins").display(),
        state = dir.join("state").display(),
        audit = dir.join("audit.jsonl").display(),
    )
}

async fn start_host(dir: &Path, config: &str) -> anyhow::Result<HostHandle> {
    std::fs::create_dir_all(dir.join("plugins"))?;
    std::fs::copy(
        common::guests_dir().join("probe.wasm"),
        dir.join("plugins/probe.wasm"),
    )?;
    start_daemon(dir, config, Some(7)).await
}

async fn total_runs(h: &HostHandle) -> anyhow::Result<u64> {
    Ok(h.scheduler.status().await?.iter().map(|s| s.runs).sum())
}

pub async fn cycle() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let t = Instant::now();
    // The simulator runs in its own process: this process's CPU is the host's alone (and then
    // the baseline client's alone); the simulator's own CPU is reported beside it.
    let dir = common::scratch("cycle");
    let sim = SimProcess::start(&dir.join("sim"), &big_scenario(), 0.0).await?;
    eprintln!("   sim with 10k indices up in {:?}", t.elapsed());

    // Lifeguard: the daemon, 100 tenants each running `probe` (health, its indices, their
    // ISM explain) every 2 s, through the per-cluster snapshot and its guarded view.
    let mut tenants = String::new();
    for t in 0..TENANTS {
        let _ = write!(
            tenants,
            r#"
[[tenants]]
name = "t{t:03}"
clusters = ["leader"]
indices = ["t{t:03}-*"]
[[tenants.plugins]]
name = "probe"
file = "probe.wasm"
config = {{ read = 1, n = 0 }}
"#
        );
    }
    let host = start_host(&dir, &host_config(&dir, sim.url(), "2s", true, &tenants)).await?;
    // Warm-up: every job has run once (compile, first snapshot fetch).
    wait_every_job_ran(&host, TENANTS, Duration::from_secs(60)).await?;
    sim.clear_requests().await?;
    let (r0, c0, s0, w0) = (
        total_runs(&host).await?,
        cpu_seconds(),
        sim.cpu_seconds(),
        Instant::now(),
    );
    // At least one job interval (2 s), so that every tenant runs in the window.
    tokio::time::sleep(Duration::from_secs(common::scaled_secs(10).max(3))).await;
    let (r1, c1, s1, w1) = (
        total_runs(&host).await?,
        cpu_seconds(),
        sim.cpu_seconds(),
        Instant::now(),
    );
    let reqs = sim.requests().await? as f64;
    host.shutdown(Duration::from_secs(5)).await;
    let cycles = (r1 - r0) as f64 / TENANTS as f64;
    let lg_reqs = reqs / cycles;
    let lg_cpu = (c1 - c0) / cycles;
    let lg_sim_cpu = (s1 - s0) / cycles;
    eprintln!(
        "   lifeguard: {} runs ({cycles:.1} cycles) in {:?}, {reqs} requests, CPU {:.2} s",
        r1 - r0,
        w1 - w0,
        c1 - c0
    );

    // Baseline: per tenant, per index, explain + stats, no sharing, like a cron'd script.
    sim.clear_requests().await?;
    let client = reqwest::Client::new();
    let base = sim.url().trim_end_matches('/').to_string();
    let (c0, s0, w0) = (cpu_seconds(), sim.cpu_seconds(), Instant::now());
    let budget = Duration::from_secs(common::scaled_secs(25));
    let mut done = 0usize;
    while done < TENANTS && (done < 4 || w0.elapsed() < budget) {
        // Four tenants' scripts at a time.
        let batch: Vec<usize> = (done..(done + 4).min(TENANTS)).collect();
        let tasks = batch.iter().map(|&t| {
            let client = client.clone();
            let base = base.clone();
            tokio::spawn(async move { naive_tenant(&client, &base, t).await })
        });
        for r in futures::future::join_all(tasks).await {
            r??;
        }
        done += batch.len();
    }
    let (c1, s1, w1) = (cpu_seconds(), sim.cpu_seconds(), Instant::now());
    let sampled = done;
    let scale = TENANTS as f64 / sampled as f64;
    let base_reqs = sim.requests().await? as f64 * scale;
    let base_cpu = (c1 - c0) * scale;
    let base_sim_cpu = (s1 - s0) * scale;
    eprintln!(
        "   baseline: {sampled} tenants in {:?}, CPU {:.2} s",
        w1 - w0,
        c1 - c0
    );
    drop(sim);

    let sample_note = if sampled < TENANTS {
        format!("; {sampled} of {TENANTS} tenants run, extrapolated ×{scale:.1}")
    } else {
        String::new()
    };
    rows.push(Row::new(
        "Lifeguard: read requests per cycle (100 tenants × `probe`: health + indices + explain)",
        format!("{lg_reqs:.1}"),
    ));
    rows.push(Row::new(
        "naive baseline: requests per cycle (per tenant, per index: explain + _stats)",
        format!("{base_reqs:.0}{sample_note}"),
    ));
    let rr = base_reqs / lg_reqs;
    rows.push(
        Row::new("requests ratio (baseline / Lifeguard)", format!("{rr:.0}×"))
            .goal("≥ 1000×", rr >= 1000.0),
    );
    rows.push(Row::new(
        "Lifeguard: host process CPU per cycle (the simulator runs in its own process)",
        format!(
            "{:.1} ms (simulator serving it: {:.1} ms)",
            lg_cpu * 1000.0,
            lg_sim_cpu * 1000.0
        ),
    ));
    rows.push(Row::new(
        "naive baseline: client process CPU per cycle",
        format!(
            "{:.1} ms (simulator serving it: {:.0} ms){sample_note}",
            base_cpu * 1000.0,
            base_sim_cpu * 1000.0
        ),
    ));
    let cr = base_cpu / lg_cpu;
    rows.push(
        Row::new(
            "CPU ratio, host process only (baseline / Lifeguard)",
            format!("{cr:.1}×"),
        )
        .goal("≥ 20×", cr >= 20.0),
    );
    Ok(rows)
}

async fn naive_tenant(client: &reqwest::Client, base: &str, t: usize) -> anyhow::Result<()> {
    for i in 1..=PER_TENANT {
        let index = format!("t{t:03}-logs-{i:06}");
        for path in [
            format!("{base}/_plugins/_ism/explain/{index}"),
            format!("{base}/{index}/_stats"),
        ] {
            let body = client.get(&path).send().await?.bytes().await?;
            let v: serde_json::Value = serde_json::from_slice(&body)?;
            std::hint::black_box(v);
        }
    }
    Ok(())
}

const DOCS_PER_SEC: f64 = 10.0;

/// How the reaction bench runs: at speed 1 with default config (the real thing), or small
/// and fast for the smoke.
struct React {
    aliases: usize,
    speed: f64,
    /// The host's job interval: the default (20 s) in the real run.
    host_interval: &'static str,
    /// Simulated seconds until alias 0's condition holds, and between aliases.
    first_s: f64,
    step_s: f64,
}

impl React {
    fn new() -> Self {
        if common::smoke() {
            Self {
                aliases: 2,
                speed: 60.0,
                host_interval: "1s",
                first_s: 60.0,
                step_s: 30.0,
            }
        } else {
            Self {
                aliases: 20,
                speed: 1.0,
                host_interval: "20s",
                first_s: 20.0,
                step_s: 2.0,
            }
        }
    }

    /// Simulated seconds until alias `k`'s write index holds its threshold.
    fn true_after_s(&self, k: usize) -> f64 {
        self.first_s + self.step_s * k as f64
    }

    fn threshold(&self, k: usize) -> u64 {
        (self.true_after_s(k) * DOCS_PER_SEC) as u64
    }
}

fn react_scenario(plan: &React) -> String {
    let mut s = String::from("[leader]\n");
    for k in 0..plan.aliases {
        let m = plan.threshold(k);
        let _ = write!(
            s,
            r#"
[leader.policies.p{k}]
default_state = "hot"
states = [{{ name = "hot", actions = [{{ rollover = {{ min_doc_count = {m} }} }}], transitions = [] }}]
[[leader.indices]]
name = "ism{k}-000001"
replicas = 0
docs = 0
policy_id = "p{k}"
aliases = {{ ism{k} = {{ is_write_index = true }} }}
settings = {{ "plugins.index_state_management.rollover_alias" = "ism{k}" }}
[[leader.indices]]
name = "host{k}-000001"
replicas = 0
docs = 0
aliases = {{ host{k} = {{ is_write_index = true }} }}
"#
        );
    }
    s
}

/// Creation time of `<prefix>-000002`, if it exists.
fn rolled_at(sim: &SimHandle, prefix: &str) -> Option<i64> {
    let rows = cat(sim, &format!("{prefix}-000002"))?;
    rows.first()?.1
}

/// `(docs, creation ms)` of the indices matching `pattern`, in name order.
fn cat(sim: &SimHandle, pattern: &str) -> Option<Vec<(u64, Option<i64>)>> {
    let (status, body) = sim.request(
        0,
        "GET",
        &format!("/_cat/indices/{pattern}?format=json&h=index,docs.count,creation.date&s=index"),
        b"",
    );
    if status != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let num = |r: &serde_json::Value, k: &str| r.get(k)?.as_str()?.parse::<i64>().ok();
    Some(
        v.as_array()?
            .iter()
            .map(|r| {
                (
                    num(r, "docs.count").unwrap_or(0) as u64,
                    num(r, "creation.date"),
                )
            })
            .collect(),
    )
}

/// Seconds from alias `k`'s condition turning true (ingest started at `t0_ms`) to the
/// creation of `<prefix>-000002`, its rollover. Both sides are timed on the simulator's
/// clock, which is wall time at speed 1.
fn latency_s(sim: &SimHandle, prefix: &str, plan: &React, k: usize, t0_ms: i64) -> Option<f64> {
    let created = rolled_at(sim, prefix)?;
    Some((created - t0_ms) as f64 / 1000.0 - plan.true_after_s(k))
}

pub async fn react() -> anyhow::Result<Vec<Row>> {
    let plan = React::new();
    let sim = start_sim(&react_scenario(&plan), 0.0).await?;
    // Host: one `probe` job per alias at the default interval (20 s); ISM at its defaults
    // (job_interval 5 min, jitter 0.6), in the same simulator, running at wall speed.
    let dir = common::scratch("react");
    let mut tenants = String::from(
        r#"
[[tenants]]
name = "h"
clusters = ["leader"]
indices = ["host*"]
"#,
    );
    for k in 0..plan.aliases {
        let _ = write!(
            tenants,
            r#"
[[tenants.plugins]]
name = "r{k}"
file = "probe.wasm"
config = {{ n = 0, alias = "host{k}", max_docs = {} }}
"#,
            plan.threshold(k)
        );
    }
    let host = start_host(
        &dir,
        &host_config(&dir, sim.leader_url(), plan.host_interval, false, &tenants),
    )
    .await?;
    // ISM needs a job run to initialise an index and another to start its rollover action;
    // run those with no ingest (20 simulated minutes at once), so that what is timed is
    // ISM's steady state: the next job run after the condition holds.
    sim.advance(Duration::from_secs(20 * 60));
    sim.clear_requests();
    let t0 = sim.now_ms();
    for k in 0..plan.aliases {
        for alias in [format!("ism{k}"), format!("host{k}")] {
            sim.set_ingest(Side::Leader, &alias, DOCS_PER_SEC, 100.0)?;
        }
    }
    sim.set_speed(plan.speed);
    // ISM's next job run is at most one job interval plus its jitter (5 min × 1.6) away.
    let last = plan.true_after_s(plan.aliases - 1) + 8.0 * 60.0 + 30.0;
    let deadline = Instant::now() + Duration::from_secs_f64(last / plan.speed + 10.0);
    let mut ism = vec![None; plan.aliases];
    loop {
        for (k, slot) in ism.iter_mut().enumerate() {
            if slot.is_none() {
                *slot = rolled_at(&sim, &format!("ism{k}"));
            }
        }
        if ism.iter().all(Option::is_some) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let log = sim.requests();
    host.shutdown(Duration::from_secs(5)).await;
    let mut host_lat = Vec::new();
    let mut ism_lat = Vec::new();
    for (k, seen) in ism.iter().enumerate() {
        // The host's rollover must be in the request log; both sides are then timed the
        // same way, from the docs the old write index holds past the threshold.
        let sent = log
            .iter()
            .any(|r| r.method == "POST" && r.path.starts_with(&format!("/host{k}/_rollover")));
        match (sent, latency_s(&sim, &format!("host{k}"), &plan, k, t0)) {
            (true, Some(l)) => host_lat.push(l),
            _ => eprintln!("   host{k}: no rollover sent"),
        }
        match (seen, latency_s(&sim, &format!("ism{k}"), &plan, k, t0)) {
            (Some(_), Some(l)) => ism_lat.push(l),
            _ => eprintln!("   ism{k}: no rollover seen"),
        }
    }
    sim.shutdown().await;
    eprintln!("   host latencies (s): {host_lat:?}; ISM: {ism_lat:?}");
    let (hn, inn) = (host_lat.len(), ism_lat.len());
    let (h, hp) = (median(&mut host_lat), percentile(&mut host_lat, 0.99));
    let (i, ip) = (median(&mut ism_lat), percentile(&mut ism_lat, 0.99));
    let clock = if plan.speed == 1.0 {
        "wall time, simulator at speed 1".to_string()
    } else {
        format!("simulated time at {}× (smoke)", plan.speed)
    };
    Ok(vec![
        Row::new(
            format!(
                "host: condition true → `_rollover` sent (interval {}; {clock})",
                plan.host_interval
            ),
            format!("median {h:.1} s, p99 {hp:.1} s ({hn} aliases)"),
        ),
        Row::new(
            format!(
                "ISM: condition true → its own rollover (job_interval 5 min + jitter 0.6; {clock})"
            ),
            format!("median {i:.0} s, p99 {ip:.0} s ({inn} aliases)"),
        ),
        Row::new(
            "reaction ratio (ISM / host), medians",
            format!("{:.1}×", i / h.max(1e-9)),
        ),
    ])
}
