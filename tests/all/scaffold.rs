//! `lifeguard new`: each language's project, exactly as generated, builds with its one command
//! into a component that passes `lifeguard check`, reconciles against a cluster, and passes its
//! own `./build.sh test` (`lifeguard test` on `scenarios/example.toml`).
//!
//! The Python and JS builds install their pinned toolchains with pip and npm; the test points
//! the build scripts (through `LIFEGUARD_TOOLS_DIR`) and the Rust build (through
//! `CARGO_TARGET_DIR`) at `build/scaffold-tools/`, so only the first run pays for them.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeguard::check::check_file;
use lifeguard::runtime::{reconcile, Limits, MetricKind, MetricsSink, RunOutcome};
use lifeguard::scaffold::{create, Lang};

use crate::support::{ctx, engine, env_with_fake};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Run the project's `./build.sh [args]`; panics with its output if it fails, else returns
/// its stdout. `test` also needs the `lifeguard` binary, passed as `LIFEGUARD`.
fn build(dir: &Path, args: &[&str]) -> String {
    let tools = repo_root().join("build/scaffold-tools");
    let mut cmd = Command::new(dir.join("build.sh"));
    if args == ["test"] {
        cmd.env("LIFEGUARD", crate::support::lifeguard_bin());
    }
    cmd.args(args)
        .current_dir(dir)
        .env("LIFEGUARD_TOOLS_DIR", &tools)
        .env("CARGO_TARGET_DIR", tools.join("cargo-target"));
    // What the outer cargo exports must not steer the project's own build.
    for var in [
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "CARGO_MANIFEST_DIR",
    ] {
        cmd.env_remove(var);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}/build.sh failed ({}):\n{}\n{}",
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "{}: build.sh {} took {:?}",
        dir.display(),
        args.join(" "),
        started.elapsed()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One metric as the plugin recorded it: kind, name, value, labels.
type Sample = (MetricKind, String, f64, Vec<(String, String)>);

/// Keeps what the plugin records.
#[derive(Default)]
struct Recorded(Mutex<Vec<Sample>>);

impl MetricsSink for Recorded {
    fn record(
        &self,
        _tenant: &str,
        _plugin: &str,
        kind: MetricKind,
        name: &str,
        value: f64,
        labels: &[(String, String)],
    ) {
        self.0
            .lock()
            .unwrap()
            .push((kind, name.into(), value, labels.to_vec()));
    }
}

async fn scaffold_build_check_run(lang: Lang, name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    create(lang, name, &dir).unwrap();
    let wasm = dir.join(format!("{name}.wasm"));
    assert!(!wasm.exists());

    // `./build.sh test`: the build, then the project's own test target (`lifeguard test` on
    // its example scenario).
    let d = dir.clone();
    let report = tokio::task::spawn_blocking(move || build(&d, &["test"]))
        .await
        .unwrap();
    assert!(
        report.contains("result: ok, 2 expectations held"),
        "{lang:?}: {report}"
    );
    assert!(
        report.contains("PASS  no put_settings"),
        "{lang:?}: {report}"
    );

    // `lifeguard check`, as the library does it.
    let engine = engine();
    let report = check_file(&engine, &wasm)
        .await
        .unwrap_or_else(|e| panic!("{lang:?}: {e}"));
    assert_eq!(report.info.name, name);
    assert_eq!(report.info.version, "0.1.0");
    let caps: Vec<&str> = report
        .info
        .capabilities
        .iter()
        .copied()
        .map(lifeguard::check::capability_name)
        .collect();
    assert_eq!(caps, ["cluster-read", "metrics"], "{lang:?}");

    // The project's dev configuration now names an existing plugin file.
    let loaded = lifeguard::config::load_file(&dir.join("lifeguard.toml"))
        .unwrap_or_else(|e| panic!("{lang:?}: {e}"));
    assert_eq!(loaded.plugin_dir(), dir.join("."));

    // A generous deadline: the machine running the tests may be busy.
    let limits = Limits {
        deadline: Duration::from_secs(30),
        ..Limits::default()
    };

    // One tick against a green fake cluster: the summary and the gauge.
    let metrics = Arc::new(Recorded::default());
    let mut env = env_with_fake("acme");
    env.metrics = metrics.clone();
    let c = ctx(&env, 1, r#"{"warn_unassigned": 5}"#);
    let run = reconcile(&engine, &report.plugin, env, &limits, c).await;
    assert_eq!(
        run.outcome,
        RunOutcome::Ok {
            requeue_after_ms: None,
            summary: "cluster fake is green: 3 nodes, 0 unassigned shards".into(),
        },
        "{lang:?}"
    );
    let recorded = metrics.0.lock().unwrap().clone();
    assert_eq!(
        recorded,
        [(
            MetricKind::Gauge,
            "unassigned_shards".to_string(),
            0.0,
            vec![("cluster".to_string(), "main".to_string())]
        )],
        "{lang:?}"
    );

    // A configuration the plugin cannot use parks it, naming the field.
    let env = env_with_fake("acme");
    let c = ctx(&env, 2, r#"{"warn_unassigned": "lots"}"#);
    let run = reconcile(&engine, &report.plugin, env, &limits, c).await;
    match &run.outcome {
        RunOutcome::Terminal { message } => {
            assert!(message.contains("warn_unassigned"), "{message}")
        }
        other => panic!("{lang:?}: expected terminal, got {other:?}"),
    }

    // No cluster to read: a host error is a value, reported as transient.
    let mut env = env_with_fake("acme");
    env.clusters.clear();
    let c = ctx(&env, 3, "{}");
    let run = reconcile(&engine, &report.plugin, env, &limits, c).await;
    match &run.outcome {
        RunOutcome::Transient { message } => {
            assert!(message.starts_with("cluster health: denied"), "{message}")
        }
        other => panic!("{lang:?}: expected transient, got {other:?}"),
    }
    engine.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_scaffold_builds_checks_and_runs() {
    scaffold_build_check_run(Lang::Rust, "demo-rs").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_scaffold_builds_checks_and_runs() {
    scaffold_build_check_run(Lang::Python, "demo-py").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_js_scaffold_builds_checks_and_runs() {
    scaffold_build_check_run(Lang::Js, "demo-js").await;
}
