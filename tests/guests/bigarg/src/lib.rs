//! Hostile: passes a 100 MiB string to a host call; expects `invalid` back.
use common::*;

struct BigArg;

impl common::Guest for BigArg {
    fn describe() -> PluginInfo {
        info("bigarg")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let huge = "x".repeat(100 << 20);
        let cluster = ctx.clusters.first().cloned().unwrap_or_default();
        match cluster::indices(&cluster, &huge) {
            Err(types::Error::Invalid(m)) => Err(ReconcileError::Terminal(format!("invalid: {m}"))),
            Err(e) => Err(ReconcileError::Transient(format!("{e:?}"))),
            Ok(_) => ok("the host took a 100 MiB argument"),
        }
    }
}

common::export!(BigArg with_types_in common::bindings);
