//! Bindings shared by the test guests, and small helpers.
#![allow(unsafe_code)]

// Inside a module: the exported world functions' macro is `#[macro_export]`ed to the crate
// root, where a root-level `generate!` would also `use` it under the same name.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../../../wit",
        pub_export_macro: true,
        default_bindings_module: "common::bindings",
    });
}

pub use bindings::export;
pub use bindings::lifeguard;
pub use bindings::{Action, Context, Guest, PluginInfo, ReconcileError};

pub use lifeguard::plugin::{ccr, clock, cluster, ism, log, metrics, state, types};

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
