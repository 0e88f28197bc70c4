//! Secrets (issue 11, item 5): cluster credentials never leave the process that holds them.
//! The real `lifeguard run` binary runs the `snoop` guest, which writes everything a plugin
//! can see into the log, against a simulated pair with the security plugin on: the leader
//! takes the configured Basic credential, the follower refuses the configured API key. Then
//! `lifeguard plan` runs on the same config. No credential may appear in the log, the audit
//! log or any file under the state directory, the status page, `/api/status`, `/metrics`, or
//! the plan's output. (No etcd credential exists yet: the host has no etcd backend.)
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use lifeguard::sim::{Sim, SimOptions};

use crate::support::host::install_guest;
use crate::support::{lifeguard_bin, spawn_run};

const USER: &str = "lifeguard";
// Distinctive values, so that any leak is found by a plain substring search.
const PASSWORD: &str = "pw-8f3a1c-correct-horse";
const API_KEY: &str = "ak-51d9e7-battery-staple";
const PASSWORD_ENV: (&str, &str) = ("LG_SECRETS_PASSWORD", PASSWORD);
const API_KEY_ENV: (&str, &str) = ("LG_SECRETS_API_KEY", API_KEY);
/// Everything the host logs, without Cranelift's compile timings.
const LOG_FILTER: &str = "debug,cranelift_codegen=info,wasmtime=info";

fn config(leader: &str, follower: &str, port: u16) -> String {
    format!(
        r#"
[host]
plugin_dir = "plugins"
state_dir = "state"
audit_file = "state/audit.jsonl"
interval = "200ms"
telemetry_listen = "127.0.0.1:{port}"
shutdown_grace = "1s"
backoff_base = "50ms"
backoff_max = "200ms"

[[clusters]]
name = "main"
urls = ["{leader}"]
retry = {{ max_attempts = 1 }}
auth = {{ username = "{USER}", password_env = "LG_SECRETS_PASSWORD" }}

[[clusters]]
name = "other"
urls = ["{follower}"]
retry = {{ max_attempts = 1 }}
auth = {{ api_key_env = "LG_SECRETS_API_KEY" }}

[[tenants]]
name = "snoopy"
clusters = ["main", "other"]
indices = ["logs-snoop-*"]

[[tenants.plugins]]
name = "snoop"
file = "snoop.wasm"
interval = "200ms"
config = {{ hello = "world" }}
"#
    )
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Every file under `dir`, as (path, lossy text).
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                out.push((p.display().to_string(), text));
            }
        }
    }
    out
}

fn assert_clean(place: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "a credential ({}…) appears in {place}",
            &s[..6]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_reaches_logs_audit_telemetry_plugins_or_plan() {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let secrets = vec![PASSWORD.to_string(), API_KEY.to_string(), basic.clone()];
    let sim = Sim::start(SimOptions {
        auth: Some(format!("Basic {basic}")),
        ..SimOptions::pair()
    })
    .await
    .unwrap();
    // In-process setup bypasses the security check, as an admin's would.
    for index in ["logs-snoop-1", "someone-else-1"] {
        let (status, _) = sim.request(0, "PUT", &format!("/{index}"), b"{}");
        assert_eq!(status, 200);
    }

    let bin = tokio::task::spawn_blocking(lifeguard_bin).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    install_guest(&d.join("plugins"), "snoop", "snoop.wasm");
    let port = free_port();
    let follower = sim.follower_url().unwrap().to_string();
    std::fs::write(
        d.join("lifeguard.toml"),
        config(sim.leader_url(), &follower, port),
    )
    .unwrap();
    let mut child = spawn_run(
        &bin,
        d,
        &[("RUST_LOG", LOG_FILTER), PASSWORD_ENV, API_KEY_ENV],
    );

    // Two full runs of the snoop (each dumps its view of both clusters).
    let deadline = Instant::now() + Duration::from_secs(60);
    let host_log = loop {
        let text = std::fs::read_to_string(d.join("host.log")).unwrap_or_default();
        if text.matches("snoop state set").count() >= 2 {
            break text;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the host exited ({status}):\n{text}");
        }
        assert!(Instant::now() < deadline, "no two snoop runs:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    for path in ["/", "/api/status", "/metrics"] {
        let url = format!("http://127.0.0.1:{port}{path}");
        let body = http.get(&url).send().await.unwrap().text().await.unwrap();
        assert!(!body.is_empty(), "{path} answered nothing");
        pages.push((path, body));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // The plugin's view really was captured, the credential really was used (the leader
    // served it, the follower refused the key), and the refusal reached the plugin.
    for seen in [
        "snoop env:",
        "snoop raw health: Ok(",
        "snoop raw refused: Err(",
    ] {
        assert!(host_log.contains(seen), "no {seen:?} in the log");
    }
    assert!(
        host_log.contains("Denied(\"Unauthorized [HTTP 401"),
        "the follower's 401 reaches the plugin as denied"
    );
    let reqs = sim.requests();
    let served = |c: &str, ok: bool| {
        reqs.iter()
            .filter(|r| r.cluster == c && (r.status == 401) != ok)
            .count()
    };
    assert!(served("leader", true) > 0 && served("leader", false) == 0);
    assert!(served("follower", false) > 0 && served("follower", true) == 0);
    let audit = std::fs::read_to_string(d.join("state/audit.jsonl")).unwrap();
    assert!(
        audit.contains("logs-snoop-1"),
        "the snoop's mutation is audited"
    );

    assert_clean("the host log", &host_log, &secrets);
    for (path, text) in files_under(&d.join("state")) {
        assert_clean(&path, &text, &secrets);
    }
    for (path, body) in &pages {
        assert_clean(path, body, &secrets);
    }

    let plan = Command::new(&bin)
        .current_dir(d)
        .args(["plan", "--config", "lifeguard.toml", "--ticks", "2"])
        .envs([("RUST_LOG", LOG_FILTER), PASSWORD_ENV, API_KEY_ENV])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&plan.stdout);
    let err = String::from_utf8_lossy(&plan.stderr);
    assert!(
        out.contains("snoopy"),
        "the plan names the tenant:\n{out}\n{err}"
    );
    assert!(err.contains("snoop env:"), "the plan ran the snoop:\n{err}");
    assert_clean("plan's output", &out, &secrets);
    assert_clean("plan's log", &err, &secrets);
    eprintln!(
        "secrets: {} log bytes, {} state files, 3 pages, {} plan bytes: no credential",
        host_log.len() + err.len(),
        files_under(&d.join("state")).len(),
        out.len()
    );
    sim.shutdown().await;
}
