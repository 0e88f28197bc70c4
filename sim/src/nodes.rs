//! Nodes: attributes, disks and thread pools (with the real default sizes and a load model).
use std::collections::BTreeMap;

/// A fixed or scaling thread pool with its live counters.
#[derive(Debug, Clone)]
pub struct Pool {
    pub name: &'static str,
    pub kind: &'static str,
    pub size: u32,
    pub core: u32,
    pub queue_size: i64,
    pub active: u32,
    pub queue: u64,
    pub rejected: u64,
    pub largest: u32,
    pub completed: u64,
    /// Held full by a saturation fault until this sim time.
    pub saturated_until: Option<i64>,
}

impl Pool {
    fn new(name: &'static str, kind: &'static str, size: u32, core: u32, queue_size: i64) -> Self {
        Self {
            name,
            kind,
            size,
            core,
            queue_size,
            active: 0,
            queue: 0,
            rejected: 0,
            largest: core.min(size),
            completed: 0,
            saturated_until: None,
        }
    }

    pub fn is_saturated(&self, now: i64) -> bool {
        if self.saturated_until.is_some_and(|t| t > now) {
            return true;
        }
        self.queue_size >= 0 && self.queue >= self.queue_size as u64 && self.active >= self.size
    }

    /// The live thread count: fixed pools are always at size, scaling ones grow with load.
    pub fn threads(&self) -> u32 {
        if self.kind == "fixed" || self.kind == "resizable" {
            self.size
        } else {
            self.largest.max(self.core).min(self.size)
        }
    }

    /// Applies an offered load (tasks that want a thread, this instant) and a duration.
    pub fn apply_load(&mut self, demand: f64, dt_ms: i64, now: i64) {
        if self.saturated_until.is_some_and(|t| t > now) {
            self.active = self.size;
            self.queue = self.queue_size.max(0) as u64;
            self.largest = self.size;
            return;
        }
        self.saturated_until = None;
        let size = f64::from(self.size);
        self.active = demand.min(size).ceil() as u32;
        let excess = (demand - size).max(0.0);
        // A queue grows with the excess demand; anything past capacity is rejected.
        let want_queue = (excess * 100.0) as u64;
        if self.queue_size >= 0 && want_queue > self.queue_size as u64 {
            let over = want_queue - self.queue_size as u64;
            self.rejected += (over as f64 * dt_ms as f64 / 1000.0).ceil() as u64;
            self.queue = self.queue_size as u64;
        } else {
            self.queue = want_queue;
        }
        self.largest = self.largest.max(self.active);
        self.completed += (demand.min(size) * dt_ms as f64 / 10.0) as u64;
    }
}

/// The pools of a node with `p` allocated processors (`ThreadPool.java` defaults).
pub fn default_pools(p: u32) -> Vec<Pool> {
    let half = p.div_ceil(2);
    vec![
        Pool::new("analyze", "fixed", 1, 1, 16),
        Pool::new("fetch_shard_started", "scaling", 2 * p, 1, -1),
        Pool::new("fetch_shard_store", "scaling", 2 * p, 1, -1),
        Pool::new("flush", "scaling", half.min(5), 1, -1),
        Pool::new("force_merge", "fixed", 1, 1, -1),
        Pool::new("generic", "scaling", (4 * p).max(128), 4, -1),
        Pool::new("get", "fixed", p, p, 1000),
        Pool::new("management", "scaling", 5, 1, -1),
        Pool::new("refresh", "scaling", half.min(10), 1, -1),
        Pool::new("search", "resizable", p * 3 / 2 + 1, p * 3 / 2 + 1, 1000),
        Pool::new("snapshot", "scaling", half.min(5), 1, -1),
        Pool::new("system_read", "fixed", half.min(5), half.min(5), 2000),
        Pool::new("system_write", "fixed", half.min(5), half.min(5), 1000),
        Pool::new("warmer", "scaling", half.min(5), 1, -1),
        Pool::new("write", "fixed", p, p, 10000),
    ]
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub ip: String,
    pub transport_port: u16,
    pub roles: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub disk_total: u64,
    /// Bytes used by things other than shards (the OS, other data, a disk-fill fault).
    pub disk_other: u64,
    pub up: bool,
    pub processors: u32,
    pub pools: Vec<Pool>,
    pub heap_percent: u32,
    /// Bytes of shard data, refreshed by the disk monitor.
    pub shard_bytes: u64,
}

impl Node {
    pub fn new(id: String, name: &str, index: usize, processors: u32) -> Self {
        Self {
            id,
            name: name.to_string(),
            ip: "127.0.0.1".to_string(),
            transport_port: 9300 + index as u16,
            roles: vec![
                "cluster_manager".to_string(),
                "data".to_string(),
                "ingest".to_string(),
                "remote_cluster_client".to_string(),
            ],
            attributes: BTreeMap::new(),
            disk_total: 100 * (1 << 30),
            disk_other: 5 * (1 << 30),
            up: true,
            processors,
            pools: default_pools(processors),
            heap_percent: 35,
            shard_bytes: 0,
        }
    }

    pub fn disk_used(&self) -> u64 {
        (self.disk_other + self.shard_bytes).min(self.disk_total)
    }

    pub fn disk_percent(&self) -> f64 {
        if self.disk_total == 0 {
            return 100.0;
        }
        self.disk_used() as f64 * 100.0 / self.disk_total as f64
    }

    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }

    pub fn pool_mut(&mut self, name: &str) -> Option<&mut Pool> {
        self.pools.iter_mut().find(|p| p.name == name)
    }

    pub fn transport_address(&self) -> String {
        format!("{}:{}", self.ip, self.transport_port)
    }

    pub fn role_letters(&self) -> String {
        let mut s = String::new();
        for r in &self.roles {
            match r.as_str() {
                "data" => s.push('d'),
                "ingest" => s.push('i'),
                "cluster_manager" => s.push('m'),
                "remote_cluster_client" => s.push('r'),
                _ => {}
            }
        }
        s
    }
}
