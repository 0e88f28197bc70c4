//! The per-run store state: the sandboxed WASI context, the limiter, the deadline, and the
//! run's environment that capabilities act through.
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::env::RunEnv;
use super::limits::{Limits, MemoryLimiter};
use super::stdio::CappedOutput;

/// Data owned by one `Store`, i.e. one run of one plugin.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limiter: MemoryLimiter,
    /// The wall-clock deadline of this run.
    pub(super) deadline: Instant,
    pub(super) env: RunEnv,
    pub(super) limits: Limits,
    pub(super) log_lines: u32,
    pub(super) log_dropped: u32,
    pub(super) output: CappedOutput,
    /// Set by `clock.sleep` when it had to stop at the deadline.
    pub(super) slept_past_deadline: bool,
}

impl HostState {
    /// A fresh state with an empty WASI context: no preopens, environment, arguments or
    /// network; stdout and stderr captured with a cap.
    pub fn new(env: RunEnv, limits: &Limits) -> Self {
        let output = CappedOutput::new(limits.stdio_bytes);
        let wasi = WasiCtxBuilder::new()
            .stdout(output.clone())
            .stderr(output.clone())
            .allow_blocking_current_thread(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limits),
            deadline: Instant::now() + limits.deadline,
            env,
            limits: limits.clone(),
            log_lines: 0,
            log_dropped: 0,
            output,
            slept_past_deadline: false,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
