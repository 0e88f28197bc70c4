//! The smallest useful Lifeguard plugin: reads cluster health and the tenant's indices,
//! records a gauge, and returns a summary.

use lifeguard_sdk::{metrics, Action, Capability, Context, Plugin, PluginInfo, ReconcileError};

struct Hello;

impl Plugin for Hello {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "hello",
            env!("CARGO_PKG_VERSION"),
            "Reports cluster health and index count",
        )
        .with_capabilities(&[Capability::ClusterRead, Capability::Metrics])
    }

    fn reconcile(ctx: &Context) -> Result<Action, ReconcileError> {
        let cluster = ctx.cluster();
        let health = cluster.health()?;
        let indices = cluster.indices("*")?;
        metrics::gauge(
            "indices",
            indices.len() as f64,
            &[("cluster", cluster.alias())],
        );
        Ok(Action::done(format!(
            "tenant {}: cluster {} is {}, {} indices",
            ctx.tenant(),
            health.cluster_name,
            health.status,
            indices.len()
        )))
    }
}

lifeguard_sdk::plugin!(Hello);
