//! The plugin directory: loading, versions (content hashes), hot reload and atomic swap.
//!
//! A plugin is known by its file name inside the directory. Loading compiles off the async
//! runtime, type-checks the imports, calls `describe()`, and only then swaps the new version
//! in (arc-swap): runs in flight keep the `Arc` of the version they started on. A file that
//! fails is rejected and the old version keeps serving. A removed file unloads its plugin.
//!
//! Compiled code is shared by content hash: a file whose bytes match a version still alive
//! (under any file name) reuses its `Component` and `InstancePre` instead of compiling again.
//! The index holds weak references only, so a version nothing uses is dropped with its code.
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
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
    /// Live versions by content hash, weakly: what a new file with the same bytes reuses.
    by_hash: Mutex<HashMap<String, Weak<PluginVersion>>>,
    compiles: AtomicU64,
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
            by_hash: Mutex::new(HashMap::new()),
            compiles: AtomicU64::new(0),
        })
    }

    /// Plugin files compiled since start (a file sharing another's code does not count).
    pub fn compiles(&self) -> u64 {
        self.compiles.load(Ordering::Relaxed)
    }

    /// A live version with these bytes, under any file name; dead entries are pruned.
    fn twin(&self, version: &str) -> Option<Arc<PluginVersion>> {
        let mut index = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        index.retain(|_, w| w.strong_count() > 0);
        index.get(version).and_then(Weak::upgrade)
    }

    /// Make `v` the live version of its file and announce it.
    fn publish(&self, v: Arc<PluginVersion>) -> Arc<PluginVersion> {
        self.by_hash
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(v.version().to_string(), Arc::downgrade(&v));
        self.current.rcu(|m| {
            let mut m = HashMap::clone(m);
            m.insert(v.file.clone(), v.clone());
            m
        });
        info!(file = %v.file, version = %v.version(), plugin = %v.info.name, "plugin version live");
        let _ = self.events.send(RegistryEvent::Loaded {
            file: v.file.clone(),
            version: v.version().to_string(),
        });
        v
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
        let version = content_version(&bytes);
        if let Some(live) = self.get(file) {
            if live.plugin.version == version {
                return Ok(live);
            }
        }
        let _permit = self.compile_gate.acquire().await;
        // Same bytes as a version alive under another name: the same checks would pass.
        if let Some(twin) = self.twin(&version) {
            return Ok(self.publish(Arc::new(PluginVersion {
                file: file.to_string(),
                plugin: twin.plugin.clone(),
                info: twin.info.clone(),
                loaded_at: SystemTime::now(),
            })));
        }
        self.compiles.fetch_add(1, Ordering::Relaxed);
        match check_bytes(&self.engine, &path.display().to_string(), bytes).await {
            Ok(report) => Ok(self.publish(Arc::new(PluginVersion {
                file: file.to_string(),
                plugin: report.plugin,
                info: report.info,
                loaded_at: SystemTime::now(),
            }))),
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
