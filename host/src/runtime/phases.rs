//! One run taken apart, for the per-run cost breakdown (`host/benches/run_phases.rs`). Each
//! step is the code [`super::reconcile`] runs, not a copy of it, so the parts add up to the
//! whole. Not an API for plugins or the daemon.
use wasmtime::Store;

use super::engine::Engine;
use super::env::RunEnv;
use super::limits::Limits;
use super::plugin::LoadedPlugin;
use super::store::HostState;
use crate::bindings::types::Context;
use crate::bindings::Plugin;

/// The run's store data: the WASI context, the limiter and the output cap.
pub fn host_state(env: RunEnv, limits: &Limits) -> HostState {
    HostState::new(env, limits)
}

/// A store ready to run in: [`host_state`] plus the limiter, fuel and epoch deadline.
pub fn store(engine: &Engine, env: RunEnv, limits: &Limits) -> wasmtime::Result<Store<HostState>> {
    super::run::new_store(engine, env, limits)
}

/// A fresh instance from the plugin's `InstancePre`.
pub async fn instantiate(
    store: &mut Store<HostState>,
    plugin: &LoadedPlugin,
) -> wasmtime::Result<Plugin> {
    plugin.pre.instantiate_async(store).await
}

/// One `reconcile` call on an instance; `Ok(true)` when the guest answered `ok`.
pub async fn call_reconcile(
    store: &mut Store<HostState>,
    instance: &Plugin,
    ctx: &Context,
) -> wasmtime::Result<bool> {
    Ok(instance.call_reconcile(store, ctx).await?.is_ok())
}
