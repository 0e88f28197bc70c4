//! 5. Memory: 1,000 distinct versions loaded; 1,000 tenants running 10 distinct plugins on a
//! daemon; and RSS across thousands of hot reloads of one plugin (it must stay flat).
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lifeguard::registry::Registry;
use lifeguard::runtime::{Engine, EngineConfig};

use super::engine_uncached;
use crate::common::{self, rss_bytes, Row};
use crate::daemon::{start_daemon, wait_every_job_ran};
use crate::simproc::SimProcess;

const VERSIONS: u64 = 1000;
const TENANTS: usize = 1000;
const DISTINCT: usize = 10;
const RELOADS: usize = 10_000;

fn mb(b: u64) -> f64 {
    b as f64 / 1048576.0
}

/// 1,000 distinct versions of a small guest loaded in one registry.
pub async fn versions() -> anyhow::Result<Row> {
    let dir = common::scratch("rss");
    let original = std::fs::read(common::guests_dir().join("probe.wasm"))?;
    let registry = Registry::new(engine_uncached()?, &dir);
    let before = rss_bytes();
    let t = Instant::now();
    let budget = Duration::from_secs(common::scaled_secs(150));
    let wanted = common::scaled(VERSIONS as usize, 10) as u64;
    let mut loaded = 0u64;
    for i in 0..wanted {
        let name = format!("p{i:04}.wasm");
        std::fs::write(dir.join(&name), common::variant(&original, 1_000_000 + i))?;
        registry.load(&name).await?;
        loaded += 1;
        if t.elapsed() > budget {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let after = rss_bytes();
    let per = (after.saturating_sub(before)) as f64 / loaded as f64;
    let at_1000 = before as f64 + per * VERSIONS as f64;
    let extrapolated = loaded < VERSIONS;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Row::new(
        format!(
            "process RSS with {loaded} versions of `probe` loaded{}",
            if extrapolated {
                " (extrapolated to 1,000)"
            } else {
                ""
            }
        ),
        format!(
            "{:.0} MB (before {:.0} MB; {:.0} KB per version; {:.1} ms per load)",
            mb(after),
            mb(before),
            per / 1024.0,
            secs * 1000.0 / loaded as f64
        ),
    )
    .goal("≤ 150 MB", at_1000 / 1048576.0 <= 150.0))
}

/// A daemon with 1,000 tenants, each running one of 10 distinct plugin files, against a
/// simulator in its own process: the host's RSS once every job has run.
pub async fn tenants() -> anyhow::Result<Row> {
    let dir = common::scratch("rss-tenants");
    let n = common::scaled(TENANTS, 20);
    let sim = SimProcess::start(&dir.join("sim"), "[leader]\n", 0.0).await?;
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins)?;
    let original = std::fs::read(common::guests_dir().join("probe.wasm"))?;
    for k in 0..DISTINCT {
        std::fs::write(
            plugins.join(format!("p{k}.wasm")),
            common::variant(&original, 2_000_000 + k as u64),
        )?;
    }
    let mut config = format!(
        r#"
[host]
plugin_dir = "{}"
state_dir = "{}"
audit_file = "{}"
interval = "30s"
telemetry_listen = ""

[[clusters]]
name = "leader"
urls = ["{}"]
"#,
        plugins.display(),
        dir.join("state").display(),
        dir.join("audit.jsonl").display(),
        sim.url()
    );
    for t in 0..n {
        let _ = write!(
            config,
            r#"
[[tenants]]
name = "t{t:04}"
clusters = ["leader"]
indices = ["t{t:04}-*"]
[[tenants.plugins]]
name = "probe"
file = "p{}.wasm"
config = {{ n = 1 }}
"#,
            t % DISTINCT
        );
    }
    let before = rss_bytes();
    let host = start_daemon(&dir, &config, None).await?;
    wait_every_job_ran(&host, n, Duration::from_secs(120)).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_bytes();
    host.shutdown(Duration::from_secs(5)).await;
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Row::new(
        format!("host RSS, {n} tenants running {DISTINCT} distinct plugins (after every job ran)"),
        format!(
            "{:.0} MB (before the daemon {:.0} MB; {:.0} KB per tenant)",
            mb(after),
            mb(before),
            after.saturating_sub(before) as f64 / 1024.0 / n as f64
        ),
    )
    .goal("≤ 60 MB", mb(after) <= 60.0))
}

/// One plugin file rewritten and reloaded again and again, as a hot swap does it (the
/// incremental cache on, as in the daemon): RSS after the first tenth against the end.
pub async fn reloads() -> anyhow::Result<Row> {
    let dir = common::scratch("rss-reloads");
    let engine = Engine::new(&EngineConfig {
        incremental_cache: Some(dir.join("incremental.cache")),
        ..EngineConfig::default()
    })?;
    let registry = Registry::new(engine, &dir);
    let original = std::fs::read(common::guests_dir().join("probe.wasm"))?;
    let wanted = common::scaled(RELOADS, 20);
    let warm = (wanted / 10).max(10);
    let budget = Duration::from_secs(common::scaled_secs(150));
    let t = Instant::now();
    let (mut at_warm, mut done) = (0u64, 0usize);
    for i in 0..wanted {
        std::fs::write(dir.join("p.wasm"), common::variant(&original, i as u64))?;
        registry.load("p.wasm").await?;
        done += 1;
        if done == warm {
            at_warm = rss_bytes();
        }
        if t.elapsed() > budget {
            break;
        }
    }
    let end = rss_bytes();
    let per_ms = t.elapsed().as_secs_f64() * 1000.0 / done as f64;
    let _ = std::fs::remove_dir_all(&dir);
    let drift = (end as f64 - at_warm as f64) / at_warm.max(1) as f64 * 100.0;
    Ok(Row::new(
        format!(
            "RSS over {done} hot reloads of one plugin{}",
            if done < wanted {
                format!(" (of {wanted}; the time budget ran out)")
            } else {
                String::new()
            }
        ),
        format!(
            "{:.0} MB after {warm} → {:.0} MB after {done} ({drift:+.1} %; {per_ms:.1} ms per reload)",
            mb(at_warm),
            mb(end)
        ),
    )
    .goal("flat, ±5 %", drift.abs() <= 5.0))
}
