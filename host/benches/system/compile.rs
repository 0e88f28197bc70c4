//! 9. Compile time of the big guests (issue 14, item 3): a cold compile, a reload after a
//! one-line change (Cranelift's incremental cache finds the unchanged interpreter functions),
//! and a restart (the whole-module cache by content hash compiles nothing).
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{anyhow, Context as _};
use lifeguard::runtime::{Engine, EngineConfig};

use crate::common::{self, Row};
use crate::sections::load;

/// `ism-doctor` with one line added to `app.py`, built with the same componentize-py venv
/// as `make plugins`. `None` when the venv is missing.
fn python_variant(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let root = common::repo_root();
    let tool = root.join("build/py-venv/bin/componentize-py");
    if !tool.exists() {
        return Ok(None);
    }
    let src = dir.join("ism-doctor");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(root.join("plugins/python/ism-doctor"))
        .arg(&src)
        .status()?;
    anyhow::ensure!(copy.success(), "copying plugins/python/ism-doctor failed");
    let app = src.join("app.py");
    let mut text = std::fs::read_to_string(&app)?;
    text.push_str("\n_VARIANT = \"one line changed\"\n");
    std::fs::write(&app, text)?;
    let out = dir.join("ism-doctor-py-variant.wasm");
    let built = Command::new(&tool)
        .arg("-d")
        .arg(root.join("wit"))
        .args(["-w", "plugin", "componentize", "app", "-p"])
        .arg(&src)
        .arg("--stub-wasi")
        .arg("-o")
        .arg(&out)
        .output()?;
    anyhow::ensure!(
        built.status.success(),
        "componentize-py: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Ok(Some(out))
}

/// Seconds to compile `path` on `engine`.
fn timed_load(engine: &Engine, path: &Path) -> anyhow::Result<f64> {
    let t = Instant::now();
    load(engine, path)?;
    Ok(t.elapsed().as_secs_f64())
}

fn rows_for(name: &str, original: &Path, changed: &Path, change: &str) -> anyhow::Result<Vec<Row>> {
    let dir = common::scratch(&format!("compile-{}", name.len()));
    let config = EngineConfig {
        cache_dir: Some(dir.join("module-cache")),
        incremental_cache: Some(dir.join("incremental.cache")),
        ..EngineConfig::default()
    };
    let engine = Engine::new(&config)?;
    let cold = timed_load(&engine, original)?;
    let reload = timed_load(&engine, changed)?;
    drop(engine);
    let restarted = Engine::new(&config)?;
    let restart = timed_load(&restarted, changed)?;
    let bare = Engine::new(&EngineConfig::default())?;
    let uncached = timed_load(&bare, changed)?;
    let cache_mb = std::fs::metadata(dir.join("incremental.cache"))
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![
        Row::new(
            format!("{name}: cold compile (empty caches)"),
            format!("{cold:.2} s"),
        ),
        Row::new(
            format!("{name}: reload after {change} (incremental cache)"),
            format!(
                "{reload:.2} s ({:.1}× faster than the {uncached:.2} s without it; cache file {cache_mb:.0} MB)",
                uncached / reload.max(1e-9)
            ),
        )
        .goal("≤ 1 s", reload <= 1.0),
        Row::new(
            format!("{name}: restart (module cache by content hash)"),
            format!("{restart:.2} s"),
        )
        .goal("≤ 1 s", restart <= 1.0),
    ])
}

pub fn compile() -> anyhow::Result<Vec<Row>> {
    let dir = common::scratch("compile-variants");
    if common::smoke() {
        // The same code path on the small Rust guest: a Python or JS cold compile alone takes
        // longer than the whole smoke may.
        let probe = common::guests_dir().join("probe.wasm");
        let changed = dir.join("probe-variant.wasm");
        std::fs::write(&changed, common::variant(&std::fs::read(&probe)?, 1))?;
        let rows = rows_for("Rust `probe` (smoke)", &probe, &changed, "a custom section")?;
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(rows);
    }
    let plugins = common::plugin_dir();
    let py = plugins.join("ism-doctor-py.wasm");
    let mut rows = Vec::new();
    match python_variant(&dir).context("building the one-line Python variant")? {
        Some(changed) => rows.extend(rows_for(
            "Python `ism-doctor-py`",
            &py,
            &changed,
            "a one-line change to app.py",
        )?),
        None => rows.push(Row::new(
            "Python `ism-doctor-py`",
            "skipped: no build/py-venv (run `make plugins`)",
        )),
    }
    let js = plugins.join("rollover-tuner-js.wasm");
    let bytes = std::fs::read(&js).map_err(|e| anyhow!("{}: {e}", js.display()))?;
    let changed = dir.join("rollover-tuner-js-variant.wasm");
    std::fs::write(&changed, common::variant(&bytes, 1))?;
    rows.extend(rows_for(
        "JS `rollover-tuner-js`",
        &js,
        &changed,
        "a custom section appended (same code; no jco rebuild here)",
    )?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}
