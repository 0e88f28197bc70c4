//! Benchmark guest for `host/benches/system.rs`. Its configuration picks what it does:
//!
//! - `"n": N` calls `clock.now-ms` N times (default 1): N = 0 against N = 1000 gives the
//!   bare host-call round trip;
//! - `"read": 1` reads health, the tenant's indices and their ISM explain on its first
//!   cluster (what a typical policy plugin reads each tick);
//! - `"alias": "x", "max_docs": M` rolls `x` over once its write index holds M docs or more
//!   (the reaction-latency bench);
//! - `"touch": "index"` puts one setting on that index each run: a mutation per run, for the
//!   HA tests' ownership checks. It counts its runs in `state` first and names the count in
//!   the reason (`touch <index> run <n>`), so the tests can see state follow the tenant.
use common::*;

struct Probe;

/// The number after `"key":` in the JSON config, if any.
fn num(config: &str, key: &str) -> Option<u64> {
    let rest = config.split(&format!("\"{key}\":")).nth(1)?;
    rest.trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The string after `"key":` in the JSON config, if any.
fn text(config: &str, key: &str) -> Option<String> {
    let rest = config.split(&format!("\"{key}\":")).nth(1)?;
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(rest.split('"').next()?.to_string())
}

fn transient(e: impl std::fmt::Debug) -> ReconcileError {
    ReconcileError::Transient(format!("{e:?}"))
}

impl common::Guest for Probe {
    fn describe() -> PluginInfo {
        info("probe")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let n = num(&ctx.config, "n").unwrap_or(1);
        let mut acc = 0u64;
        for _ in 0..n {
            acc = acc.wrapping_add(clock::now_ms());
        }
        let mut summary = format!("{n} clock calls ({acc})");
        let Some(c) = ctx.clusters.first() else {
            return ok(summary);
        };
        if num(&ctx.config, "read").unwrap_or(0) > 0 {
            let health = cluster::health(c).map_err(transient)?;
            let rows = cluster::indices(c, "*").map_err(transient)?;
            let explain = ism::explain(c, "*").map_err(transient)?;
            let docs: u64 = rows.iter().filter_map(|r| r.docs_count).sum();
            summary = format!(
                "{:?}: {} indices, {docs} docs, {} explained",
                health.status,
                rows.len(),
                explain.len()
            );
        }
        if let (Some(alias), Some(max)) = (text(&ctx.config, "alias"), num(&ctx.config, "max_docs"))
        {
            let entries = cluster::aliases(c, &alias).map_err(transient)?;
            let write = entries
                .iter()
                .find(|e| e.is_write_index == Some(true))
                .or(entries.first());
            if let Some(w) = write {
                let rows = cluster::indices(c, &w.index).map_err(transient)?;
                let docs = rows.first().and_then(|r| r.docs_count).unwrap_or(0);
                if docs >= max {
                    log::set_reason(&format!("{} holds {docs} docs >= {max}", w.index));
                    let r = cluster::rollover(c, &alias, None, false).map_err(transient)?;
                    summary = format!("rolled {} over to {}", r.old_index, r.new_index);
                }
            }
        }
        if let Some(index) = text(&ctx.config, "touch") {
            let runs: u64 = state::get("runs").and_then(|v| v.parse().ok()).unwrap_or(0) + 1;
            state::set("runs", &runs.to_string()).map_err(transient)?;
            log::set_reason(&format!("touch {index} run {runs}"));
            cluster::put_settings(c, &index, r#"{"index":{"number_of_replicas":1}}"#)
                .map_err(transient)?;
            summary = format!("touched {index}");
        }
        ok(summary)
    }
}

common::export!(Probe with_types_in common::bindings);
