//! Shared helpers: guest artifacts, engines, environments.
pub mod host;
pub mod lab;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use lifeguard::bindings::types::Context;
use lifeguard::runtime::{Engine, EngineConfig, LoadedPlugin, RunEnv};

/// A Python or JS component from `LIFEGUARD_PLUGIN_DIR` (`make plugins`, set by `make test`).
/// Without it the test says why (`to …`, what it would have done) and passes; a set
/// directory without the file fails it.
pub fn polyglot_path(file: &str, to: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("LIFEGUARD_PLUGIN_DIR").filter(|d| !d.is_empty()) else {
        println!("skipped: LIFEGUARD_PLUGIN_DIR is unset; run `make test` (or `make plugins` and set it) to {to}");
        return None;
    };
    let path = PathBuf::from(dir).join(file);
    assert!(
        path.exists(),
        "{} is missing: run `make plugins`",
        path.display()
    );
    Some(path)
}

/// Path of a test guest built by `tests/build.rs`.
pub fn guest_path(name: &str) -> PathBuf {
    PathBuf::from(env!("GUESTS_DIR")).join(format!("{name}.wasm"))
}

/// Path of a real plugin built by `tests/build.rs` (crate names use `_`).
pub fn plugin_path(name: &str) -> PathBuf {
    PathBuf::from(env!("PLUGINS_DIR")).join(format!("{}.wasm", name.replace('-', "_")))
}

pub fn engine() -> Engine {
    Engine::new(&EngineConfig::default()).unwrap()
}

/// Load a test guest.
pub fn load_guest(engine: &Engine, name: &str) -> LoadedPlugin {
    let bytes = std::fs::read(guest_path(name)).unwrap();
    LoadedPlugin::load(engine, &bytes).unwrap()
}

/// An environment with one fake cluster under alias `main`.
pub fn env_with_fake(tenant: &str) -> RunEnv {
    let mut env = RunEnv::isolated(tenant, "test");
    env.clusters.insert(
        "main".into(),
        Arc::new(lifeguard::testing::FakeCluster::default()),
    );
    env.cluster_order = vec!["main".into()];
    env
}

/// A reconcile context for `env`.
pub fn ctx(env: &RunEnv, tick: u64, config: &str) -> Context {
    Context {
        tenant: env.tenant.clone(),
        plugin: env.plugin.clone(),
        tick,
        now_ms: 0,
        dry_run: false,
        clusters: env.cluster_order.clone(),
        config: config.into(),
    }
}

/// Resident set size of this process, in bytes.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// `target/<profile>/lifeguard`, next to this test binary's `deps/`, built (or checked fresh)
/// with the cargo that built the tests: the tests crate cannot use `CARGO_BIN_EXE_*` of
/// another package. `LIFEGUARD_BIN` overrides.
pub fn lifeguard_bin() -> PathBuf {
    if let Ok(p) = std::env::var("LIFEGUARD_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(lab::repo_root())
        .args(["build", "--quiet", "-p", "lifeguard", "--bin", "lifeguard"])
        .arg("--target-dir")
        .arg(target_dir);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some(p) => {
            cmd.args(["--profile", p]);
        }
        None => {}
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "building the lifeguard binary failed");
    profile_dir.join("lifeguard")
}

/// `lifeguard run --config lifeguard.toml` in `dir` with `env` set, stdout and stderr
/// appended to `dir/host.log` (appended, so restarts keep the earlier lives' lines).
pub fn spawn_run(bin: &std::path::Path, dir: &std::path::Path, env: &[(&str, &str)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("host.log"))
        .unwrap();
    Command::new(bin)
        .current_dir(dir)
        .args(["run", "--config", "lifeguard.toml"])
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}
