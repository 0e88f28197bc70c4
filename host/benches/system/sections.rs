//! The measurements, one per section; each runs in its own child process.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use lifeguard::bindings::types::Context;
use lifeguard::cluster::http::{ClusterConfig, HttpCluster};
use lifeguard::cluster::DynCluster;
use lifeguard::reconcile::{
    run_fn, JobId, JobOutcome, JobReport, JobSpec, Scheduler, SchedulerConfig,
};
use lifeguard::runtime::{
    self, Engine, EngineConfig, Limits, LoadedPlugin, MemoryState, NoMetrics, ReasonCell, RunEnv,
    SystemClock,
};
use lifeguard::sim::{Scenario, Sim, SimHandle, SimOptions};
use lifeguard::snapshot::Snapshot;

use crate::common::{self, cpu_seconds, median, percentile, Row};

#[path = "coord.rs"]
mod coord;
#[path = "cycle.rs"]
mod cycle;
#[path = "more.rs"]
mod more;
#[path = "rss.rs"]
mod rss;

pub fn run_child(section: &str) -> anyhow::Result<()> {
    if section == "phases" {
        for r in crate::phases::phases()? {
            r.emit();
        }
        return Ok(());
    }
    if section == "compile" {
        for r in crate::compile::compile()? {
            r.emit();
        }
        return Ok(());
    }
    if section == "parse" {
        for r in more::parse()? {
            r.emit();
        }
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rows = rt.block_on(async {
        match section {
            "runs" => runs().await,
            "cycle" => cycle::cycle().await,
            "sched" => sched().await,
            "reload" => more::reload().await,
            // Each memory row in a child process of its own, on a fresh heap.
            "rss" => rss::versions().await.map(|r| vec![r]),
            "rss_tenants" => rss::tenants().await.map(|r| vec![r]),
            "rss_reloads" => rss::reloads().await.map(|r| vec![r]),
            "sim" => more::sim_cost().await,
            "react" => cycle::react().await,
            "coord" => coord::coord().await,
            other => Err(anyhow!("unknown section {other}")),
        }
    })?;
    for r in rows {
        r.emit();
    }
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

/// An engine with the bench's persistent compile cache (big Python/JS guests compile once).
pub fn engine() -> anyhow::Result<Engine> {
    let cache = common::repo_root().join("target/lifeguard-bench/compile-cache");
    Engine::new(&EngineConfig {
        cache_dir: Some(cache),
        ..EngineConfig::default()
    })
}

/// An engine without a compile cache: what a new plugin version meets.
pub fn engine_uncached() -> anyhow::Result<Engine> {
    Engine::new(&EngineConfig::default())
}

pub fn load(engine: &Engine, path: &std::path::Path) -> anyhow::Result<LoadedPlugin> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    LoadedPlugin::load(engine, &bytes).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub fn http(url: &str) -> anyhow::Result<Arc<HttpCluster>> {
    let cfg: ClusterConfig = serde_json::from_value(serde_json::json!({
        "name": "leader",
        "urls": [url],
    }))?;
    Ok(Arc::new(HttpCluster::new(&cfg)?))
}

pub async fn start_sim(scenario: &str, speed: f64) -> anyhow::Result<SimHandle> {
    let scenario = Scenario::parse(scenario).map_err(|e| anyhow!("scenario: {e}"))?;
    Ok(Sim::start(SimOptions {
        scenario: Some(scenario),
        speed,
        ..SimOptions::default()
    })
    .await?)
}

pub fn env_with(cluster: Option<DynCluster>) -> RunEnv {
    let mut clusters = HashMap::new();
    let mut order = Vec::new();
    if let Some(c) = cluster {
        clusters.insert("leader".to_string(), c);
        order.push("leader".to_string());
    }
    RunEnv {
        tenant: "bench".into(),
        plugin: "bench".into(),
        clusters,
        cluster_order: order,
        metrics: Arc::new(NoMetrics),
        state: Arc::new(MemoryState::default()),
        clock: Arc::new(SystemClock),
        reason: ReasonCell::default(),
    }
}

pub fn ctx(env: &RunEnv, tick: u64, config: &str) -> Context {
    Context {
        tenant: env.tenant.clone(),
        plugin: env.plugin.clone(),
        tick,
        now_ms: 1_767_225_600_000,
        dry_run: false,
        clusters: env.cluster_order.clone(),
        config: config.to_string(),
    }
}

/// Median wall time of one run (fresh instance + reconcile + drop), over batches, within
/// `budget`. Returns (µs per run, runs timed, outcome label of the last run).
async fn time_runs(
    engine: &Engine,
    plugin: &LoadedPlugin,
    env: &RunEnv,
    config: &str,
    budget: Duration,
) -> (f64, u64, String) {
    let budget = if common::smoke() { budget / 20 } else { budget };
    let limits = Limits::default();
    let mut label = String::new();
    let t = Instant::now();
    let mut warm = 0;
    while warm < 20 && t.elapsed() < budget / 10 {
        let r = runtime::reconcile(engine, plugin, env.clone(), &limits, ctx(env, 1, config)).await;
        label = r.outcome.label().to_string();
        warm += 1;
    }
    let one = t.elapsed().as_secs_f64() / f64::from(warm.max(1));
    // Batches of about 20 ms, at least one run each.
    let batch = ((0.02 / one) as u64).clamp(1, 1000);
    let mut per_run = Vec::new();
    let mut total = 0;
    let started = Instant::now();
    while started.elapsed() < budget && per_run.len() < 200 {
        let b = Instant::now();
        for i in 0..batch {
            let r =
                runtime::reconcile(engine, plugin, env.clone(), &limits, ctx(env, i, config)).await;
            label = r.outcome.label().to_string();
        }
        per_run.push(b.elapsed().as_secs_f64() * 1e6 / batch as f64);
        total += batch;
    }
    (median(&mut per_run), total, label)
}

/// The 99th percentile of single runs, each timed alone (`n` of them after a warm-up).
async fn single_run_p99(
    engine: &Engine,
    plugin: &LoadedPlugin,
    env: &RunEnv,
    config: &str,
    n: usize,
) -> f64 {
    let limits = Limits::default();
    let mut us = Vec::with_capacity(n);
    for i in 0..(n + n / 10) {
        let t = Instant::now();
        let r = runtime::reconcile(
            engine,
            plugin,
            env.clone(),
            &limits,
            ctx(env, i as u64, config),
        )
        .await;
        std::hint::black_box(r);
        if i >= n / 10 {
            us.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    percentile(&mut us, 0.99)
}

const SMALL_CLUSTER: &str = r#"
[leader]
[[leader.indices]]
name = "app"
count = 3
replicas = 0
docs = 1000
"#;

/// 1. Run overhead per plugin, and the bare host-call round trip.
async fn runs() -> anyhow::Result<Vec<Row>> {
    let engine = engine()?;
    let sim = start_sim(SMALL_CLUSTER, 0.0).await?;
    let snapshot: DynCluster = Arc::new(Snapshot::new(
        http(sim.leader_url())?,
        Duration::from_secs(3600),
        None,
    ));
    let env = env_with(Some(snapshot));
    let mut rows = Vec::new();

    let probe = load(&engine, &common::guests_dir().join("probe.wasm"))?;
    let (us, n, label) =
        time_runs(&engine, &probe, &env, r#"{"n":1}"#, Duration::from_secs(2)).await;
    rows.push(
        Row::new(
            "run: Rust test guest `probe`, 1 host call (`clock.now-ms`), median",
            format!("{us:.1} µs ({n} runs, {label})"),
        )
        .goal("≤ 10 µs", us <= 10.0),
    );
    let p99 = single_run_p99(
        &engine,
        &probe,
        &env,
        r#"{"n":1}"#,
        common::scaled(5000, 100),
    )
    .await;
    rows.push(
        Row::new(
            "run: `probe`, 1 host call, p99 of single runs timed alone",
            format!("{p99:.1} µs"),
        )
        .goal("≤ 30 µs", p99 <= 30.0),
    );

    // The same run without the pooling allocator: fresh mmaps for memory and stack per run.
    let on_demand = Engine::new(&EngineConfig {
        pool: None,
        ..EngineConfig::default()
    })?;
    let probe_od = load(&on_demand, &common::guests_dir().join("probe.wasm"))?;
    let (us_od, n_od, _) = time_runs(
        &on_demand,
        &probe_od,
        &env,
        r#"{"n":1}"#,
        Duration::from_secs(2),
    )
    .await;
    rows.push(Row::new(
        "run: `probe`, 1 host call, on-demand allocator (no pool)",
        format!(
            "{us_od:.1} µs ({n_od} runs; pooled is {:.1}× faster)",
            us_od / us.max(0.001)
        ),
    ));

    let plugins = common::plugin_dir();
    for (file, what, goal) in [
        (
            "hello.wasm",
            "Rust `hello` (health + indices + gauge: 3 host calls)",
            Some(20.0),
        ),
        ("ism-doctor-py.wasm", "Python `ism-doctor-py`", None),
        ("rollover-tuner-js.wasm", "JS `rollover-tuner-js`", None),
    ] {
        // The big guests' compile alone outlasts the smoke; section 9 covers their loading.
        if common::smoke() && goal.is_none() {
            continue;
        }
        let path = plugins.join(file);
        if !path.exists() {
            rows.push(Row::new(
                format!("run: {what}"),
                format!("not built ({})", path.display()),
            ));
            continue;
        }
        let c = Instant::now();
        let p = match load(&engine, &path) {
            Ok(p) => p,
            Err(e) => {
                rows.push(Row::new(
                    format!("run: {what}"),
                    format!("load failed: {e}"),
                ));
                continue;
            }
        };
        let load_s = c.elapsed().as_secs_f64();
        let (us, n, label) = time_runs(&engine, &p, &env, "{}", Duration::from_secs(3)).await;
        let value = format!(
            "{} ({n} runs, {label} with an empty config; {:.1} MB file, load {load_s:.2} s incl. compile cache)",
            if us >= 1000.0 {
                format!("{:.2} ms", us / 1000.0)
            } else {
                format!("{us:.1} µs")
            },
            p.size_bytes as f64 / 1e6
        );
        let row = Row::new(format!("run: {what}"), value);
        rows.push(match goal {
            Some(g) => row.goal(format!("≤ {g} µs"), us <= g),
            None => row,
        });
    }

    // Bare host call: N = 1000 calls against N = 0, same guest, no cluster.
    let bare = env_with(None);
    let (t0, _, _) = time_runs(&engine, &probe, &bare, r#"{"n":0}"#, Duration::from_secs(2)).await;
    let (t1k, _, _) = time_runs(
        &engine,
        &probe,
        &bare,
        r#"{"n":1000}"#,
        Duration::from_secs(2),
    )
    .await;
    rows.push(Row::new(
        "run: `probe` with 0 host calls (instantiate + reconcile + drop)",
        format!("{t0:.1} µs"),
    ));
    rows.push(Row::new(
        "host-call round trip (`clock.now-ms`, (t(1000 calls) − t(0)) / 1000)",
        format!("{:.0} ns", (t1k - t0)),
    ));
    sim.shutdown().await;
    Ok(rows)
}

/// 3. Scheduler capacity: a no-op closure, then the `good` guest.
async fn sched() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let cfg = || {
        SchedulerConfig::default()
            .max_concurrent(64)
            .per_cluster_cap(64)
            .min_requeue_after(Duration::ZERO)
            .default_interval(Duration::from_secs(3600))
            .seed(7)
    };
    // Pure scheduler: every run returns at once and asks to run again at once.
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let run = run_fn(move |_t| {
        c.fetch_add(1, Ordering::Relaxed);
        async { JobReport::new(JobOutcome::requeue_after(Duration::ZERO), 1) }
    });
    let rate = measure_rate(cfg(), run, &count, 1000, Duration::from_secs(3)).await?;
    rows.push(
        Row::new(
            "scheduler, no-op run closure (1,000 jobs, 64 in flight)",
            format!("{rate:.0} runs/s"),
        )
        .goal("≥ 50k runs/s", rate >= 50_000.0),
    );

    let engine = engine()?;
    let good = Arc::new(load(&engine, &common::guests_dir().join("good.wasm"))?);
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let run = run_fn(move |t| {
        let engine = engine.clone();
        let good = good.clone();
        let c = c.clone();
        async move {
            let env = env_with(None);
            let ctx = ctx(&env, t.tick, "{}");
            let r = runtime::reconcile(&engine, &good, env, &Limits::default(), ctx).await;
            c.fetch_add(1, Ordering::Relaxed);
            let outcome = match r.outcome {
                runtime::RunOutcome::Ok { .. } => JobOutcome::requeue_after(Duration::ZERO),
                other => JobOutcome::Transient(other.label().to_string()),
            };
            JobReport {
                outcome,
                fuel: r.fuel,
                wall: r.wall,
            }
        }
    });
    let rate = measure_rate(
        cfg().max_concurrent(8).per_cluster_cap(8),
        run,
        &count,
        100,
        Duration::from_secs(3),
    )
    .await?;
    rows.push(Row::new(
        "scheduler + wasm: `good` guest per run (state get/set, gauge; 100 jobs, 8 in flight)",
        format!("{rate:.0} runs/s"),
    ));
    Ok(rows)
}

async fn measure_rate(
    cfg: SchedulerConfig,
    run: lifeguard::reconcile::RunFn,
    count: &AtomicU64,
    jobs: usize,
    window: Duration,
) -> anyhow::Result<f64> {
    let window = if common::smoke() { window / 10 } else { window };
    let handle = Scheduler::new(cfg, run).spawn();
    for i in 0..jobs {
        handle.upsert_job(JobSpec::new(
            JobId::new(format!("t{}", i % 50), format!("p{i}")),
            format!("c{}", i % 4),
            "v1",
        ))?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (n0, t0, c0) = (count.load(Ordering::Relaxed), Instant::now(), cpu_seconds());
    tokio::time::sleep(window).await;
    let (n1, t1, c1) = (count.load(Ordering::Relaxed), Instant::now(), cpu_seconds());
    let _ = handle.shutdown(Duration::from_secs(5)).await;
    eprintln!(
        "   {} runs in {:?}, CPU {:.2} cores",
        n1 - n0,
        t1 - t0,
        (c1 - c0) / (t1 - t0).as_secs_f64()
    );
    Ok((n1 - n0) as f64 / (t1 - t0).as_secs_f64())
}
