//! Well-behaved: makes the reads a typical policy plugin makes each tick (health, thread
//! pools, its indices, ISM explain) and reports what it saw.
use common::*;

struct Reader;

impl common::Guest for Reader {
    fn describe() -> PluginInfo {
        info("reader")
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        let c = ctx.clusters.first().cloned().unwrap_or_default();
        let t = |e: types::Error| ReconcileError::Transient(format!("{e:?}"));
        let health = cluster::health(&c).map_err(t)?;
        let pools = cluster::thread_pools(&c).map_err(t)?;
        let indices = cluster::indices(&c, "*").map_err(t)?;
        let managed = ism::explain(&c, "*").map_err(t)?;
        ok(format!(
            "{:?} pools={} indices={} explained={}",
            health.status,
            pools.len(),
            indices.len(),
            managed.len()
        ))
    }
}

common::export!(Reader with_types_in common::bindings);
