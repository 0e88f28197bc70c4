//! The shared wasmtime engine, its linker, and the epoch ticker that bounds wall-clock time.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};

use super::store::HostState;
use crate::bindings::Plugin;

/// How often the epoch advances. Spin uses the same 10 ms tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Engine-wide settings. Per-run budgets live in [`super::Limits`].
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Max native stack a guest may use before `stack-overflow`.
    pub max_wasm_stack: usize,
    /// Compile with all cores; off leaves a core for the scheduler during big compiles.
    pub parallel_compilation: bool,
    /// Where compiled code is cached, keyed by content hash, wasmtime version and engine
    /// settings, so a restart does not compile again. Only the host writes there.
    pub cache_dir: Option<std::path::PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_wasm_stack: 1 << 20,
            parallel_compilation: true,
            cache_dir: None,
        }
    }
}

/// The engine, the linker with every host interface, and the epoch ticker.
/// Cheap to clone; the ticker stops when the last clone is dropped or on [`Engine::shutdown`].
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    linker: Arc<Linker<HostState>>,
    ticker: Arc<Ticker>,
}

impl Engine {
    /// Build the engine (fuel + epochs + async) and link WASI p2 and the plugin world.
    pub fn new(cfg: &EngineConfig) -> anyhow::Result<Self> {
        let mut c = wasmtime::Config::new();
        c.wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(cfg.max_wasm_stack)
            .async_stack_size(cfg.max_wasm_stack + (1 << 20))
            .parallel_compilation(cfg.parallel_compilation);
        if let Some(dir) = &cfg.cache_dir {
            std::fs::create_dir_all(dir)?;
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            c.cache(Some(wasmtime::Cache::new(cache)?));
        }
        let inner = wasmtime::Engine::new(&c)?;
        let mut linker = Linker::<HostState>::new(&inner);
        // Python and JS guests import wasi:cli/io/clocks/random/filesystem; the context behind
        // them is empty (no preopens, env, args or network), see `store.rs`.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        let ticker = Arc::new(Ticker::start(inner.weak()));
        Ok(Self {
            inner,
            linker: Arc::new(linker),
            ticker,
        })
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner
    }

    /// The linker holding every import the host provides.
    pub fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// Stop the epoch ticker. Runs still in flight can then no longer time out, so call this
    /// only after the scheduler has drained.
    pub fn shutdown(&self) {
        self.ticker.stop();
    }
}

/// A thread that advances the engine's epoch every [`EPOCH_TICK`].
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Ticker {
    fn start(engine: wasmtime::EngineWeak) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("lifeguard-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    // A weak handle: the thread ends by itself once the engine is gone.
                    match engine.upgrade() {
                        Some(e) => e.increment_epoch(),
                        None => break,
                    }
                }
            })
            .ok();
        Self {
            stop,
            handle: std::sync::Mutex::new(handle),
        }
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Ok(mut h) = self.handle.lock() {
            if let Some(h) = h.take() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
