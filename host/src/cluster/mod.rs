//! How the host talks to a cluster: the [`ClusterApi`] trait, its error type, and the
//! composed idempotent operations in [`ops`].
//!
//! The model types are the WIT records from [`crate::bindings`], so a value read from a
//! cluster reaches a plugin without another conversion layer. Everything that wraps a
//! cluster (the guard chain, the per-tick snapshot) implements the same trait, so they stack.
mod api;
mod error;
pub mod http;
pub mod ops;
pub mod parse;
mod policy_diff;

pub use api::{ClusterApi, DynCluster};
pub use error::ApiError;

/// The typed model shared by the client, the guard, the snapshot and the capabilities.
pub mod model {
    pub use crate::bindings::ccr::{ReplicationState, ReplicationStatus};
    pub use crate::bindings::cluster::{
        AliasAction, AliasAdd, AliasEntry, AliasRemove, AllocationExplanation, ClusterHealth,
        DeciderVerdict, DiskUsage, IndexRow, NodeDecision, NodeInfo, RawResponse, RolloverResult,
        ThreadPool,
    };
    pub use crate::bindings::ism::{
        ActionInfo, AttachReport, EnsureResult, ExplainEntry, FailedIndex, PolicyDoc, RetryInfo,
        StateInfo, StatusResponse, StepInfo, StepStatus, SyncReport,
    };
    pub use crate::bindings::types::HealthStatus;
}
