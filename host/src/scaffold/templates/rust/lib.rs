//! {{name}}: a Lifeguard policy plugin.
//!
//! The host calls `describe` once when it loads the plugin, and `reconcile` on every tick, each
//! time in a fresh sandboxed instance: keep nothing in globals between runs (use the `state`
//! import for that). `wit/` is the contract; every import used below is documented there.

// `generate!` lives in its own module: with `pub_export_macro` the generated `export!` macro is
// exported at the crate root, where it would collide with the one a root-level `generate!`
// defines.
mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "wit",
        pub_export_macro: true,
        default_bindings_module: "crate::bindings",
    });
}

use bindings::lifeguard::plugin::types::{
    Action, Capability, Context, Error, HealthStatus, PluginInfo, ReconcileError,
};
use bindings::lifeguard::plugin::{cluster, log, metrics};

struct Plugin;

impl bindings::Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Reports the health of the tenant's default cluster".into(),
            // Ask only for what `reconcile` uses: the host grants no more than the tenant's
            // configuration allows, and `lifeguard check` shows this list to reviewers.
            capabilities: vec![Capability::ClusterRead, Capability::Metrics],
        }
    }

    fn reconcile(ctx: Context) -> Result<Action, ReconcileError> {
        // A configuration the plugin cannot use will not fix itself: `terminal` parks the job
        // until the plugin or its configuration is replaced.
        let config: serde_json::Value = serde_json::from_str(&ctx.config)
            .map_err(|e| ReconcileError::Terminal(format!("config is not JSON: {e}")))?;
        let warn_unassigned = match config.get("warn_unassigned") {
            None => 0,
            Some(v) => v.as_u64().ok_or_else(|| {
                ReconcileError::Terminal("config.warn_unassigned must be a whole number".into())
            })?,
        };

        // The first cluster is the tenant's default.
        let Some(alias) = ctx.clusters.first() else {
            return Err(ReconcileError::Terminal(
                "the tenant has no cluster to work on".into(),
            ));
        };

        // A host call's error is a value, never a trap. Most are worth retrying later.
        let health = cluster::health(alias).map_err(|e| transient("cluster health", e))?;

        let status = status_name(health.status);
        log::emit(
            log::Level::Info,
            &format!(
                "tenant {} tick {}: cluster {} ({alias}) is {status}, {} nodes, {} unassigned shards",
                ctx.tenant,
                ctx.tick,
                health.cluster_name,
                health.number_of_nodes,
                health.unassigned_shards
            ),
        );
        if u64::from(health.unassigned_shards) > warn_unassigned {
            log::emit(
                log::Level::Warn,
                &format!(
                    "{} unassigned shards on {alias} (warn_unassigned is {warn_unassigned})",
                    health.unassigned_shards
                ),
            );
        }
        // Exported as lifeguard_plugin_unassigned_shards{tenant,plugin,cluster}.
        metrics::gauge(
            "unassigned_shards",
            f64::from(health.unassigned_shards),
            &[("cluster".to_string(), alias.clone())],
        );

        Ok(Action {
            // `None`: run again after the job's configured interval.
            requeue_after_ms: None,
            summary: format!(
                "cluster {} is {status}: {} nodes, {} unassigned shards",
                health.cluster_name, health.number_of_nodes, health.unassigned_shards
            ),
        })
    }
}

fn status_name(s: HealthStatus) -> &'static str {
    match s {
        HealthStatus::Green => "green",
        HealthStatus::Yellow => "yellow",
        HealthStatus::Red => "red",
    }
}

/// A failed host call as a `transient` error: the host retries the job with backoff.
fn transient(what: &str, e: Error) -> ReconcileError {
    let (kind, message) = match e {
        Error::Denied(m) => ("denied", m),
        Error::NotFound(m) => ("not-found", m),
        Error::Conflict(m) => ("conflict", m),
        Error::Throttled(m) => ("throttled", m),
        Error::Unavailable(m) => ("unavailable", m),
        Error::Invalid(m) => ("invalid", m),
        Error::Other(m) => ("other", m),
    };
    ReconcileError::Transient(format!("{what}: {kind}: {message}"))
}

bindings::export!(Plugin);
