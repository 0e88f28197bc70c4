//! `lifeguard plan` end to end, on `examples/multi-tenant/`: the real plugins, the real
//! command line (parsed and run in-process through the same entry point `main` uses, as
//! `examples.rs` runs the demo; the tests crate cannot reach the binary's path), a simulator
//! whose request log and state show that nothing was written.
use std::path::{Path, PathBuf};

use clap::Parser;
use lifeguard::cli::plan::{exit_code, PlanArgs};
use lifeguard::sim::{RequestRecord, Scenario, Sim, SimHandle, SimOptions};
use serde_json::Value;

fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/multi-tenant")
        .join(file)
}

/// The multi-tenant scenario on a simulator with its clock stopped.
async fn multi_tenant_sim() -> SimHandle {
    let text = std::fs::read_to_string(example("scenario.toml")).unwrap();
    let sim = Sim::start(SimOptions {
        scenario: Some(Scenario::parse(&text).unwrap()),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    sim.set_speed(0.0);
    sim
}

/// `examples/multi-tenant/lifeguard.toml` pointed at `url`, the built plugins and `dir`.
/// `tenants` replaces the example's tenants when given.
fn write_config(dir: &Path, url: &str, tenants: Option<&str>) -> PathBuf {
    let mut text = std::fs::read_to_string(example("lifeguard.toml"))
        .unwrap()
        .replace("http://127.0.0.1:9200", url)
        .replace("../../build/plugins", env!("PLUGINS_DIR"))
        .replace(
            "../../build/examples/multi-tenant/state",
            &dir.join("state").display().to_string(),
        )
        .replace(
            "../../build/examples/multi-tenant/audit.jsonl",
            &dir.join("audit.jsonl").display().to_string(),
        );
    if let Some(t) = tenants {
        let head = text.find("[[tenants]]").unwrap();
        text.truncate(head);
        text.push_str(t);
    }
    let path = dir.join("lifeguard.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `lifeguard plan <args>`: (exit code, stdout).
async fn plan(args: &[&str]) -> (u8, String) {
    let args =
        PlanArgs::try_parse_from(std::iter::once("plan").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    let code = exit_code(args, &mut out).await;
    (code, String::from_utf8(out).unwrap())
}

/// Independent of the host's own classifier: what could change an OpenSearch cluster.
fn mutating(r: &RequestRecord) -> bool {
    match r.method.as_str() {
        "GET" | "HEAD" => false,
        "POST" => {
            !(r.path.ends_with("/_search")
                || r.path.ends_with("/_count")
                || r.path == "/_cluster/allocation/explain"
                || (r.path.contains("/_rollover") && r.query.contains("dry_run=true")))
        }
        _ => true,
    }
}

/// The text between `tenant <name>:` and the next tenant or the summary.
fn section<'a>(out: &'a str, tenant: &str) -> &'a str {
    let start = out
        .find(&format!("tenant {tenant}:"))
        .unwrap_or_else(|| panic!("no section for {tenant}:\n{out}"));
    let rest = &out[start..];
    let end = rest[1..]
        .find("\ntenant ")
        .or_else(|| rest.find("\nSummary"))
        .map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

const PUT_REASON: &str = "ism-doctor: policy ops-retention as declared in the tenant's config";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_prints_mutations_by_tenant_and_sends_none() {
    let sim = multi_tenant_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), sim.leader_url(), None);
    let cfg = cfg.to_str().unwrap();

    // Text, with terraform's exit codes: 2 = changes planned.
    let (code, out) = plan(&["--config", cfg, "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    let (web, metrics, ops) = (
        out.find("tenant web:").unwrap(),
        out.find("tenant metrics:").unwrap(),
        out.find("tenant ops:").unwrap(),
    );
    assert!(web < metrics && metrics < ops, "config order:\n{out}");
    let ops_text = section(&out, "ops");
    assert!(
        ops_text.contains(&format!(
            "+ put_policy ops-retention  (ism-doctor @ shared)\n      reason: {PUT_REASON}\n"
        )),
        "{out}"
    );
    // The attach needs the policy to exist; a dry run cannot create it, so ism-doctor stops
    // there with a transient error, listed, which does not fail the plan.
    assert!(!ops_text.contains("ism_add"), "{out}");
    assert!(
        out.contains("tick 1 ops/ism-doctor: transient: ") && out.contains("Policy not found"),
        "{out}"
    );
    // Other tenants' sections hold none of ops' mutations.
    for t in ["web", "metrics"] {
        assert!(!section(&out, t).contains("ism-doctor"), "{out}");
    }
    assert!(out.contains("\nSummary\n"), "{out}");
    let total_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("total "))
        .unwrap();
    assert!(total_row.contains("put_policy "), "{out}");
    assert!(out.contains("Nothing was sent."), "{out}");

    // Without --detailed-exitcode the same plan exits 0.
    let (code, _) = plan(&["--config", cfg]).await;
    assert_eq!(code, 0);

    // JSON: tenants → mutations with verb, target, reason, plugin; summaries.
    let (code, out) = plan(&["--config", cfg, "--format", "json"]).await;
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ticks"], 1);
    assert_eq!(v["has_changes"], true);
    let tenants = v["tenants"].as_object().unwrap();
    assert_eq!(
        tenants.keys().collect::<Vec<_>>(),
        ["web", "metrics", "ops"]
    );
    let ops_m = v["tenants"]["ops"]["mutations"].as_array().unwrap();
    let put = ops_m.iter().find(|m| m["verb"] == "put_policy").unwrap();
    assert_eq!(put["target"], "ops-retention");
    assert_eq!(put["plugin"], "ism-doctor");
    assert_eq!(put["reason"], PUT_REASON);
    assert_eq!(put["cluster"], "shared");
    assert_eq!(put["outcome"], "dry_run");
    assert_eq!(put["tick"], 1);
    assert_eq!(v["tenants"]["ops"]["summary"]["by_verb"]["put_policy"], 1);
    let sum: u64 = tenants
        .values()
        .map(|t| t["summary"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(v["summary"]["total"].as_u64().unwrap(), sum);
    assert!(sum >= 1);
    let failed = v["failed_runs"].as_array().unwrap();
    assert!(
        failed
            .iter()
            .all(|f| f["outcome"] == "transient" && f["tenant"] == "ops"),
        "{v}"
    );

    // The request log: the plugins read the cluster, and wrote nothing.
    let log = sim.requests();
    assert!(log.iter().any(|r| r.method == "GET"), "no read at all?");
    let writes: Vec<&RequestRecord> = log.iter().filter(|r| mutating(r)).collect();
    assert!(writes.is_empty(), "mutating requests sent: {writes:?}");
    // And the cluster says the same: no policy, nothing managed.
    let (status, _) = sim.request(0, "GET", "/_plugins/_ism/policies/ops-retention", b"");
    assert_eq!(status, 404);
    let (_, body) = sim.request(0, "GET", "/_plugins/_ism/explain/ops-audit-*", b"");
    let explain: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(explain["total_managed_indices"], 0, "{explain}");
    // Nor did the plan write where the daemon keeps its state and audit log.
    assert!(!dir.path().join("audit.jsonl").exists());
    assert!(!dir.path().join("state/plugins").exists());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_with_sim_flag_embeds_a_simulator_and_runs_n_ticks() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens here: --sim must replace the configured cluster.
    let cfg = write_config(dir.path(), "http://127.0.0.1:9", None);
    let scenario = example("scenario.toml");
    let (code, out) = plan(&[
        "--config",
        cfg.to_str().unwrap(),
        "--sim",
        scenario.to_str().unwrap(),
        "--ticks",
        "2",
        "--format",
        "json",
        "--detailed-exitcode",
    ])
    .await;
    assert_eq!(code, 2, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ticks"], 2);
    assert!(v["sim_requests"]["reads"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["sim_requests"]["writes"], 0, "{v}");
    // Nothing was applied, so ism-doctor plans the policy again at tick 2.
    let ticks: Vec<u64> = v["tenants"]["ops"]["mutations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["verb"] == "put_policy")
        .map(|m| m["tick"].as_u64().unwrap())
        .collect();
    assert_eq!(ticks, [1, 2], "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detailed_exitcode_is_0_without_changes_and_1_on_error() {
    let sim = multi_tenant_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let read_only = r#"
[[tenants]]
name = "ops"
clusters = ["shared"]
indices = ["ops-*"]

[[tenants.plugins]]
name = "hello"
file = "hello.wasm"
"#;
    let cfg = write_config(dir.path(), sim.leader_url(), Some(read_only));
    let (code, out) = plan(&["-c", cfg.to_str().unwrap(), "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("tenant ops: 0 changes\n  (no changes)\n"),
        "{out}"
    );
    assert!(out.contains("Plan: 0 changes for 0 of 1 tenants."), "{out}");

    let missing = read_only.replace("hello.wasm", "no-such-plugin.wasm");
    let cfg = write_config(dir.path(), sim.leader_url(), Some(&missing));
    let (code, out) = plan(&["-c", cfg.to_str().unwrap(), "--detailed-exitcode"]).await;
    assert_eq!(code, 1);
    assert!(out.is_empty(), "no plan is printed on error: {out}");
    assert!(!sim.requests().iter().any(mutating));
    sim.shutdown().await;
}
