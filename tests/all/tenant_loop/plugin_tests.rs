//! `lifeguard test` on every shipped plugin with its scenario (`plugins/*/*/scenarios/`):
//! each passes as shipped, and fails with exit code 1 and a readable diff once a deliberately
//! unmet expectation is appended.
use std::path::{Path, PathBuf};

use clap::Parser;
use lifeguard::cli::test::{exit_code, TestArgs};

use crate::support::lab::repo_root;
use crate::support::plugin_path;

/// One shipped plugin's test: its component, scenario, config and run length.
struct Case {
    wasm: PathBuf,
    dir: &'static str,
    scenario: &'static str,
    args: &'static [&'static str],
}

fn rust(name: &str, scenario: &'static str, args: &'static [&'static str]) -> Case {
    let dir: &'static str = Box::leak(format!("plugins/rust/{name}/scenarios").into_boxed_str());
    Case {
        wasm: plugin_path(name),
        dir,
        scenario,
        args,
    }
}

/// `lifeguard test` in-process, as the binary runs it: (exit code, report).
async fn run(case: &Case, scenario: &Path, extra: &[&str]) -> (u8, String) {
    let root = repo_root();
    let config = root.join(case.dir).join("plugin.json");
    let cache = root.join("build/compile-cache");
    let mut argv: Vec<String> = vec![
        "test".into(),
        case.wasm.display().to_string(),
        "--scenario".into(),
        scenario.display().to_string(),
        "--config".into(),
        config.display().to_string(),
        "--cache-dir".into(),
        cache.display().to_string(),
    ];
    argv.extend(case.args.iter().chain(extra).map(|s| s.to_string()));
    let args = TestArgs::try_parse_from(&argv).unwrap();
    let mut out = Vec::new();
    let code = exit_code(args, &mut out).await;
    (code, String::from_utf8(out).unwrap())
}

/// The scenario passes; with a `never` for a mutation it makes it fails, naming the mutation;
/// with a `happens` it never makes, it fails saying none happened.
async fn passes_then_fails(case: Case, made: Option<&str>) {
    let root = repo_root();
    let scenario = root.join(case.dir).join(case.scenario);
    let (code, report) = run(&case, &scenario, &[]).await;
    eprintln!("{report}");
    assert_eq!(code, 0, "{}:\n{report}", scenario.display());
    assert!(report.contains("result: ok"), "{report}");
    assert!(!report.contains("  FAIL  "), "{report}");

    let tmp = tempfile::tempdir().unwrap();
    let failing = tmp.path().join("failing.toml");
    let text = std::fs::read_to_string(&scenario).unwrap();
    let (extra, wanted) = match made {
        Some(verb) => (
            format!("\n[[expect]]\nnever = \"{verb}\"\n"),
            format!("FAIL  no {verb}"),
        ),
        None => (
            "\n[[expect]]\nhappens = \"delete_policy\"\nwithin = \"1h\"\n".to_string(),
            "FAIL  a delete_policy within 1h".to_string(),
        ),
    };
    std::fs::write(&failing, format!("{text}{extra}")).unwrap();
    let (code, report) = run(&case, &failing, &[]).await;
    assert_eq!(code, 1, "{report}");
    assert!(report.contains(&wanted), "{report}");
    assert!(report.contains("expected: "), "a diff: {report}");
    assert!(report.contains("found:    "), "a diff: {report}");
    let line = text.lines().count() + 2;
    assert!(
        report.contains(&format!("failing.toml:{line}]")),
        "where: {report}"
    );
    assert!(report.contains("result: FAILED, 1 of"), "{report}");

    // The same run as JUnit.
    let junit = tmp.path().join("report.xml");
    let (code, _) = run(
        &case,
        &failing,
        &["--format", "junit", "-o", junit.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("<failure message="), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_passes_its_scenario_and_fails_an_unmet_one() {
    passes_then_fails(rust("hello", "three-indices.toml", &["--ticks", "2"]), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollover_tuner_passes_its_scenario_and_fails_an_unmet_one() {
    let case = rust(
        "rollover-tuner",
        "ingest.toml",
        &["--every", "10m", "--ticks", "3"],
    );
    passes_then_fails(case, Some("put_policy")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ism_doctor_passes_its_scenario_and_fails_an_unmet_one() {
    passes_then_fails(
        rust("ism-doctor", "drift.toml", &["--ticks", "2"]),
        Some("ism_add"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallback_router_passes_its_scenario_and_fails_an_unmet_one() {
    let case = rust(
        "fallback-router",
        "full-warm.toml",
        &["--every", "1m", "--ticks", "20"],
    );
    passes_then_fails(case, Some("put_settings")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccr_guard_passes_its_scenario_and_fails_an_unmet_one() {
    let case = rust(
        "ccr-guard",
        "leader-blip.toml",
        &["--every", "5m", "--for", "3h"],
    );
    passes_then_fails(case, Some("ccr_resume")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccr_failover_passes_its_scenario_and_fails_an_unmet_one() {
    let case = rust(
        "ccr-failover",
        "leader-lost.toml",
        &["--every", "5m", "--for", "2h"],
    );
    passes_then_fails(case, Some("ccr_stop")).await;
}

fn polyglot(file: &str) -> Option<PathBuf> {
    crate::support::polyglot_path(file, &format!("test {file}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_ism_doctor_passes_its_scenario_and_fails_an_unmet_one() {
    let Some(wasm) = polyglot("ism-doctor-py.wasm") else {
        return;
    };
    let case = Case {
        wasm,
        dir: "plugins/python/ism-doctor/scenarios",
        scenario: "drift.toml",
        args: &["--ticks", "2"],
    };
    passes_then_fails(case, Some("ism_add")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_rollover_tuner_passes_its_scenario_and_fails_an_unmet_one() {
    let Some(wasm) = polyglot("rollover-tuner-js.wasm") else {
        return;
    };
    let case = Case {
        wasm,
        dir: "plugins/js/rollover-tuner/scenarios",
        scenario: "ingest.toml",
        args: &["--every", "10m", "--ticks", "3"],
    };
    passes_then_fails(case, Some("put_policy")).await;
}

#[tokio::test]
async fn a_bad_expectation_is_exit_code_2_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("bad.toml");
    std::fs::write(&s, "[leader]\n\n[[expect]]\nhappens = \"put_polcy logs\"\n").unwrap();
    let case = rust("hello", "three-indices.toml", &[]);
    let (code, out) = run(&case, &s, &[]).await;
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    let opts = lifeguard::tenant_test::TestOptions {
        plugin: case.wasm.clone(),
        scenario: s.clone(),
        config: None,
        ticks: 1,
        every: std::time::Duration::from_secs(300),
        cache_dir: None,
    };
    let err = lifeguard::tenant_test::run(&opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}:3: expect[0]: unknown mutation \"put_polcy\"",
            s.display()
        )),
        "{err}"
    );
}
