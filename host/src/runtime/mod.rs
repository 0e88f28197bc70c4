//! The sandbox: an engine with fuel and epoch interruption, per-run stores with memory caps,
//! and the loaded plugin ready to instantiate.
//!
//! A run is: fresh `Store` → `instantiate_async` from the shared `InstancePre` → `reconcile`
//! → drop. A trapped instance is never reused (the component model poisons it).
mod engine;
mod env;
mod incremental;
mod limits;
mod outcome;
#[doc(hidden)]
pub mod phases;
mod plugin;
mod run;
mod state_file;
mod stdio;
mod store;
mod views;

pub use engine::{Engine, EngineConfig, PoolConfig};
pub use env::{
    Clock, MemoryState, MetricKind, MetricsSink, NoMetrics, ReasonCell, RunEnv, StateStore,
    SystemClock,
};
pub use incremental::DiskCacheStore;
pub use limits::Limits;
pub use outcome::{RunOutcome, RunReport, TrapKind};
pub use plugin::{content_version, LoadError, LoadedPlugin};
pub use run::{describe, reconcile};
pub use state_file::{FileState, MAX_TOTAL as MAX_STATE_TOTAL};
pub use store::HostState;
pub use views::{ClockView, ClusterView, EnvView, LogView};
