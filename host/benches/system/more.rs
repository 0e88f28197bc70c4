//! 4. reload latency, 6. parser throughput (criterion's figures), 7. simulator cost.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use lifeguard::reconcile::{
    run_fn, JobId, JobOutcome, JobReport, JobSpec, Scheduler, SchedulerConfig,
};
use lifeguard::registry::{Registry, RegistryEvent};
use lifeguard::runtime::{self, content_version, Limits};

use super::{ctx, engine_uncached, env_with, start_sim};
use crate::common::{self, cpu_seconds, median, percentile, Row};

const RELOADS: usize = 50;

fn reloads() -> usize {
    common::scaled(RELOADS, 3)
}

/// Section 4: a new version written (temp file + rename) → the first run on it, through the
/// registry's watcher and the scheduler, as the daemon wires them.
pub async fn reload() -> anyhow::Result<Vec<Row>> {
    let dir = common::scratch("reload");
    let original = std::fs::read(common::guests_dir().join("probe.wasm"))?;
    std::fs::write(dir.join("probe.wasm"), common::variant(&original, 0))?;
    let registry = Registry::new(engine_uncached()?, &dir);
    registry.load("probe.wasm").await?;
    let wanted: Arc<dyn Fn(&str) -> bool + Send + Sync> = Arc::new(|f: &str| f == "probe.wasm");
    let _watch = registry.watch(wanted).map_err(|e| anyhow!("watch: {e}"))?;

    // version → when its first run started.
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let (r, s) = (registry.clone(), seen.clone());
    let run = run_fn(move |_t| {
        let (r, s) = (r.clone(), s.clone());
        async move {
            let Some(v) = r.get("probe.wasm") else {
                return JobReport::new(JobOutcome::Transient("gone".into()), 0);
            };
            if let Ok(mut m) = s.lock() {
                m.entry(v.version().to_string())
                    .or_insert_with(Instant::now);
            }
            let env = env_with(None);
            let c = ctx(&env, 1, r#"{"n":1}"#);
            let rep = runtime::reconcile(r.engine(), &v.plugin, env, &Limits::default(), c).await;
            JobReport::new(JobOutcome::ok(), rep.fuel)
        }
    });
    let sched = Scheduler::new(
        SchedulerConfig::default().default_interval(Duration::from_secs(3600)),
        run,
    )
    .spawn();
    let id = JobId::new("bench", "probe");
    let first = registry
        .get("probe.wasm")
        .map(|v| v.version().to_string())
        .unwrap_or_default();
    sched.upsert_job(JobSpec::new(id.clone(), "leader", first))?;
    // Like the daemon's `follow_registry`: a loaded version becomes the job's version.
    let mut events = registry.subscribe();
    let s2 = sched.clone();
    let follow = tokio::spawn(async move {
        while let Ok(ev) = events.recv().await {
            if let RegistryEvent::Loaded { version, .. } = ev {
                let _ = s2.set_version(id.clone(), version);
            }
        }
    });

    let mut lat = Vec::new();
    let mut missed = 0;
    for i in 1..=reloads() as u64 {
        let bytes = common::variant(&original, i);
        let version = content_version(&bytes);
        let tmp = dir.join(".probe.wasm.tmp");
        std::fs::write(&tmp, &bytes)?;
        let written = Instant::now();
        std::fs::rename(&tmp, dir.join("probe.wasm"))?;
        let deadline = written + Duration::from_secs(5);
        loop {
            let at = seen.lock().ok().and_then(|m| m.get(&version).copied());
            if let Some(at) = at {
                lat.push(at.duration_since(written).as_secs_f64() * 1000.0);
                break;
            }
            if Instant::now() > deadline {
                missed += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    follow.abort();
    let _ = sched.shutdown(Duration::from_secs(2)).await;
    let _ = std::fs::remove_dir_all(&dir);
    let p50 = percentile(&mut lat, 0.5);
    let p99 = percentile(&mut lat, 0.99);
    let mut rows = vec![
        Row::new(
            format!(
                "reload → next run on the new version, p50 ({} reloads, 100 ms debounce + compile)",
                lat.len()
            ),
            format!("{p50:.0} ms"),
        ),
        Row::new(
            "reload → next run on the new version, p99",
            format!("{p99:.0} ms"),
        )
        .goal("≤ 500 ms", p99 <= 500.0 && missed == 0),
    ];
    if missed > 0 {
        rows.push(Row::new("reloads not seen within 5 s", missed.to_string()));
    }
    Ok(rows)
}

/// 6. The criterion bench `parse` left its estimates under `target/criterion`.
pub fn parse() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (id, what) in [
        ("ism_explain_10k", "parse ISM explain, 10k indices"),
        ("cat_indices_10k", "parse `_cat/indices`, 10k rows"),
    ] {
        let Some(ns) = common::criterion_median_ns("parse", id) else {
            rows.push(Row::new(
                what,
                "no criterion result (run `cargo bench --bench parse`)",
            ));
            continue;
        };
        let dir = common::criterion_dir("parse", id);
        let bench: serde_json::Value = std::fs::read(dir.join("benchmark.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let bytes = bench["throughput"]["Bytes"].as_f64().unwrap_or(f64::NAN);
        let mbs = bytes / (ns / 1e9) / 1e6;
        rows.push(
            Row::new(
                what,
                format!(
                    "{mbs:.0} MB/s ({:.1} ms for {:.1} MB, criterion median)",
                    ns / 1e6,
                    bytes / 1e6
                ),
            )
            .goal("≥ 100 MB/s", mbs >= 100.0),
        );
    }
    Ok(rows)
}

/// 7. Three nodes, 10k managed indices, 3600×: CPU over 10 s, explain over all 10k.
pub async fn sim_cost() -> anyhow::Result<Vec<Row>> {
    let mut scenario = lifeguard::sim::scenario::ten_thousand_managed_indices();
    if common::smoke() {
        // A debug build sets up 10k indices slowly; the smoke only checks the path.
        scenario = scenario.replace("count = 10000", "count = 500");
    }
    let t = Instant::now();
    // The smoke's debug-built simulator can't keep 10k indices at 3600×; it only checks the path.
    let speed = if common::smoke() { 60.0 } else { 3600.0 };
    let sim = start_sim(&scenario, speed).await?;
    let setup = t.elapsed();
    let (c0, w0, s0) = (cpu_seconds(), Instant::now(), sim.now_ms());
    tokio::time::sleep(Duration::from_secs(common::scaled_secs(10))).await;
    let (c1, w1, s1) = (cpu_seconds(), Instant::now(), sim.now_ms());
    let cores = (c1 - c0) / (w1 - w0).as_secs_f64();
    let mut lat = Vec::new();
    for _ in 0..common::scaled(7, 1) {
        let t = Instant::now();
        let (status, body) = sim.request(0, "GET", "/_plugins/_ism/explain/idx-*", b"");
        let d = t.elapsed().as_secs_f64() * 1000.0;
        if status == 200 && body.len() > 10_000 {
            lat.push(d);
        }
    }
    sim.shutdown().await;
    let best = lat.iter().copied().fold(f64::INFINITY, f64::min);
    let ms = median(&mut lat);
    Ok(vec![
        Row::new(
            "sim CPU, 3 nodes × 10k managed indices at 3600× (10 s wall)",
            format!(
                "{:.2} of one core ({:.1} h simulated; setup {:.1} s)",
                cores,
                (s1 - s0) as f64 / 3.6e6,
                setup.as_secs_f64()
            ),
        )
        .goal("< 1 core", cores < 1.0),
        Row::new(
            "sim: ISM explain over all 10k indices",
            format!("{ms:.0} ms (median of {}; best {best:.0} ms)", lat.len()),
        )
        .goal("< 100 ms", ms < 100.0),
    ])
}
