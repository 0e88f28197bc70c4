//! The guard chain: what stands between a tenant's plugin and a cluster.
//!
//! [`Guarded`] implements [`crate::cluster::ClusterApi`] around the real client, so the
//! runtime hands each run guarded views and capabilities never see the guard. For every
//! mutation, in order: tenant scope ([`scope`]) → maintenance window ([`window`]) → circuit
//! breaker ([`breaker`]) → dry-run → mutation budget ([`budget`]) → send, with exactly one
//! audit line ([`audit`]) per attempt, whatever its outcome. Reads pass scope only: list reads
//! are narrowed to the grant, single targets must be inside it, and the breaker never blocks
//! them. Policy writes and deletes keep the previous body ([`backup`]). Platform windows can
//! also pause ISM itself ([`ism_pause`]).
//!
//! # Wiring (host)
//!
//! - Once: a [`Grant`] per tenant, a [`BudgetBook`], a [`Breaker`] per cluster, a
//!   [`MaintenanceWindows`] per tenant, a [`FileAudit`] and [`PolicyBackups`] under the audit
//!   directory, an [`IsmPauser`] per cluster whose platform windows pause ISM.
//! - Each tick: [`BudgetBook::reset_all`]; feed each cluster's breaker from the snapshot
//!   ([`Breaker::observe`] with health and thread pools) and the client's request results
//!   ([`Breaker::record_transport_result`]); call [`IsmPauser::tick`].
//! - Each run: [`Guarded::wrap`] each granted cluster with a [`GuardCtx`] and put the views
//!   into `RunEnv::clusters`.
//!
//! # Configuration
//!
//! ```toml
//! [guard]
//! audit_recent = 200                   # lines kept in memory for the status page
//! audit_max_size = "64mb"              # the audit log rotates when it reaches this size
//! audit_keep = 10                      # rotated audit files kept (audit.jsonl.1 ..)
//! policy_backups_keep = 20             # backups kept per policy, newest seq_no first
//! [guard.breaker]
//! health_floor = "red"
//! [guard.budget]
//! mutations_per_tick = 20
//! deletes_per_tick = 5
//! [[guard.maintenance]]
//! start = "02:00"
//! end = "03:00"
//! days = ["sun"]
//! pause_ism = true
//!
//! [tenants.app1.grant]
//! indices = ["logs-app1-*", "logs-app1"]
//! policies = ["app1-*"]
//! clusters = ["prod"]
//! [tenants.app1.guard]
//! budget = { mutations_per_tick = 50, deletes_per_tick = 5 }
//! [[tenants.app1.guard.maintenance]]
//! start = "12:00"
//! end = "12:30"
//! ```
mod api_impl;
pub mod audit;
pub mod backup;
pub mod breaker;
pub mod budget;
mod dry_run;
pub mod fence;
mod guarded;
pub mod ism_pause;
pub mod raw;
mod raw_call;
pub mod scope;
pub mod window;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use audit::{read_audit, AuditLine, AuditSink, FileAudit, MemoryAudit, TeeAudit, Verdict};
pub use backup::{PolicyBackup, PolicyBackups};
pub use breaker::{Breaker, BreakerConfig, BreakerState, HealthFloor, Phase};
pub use budget::{Budget, BudgetBook, BudgetConfig};
pub use fence::Fence;
pub use guarded::{GuardCtx, Guarded};
pub use ism_pause::{IsmPauser, PauseAction};
pub use scope::{Grant, GrantConfig, GrantError};
pub use window::{MaintenanceWindows, WindowConfig, WindowError};

/// Platform guard settings, `[guard]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// The default budget of every tenant.
    #[serde(default)]
    pub budget: BudgetConfig,
    /// Global maintenance windows; these alone may set `pause_ism`.
    #[serde(default)]
    pub maintenance: Vec<WindowConfig>,
    /// Audit lines kept in memory for the status page. Default 200.
    #[serde(default = "default_recent")]
    pub audit_recent: usize,
    /// The audit log rotates once it reaches this size. Default "64mb".
    #[serde(default = "default_audit_max_size")]
    pub audit_max_size: String,
    /// Rotated audit files kept besides the live one. Default 10.
    #[serde(default = "default_audit_keep")]
    pub audit_keep: usize,
    /// Backups kept per policy. Default 20.
    #[serde(default = "default_backups_keep")]
    pub policy_backups_keep: usize,
}

fn default_recent() -> usize {
    200
}

fn default_audit_max_size() -> String {
    "64mb".into()
}

fn default_audit_keep() -> usize {
    audit::Rotation::default().keep
}

fn default_backups_keep() -> usize {
    backup::DEFAULT_BACKUPS_KEEP
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            breaker: BreakerConfig::default(),
            budget: BudgetConfig::default(),
            maintenance: Vec::new(),
            audit_recent: default_recent(),
            audit_max_size: default_audit_max_size(),
            audit_keep: default_audit_keep(),
            policy_backups_keep: default_backups_keep(),
        }
    }
}

/// A tenant's guard settings, `[tenants.<name>.guard]`. Its grant is a [`GrantConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantGuardConfig {
    /// Overrides `[guard.budget]` for this tenant.
    #[serde(default)]
    pub budget: Option<BudgetConfig>,
    /// The tenant's own windows, on top of the global ones (no `pause_ism`).
    #[serde(default)]
    pub maintenance: Vec<WindowConfig>,
}
