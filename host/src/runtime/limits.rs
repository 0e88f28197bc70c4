//! Per-run budgets and the memory limiter that enforces them per instance.
use std::time::Duration;

/// What one run may consume.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deterministic CPU budget (1e9 fuel is roughly 60–120 ms of CPU).
    pub fuel: u64,
    /// Yield to tokio every this much fuel, so a busy guest cannot starve the runtime.
    pub fuel_yield_interval: u64,
    /// Wall-clock deadline for the whole run, host calls and sleeps included.
    pub deadline: Duration,
    /// Linear memory per instance, summed over all its memories.
    pub memory_bytes: usize,
    /// Table elements per table.
    pub table_elements: usize,
    /// Core instances per component instance.
    pub instances: usize,
    /// The largest string or list a host call accepts.
    pub max_arg_bytes: usize,
    /// Bytes of guest stdout/stderr kept for the log per run; the rest is dropped and counted.
    pub stdio_bytes: usize,
    /// Log lines a run may emit through `log.emit`; the rest are dropped and counted.
    pub log_lines: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 5_000_000_000,
            fuel_yield_interval: 1_000_000,
            deadline: Duration::from_secs(5),
            memory_bytes: 64 << 20,
            table_elements: 100_000,
            instances: 64,
            max_arg_bytes: 4 << 20,
            stdio_bytes: 16 << 10,
            log_lines: 100,
        }
    }
}

/// Caps the sum of all memories of one instance. wasmtime asks per memory, so a component
/// with several core memories would otherwise get the cap once per memory.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_memory: usize,
    max_table: usize,
    max_instances: usize,
    /// Bytes granted so far, over all memories.
    pub(crate) used: usize,
    /// Set when a growth was refused: a following trap is then a `memory-limit`.
    pub(crate) denied: bool,
}

impl MemoryLimiter {
    pub fn new(l: &Limits) -> Self {
        Self {
            max_memory: l.memory_bytes,
            max_table: l.table_elements,
            max_instances: l.instances,
            used: 0,
            denied: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current);
        if self.used.saturating_add(growth) > self.max_memory {
            self.denied = true;
            return Ok(false);
        }
        self.used += growth;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table)
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_instances * 4
    }

    fn memories(&self) -> usize {
        self.max_instances
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn the_cap_is_summed_over_memories() {
        let mut l = MemoryLimiter::new(&Limits {
            memory_bytes: 100,
            ..Limits::default()
        });
        assert!(l.memory_growing(0, 60, None).unwrap());
        // A second memory may not take the cap again.
        assert!(!l.memory_growing(0, 60, None).unwrap());
        assert!(l.denied);
        assert!(l.memory_growing(0, 40, None).unwrap());
    }
}
