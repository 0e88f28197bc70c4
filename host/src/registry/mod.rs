//! The plugin directory: loading, versions (content hashes), hot reload and atomic swap.
//!
//! A plugin is known by its file name inside the directory. Loading compiles off the async
//! runtime, type-checks the imports, calls `describe()`, and only then swaps the new version
//! in (arc-swap): runs in flight keep the `Arc` of the version they started on. A file that
//! fails is rejected and the old version keeps serving. A removed file unloads its plugin.
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use tokio::sync::{broadcast, Semaphore};
use tracing::{error, info};

use crate::bindings::types::PluginInfo;
use crate::check::{check_bytes, CheckError};
use crate::runtime::{content_version, Engine, LoadedPlugin};

pub use watch::WatchHandle;

/// One loaded version of a plugin file.
#[derive(Debug)]
pub struct PluginVersion {
    pub file: String,
    pub plugin: LoadedPlugin,
    pub info: PluginInfo,
    pub loaded_at: SystemTime,
}

impl PluginVersion {
    /// The content hash.
    pub fn version(&self) -> &str {
        &self.plugin.version
    }
}

/// What happened to a plugin file.
#[derive(Debug, Clone, PartialEq)]
pub enum RegistryEvent {
    /// A new version is live.
    Loaded { file: String, version: String },
    /// A new file was refused; the previous version (if any) keeps serving.
    Rejected { file: String, error: String },
    /// The file is gone; its jobs stop after the run in flight.
    Removed { file: String },
}

/// Why a load failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Check(#[from] CheckError),
}

/// The loaded plugins, by file name.
pub struct Registry {
    engine: Engine,
    dir: PathBuf,
    current: ArcSwap<HashMap<String, Arc<PluginVersion>>>,
    /// Big guests take both cores for seconds: compile one at a time.
    compile_gate: Semaphore,
    events: broadcast::Sender<RegistryEvent>,
}

impl Registry {
    pub fn new(engine: Engine, dir: impl Into<PathBuf>) -> Arc<Self> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(Self {
            engine,
            dir: dir.into(),
            current: ArcSwap::from_pointee(HashMap::new()),
            compile_gate: Semaphore::new(1),
            events,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The live version of `file`.
    pub fn get(&self, file: &str) -> Option<Arc<PluginVersion>> {
        self.current.load().get(file).cloned()
    }

    /// Every live version.
    pub fn all(&self) -> Vec<Arc<PluginVersion>> {
        self.current.load().values().cloned().collect()
    }

    /// Events: loads, rejections, removals.
    pub fn subscribe(&self) -> broadcast::Receiver<RegistryEvent> {
        self.events.subscribe()
    }

    /// Load (or reload) `file` from the directory. Same content as the live version: nothing
    /// happens. A missing file unloads the plugin.
    pub async fn load(&self, file: &str) -> Result<Arc<PluginVersion>, RegistryError> {
        let path = self.dir.join(file);
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.remove(file);
                return Err(CheckError::Read {
                    path: path.display().to_string(),
                    source: e,
                }
                .into());
            }
            Err(source) => {
                return Err(CheckError::Read {
                    path: path.display().to_string(),
                    source,
                }
                .into())
            }
        };
        if let Some(live) = self.get(file) {
            if live.plugin.version == content_version(&bytes) {
                return Ok(live);
            }
        }
        let _permit = self.compile_gate.acquire().await;
        match check_bytes(&self.engine, &path.display().to_string(), bytes).await {
            Ok(report) => {
                let v = Arc::new(PluginVersion {
                    file: file.to_string(),
                    plugin: report.plugin,
                    info: report.info,
                    loaded_at: SystemTime::now(),
                });
                self.current.rcu(|m| {
                    let mut m = HashMap::clone(m);
                    m.insert(file.to_string(), v.clone());
                    m
                });
                info!(file, version = %v.version(), plugin = %v.info.name, "plugin version live");
                let _ = self.events.send(RegistryEvent::Loaded {
                    file: file.to_string(),
                    version: v.version().to_string(),
                });
                Ok(v)
            }
            Err(e) => {
                error!(file, error = %e, kept = ?self.get(file).map(|v| v.version().to_string()), "plugin rejected; the previous version keeps serving");
                let _ = self.events.send(RegistryEvent::Rejected {
                    file: file.to_string(),
                    error: e.to_string(),
                });
                Err(e.into())
            }
        }
    }

    /// Unload `file`.
    pub fn remove(&self, file: &str) {
        if self.get(file).is_none() {
            return;
        }
        self.current.rcu(|m| {
            let mut m = HashMap::clone(m);
            m.remove(file);
            m
        });
        info!(
            file,
            "plugin file removed; its jobs stop after the run in flight"
        );
        let _ = self.events.send(RegistryEvent::Removed {
            file: file.to_string(),
        });
    }
}
