//! Bindings shared by the test guests, and small helpers.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    world: "plugin",
    path: "../../../wit",
    pub_export_macro: true,
    export_macro_name: "export",
});

pub use lifeguard::plugin::{ccr, clock, cluster, ism, log, metrics, state, types};
pub use types::{Action, Context, PluginInfo, ReconcileError};

/// A `plugin-info` with no capabilities.
pub fn info(name: &str) -> PluginInfo {
    PluginInfo {
        name: name.into(),
        version: "0.1.0".into(),
        description: format!("test guest {name}"),
        capabilities: vec![types::Capability::ClusterRead],
    }
}

/// An `ok` action with a summary.
pub fn ok(summary: impl Into<String>) -> Result<Action, ReconcileError> {
    Ok(Action {
        requeue_after_ms: None,
        summary: summary.into(),
    })
}
