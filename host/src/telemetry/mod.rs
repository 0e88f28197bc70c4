//! Operator surface: Prometheus metrics, `/healthz`, `/readyz`, the status page and
//! `/api/status`, served by one axum listener.
//!
//! The host owns one [`Metrics`] (also the plugins' [`crate::runtime::MetricsSink`]), one
//! [`Health`] and a [`StatusSource`]; it hands them to [`serve`] as a [`TelemetryState`].
//! This module knows nothing of the scheduler, guard or clients: they report through the
//! typed methods here, and the status page reads plain [`StatusSnapshot`] data.
//!
//! | file              | job |
//! |-------------------|-----|
//! | `metrics`         | the registry and typed recording methods |
//! | `coord_metrics`   | lease and ownership families, exported with `[coordination]` |
//! | `plugin_metrics`  | plugin-reported series, capped per plugin |
//! | `health`          | liveness and readiness state |
//! | `status`          | the snapshot types and where snapshots come from |
//! | `page`            | the HTML status page |
//! | `server`          | routes and the listener |
//! | `escape`          | HTML, label-value and time formatting helpers |
mod coord_metrics;
mod escape;
mod health;
mod metrics;
mod page;
mod plugin_metrics;
mod server;
mod status;
#[cfg(test)]
mod tests;

pub use coord_metrics::{CoordMetrics, Renewal};
pub use health::{Health, Probe};
pub use metrics::{Metrics, ReloadResult};
pub use page::{render as render_page, Probes};
pub use plugin_metrics::DEFAULT_SERIES_CAP;
pub use server::{router, serve, Server, TelemetryState};
pub use status::{
    AuditLine, BreakerState, BreakerStatus, ClusterStatus, CoordinationStatus, JobState, LastRun,
    PluginStatus, ProcessInfo, StatusBoard, StatusSnapshot, StatusSource, TenantStatus,
};

/// Failures of the telemetry listener.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("encoding metrics failed")]
    Encode,
}
