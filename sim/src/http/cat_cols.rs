//! The `_cat` column tables: name, aliases, description, shown by default.

/// A column: name, alias, description, shown by default.
pub type Col = (&'static str, &'static str, &'static str, bool);

pub struct Table {
    pub cols: &'static [Col],
    pub rows: Vec<Vec<Option<String>>>,
}

pub const INDICES: &[Col] = &[
    ("health", "h", "current health status", true),
    ("status", "s", "open/close status", true),
    ("index", "i,idx", "index name", true),
    ("uuid", "id,uuid", "index uuid", true),
    (
        "pri",
        "p,shards.primary,shardsPrimary",
        "number of primary shards",
        true,
    ),
    (
        "rep",
        "r,shards.replica,shardsReplica",
        "number of replica shards",
        true,
    ),
    ("docs.count", "dc,docsCount", "available docs", true),
    ("docs.deleted", "dd,docsDeleted", "deleted docs", true),
    (
        "creation.date",
        "cd",
        "index creation date (millisecond value)",
        false,
    ),
    (
        "creation.date.string",
        "cds",
        "index creation date (as string)",
        false,
    ),
    (
        "store.size",
        "ss,storeSize",
        "store size of primaries & replicas",
        true,
    ),
    ("pri.store.size", "", "store size of primaries", true),
];
pub const ALLOCATION: &[Col] = &[
    ("shards", "s", "number of shards on node", true),
    (
        "disk.indices",
        "di,diskIndices",
        "disk used by ES indices",
        true,
    ),
    (
        "disk.used",
        "du,diskUsed",
        "disk used (total, not just ES)",
        true,
    ),
    ("disk.avail", "da,diskAvail", "disk available", true),
    (
        "disk.total",
        "dt,diskTotal",
        "total capacity of all volumes",
        true,
    ),
    ("disk.percent", "dp,diskPercent", "percent disk used", true),
    ("host", "h", "host of node", true),
    ("ip", "", "ip of node", true),
    ("node", "n", "name of node", true),
];
pub const NODES: &[Col] = &[
    ("id", "nodeId", "unique node id", false),
    ("ip", "i", "ip address", true),
    ("heap.percent", "hp,heapPercent", "used heap ratio", true),
    ("ram.percent", "rp,ramPercent", "used machine memory ratio", true),
    ("cpu", "", "recent cpu usage", true),
    ("load_1m", "l", "1m load avg", true),
    ("load_5m", "l", "5m load avg", true),
    ("load_15m", "l", "15m load avg", true),
    ("disk.total", "dt,diskTotal", "total disk space", false),
    ("disk.used", "du,diskUsed", "used disk space", false),
    ("disk.avail", "d,da,disk,diskAvail", "available disk space", false),
    ("disk.used_percent", "dup,diskUsedPercent", "used disk space percentage", false),
    ("node.role", "r,role,nodeRole", "m:cluster manager eligible node, d:data node, i:ingest node, r:remote cluster client node, -:coordinating node only", true),
    ("node.roles", "rs,all roles", "node roles", true),
    ("cluster_manager", "m", "*:current cluster manager", true),
    ("name", "n", "node name", true),
];
pub const THREAD_POOL: &[Col] = &[
    ("node_name", "nn", "node name", true),
    ("node_id", "id", "persistent node id", false),
    ("ephemeral_node_id", "eid", "ephemeral node id", false),
    ("pid", "p", "process id", false),
    ("host", "h", "host name", false),
    ("ip", "i", "ip address", false),
    ("port", "po", "bound transport port", false),
    ("name", "n", "thread pool name", true),
    ("type", "t", "thread pool type", false),
    ("active", "a", "number of active threads", true),
    ("pool_size", "psz", "number of threads", false),
    ("queue", "q", "number of tasks currently in queue", true),
    (
        "queue_size",
        "qs",
        "maximum number of tasks permitted in queue",
        false,
    ),
    ("rejected", "r", "number of rejected tasks", true),
    (
        "largest",
        "l",
        "highest number of seen active threads",
        false,
    ),
    ("completed", "c", "number of completed tasks", false),
    (
        "core",
        "cr",
        "core number of threads in a scaling thread pool",
        false,
    ),
    (
        "max",
        "mx",
        "maximum number of threads in a scaling thread pool",
        false,
    ),
    (
        "size",
        "sz",
        "number of threads in a fixed thread pool",
        false,
    ),
    ("keep_alive", "ka", "thread keep alive time", false),
    (
        "total_wait_time",
        "twt",
        "total time tasks spent waiting in this thread_pool queue",
        false,
    ),
];
pub const SHARDS: &[Col] = &[
    ("index", "i,idx", "index name", true),
    ("shard", "s,sh", "shard name", true),
    (
        "prirep",
        "p,pr,primaryOrReplica",
        "primary or replica",
        true,
    ),
    ("state", "st", "shard state", true),
    ("docs", "d,dc", "number of docs in shard", true),
    (
        "store",
        "sto",
        "store size of shard (how much disk it uses)",
        true,
    ),
    ("ip", "", "ip of node where it lives", true),
    ("id", "", "unique id of node where it lives", false),
    ("node", "n", "name of node where it lives", true),
    (
        "unassigned.reason",
        "ur",
        "reason shard is unassigned",
        false,
    ),
    (
        "unassigned.at",
        "ua",
        "time shard became unassigned (UTC)",
        false,
    ),
];
pub const ALIASES: &[Col] = &[
    ("alias", "a", "alias name", true),
    ("index", "i,idx", "index alias points to", true),
    ("filter", "f,fi", "filter", true),
    ("routing.index", "ri,routingIndex", "index routing", true),
    ("routing.search", "rs,routingSearch", "search routing", true),
    ("is_write_index", "w,isWriteIndex", "write index", true),
];
pub const HEALTH: &[Col] = &[
    ("epoch", "t,time", "seconds since 1970-01-01 00:00:00", true),
    ("timestamp", "ts,hms,hhmmss", "time in HH:MM:SS", true),
    ("cluster", "cl", "cluster name", true),
    ("status", "st", "health status", true),
    ("node.total", "nt,nodeTotal", "total number of nodes", true),
    (
        "node.data",
        "nd,nodeData",
        "number of nodes that can store data",
        true,
    ),
    (
        "discovered_cluster_manager",
        "dcm",
        "cluster manager is discovered",
        true,
    ),
    (
        "shards",
        "t,sh,shards.total,shardsTotal",
        "total number of shards",
        true,
    ),
    (
        "pri",
        "p,shards.primary,shardsPrimary",
        "number of primary shards",
        true,
    ),
    (
        "relo",
        "r,shards.relocating,shardsRelocating",
        "number of relocating nodes",
        true,
    ),
    (
        "init",
        "i,shards.initializing,shardsInitializing",
        "number of initializing nodes",
        true,
    ),
    (
        "unassign",
        "u,shards.unassigned,shardsUnassigned",
        "number of unassigned shards",
        true,
    ),
    (
        "pending_tasks",
        "pt,pendingTasks",
        "number of pending tasks",
        true,
    ),
    (
        "max_task_wait_time",
        "mtwt,maxTaskWaitTime",
        "wait time of longest task pending",
        true,
    ),
    (
        "active_shards_percent",
        "asp,activeShardsPercent",
        "active number of shards in percent",
        true,
    ),
];
