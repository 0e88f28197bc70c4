//! What each capability may touch of a run's store: one borrowed view per WIT interface
//! (as wasmtime's `wasi-config` does with `HasData`), handed to the generated
//! `add_to_linker` of that interface. A capability sees its view's fields and nothing else
//! of [`HostState`]: not the WASI context, the limiter or another interface's counters.
use std::time::Instant;

use wasmtime::component::HasData;

use super::env::RunEnv;
use super::store::HostState;

/// `cluster`, `ism` and `ccr`: the tenant's guarded cluster views and the argument cap.
pub struct ClusterView<'a> {
    pub env: &'a RunEnv,
    /// The largest string or list a host call accepts.
    pub max_arg_bytes: usize,
}

/// `log`: the tenant's identity and the run's line budget.
pub struct LogView<'a> {
    pub env: &'a RunEnv,
    /// Lines a run may emit.
    pub max_lines: u32,
    /// Lines emitted so far, and lines dropped over the cap.
    pub lines: &'a mut u32,
    pub dropped: &'a mut u32,
}

/// `clock`: the plugin's clock and the run's deadline.
pub struct ClockView<'a> {
    pub env: &'a RunEnv,
    pub deadline: Instant,
    /// Set when a sleep had to stop at the deadline, so the trap reads `deadline`.
    pub slept_past_deadline: &'a mut bool,
}

/// `metrics` and `state`: the run's environment (sink, state store, identity).
pub struct EnvView<'a> {
    pub env: &'a RunEnv,
}

/// `HasData` markers, one per view.
pub struct ClusterCap;
pub struct LogCap;
pub struct ClockCap;
pub struct EnvCap;

impl HasData for ClusterCap {
    type Data<'a> = ClusterView<'a>;
}
impl HasData for LogCap {
    type Data<'a> = LogView<'a>;
}
impl HasData for ClockCap {
    type Data<'a> = ClockView<'a>;
}
impl HasData for EnvCap {
    type Data<'a> = EnvView<'a>;
}

impl HostState {
    pub(super) fn cluster_view(&mut self) -> ClusterView<'_> {
        ClusterView {
            env: &self.env,
            max_arg_bytes: self.limits.max_arg_bytes,
        }
    }

    pub(super) fn log_view(&mut self) -> LogView<'_> {
        LogView {
            env: &self.env,
            max_lines: self.limits.log_lines,
            lines: &mut self.log_lines,
            dropped: &mut self.log_dropped,
        }
    }

    pub(super) fn clock_view(&mut self) -> ClockView<'_> {
        ClockView {
            env: &self.env,
            deadline: self.deadline,
            slept_past_deadline: &mut self.slept_past_deadline,
        }
    }

    pub(super) fn env_view(&mut self) -> EnvView<'_> {
        EnvView { env: &self.env }
    }
}
