//! Scale check (ignored by default; run in release):
//! `cargo test --release -p lifeguard-tests --test all sim::bench -- --ignored --nocapture`.
//! Three nodes, 10k managed indices, 3600× speed: CPU use and explain latency.
use std::time::{Duration, Instant};

use lifeguard::sim::{Scenario, SimOptions};

use super::common::Env;

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    ticks / 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn ten_thousand_indices_at_3600x() {
    let scenario =
        Scenario::parse(&lifeguard::sim::scenario::ten_thousand_managed_indices()).unwrap();
    let t = Instant::now();
    let env = Env::sim(SimOptions {
        scenario: Some(scenario),
        ..SimOptions::default()
    })
    .await;
    eprintln!("setup: {:?}", t.elapsed());
    let sim = env.sim.as_ref().unwrap();
    let (c0, w0, s0) = (cpu_seconds(), Instant::now(), sim.now_ms());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (c1, w1, s1) = (cpu_seconds(), Instant::now(), sim.now_ms());
    let cpu = (c1 - c0) / (w1 - w0).as_secs_f64();
    eprintln!(
        "sim advanced {:.1} h in {:?}; CPU {:.2} cores",
        (s1 - s0) as f64 / 3.6e6,
        w1 - w0,
        cpu
    );
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let (status, body) = sim.request(0, "GET", "/_plugins/_ism/explain/idx-*", b"");
        let d = t.elapsed();
        assert_eq!(status, 200);
        assert!(body.len() > 1_000_000);
        best = best.min(d);
    }
    eprintln!("explain over 10k indices: {best:?}");
    assert!(cpu < 1.0, "CPU {cpu:.2} cores");
    assert!(best < Duration::from_millis(100), "explain took {best:?}");
    env.shutdown().await;
}
