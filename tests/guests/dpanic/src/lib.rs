//! Hostile: panics inside `describe()`.
use common::*;

struct DescribePanic;

impl common::Guest for DescribePanic {
    fn describe() -> PluginInfo {
        panic!("describe() refuses to describe");
    }

    fn reconcile(_ctx: Context) -> Result<Action, ReconcileError> {
        ok("never described")
    }
}

common::export!(DescribePanic with_types_in common::bindings);
