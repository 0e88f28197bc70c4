//! The status page in a real browser: headless Chromium loads `/` from a running telemetry
//! listener, takes a screenshot, and dumps the DOM it rendered.
//!
//! Needs `chromium` on PATH (CI installs Debian's). Without it the test fails, so a machine
//! missing the browser cannot pass silently; `LIFEGUARD_SKIP_BROWSER=1` opts out explicitly.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lifeguard::telemetry::{
    serve, AuditLine, BreakerState, BreakerStatus, ClusterStatus, Health, JobState, LastRun,
    Metrics, PluginStatus, ProcessInfo, StatusBoard, StatusSnapshot, TelemetryState, TenantStatus,
};

/// Longest a single Chromium run may take before the test gives up on it.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIFEGUARD_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

fn plugin(
    name: &str,
    version: &str,
    state: JobState,
    outcome: &str,
    message: &str,
) -> PluginStatus {
    PluginStatus {
        name: name.into(),
        file: format!("plugins/{name}.wasm"),
        version_hash: "3b1f0c9a7d2e4f6a8b0c1d2e3f4a5b6c".into(),
        version: version.into(),
        state,
        last: Some(LastRun {
            outcome: outcome.into(),
            message: message.into(),
            fuel: 2_345_678,
            wall_ms: 37,
            at_ms: 1_709_210_096_000,
        }),
        next_run_ms: Some(12_000),
        consecutive_failures: u32::from(state == JobState::Backoff) * 2,
    }
}

fn snapshot() -> StatusSnapshot {
    StatusSnapshot {
        process: ProcessInfo {
            version: "0.1.0".into(),
            uptime_ms: 93_000,
            mode: "dry-run".into(),
        },
        tenants: vec![
            TenantStatus {
                name: "tenant-payments".into(),
                plugins: vec![plugin(
                    "rollover-policy",
                    "2.3.1-browsercheck",
                    JobState::Idle,
                    "ok",
                    "rolled over payments-logs-000007",
                )],
            },
            TenantStatus {
                name: "tenant-search".into(),
                plugins: vec![plugin(
                    "shard-router",
                    "0.4.0",
                    JobState::Backoff,
                    "transient",
                    "<script>document.title='pwned'</script>cluster busy",
                )],
            },
        ],
        breakers: vec![
            BreakerStatus {
                cluster: "hot-eu".into(),
                state: BreakerState::Open,
                reason: "write thread pool queue at 91% of capacity".into(),
                since_ms: Some(1_709_210_000_000),
            },
            BreakerStatus {
                cluster: "warm-eu".into(),
                state: BreakerState::Closed,
                reason: String::new(),
                since_ms: None,
            },
        ],
        clusters: vec![
            ClusterStatus {
                name: "hot-eu".into(),
                url: "http://127.0.0.1:9200".into(),
                reachable: true,
                health: Some("yellow".into()),
            },
            ClusterStatus {
                name: "warm-eu".into(),
                url: "http://127.0.0.1:9201".into(),
                reachable: true,
                health: Some("green".into()),
            },
        ],
        audit: vec![AuditLine {
            time_ms: 1_709_210_096_000,
            tenant: "tenant-payments".into(),
            plugin: "rollover-policy".into(),
            cluster: "hot-eu".into(),
            verb: "rollover".into(),
            target: "payments-logs".into(),
            outcome: "dry-run".into(),
            reason: "primary size 52gb > 50gb".into(),
        }],
        coordination: None,
    }
}

/// Runs Chromium headless with a fresh profile; returns its stdout.
async fn chromium(exe: &Path, profile: &Path, args: &[String]) -> String {
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .kill_on_drop(true);
    let out = tokio::time::timeout(CHROMIUM_TIMEOUT, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "chromium failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_renders_in_chromium() {
    let Some(exe) = find_chromium() else {
        if std::env::var("LIFEGUARD_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("skipping the browser test: LIFEGUARD_SKIP_BROWSER=1");
            return;
        }
        panic!(
            "chromium is not on PATH: install it (apt-get install -y chromium) or set \
             LIFEGUARD_SKIP_BROWSER=1 to skip this test deliberately"
        );
    };

    let health = Arc::new(Health::new());
    health.set_config_loaded(true);
    health.set_plugins_compiled(true);
    health.expect_clusters(["hot-eu", "warm-eu"]);
    health.cluster_reached("hot-eu");
    health.cluster_reached("warm-eu");
    let state = TelemetryState::new(
        Arc::new(Metrics::new()),
        health,
        Arc::new(StatusBoard::new(snapshot())),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = serve(SocketAddr::from(([127, 0, 0, 1], 0)), state, async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let url = format!("http://{}/", server.local_addr);

    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("status.png");
    chromium(
        &exe,
        &tmp.path().join("profile-shot"),
        &[format!("--screenshot={}", png.display()), url.clone()],
    )
    .await;
    let dom = chromium(
        &exe,
        &tmp.path().join("profile-dom"),
        &["--dump-dom".to_owned(), url],
    )
    .await;

    // The screenshot: a PNG of the requested size with real content (a blank page of this
    // size compresses to a few KB).
    let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 900));
    assert!(
        bytes.len() > 30_000,
        "screenshot suspiciously small: {} bytes",
        bytes.len()
    );
    if let Ok(dir) = std::env::var("LIFEGUARD_SCREENSHOT_DIR") {
        let _ = std::fs::copy(&png, Path::new(&dir).join("status.png"));
    }

    // The DOM as the browser built it.
    assert!(dom.contains("<table id=\"tenants\">"), "{dom}");
    assert!(
        dom.contains(r#"<td class="tenant">tenant-payments</td>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<td class="tenant">tenant-search</td>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<span class="plugin-version">2.3.1-browsercheck</span>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<span class="breaker-state badge bad">open</span>"#),
        "{dom}"
    );
    assert!(
        dom.contains("write thread pool queue at 91% of capacity"),
        "{dom}"
    );
    assert!(
        dom.contains(r#"<span class="breaker-state badge good">closed</span>"#),
        "{dom}"
    );
    assert!(dom.contains(r#"id="readyz" class="badge good""#), "{dom}");
    // The plugin's script stayed text: it neither ran nor became an element.
    assert!(dom.contains("<title>Lifeguard status</title>"), "{dom}");
    assert!(!dom.contains("<script"), "{dom}");
    assert!(dom.contains("&lt;script&gt;document.title="), "{dom}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server.handle)
        .await
        .expect("telemetry listener did not shut down")
        .unwrap()
        .unwrap();
}
