//! One plugin run taken apart (issue 14): each bench adds one step to the previous, so the
//! differences of their medians are the cost of each step. The guest is the test guest
//! `probe` with `{"n":0}` (no host call), on the pooled engine the daemon uses.
//! `cargo bench -p lifeguard --bench run_phases`; `make bench` turns the medians into the
//! breakdown table. Needs `tests/guests` built (`LIFEGUARD_GUESTS_DIR` overrides).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use lifeguard::bindings::types::Context;
use lifeguard::runtime::{
    self, phases, Engine, EngineConfig, Limits, LoadedPlugin, MemoryState, NoMetrics, PoolConfig,
    ReasonCell, RunEnv, SystemClock,
};

fn probe(engine: &Engine) -> LoadedPlugin {
    let dir = std::env::var_os("LIFEGUARD_GUESTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/guests/target/wasm32-wasip2/release")
        });
    let path = dir.join("probe.wasm");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (build tests/guests first)", path.display()));
    LoadedPlugin::load(engine, &bytes).unwrap()
}

fn env() -> RunEnv {
    RunEnv {
        tenant: "bench".into(),
        plugin: "bench".into(),
        clusters: HashMap::new(),
        cluster_order: Vec::new(),
        metrics: Arc::new(NoMetrics),
        state: Arc::new(MemoryState::default()),
        clock: Arc::new(SystemClock),
        reason: ReasonCell::default(),
    }
}

fn ctx() -> Context {
    Context {
        tenant: "bench".into(),
        plugin: "bench".into(),
        tick: 1,
        now_ms: 1_767_225_600_000,
        dry_run: false,
        clusters: Vec::new(),
        config: r#"{"n":0}"#.into(),
    }
}

fn phases_bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = Engine::new(&EngineConfig::default()).unwrap();
    let plugin = probe(&engine);
    let limits = Limits::default();
    let env = env();
    let mut g = c.benchmark_group("run_phases");

    // What a caller builds per run before the runtime sees it.
    g.bench_function("1_env_and_ctx", |b| {
        b.iter(|| black_box((env.clone(), ctx())))
    });
    g.bench_function("2_host_state", |b| {
        b.iter(|| black_box(phases::host_state(env.clone(), &limits)))
    });
    g.bench_function("3_store", |b| {
        b.iter(|| black_box(phases::store(&engine, env.clone(), &limits).unwrap()))
    });
    // The async steps pay a `block_on` each; `4_block_on` is that floor.
    g.bench_function("4_block_on", |b| {
        b.iter(|| rt.block_on(async { black_box(phases::store(&engine, env.clone(), &limits)) }))
    });
    g.bench_function("5_instantiate", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut store = phases::store(&engine, env.clone(), &limits).unwrap();
                let i = phases::instantiate(&mut store, &plugin).await.unwrap();
                black_box((store, i))
            })
        })
    });
    g.bench_function("6_first_call", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut store = phases::store(&engine, env.clone(), &limits).unwrap();
                let i = phases::instantiate(&mut store, &plugin).await.unwrap();
                let ok = phases::call_reconcile(&mut store, &i, &ctx()).await;
                black_box((store, ok.unwrap()))
            })
        })
    });
    // A second call on the same instance: the export call without the guest's start-up.
    g.bench_function("7_second_call", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut store = phases::store(&engine, env.clone(), &limits).unwrap();
                let i = phases::instantiate(&mut store, &plugin).await.unwrap();
                let _ = phases::call_reconcile(&mut store, &i, &ctx()).await;
                let ok = phases::call_reconcile(&mut store, &i, &ctx()).await;
                black_box((store, ok.unwrap()))
            })
        })
    });
    // The whole run as the scheduler makes it: span, timeout, outcome, output flush, drop.
    g.bench_function("8_reconcile", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(runtime::reconcile(&engine, &plugin, env.clone(), &limits, ctx()).await)
            })
        })
    });
    // The same whole run with other amounts of memory kept resident when a slot is freed.
    for (label, keep) in [("0", 0), ("1m", 1 << 20), ("16m", 16 << 20)] {
        let engine = Engine::new(&EngineConfig {
            pool: Some(PoolConfig {
                keep_resident_bytes: keep,
                ..PoolConfig::default()
            }),
            ..EngineConfig::default()
        })
        .unwrap();
        let plugin = probe(&engine);
        g.bench_function(format!("9_reconcile_keep_resident_{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    black_box(
                        runtime::reconcile(&engine, &plugin, env.clone(), &limits, ctx()).await,
                    )
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, phases_bench);
criterion_main!(benches);
