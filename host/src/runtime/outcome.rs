//! The typed end of every run.
use std::time::Duration;

use wasmtime::Trap;

/// Why a run was stopped by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapKind {
    /// The fuel budget was spent (a CPU loop).
    OutOfFuel,
    /// The wall-clock deadline passed (a loop between yields, a long sleep or host wait).
    Deadline,
    /// Memory growth past the cap was refused and the guest died of it.
    MemoryLimit,
    /// The guest's stack overflowed.
    StackOverflow,
    /// The guest trapped by itself: a panic, `unreachable`, an unhandled exception.
    GuestPanic,
    /// The host failed; a bug on our side, not the plugin's.
    HostError,
}

impl TrapKind {
    /// Every kind, in declaration order.
    pub const ALL: [TrapKind; 6] = [
        TrapKind::OutOfFuel,
        TrapKind::Deadline,
        TrapKind::MemoryLimit,
        TrapKind::StackOverflow,
        TrapKind::GuestPanic,
        TrapKind::HostError,
    ];

    /// The label used in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            TrapKind::OutOfFuel => "out-of-fuel",
            TrapKind::Deadline => "deadline",
            TrapKind::MemoryLimit => "memory-limit",
            TrapKind::StackOverflow => "stack-overflow",
            TrapKind::GuestPanic => "guest-panic",
            TrapKind::HostError => "host-error",
        }
    }

    /// Classify the error a call returned. `memory_denied` is whether the limiter refused a
    /// growth during the run: a guest that then aborts died of the memory cap.
    pub fn classify(err: &wasmtime::Error, memory_denied: bool, past_deadline: bool) -> Self {
        if past_deadline {
            return TrapKind::Deadline;
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => TrapKind::OutOfFuel,
            Some(Trap::Interrupt) => TrapKind::Deadline,
            Some(Trap::StackOverflow) => TrapKind::StackOverflow,
            Some(_) if memory_denied => TrapKind::MemoryLimit,
            Some(_) => TrapKind::GuestPanic,
            None if memory_denied => TrapKind::MemoryLimit,
            // Guests that catch the failed growth report it as an error string, not a trap.
            None => TrapKind::HostError,
        }
    }
}

impl std::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum RunOutcome {
    /// `reconcile` returned `ok(action)`.
    Ok {
        requeue_after_ms: Option<u64>,
        summary: String,
    },
    /// `reconcile` returned `transient`.
    Transient { message: String },
    /// `reconcile` returned `terminal`.
    Terminal { message: String },
    /// The host stopped the run.
    Trap { kind: TrapKind, message: String },
}

impl RunOutcome {
    /// The `result` label of `reconcile_total`.
    pub fn label(&self) -> &'static str {
        match self {
            RunOutcome::Ok { .. } => "ok",
            RunOutcome::Transient { .. } => "transient",
            RunOutcome::Terminal { .. } => "terminal",
            RunOutcome::Trap { .. } => "trap",
        }
    }
}

/// An outcome with what the run cost.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    pub outcome: RunOutcome,
    pub fuel: u64,
    pub wall: Duration,
}
