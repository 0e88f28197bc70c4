//! Running one plugin call in a fresh, limited store.
use std::time::{Duration, Instant};

use tracing::{debug, warn, Instrument};
use wasmtime::{Store, UpdateDeadline};

use super::engine::Engine;
use super::env::RunEnv;
use super::limits::Limits;
use super::outcome::{RunOutcome, RunReport, TrapKind};
use super::plugin::LoadedPlugin;
use super::store::HostState;
use crate::bindings::types::{Context, PluginInfo, ReconcileError};

/// Slack after the deadline before the host gives up on a run parked in a host call; the
/// epoch callback normally stops CPU-bound guests first.
const HOST_WAIT_SLACK: Duration = Duration::from_millis(200);

pub(super) fn new_store(
    engine: &Engine,
    env: RunEnv,
    limits: &Limits,
) -> wasmtime::Result<Store<HostState>> {
    let mut store = Store::new(engine.wasmtime(), HostState::new(env, limits));
    store.limiter(|s| &mut s.limiter);
    store.set_fuel(limits.fuel)?;
    store.fuel_async_yield_interval(Some(limits.fuel_yield_interval))?;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| {
        if Instant::now() >= ctx.data().deadline {
            Ok(UpdateDeadline::Interrupt)
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });
    Ok(store)
}

/// Log what the guest wrote to stdout/stderr, and what the host dropped.
fn flush_output(store: &Store<HostState>) {
    let s = store.data();
    let (text, dropped) = s.output.take();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        debug!(tenant = %s.env.tenant, plugin = %s.env.plugin, "guest: {line}");
    }
    if dropped > 0 || s.log_dropped > 0 {
        warn!(
            tenant = %s.env.tenant,
            plugin = %s.env.plugin,
            stdio_bytes_dropped = dropped,
            log_lines_dropped = s.log_dropped,
            "plugin output over its per-run cap was dropped"
        );
    }
}

fn trap_of(store: &Store<HostState>, err: &wasmtime::Error) -> (TrapKind, String) {
    let s = store.data();
    let past_deadline = s.slept_past_deadline;
    let kind = TrapKind::classify(err, s.limiter.denied, past_deadline);
    (kind, format!("{err:#}"))
}

fn fuel_used(store: &Store<HostState>, limits: &Limits) -> u64 {
    limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0))
}

/// Run `reconcile(ctx)` in a fresh instance and classify how it ended.
pub async fn reconcile(
    engine: &Engine,
    plugin: &LoadedPlugin,
    env: RunEnv,
    limits: &Limits,
    ctx: Context,
) -> RunReport {
    let span = tracing::info_span!("reconcile", tenant = %env.tenant, plugin = %env.plugin, version = %plugin.version);
    let started = Instant::now();
    let mut store = match new_store(engine, env, limits) {
        Ok(s) => s,
        Err(e) => {
            return RunReport {
                outcome: RunOutcome::Trap {
                    kind: TrapKind::HostError,
                    message: format!("{e:#}"),
                },
                fuel: 0,
                wall: started.elapsed(),
            }
        }
    };
    let call = async {
        let instance = plugin.pre.instantiate_async(&mut store).await?;
        instance.call_reconcile(&mut store, &ctx).await
    };
    let result = tokio::time::timeout(limits.deadline + HOST_WAIT_SLACK, call)
        .instrument(span)
        .await;
    let outcome = match result {
        Err(_elapsed) => RunOutcome::Trap {
            kind: TrapKind::Deadline,
            message: format!(
                "run exceeded its {:?} deadline while waiting in a host call",
                limits.deadline
            ),
        },
        Ok(Ok(Ok(action))) => RunOutcome::Ok {
            requeue_after_ms: action.requeue_after_ms,
            summary: action.summary,
        },
        Ok(Ok(Err(ReconcileError::Transient(message)))) => RunOutcome::Transient { message },
        Ok(Ok(Err(ReconcileError::Terminal(message)))) => RunOutcome::Terminal { message },
        Ok(Err(e)) => {
            let (kind, message) = trap_of(&store, &e);
            RunOutcome::Trap { kind, message }
        }
    };
    flush_output(&store);
    RunReport {
        outcome,
        fuel: fuel_used(&store, limits),
        wall: started.elapsed(),
    }
}

/// Call `describe()` in the sandbox with no clusters. A trap is returned with its kind.
pub async fn describe(
    engine: &Engine,
    plugin: &LoadedPlugin,
    limits: &Limits,
) -> Result<PluginInfo, (TrapKind, String)> {
    let env = RunEnv::isolated("-", "describe");
    let mut store =
        new_store(engine, env, limits).map_err(|e| (TrapKind::HostError, format!("{e:#}")))?;
    let call = async {
        let instance = plugin.pre.instantiate_async(&mut store).await?;
        instance.call_describe(&mut store).await
    };
    let result = tokio::time::timeout(limits.deadline + HOST_WAIT_SLACK, call).await;
    let out = match result {
        Err(_) => Err((
            TrapKind::Deadline,
            "describe() exceeded its deadline".to_string(),
        )),
        Ok(Ok(info)) => Ok(info),
        Ok(Err(e)) => Err(trap_of(&store, &e)),
    };
    flush_output(&store);
    out
}
