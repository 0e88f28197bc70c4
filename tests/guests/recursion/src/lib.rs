//! Hostile: recurses without end. Frames live in wasm locals (no arrays), so the native
//! wasm stack overflows rather than the shadow stack in linear memory.
use common::*;
use std::hint::black_box;

struct Recursion;

#[inline(never)]
fn dive(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    black_box(dive(black_box(depth + 1))).wrapping_add(depth)
}

impl common::Guest for Recursion {
    fn describe() -> PluginInfo {
        info("recursion")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        ok(format!("{}", dive(0)))
    }
}

common::export!(Recursion with_types_in common::bindings);
