use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::sample;
use crate::telemetry::{
    serve, Health, Metrics, StatusBoard, StatusSnapshot, TelemetryError, TelemetryState,
};

struct Running {
    base: String,
    state: TelemetryState,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(status: Arc<dyn crate::telemetry::StatusSource>) -> Running {
    let state = TelemetryState::new(Arc::new(Metrics::new()), Arc::new(Health::new()), status);
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = serve(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        state.clone(),
        async move {
            let _ = rx.await;
        },
    )
    .await
    .unwrap();
    Running {
        base: format!("http://{}", server.local_addr),
        state,
        stop,
        handle: server.handle,
    }
}

async fn get(url: &str) -> (u16, String, String) {
    let resp = reqwest::get(url).await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ctype, resp.text().await.unwrap())
}

#[tokio::test]
async fn routes_serve_metrics_status_and_page_then_shut_down() {
    let r = start(Arc::new(StatusBoard::new(sample()))).await;
    r.state.metrics.set_queue_depth(3);

    let (code, ctype, body) = get(&format!("{}/metrics", r.base)).await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    assert!(
        body.lines().any(|l| l == "lifeguard_workqueue_depth 3"),
        "{body}"
    );

    let (code, ctype, body) = get(&format!("{}/api/status", r.base)).await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["tenants"][0]["name"], "payments");
    assert_eq!(json["tenants"][0]["plugins"][0]["version"], "1.4.2");
    assert_eq!(json["tenants"][1]["plugins"][0]["state"], "backoff");
    assert_eq!(
        json["tenants"][1]["plugins"][0]["last"]["outcome"],
        "transient"
    );
    assert_eq!(json["breakers"][0]["state"], "open");
    assert_eq!(json["process"]["mode"], "dry-run");

    let (code, ctype, body) = get(&format!("{}/", r.base)).await;
    assert_eq!(code, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(body.contains("id=\"tenants\""));

    let (code, _, _) = get(&format!("{}/nope", r.base)).await;
    assert_eq!(code, 404);

    r.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), r.handle)
        .await
        .expect("graceful shutdown")
        .unwrap()
        .unwrap();
    assert!(reqwest::get(format!("{}/healthz", r.base)).await.is_err());
}

#[tokio::test]
async fn readyz_lists_what_is_missing_until_ready() {
    let r = start(Arc::new(StatusBoard::default())).await;
    let h = &r.state.health;
    h.expect_clusters(["hot", "cold"]);
    h.set_config_loaded(true);
    h.cluster_reached("hot");

    let (code, _, body) = get(&format!("{}/readyz", r.base)).await;
    assert_eq!(code, 503);
    assert_eq!(body, "plugins not compiled\ncluster cold not reached yet\n");

    h.set_plugins_compiled(true);
    h.cluster_reached("cold");
    let (code, _, body) = get(&format!("{}/readyz", r.base)).await;
    assert_eq!((code, body.as_str()), (200, "ready"));
}

#[tokio::test]
async fn healthz_fails_without_heartbeats_and_recovers() {
    let r = start(Arc::new(StatusBoard::default())).await;
    let (code, _, body) = get(&format!("{}/healthz", r.base)).await;
    assert_eq!((code, body.as_str()), (200, "ok"));

    r.state.health.set_interval(Duration::from_millis(5));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (code, _, body) = get(&format!("{}/healthz", r.base)).await;
    assert_eq!(code, 503);
    assert!(body.starts_with("no scheduler heartbeat"), "{body}");

    // A long interval again, then a beat: healthy.
    r.state.health.set_interval(Duration::from_secs(20));
    r.state.health.heartbeat();
    let (code, _, _) = get(&format!("{}/healthz", r.base)).await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn a_closure_can_be_the_status_source() {
    let r = start(Arc::new(|| {
        let mut s = StatusSnapshot::default();
        s.process.mode = "live-from-closure".into();
        s
    }))
    .await;
    let (_, _, body) = get(&format!("{}/api/status", r.base)).await;
    assert!(body.contains("live-from-closure"), "{body}");
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let r = start(Arc::new(StatusBoard::default())).await;
    let addr: SocketAddr = r.base.trim_start_matches("http://").parse().unwrap();
    let err = serve(addr, r.state.clone(), std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, TelemetryError::Bind { .. }), "{err}");
    assert!(err.to_string().contains(&addr.to_string()));
}
