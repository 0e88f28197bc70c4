//! Tests of the telemetry surface, sharing one sample snapshot.
mod metrics;
mod page;
mod server;

use super::*;

/// Two tenants, one plugin each; one plugin in backoff with a hostile summary, one breaker
/// open, one audit line.
pub(super) fn sample() -> StatusSnapshot {
    StatusSnapshot {
        process: ProcessInfo {
            version: "0.1.0".into(),
            uptime_ms: 65_000,
            mode: "dry-run".into(),
        },
        tenants: vec![
            TenantStatus {
                name: "payments".into(),
                plugins: vec![PluginStatus {
                    name: "rollover".into(),
                    file: "plugins/payments/rollover.wasm".into(),
                    version_hash: "9f2c4e01ab77d3e5c0ffee".into(),
                    version: "1.4.2".into(),
                    state: JobState::Idle,
                    last: Some(LastRun {
                        outcome: "ok".into(),
                        message: "rolled over logs-000042".into(),
                        fuel: 1_234_567,
                        wall_ms: 42,
                        at_ms: 1_709_210_096_000,
                    }),
                    next_run_ms: Some(4_200),
                    consecutive_failures: 0,
                }],
            },
            TenantStatus {
                name: "search".into(),
                plugins: vec![PluginStatus {
                    name: "router".into(),
                    file: "plugins/search/router.wasm".into(),
                    version_hash: "deadbeef".into(),
                    version: "0.9.0".into(),
                    state: JobState::Backoff,
                    last: Some(LastRun {
                        outcome: "transient".into(),
                        message: "<script>alert(1)</script>".into(),
                        fuel: 10,
                        wall_ms: 3,
                        at_ms: 1_709_210_096_000,
                    }),
                    next_run_ms: Some(40_000),
                    consecutive_failures: 3,
                }],
            },
        ],
        breakers: vec![BreakerStatus {
            cluster: "hot".into(),
            state: BreakerState::Open,
            reason: "write queue above 80%".into(),
            since_ms: Some(1_709_210_096_000),
        }],
        clusters: vec![ClusterStatus {
            name: "hot".into(),
            url: "http://127.0.0.1:9200".into(),
            reachable: true,
            health: Some("yellow".into()),
        }],
        audit: vec![AuditLine {
            time_ms: 1_709_210_096_000,
            tenant: "payments".into(),
            plugin: "rollover".into(),
            cluster: "hot".into(),
            verb: "rollover".into(),
            target: "logs-write".into(),
            outcome: "dry-run".into(),
            reason: "size > 50gb \"or\" age > 1d".into(),
        }],
        coordination: None,
    }
}
