//! A plugin file turned into something the host can instantiate cheaply, many times.
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::Component;

use super::engine::Engine;
use super::store::HostState;
use crate::bindings::PluginPre;

/// Interfaces a plugin may import. WASI pieces that Python and JS runtimes need are linked
/// with an empty context; sockets, HTTP and anything else are refused at load time.
const ALLOWED_IMPORT_PREFIXES: &[&str] = &[
    "lifeguard:plugin/",
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

/// Why a file cannot become a plugin. Each message is one line naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a WebAssembly file (no `\\0asm` magic at the start)")]
    NotWasm,
    #[error("a core WebAssembly module, not a component: build for wasm32-wasip2 or run it through `wasm-tools component new`")]
    CoreModule,
    #[error("not a valid component: {0}")]
    Invalid(String),
    #[error("imports `{0}`, which the host does not provide to plugins")]
    ForbiddenImport(String),
    #[error("targets `{found}`, but this host implements lifeguard:plugin@0.1.x")]
    WrongVersion { found: String },
    #[error("does not implement world lifeguard:plugin/plugin@0.1.x: {0}")]
    WrongWorld(String),
}

/// A compiled, type-checked plugin version. Cloning shares the compiled code.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub(crate) pre: PluginPre<HostState>,
    /// First 16 hex digits of the SHA-256 of the file: the plugin's version identity.
    pub version: String,
    pub size_bytes: usize,
    pub compile_time: Duration,
    /// Every import the component declares, sorted.
    pub imports: Vec<String>,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("version", &self.version)
            .field("size_bytes", &self.size_bytes)
            .finish()
    }
}

/// The content hash used as a plugin version.
pub fn content_version(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

impl LoadedPlugin {
    /// Validate, compile and pre-instantiate. CPU-heavy for big guests: call it from
    /// `spawn_blocking`.
    pub fn load(engine: &Engine, bytes: &[u8]) -> Result<Self, LoadError> {
        check_header(bytes)?;
        let started = Instant::now();
        let component = Component::new(engine.wasmtime(), bytes)
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        let compile_time = started.elapsed();
        let imports = check_imports(engine, &component)?;
        let instance_pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        let pre =
            PluginPre::new(instance_pre).map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        Ok(Self {
            pre,
            version: content_version(bytes),
            size_bytes: bytes.len(),
            compile_time,
            imports,
        })
    }
}

/// Tell non-wasm and core modules apart before wasmtime tries to parse them (it would read
/// any text as WAT and give a confusing message).
fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm);
    }
    match bytes[4..8] {
        [1, 0, 0, 0] => Err(LoadError::CoreModule),
        [0x0d, 0, 1, 0] => Ok(()),
        _ => Err(LoadError::Invalid(format!(
            "unknown binary version {:02x?}",
            &bytes[4..8]
        ))),
    }
}

fn check_imports(engine: &Engine, component: &Component) -> Result<Vec<String>, LoadError> {
    let ty = component.component_type();
    let mut names = Vec::new();
    for (name, item) in ty.imports(engine.wasmtime()) {
        if !matches!(item.ty, ComponentItem::ComponentInstance(_)) {
            return Err(LoadError::ForbiddenImport(name.to_string()));
        }
        if !ALLOWED_IMPORT_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return Err(LoadError::ForbiddenImport(name.to_string()));
        }
        if let Some(rest) = name.strip_prefix("lifeguard:plugin/") {
            let version = rest.split_once('@').map(|(_, v)| v).unwrap_or("");
            if !version.starts_with("0.1.") {
                return Err(LoadError::WrongVersion {
                    found: name.to_string(),
                });
            }
        }
        names.push(name.to_string());
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_told_apart() {
        assert!(matches!(
            check_header(b"hello world"),
            Err(LoadError::NotWasm)
        ));
        assert!(matches!(
            check_header(b"\0asm\x01\0\0\0"),
            Err(LoadError::CoreModule)
        ));
        assert!(check_header(b"\0asm\x0d\0\x01\0").is_ok());
        assert!(matches!(check_header(b"\0asm"), Err(LoadError::NotWasm)));
    }

    #[test]
    fn versions_are_stable_content_hashes() {
        assert_eq!(content_version(b"a"), content_version(b"a"));
        assert_ne!(content_version(b"a"), content_version(b"b"));
        assert_eq!(content_version(b"a").len(), 16);
    }
}
