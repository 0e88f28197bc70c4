//! The one `bindgen!` site: Rust types and traits generated from `wit/`.
//!
//! Every import is async and trappable: a host function returns `wasmtime::Result<T>`, where
//! `Err` is a trap (host bug or guest abuse) and `Ok(Err(error))` is a typed WIT error.
wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { default: async | trappable },
    exports: { default: async },
    additional_derives: [PartialEq, serde::Serialize],
});

pub use self::lifeguard::plugin::{ccr, clock, cluster, ism, log, metrics, state, types};
