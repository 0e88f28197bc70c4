//! The shared wasmtime engine, its linker, and the epoch ticker that bounds wall-clock time.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};

use super::store::HostState;
use super::views::{ClockCap, ClusterCap, EnvCap, LogCap};
use crate::bindings::{ccr, clock, cluster, ism, log, metrics, state, types};

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
    /// Cranelift's per-function cache file ([`super::DiskCacheStore`]): a new version of a
    /// big guest compiles only the functions that changed. `None` compiles everything.
    pub incremental_cache: Option<std::path::PathBuf>,
    /// Pre-reserved instance slots; `None` maps fresh memory and stacks for every run.
    pub pool: Option<PoolConfig>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_wasm_stack: 1 << 20,
            parallel_compilation: true,
            cache_dir: None,
            incremental_cache: None,
            pool: Some(PoolConfig::default()),
        }
    }
}

/// Sizing of the pooling allocator. Every run instantiates a fresh component, so reusing
/// reserved memory, tables and fiber stacks (instead of mmap/munmap per run) is most of the
/// per-run cost. The slots are address space, not resident memory; the per-run
/// [`super::Limits`] still cap what a guest may use.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Component instances alive at once: concurrent runs plus `describe` calls at load.
    /// One more fails to instantiate (a host error for that run), so size it above the
    /// scheduler's concurrency cap.
    pub instances: u32,
    /// Core instances one component may contain (Python and JS runtimes have several).
    pub core_instances_per_component: u32,
    /// Elements of one table (Python and JS runtimes have tables of tens of thousands).
    pub table_elements: usize,
    /// Bytes of each linear memory kept mapped when its slot is freed.
    /// Within them only the pages a run dirtied are reset (found with Linux's PAGEMAP_SCAN),
    /// so the next run in the slot takes no page faults there; beyond them, `madvise` resets.
    /// It costs up to this much resident memory per warm slot. Default 0: on this machine
    /// (`run_phases` bench, `9_reconcile_keep_resident_*`) keeping 1 or 16 MiB resident made a
    /// `probe` run no faster, since the reset then costs what the page faults did.
    pub keep_resident_bytes: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            instances: 128,
            core_instances_per_component: 64,
            table_elements: 100_000,
            keep_resident_bytes: 0,
        }
    }
}

impl PoolConfig {
    fn strategy(&self) -> wasmtime::InstanceAllocationStrategy {
        let mut p = wasmtime::PoolingAllocationConfig::new();
        let n = self.instances.max(1);
        p.total_component_instances(n)
            .total_stacks(n)
            // Average needs, not worst cases: a Rust guest has 1 core instance and memory,
            // componentize-py about a dozen instances and 2 memories.
            .total_core_instances(n.saturating_mul(16))
            .total_memories(n.saturating_mul(4))
            .total_tables(n.saturating_mul(16))
            .max_core_instances_per_component(self.core_instances_per_component)
            .max_memories_per_component(16)
            .max_tables_per_component(64)
            .table_elements(self.table_elements)
            // Metadata caps only (checked, not reserved): big runtimes export many functions.
            .max_core_instance_size(16 << 20)
            .max_component_instance_size(16 << 20)
            .linear_memory_keep_resident(self.keep_resident_bytes);
        wasmtime::InstanceAllocationStrategy::Pooling(p)
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
        if let Some(path) = &cfg.incremental_cache {
            let store = super::DiskCacheStore::open(path, super::incremental::DEFAULT_MAX_BYTES)
                .map_err(|e| {
                    anyhow::anyhow!("incremental compile cache {}: {e}", path.display())
                })?;
            c.enable_incremental_compilation(Arc::new(store))?;
        }
        let inner = match &cfg.pool {
            Some(pool) => {
                let mut pooled = c.clone();
                pooled.allocation_strategy(pool.strategy());
                // A pool reserves address space up front; where that is refused (a low
                // `ulimit -v`), run without one rather than not at all.
                wasmtime::Engine::new(&pooled).or_else(|e| {
                    tracing::warn!(error = %format!("{e:#}"), "pooling allocator unavailable; allocating per run");
                    wasmtime::Engine::new(&c)
                })?
            }
            None => wasmtime::Engine::new(&c)?,
        };
        let mut linker = Linker::<HostState>::new(&inner);
        // Python and JS guests import wasi:cli/io/clocks/random/filesystem; the context behind
        // them is empty (no preopens, env, args or network), see `store.rs`.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        // Each interface gets its own borrowed view of the store (`views.rs`).
        types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        cluster::add_to_linker::<_, ClusterCap>(&mut linker, HostState::cluster_view)?;
        ism::add_to_linker::<_, ClusterCap>(&mut linker, HostState::cluster_view)?;
        ccr::add_to_linker::<_, ClusterCap>(&mut linker, HostState::cluster_view)?;
        log::add_to_linker::<_, LogCap>(&mut linker, HostState::log_view)?;
        clock::add_to_linker::<_, ClockCap>(&mut linker, HostState::clock_view)?;
        metrics::add_to_linker::<_, EnvCap>(&mut linker, HostState::env_view)?;
        state::add_to_linker::<_, EnvCap>(&mut linker, HostState::env_view)?;
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
