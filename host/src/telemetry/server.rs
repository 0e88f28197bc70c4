//! The telemetry listener: `/metrics`, `/healthz`, `/readyz`, `/api/status` and `/`.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::health::{Health, Probe};
use super::metrics::Metrics;
use super::page::{render, Probes};
use super::status::StatusSource;
use super::TelemetryError;

/// What the handlers read. Clone is cheap (three `Arc`s).
#[derive(Clone)]
pub struct TelemetryState {
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    pub status: Arc<dyn StatusSource>,
}

impl TelemetryState {
    pub fn new(metrics: Arc<Metrics>, health: Arc<Health>, status: Arc<dyn StatusSource>) -> Self {
        Self {
            metrics,
            health,
            status,
        }
    }
}

/// The OpenMetrics content type, which is what prometheus-client's text encoder writes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The routes, for serving or for `tower::ServiceExt::oneshot` in tests.
pub fn router(state: TelemetryState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/status", get(api_status))
        .with_state(state)
}

/// A running listener.
#[derive(Debug)]
pub struct Server {
    /// The bound address (the real port when asked for port 0).
    pub local_addr: SocketAddr,
    /// Ends when `shutdown` resolves and in-flight requests are done.
    pub handle: JoinHandle<std::io::Result<()>>,
}

/// Binds `addr` now (so a taken port is an error here, not a log line later) and serves on a
/// spawned task until `shutdown` resolves, e.g. `token.cancelled_owned()` or a watch channel.
pub async fn serve<F>(
    addr: SocketAddr,
    state: TelemetryState,
    shutdown: F,
) -> Result<Server, TelemetryError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| TelemetryError::Bind { addr, source })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| TelemetryError::Bind { addr, source })?;
    info!(%local_addr, "telemetry listening");
    let app = router(state);
    let handle = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Err(e) = &result {
            warn!(error = %e, "telemetry listener failed");
        }
        result
    });
    Ok(Server { local_addr, handle })
}

async fn metrics(State(s): State<TelemetryState>) -> Response {
    match s.metrics.encode() {
        Ok(body) => ([(header::CONTENT_TYPE, OPENMETRICS)], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn probe_response(probe: Probe, ok: &'static str) -> Response {
    match probe {
        Ok(()) => (StatusCode::OK, ok).into_response(),
        Err(why) => {
            let mut body = String::new();
            for line in why {
                body.push_str(&line);
                body.push('\n');
            }
            (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
        }
    }
}

async fn healthz(State(s): State<TelemetryState>) -> Response {
    probe_response(s.health.liveness(), "ok")
}

async fn readyz(State(s): State<TelemetryState>) -> Response {
    probe_response(s.health.readiness(), "ready")
}

async fn api_status(State(s): State<TelemetryState>) -> Response {
    let snapshot = s.status.snapshot();
    ([(header::CACHE_CONTROL, "no-store")], Json(snapshot)).into_response()
}

async fn page(State(s): State<TelemetryState>) -> Response {
    let snapshot = s.status.snapshot();
    let probes = Probes {
        live: s.health.liveness(),
        ready: s.health.readiness(),
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(render(&snapshot, &probes)),
    )
        .into_response()
}
