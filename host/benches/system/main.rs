//! System benchmarks: `make bench` (or `cargo bench -p lifeguard --bench system`).
//!
//! Each section runs in its own child process (this binary, re-executed with
//! `LIFEGUARD_BENCH_SECTION`), so RSS and CPU figures are not polluted by the others. The
//! parent gathers the rows, prints a table and writes `BENCHMARKS.md` at the repository root.
//! `LIFEGUARD_BENCH_ONLY=runs,sched` runs a subset (the file is then not written);
//! `LIFEGUARD_BENCH_SMOKE=1` (`make bench-smoke`) runs every section once, small and short.
//!
//! Inputs: `LIFEGUARD_PLUGIN_DIR` (real plugins, default `build/plugins`) and
//! `LIFEGUARD_GUESTS_DIR` (test guests, default `tests/guests/target/wasm32-wasip2/release`).
//! The parser and run-step figures come from the criterion benches `parse` and `run_phases`,
//! run before this one.
// Measurement code favours index loops and literal tables over idiom.
#![allow(
    clippy::needless_range_loop,
    clippy::useless_vec,
    clippy::doc_lazy_continuation
)]

mod common;
mod compile;
mod daemon;
mod phases;
mod sections;
mod simproc;

use std::path::PathBuf;
use std::time::Instant;

use common::Row;

/// Section name, title, and how long it may take before the parent gives up on it.
const SECTIONS: &[(&str, &str, u64)] = &[
    ("runs", "1. Plugin run overhead", 240),
    (
        "phases",
        "1b. One run taken apart (criterion `run_phases`)",
        10,
    ),
    (
        "cycle",
        "2. Requests and CPU per reconcile cycle vs naive baseline",
        240,
    ),
    ("sched", "3. Scheduler capacity", 60),
    ("reload", "4. Reload latency", 120),
    ("rss", "5. Memory: 1,000 distinct versions", 240),
    ("rss_tenants", "5b. Memory: 1,000 tenants × 10 plugins", 180),
    (
        "rss_reloads",
        "5c. Memory: 10,000 hot reloads of one plugin",
        240,
    ),
    ("parse", "6. Parse throughput at 10k indices", 10),
    ("sim", "7. Simulator cost at 10k indices, 3600x", 90),
    (
        "react",
        "8. Reaction latency in wall time (simulator at speed 1)",
        720,
    ),
    (
        "compile",
        "9. Compile time of the Python and JS guests: cold, reload, restart",
        300,
    ),
    (
        "coord",
        "10. Coordination on etcd: takeover, etcd requests and CPU per tick",
        600,
    ),
];

fn main() -> anyhow::Result<()> {
    if let Ok(section) = std::env::var("LIFEGUARD_BENCH_SECTION") {
        return sections::run_child(&section);
    }
    // `cargo bench` passes `--bench`; a name filter selects sections like LIFEGUARD_BENCH_ONLY.
    let filter: Vec<String> = std::env::var("LIFEGUARD_BENCH_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect())
        .or_else(|| {
            let args: Vec<String> = std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with("--"))
                .collect();
            (!args.is_empty()).then_some(args)
        })
        .unwrap_or_default();
    let started = Instant::now();
    let exe = std::env::current_exe()?;
    let mut all: Vec<(String, Vec<Row>, f64)> = Vec::new();
    for (name, title, limit) in SECTIONS {
        if !filter.is_empty() && !filter.iter().any(|f| f == name) {
            continue;
        }
        eprintln!("== {title}");
        let t = Instant::now();
        let rows = common::run_section(&exe, name, *limit);
        let secs = t.elapsed().as_secs_f64();
        for r in &rows {
            eprintln!("   {} = {} ({})", r.metric, r.value, r.goal);
        }
        all.push((title.to_string(), rows, secs));
    }
    let total = started.elapsed().as_secs_f64();
    let md = common::render(&all, total);
    println!("\n{md}");
    if filter.is_empty() && !common::smoke() {
        let path = repo_root().join("BENCHMARKS.md");
        std::fs::write(&path, &md)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}
