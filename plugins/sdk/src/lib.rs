//! # lifeguard-sdk
//!
//! The Rust SDK for [Lifeguard](../../README.md) policy plugins. A plugin is a WebAssembly
//! component of the world `lifeguard:plugin/plugin@0.1.0` (see `wit/` at the repository root:
//! it is the contract). This crate hides the generated bindings behind idiomatic wrappers:
//!
//! * [`Plugin`] and [`plugin!`]: implement two functions, export them with one macro line;
//! * [`Context`]: the run's input, with [`Context::config`] to parse the plugin's JSON config
//!   and [`Context::cluster`] to get a [`Cluster`] handle (with [`Cluster::ism`] and
//!   [`Cluster::ccr`] sub-handles) for every host call;
//! * [`Error`]: a host call's typed failure; `?` converts it into a [`ReconcileError`];
//! * [`state`], [`metrics`], [`log`], [`clock`] and [`reason`]: the other imports;
//! * [`units`]: OpenSearch size (`"35gb"`) and duration (`"12h"`) strings, both directions.
//!
//! ```ignore
//! use lifeguard_sdk::{Action, Capability, Context, Plugin, PluginInfo, ReconcileError};
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("hello", env!("CARGO_PKG_VERSION"), "Says hello")
//!             .with_capabilities(&[Capability::ClusterRead])
//!     }
//!
//!     fn reconcile(ctx: &Context) -> Result<Action, ReconcileError> {
//!         let health = ctx.cluster().health()?;
//!         Ok(Action::done(format!("cluster {} is {:?}", health.cluster_name, health.status)))
//!     }
//! }
//!
//! lifeguard_sdk::plugin!(Hello);
//! ```

#![warn(missing_docs)]

/// The code `wit_bindgen::generate!` produces for the `plugin` world. Not a stable API: use the
/// wrappers in this crate instead.
#[doc(hidden)]
#[allow(unsafe_code, missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "__export_plugin",
        default_bindings_module: "lifeguard_sdk::bindings",
        additional_derives: [PartialEq],
    });
}

pub mod clock;
mod cluster;
mod context;
mod error;
pub mod log;
pub mod metrics;
pub mod policy;
pub mod state;
pub mod units;

pub use cluster::{Ccr, Cluster, Ism};
pub use context::{parse_config, Context};
pub use error::{Error, ErrorKind};

/// Records and enums of the WIT interfaces, re-exported under short names.
pub mod types {
    pub use crate::bindings::lifeguard::plugin::ccr::{ReplicationState, ReplicationStatus};
    pub use crate::bindings::lifeguard::plugin::cluster::{
        AliasAction, AliasAdd, AliasEntry, AliasRemove, AllocationExplanation, ClusterHealth,
        DeciderVerdict, DiskUsage, IndexRow, NodeDecision, NodeInfo, RawResponse, RolloverResult,
        ThreadPool,
    };
    pub use crate::bindings::lifeguard::plugin::ism::{
        ActionInfo, AttachReport, EnsureResult, ExplainEntry, FailedIndex, PolicyDoc, RetryInfo,
        StateInfo, StatusResponse, StepInfo, StepStatus, SyncReport,
    };
    pub use crate::bindings::lifeguard::plugin::types::HealthStatus;
}

pub use bindings::lifeguard::plugin::types::{
    Action, Capability, HealthStatus, PluginInfo, ReconcileError,
};

/// What a plugin implements. Export it with [`plugin!`].
pub trait Plugin {
    /// Who the plugin is and which capabilities it wants. Called once when the host loads it.
    fn describe() -> PluginInfo;
    /// One reconcile pass. `Ok` carries the summary and the requeue hint; a
    /// [`ReconcileError::Transient`] is retried with backoff; a [`ReconcileError::Terminal`]
    /// parks the plugin until it is replaced.
    fn reconcile(ctx: &Context) -> Result<Action, ReconcileError>;
}

/// Export a type implementing [`Plugin`] as the component's `describe` and `reconcile`.
///
/// ```ignore
/// lifeguard_sdk::plugin!(Hello);
/// ```
#[macro_export]
macro_rules! plugin {
    ($ty:ty) => {
        #[doc(hidden)]
        struct __LifeguardExport;

        impl $crate::bindings::Guest for __LifeguardExport {
            fn describe() -> $crate::PluginInfo {
                <$ty as $crate::Plugin>::describe()
            }

            fn reconcile(
                ctx: $crate::bindings::lifeguard::plugin::types::Context,
            ) -> ::core::result::Result<$crate::Action, $crate::ReconcileError> {
                $crate::__run::<$ty>(ctx)
            }
        }

        $crate::bindings::__export_plugin!(__LifeguardExport with_types_in $crate::bindings);
    };
}

#[doc(hidden)]
pub fn __run<P: Plugin>(
    ctx: bindings::lifeguard::plugin::types::Context,
) -> Result<Action, ReconcileError> {
    let ctx = Context::from_raw(ctx);
    P::reconcile(&ctx)
}

/// State why the following mutations are made. The host records the reason with every mutation
/// in the audit log until it is set again: call it before each write.
pub fn reason(reason: impl AsRef<str>) {
    bindings::lifeguard::plugin::log::set_reason(reason.as_ref());
}

impl PluginInfo {
    /// A plugin description with no capabilities yet.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        PluginInfo {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            capabilities: Vec::new(),
        }
    }

    /// Add the capabilities the plugin will use.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: &[Capability]) -> Self {
        self.capabilities.extend_from_slice(capabilities);
        self
    }
}

impl Action {
    /// Success; run again at the job's interval.
    pub fn done(summary: impl Into<String>) -> Self {
        Action {
            requeue_after_ms: None,
            summary: summary.into(),
        }
    }

    /// Success; run again after `ms` milliseconds.
    pub fn requeue_after_ms(ms: u64, summary: impl Into<String>) -> Self {
        Action {
            requeue_after_ms: Some(ms),
            summary: summary.into(),
        }
    }

    /// Success; run again after `after`.
    pub fn requeue_after(after: std::time::Duration, summary: impl Into<String>) -> Self {
        Self::requeue_after_ms(
            u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
            summary,
        )
    }
}

impl ReconcileError {
    /// Retry later with backoff.
    pub fn transient(message: impl Into<String>) -> Self {
        ReconcileError::Transient(message.into())
    }

    /// Park the plugin until it is replaced (e.g. an invalid configuration).
    pub fn terminal(message: impl Into<String>) -> Self {
        ReconcileError::Terminal(message.into())
    }

    /// Whether the host will retry this error.
    pub fn is_transient(&self) -> bool {
        matches!(self, ReconcileError::Transient(_))
    }

    /// The message, without the variant.
    pub fn message(&self) -> &str {
        match self {
            ReconcileError::Transient(m) | ReconcileError::Terminal(m) => m,
        }
    }
}

macro_rules! wit_names {
    ($ty:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The WIT/OpenSearch name of this value, e.g. `green`.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wit_names!(HealthStatus { Green => "green", Yellow => "yellow", Red => "red" });
wit_names!(types::ReplicationState {
    Bootstrapping => "bootstrapping",
    Syncing => "syncing",
    Running => "running",
    Paused => "paused",
    Failed => "failed",
    Stopped => "stopped",
    NotInProgress => "not-in-progress",
});
wit_names!(types::StepStatus {
    Starting => "starting",
    ConditionNotMet => "condition_not_met",
    Failed => "failed",
    Completed => "completed",
    TimedOut => "timed_out",
});
