//! Hostile: sleeps far past any deadline.
use common::*;

struct Sleeper;

impl common::Guest for Sleeper {
    fn describe() -> PluginInfo {
        info("sleeper")
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        clock::sleep(3_600_000);
        ok("woke up")
    }
}

common::export!(Sleeper with_types_in common::bindings);
