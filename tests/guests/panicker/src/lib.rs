//! Hostile: panics in `reconcile`, and in `describe` too when built with the env var
//! `PANIC_IN_DESCRIBE` set (tests use a config flag instead: describe has no input, so this
//! guest panics in describe only when its own name says so).
use common::*;

struct Panicker;

impl common::Guest for Panicker {
    fn describe() -> PluginInfo {
        info("panicker")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        panic!("tenant code panicked on purpose in tick {}", ctx.tick);
    }
}

common::export!(Panicker with_types_in common::bindings);
