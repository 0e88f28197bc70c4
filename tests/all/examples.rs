//! `examples/`: every config parses, every scenario loads in the simulator, and a short
//! `lifeguard demo` runs to its summary with mutations from the real plugins.
use std::path::{Path, PathBuf};

use lifeguard::config::parse_str;
use lifeguard::demo::{DemoOptions, View};
use lifeguard::sim::{Scenario, Sim, SimOptions};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples")
}

/// Every `*.toml` under `examples/` whose name is `name` (`examples/deploy` included when it has one).
fn files_named(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![examples_dir()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|f| f == name) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_config_parses() {
    let configs = files_named("lifeguard.toml");
    for required in [
        "lifeguard.toml",
        "quickstart/lifeguard.toml",
        "multi-tenant/lifeguard.toml",
        "ccr-pair/lifeguard.toml",
    ] {
        assert!(
            configs.contains(&examples_dir().join(required)),
            "missing examples/{required}"
        );
    }
    for path in configs {
        let text = std::fs::read_to_string(&path).unwrap();
        // The demo's template has placeholders; fill them as the demo does.
        let text = text
            .replace("{{LEADER_URL}}", "http://127.0.0.1:9200")
            .replace("{{FOLLOWER_URL}}", "http://127.0.0.1:9201")
            .replace("{{PLUGIN_DIR}}", "/tmp/plugins")
            .replace("{{STATE_DIR}}", "/tmp/state")
            .replace("{{AUDIT_FILE}}", "/tmp/audit.jsonl")
            .replace("{{ROLLOVER_TUNER}}", "rollover_tuner.wasm")
            .replace("{{ISM_DOCTOR}}", "ism_doctor.wasm");
        let loaded = parse_str(&path, &text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        assert!(
            !loaded.config.tenants.is_empty(),
            "{} has no tenant",
            path.display()
        );
        // Every plugin file named exists as a plugin of the repository.
        for t in &loaded.config.tenants {
            for p in &t.plugins {
                let f = p.file.get_ref();
                assert!(
                    lifeguard::demo::REQUIRED_PLUGINS.contains(&f.as_str()) || f == "hello.wasm",
                    "{}: unknown plugin file {f}",
                    path.display()
                );
            }
        }
        if path.parent() != Some(examples_dir().join("demo").as_path()) {
            let dir = loaded.plugin_dir();
            assert!(
                dir.ends_with("build/plugins"),
                "{}: plugin_dir should point at build/plugins, got {}",
                path.display(),
                dir.display()
            );
        }
    }
}

#[tokio::test]
async fn every_example_scenario_loads() {
    let scenarios = files_named("scenario.toml");
    assert!(scenarios.len() >= 4, "{scenarios:?}");
    for path in scenarios {
        let text = std::fs::read_to_string(&path).unwrap();
        let s = Scenario::parse(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let pair = s.follower.is_some();
        let sim = Sim::start(SimOptions {
            follower: pair,
            scenario: Some(s),
            ..SimOptions::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{} does not load: {e}", path.display()));
        // An hour of simulated time runs without trouble.
        sim.advance_ms(3_600_000);
        let (status, body) = sim.request(0, "GET", "/_cat/indices?format=json", b"");
        assert_eq!(status, 200, "{}", path.display());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(
            v.as_array().is_some_and(|a| !a.is_empty()),
            "{}: no index",
            path.display()
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_demo_runs_to_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let report = lifeguard::demo::run(DemoOptions {
        plugin_dir: PathBuf::from(env!("PLUGINS_DIR")),
        days: 0.25,
        seconds: 8.0,
        work_dir: dir.path().to_path_buf(),
        audit_file: None,
        view: View::Quiet,
        polyglot: false,
    })
    .await
    .expect("the demo runs");
    let table = report.render();
    assert!(table.contains("total"), "{table}");
    assert!(report.mutations() >= 1, "{table}");
    assert!(report.simulated_hours >= 5.9, "{table}");
    let lines = lifeguard::guard::read_audit(&report.audit_file).unwrap();
    assert!(!lines.is_empty());
}
