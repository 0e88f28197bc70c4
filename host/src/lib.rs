//! # Layout
//!
//! Lifeguard runs tenant policy plugins (WebAssembly components) against OpenSearch clusters.
//! One tick: scheduler → per-cluster snapshot → fresh sandboxed plugin instance → host calls
//! through the guard chain → cluster client → OpenSearch (real or [`sim`]).
//!
//! | module         | job |
//! |----------------|-----|
//! | [`bindings`]   | the one `wasmtime::component::bindgen!` site for `wit/` |
//! | [`runtime`]    | engine (fuel, epochs, limits), per-run store state and its per-interface views, loading and running plugins |
//! | [`capability`] | one file per WIT interface: the generated `Host` traits implemented for each interface's view |
//! | [`cluster`]    | the [`cluster::ClusterApi`] trait, its typed model, and the HTTP client |
//! | [`guard`]      | tenant scope, circuit breaker, dry-run, mutation budget, the audit stream ([`guard::AuditSink`]) |
//! | [`snapshot`]   | the per-tick shared cluster snapshot |
//! | [`reconcile`]  | the scheduler (knows neither wasm nor HTTP) |
//! | [`coord`]      | `[coordination]`: replicas sharing tenants on etcd, with leases, ownership and the fence |
//! | [`daemon`]     | `lifeguard run`: wires config, registry, guard, snapshot and scheduler into one [`daemon::Host`] |
//! | [`registry`]   | plugin directory, hot reload, versions, atomic swap |
//! | [`telemetry`]  | Prometheus metrics, `/healthz`, `/readyz`, status page |
//! | [`config`]     | the TOML configuration and its validation (durations and sizes through [`units`]) |
//! | [`check`]      | `lifeguard check`: validate a component before it is ever scheduled |
//! | [`plan`]       | `lifeguard plan`: every plugin in dry-run, the would-be mutations by tenant |
//! | [`record`]     | `lifeguard record`: a live cluster, read-only, as a scenario; the field-by-field comparison of two clusters |
//! | [`tenant_test`] | `lifeguard test`: a plugin on the simulator from a scenario, its `[[expect]]` list checked, text or JUnit report |
//! | [`demo`]       | `lifeguard demo`: three tenants over two simulated days |
//! | [`scaffold`]   | `lifeguard new`: plugin project templates per language |
//! | [`cli`]        | one file per subcommand; `main.rs` only dispatches |
//!
//! Leaf modules, imported by the others and importing none of them:
//!
//! | module        | job |
//! |---------------|-----|
//! | [`time`]      | the one [`time::Clock`]: system, simulator and manual clocks; RFC 3339 |
//! | [`units`]     | durations and sizes, parsed one way for config and serde alike |
//! | [`pattern`]   | index patterns and expressions (`*`, `_all`, `-exclusions`), from `lifeguard-common` |
//! | `testing`     | test doubles (`FakeCluster`, temp dirs), for unit tests and, with the `test-support` feature, the end-to-end tests |
//!
//! Other crates of the workspace: [`sim`] (`lifeguard-sim`, the simulated OpenSearch pair
//! behind `lifeguard sim`, with a typed control surface, [`sim::SimHandle`]) and
//! `lifeguard-common` (index patterns and calendar arithmetic, shared by host and simulator).
pub mod bindings;
pub mod capability;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod coord;
pub mod daemon;
pub mod demo;
pub mod guard;
pub use lifeguard_common::pattern;
pub mod plan;
pub mod reconcile;
pub mod record;
pub mod registry;
pub mod runtime;
pub mod scaffold;
pub use lifeguard_sim as sim;
pub mod snapshot;
pub mod telemetry;
pub mod tenant_test;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod time;
pub mod units;
