//! # Layout
//!
//! Lifeguard runs tenant policy plugins (WebAssembly components) against OpenSearch clusters.
//! One tick: scheduler → per-cluster snapshot → fresh sandboxed plugin instance → host calls
//! through the guard chain → cluster client → OpenSearch (real or [`sim`]).
//!
//! | module         | job |
//! |----------------|-----|
//! | [`bindings`]   | the one `wasmtime::component::bindgen!` site for `wit/` |
//! | [`runtime`]    | engine (fuel, epochs, limits), per-run store state, loading and running plugins |
//! | [`capability`] | one file per WIT interface: the generated `Host` traits implemented for the store |
//! | [`cluster`]    | the [`cluster::ClusterApi`] trait, its typed model, and the HTTP client |
//! | [`guard`]      | tenant scope, circuit breaker, dry-run, mutation budget, audit log |
//! | [`snapshot`]   | the per-tick shared cluster snapshot |
//! | [`pattern`]    | index patterns and expressions (`*`, `_all`, `-exclusions`), matched one way everywhere |
//! | [`reconcile`]  | the scheduler (knows neither wasm nor HTTP) |
//! | [`daemon`]     | `lifeguard run`: wires config, registry, guard, snapshot and scheduler into one host |
//! | [`registry`]   | plugin directory, hot reload, versions, atomic swap |
//! | [`telemetry`]  | Prometheus metrics, `/healthz`, `/readyz`, status page |
//! | [`config`]     | the TOML configuration and its validation |
//! | [`check`]      | `lifeguard check`: validate a component before it is ever scheduled |
//! | [`plan`]       | `lifeguard plan`: every plugin in dry-run, the would-be mutations by tenant |
//! | [`sim`]        | the simulated OpenSearch cluster (`lifeguard sim`) |
//! | [`demo`]       | `lifeguard demo`: three tenants over two simulated days |
//! | [`scaffold`]   | `lifeguard new`: plugin project templates per language |
//! | [`cli`]        | one file per subcommand; `main.rs` only dispatches |
pub mod bindings;
pub mod capability;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod guard;
pub use lifeguard_common::pattern;
pub mod plan;
pub mod reconcile;
pub mod registry;
pub mod runtime;
pub mod scaffold;
pub use lifeguard_sim as sim;
pub mod snapshot;
pub mod telemetry;
pub mod time;
pub mod units;
