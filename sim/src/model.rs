//! The simulated cluster's state: nodes, indices, shards, aliases and docs.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::ism::meta::Managed;
use super::ism::policy::StoredPolicy;
use super::nodes::Node;

/// One copy of a shard. `node` is `None` while unassigned.
#[derive(Debug, Clone)]
pub struct ShardCopy {
    pub shard: u32,
    pub primary: bool,
    pub node: Option<usize>,
    /// Why it is unassigned (`INDEX_CREATED`, `NODE_LEFT`, `REPLICA_ADDED`...), and since when.
    pub unassigned_reason: &'static str,
    pub unassigned_at: i64,
}

/// Alias metadata on one index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AliasMeta {
    pub is_write_index: Option<bool>,
    pub filter: Option<Value>,
    pub routing: Option<String>,
    pub is_hidden: Option<bool>,
}

/// Docs and bytes grow linearly from `since_ms` at `rate_dps`; they are materialised lazily so
/// ingest costs nothing per tick.
#[derive(Debug, Clone, Default)]
pub struct Docs {
    pub base_docs: u64,
    pub base_ops: u64,
    pub base_bytes: u64,
    pub deleted: u64,
    pub since_ms: i64,
    pub rate_dps: f64,
    pub bytes_per_doc: f64,
}

impl Docs {
    pub fn count(&self, now: i64) -> u64 {
        self.base_docs + self.grown(now)
    }
    /// Operations ever applied (the primary's max seq_no + 1).
    pub fn ops(&self, now: i64) -> u64 {
        self.base_ops + self.grown(now)
    }
    pub fn bytes(&self, now: i64) -> u64 {
        self.base_bytes + (self.grown(now) as f64 * self.bytes_per_doc) as u64
    }
    fn grown(&self, now: i64) -> u64 {
        if self.rate_dps <= 0.0 || now <= self.since_ms {
            return 0;
        }
        ((now - self.since_ms) as f64 / 1000.0 * self.rate_dps) as u64
    }
    /// Folds growth so far into the base, e.g. before the rate changes.
    pub fn materialize(&mut self, now: i64) {
        let g = self.grown(now);
        self.base_bytes += (g as f64 * self.bytes_per_doc) as u64;
        self.base_docs += g;
        self.base_ops += g;
        self.since_ms = now;
    }
    pub fn set_rate(&mut self, now: i64, dps: f64, bytes_per_doc: f64) {
        self.materialize(now);
        self.rate_dps = dps;
        self.bytes_per_doc = bytes_per_doc;
    }
    pub fn add(&mut self, docs: u64, bytes: u64) {
        self.base_docs += docs;
        self.base_ops += docs;
        self.base_bytes += bytes;
    }
}

/// A document written through the API (ingest-model docs are only counted).
#[derive(Debug, Clone)]
pub struct DocMeta {
    pub version: u64,
    pub seq_no: u64,
    pub source: Value,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub uuid: String,
    pub creation_date: i64,
    /// Flat settings ("index.number_of_shards" → "1"); values are strings as OpenSearch keeps them.
    pub settings: BTreeMap<String, String>,
    pub mappings: Value,
    pub aliases: BTreeMap<String, AliasMeta>,
    pub open: bool,
    pub docs: Docs,
    pub stored: HashMap<String, DocMeta>,
    pub shards: Vec<ShardCopy>,
    /// alias → rollover time (`rolloverInfos`).
    pub rollover_info: BTreeMap<String, i64>,
    pub managed: Option<Managed>,
    pub next_seq: u64,
}

impl Index {
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }
    pub fn setting_bool(&self, key: &str) -> bool {
        self.setting(key) == Some("true")
    }
    pub fn num_shards(&self) -> u32 {
        self.setting("index.number_of_shards")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
    }
    pub fn num_replicas(&self) -> u32 {
        self.setting("index.number_of_replicas")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
    }
    pub fn hidden(&self) -> bool {
        self.setting_bool("index.hidden") || self.name.starts_with('.')
    }
    /// Primary store bytes (all primaries) and total bytes including replicas that are assigned.
    pub fn primary_bytes(&self, now: i64) -> u64 {
        self.docs.bytes(now)
    }
    pub fn assigned_copies(&self) -> usize {
        self.shards.iter().filter(|s| s.node.is_some()).count()
    }
    pub fn total_bytes(&self, now: i64) -> u64 {
        let per_shard = self.docs.bytes(now) / u64::from(self.num_shards().max(1));
        per_shard * self.assigned_copies() as u64
    }
    /// Per-copy size: the index's primary bytes spread evenly over its shards.
    pub fn shard_bytes(&self, now: i64) -> u64 {
        self.docs.bytes(now) / u64::from(self.num_shards().max(1))
    }
    pub fn follower_of(&self) -> Option<&str> {
        self.setting("index.plugins.replication.follower.leader_index")
    }
    pub fn health(&self) -> &'static str {
        if !self.open {
            return "green";
        }
        let mut yellow = false;
        for s in &self.shards {
            if s.node.is_none() {
                if s.primary {
                    return "red";
                }
                yellow = true;
            }
        }
        if yellow {
            "yellow"
        } else {
            "green"
        }
    }
}

/// Persistent and transient cluster settings, flat.
#[derive(Debug, Clone, Default)]
pub struct ClusterSettings {
    pub persistent: BTreeMap<String, Value>,
    pub transient: BTreeMap<String, Value>,
}

impl ClusterSettings {
    /// Transient wins over persistent, as in OpenSearch.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.transient.get(key).or_else(|| self.persistent.get(key))
    }
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.get_str(key).and_then(|s| s.parse().ok())
    }
}

/// One simulated cluster (the leader, or the follower of a pair).
#[derive(Debug)]
pub struct Cluster {
    pub id: usize,
    pub name: String,
    pub uuid: String,
    pub nodes: Vec<Node>,
    pub indices: BTreeMap<String, Index>,
    pub aliases: BTreeMap<String, BTreeSet<String>>,
    pub settings: ClusterSettings,
    pub templates: BTreeMap<String, Value>,
    pub policies: BTreeMap<String, StoredPolicy>,
    pub policy_seq: i64,
    pub ccr: Ccr,
    /// alias → (docs/s, bytes/doc)
    pub ingest: BTreeMap<String, (f64, f64)>,
    pub uuid_counter: u64,
    /// Answer every request with 503 (a leader outage in "503" mode).
    pub unavailable: bool,
    /// The listener is closed (a leader outage in "refuse" mode).
    pub refusing: bool,
    pub outage_since: Option<i64>,
    pub http_addr: String,
    pub notifications: Vec<Value>,
    pub health_dirty: bool,
    pub red: bool,
    /// Shards per node, cached between reroutes (`None` = recompute).
    pub counts: Option<Vec<usize>>,
    /// Indices that currently receive ingest.
    pub ingesting: BTreeSet<String>,
}

impl Cluster {
    pub fn new(id: usize, name: &str, seed: u64) -> Self {
        Self {
            id,
            name: name.to_string(),
            uuid: super::util::make_uuid(seed ^ 0xC1, id as u64),
            nodes: Vec::new(),
            indices: BTreeMap::new(),
            aliases: BTreeMap::new(),
            settings: ClusterSettings::default(),
            templates: BTreeMap::new(),
            policies: BTreeMap::new(),
            policy_seq: -1,
            ccr: Ccr::default(),
            ingest: BTreeMap::new(),
            uuid_counter: (id as u64) << 40,
            unavailable: false,
            refusing: false,
            outage_since: None,
            http_addr: String::new(),
            notifications: Vec::new(),
            health_dirty: true,
            red: false,
            counts: None,
            ingesting: BTreeSet::new(),
        }
    }

    pub fn next_uuid(&mut self, seed: u64) -> String {
        self.uuid_counter += 1;
        super::util::make_uuid(seed, self.uuid_counter)
    }

    /// Whether any primary is unassigned, cached and recomputed only after allocation changes.
    pub fn is_red(&mut self) -> bool {
        if self.health_dirty {
            self.red = self.indices.values().any(|i| i.health() == "red");
            self.health_dirty = false;
        }
        self.red
    }

    /// Indices an alias points to.
    pub fn alias_indices(&self, alias: &str) -> Vec<String> {
        self.aliases
            .get(alias)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn put_alias(&mut self, index: &str, alias: &str, meta: AliasMeta) {
        if let Some(ix) = self.indices.get_mut(index) {
            ix.aliases.insert(alias.to_string(), meta);
            self.aliases
                .entry(alias.to_string())
                .or_default()
                .insert(index.to_string());
        }
    }

    pub fn remove_alias(&mut self, index: &str, alias: &str) -> bool {
        let removed = self
            .indices
            .get_mut(index)
            .map(|ix| ix.aliases.remove(alias).is_some())
            .unwrap_or(false);
        if let Some(set) = self.aliases.get_mut(alias) {
            set.remove(index);
            if set.is_empty() {
                self.aliases.remove(alias);
            }
        }
        removed
    }

    /// The write index of an alias: the one flagged `is_write_index`, or the only one.
    pub fn write_index(&self, alias: &str) -> Option<String> {
        let members = self.aliases.get(alias)?;
        let flagged = members.iter().find(|i| {
            self.indices
                .get(*i)
                .and_then(|ix| ix.aliases.get(alias))
                .and_then(|m| m.is_write_index)
                == Some(true)
        });
        match flagged {
            Some(i) => Some(i.clone()),
            None if members.len() == 1 => members.iter().next().cloned(),
            None => None,
        }
    }

    /// Resolves a comma list of names, wildcards and aliases to concrete index names.
    pub fn resolve(&self, expr: &str) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for part in expr.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "_all" || part == "*" {
                out.extend(self.indices.keys().filter(|n| !n.starts_with('.')).cloned());
            } else if part.contains('*') {
                out.extend(
                    self.indices
                        .keys()
                        .filter(|n| super::util::wildcard_match(part, n))
                        .cloned(),
                );
                for (alias, members) in &self.aliases {
                    if super::util::wildcard_match(part, alias) {
                        out.extend(members.iter().cloned());
                    }
                }
            } else if self.indices.contains_key(part) {
                out.insert(part.to_string());
            } else if let Some(members) = self.aliases.get(part) {
                out.extend(members.iter().cloned());
            }
        }
        out.into_iter().collect()
    }

    /// Strict resolution: every concrete (non-wildcard) name must exist.
    pub fn resolve_strict(&self, expr: &str) -> Result<Vec<String>, super::error::OsError> {
        for part in expr.split(',').map(str::trim) {
            if !part.contains('*')
                && part != "_all"
                && !self.indices.contains_key(part)
                && !self.aliases.contains_key(part)
            {
                return Err(super::error::OsError::index_not_found(part));
            }
        }
        Ok(self.resolve(expr))
    }

    pub fn node_index(&self, name_or_id: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.name == name_or_id || n.id == name_or_id)
    }
}

/// Cross-cluster replication state of one cluster: its followers and auto-follow rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepState {
    Running,
    Paused,
    Failed,
}

#[derive(Debug, Clone)]
pub struct Replication {
    pub leader_cluster: usize,
    pub leader_alias: String,
    pub leader_index: String,
    pub state: RepState,
    pub reason: String,
    pub started: i64,
    pub restore_done: i64,
    pub restore_bytes: u64,
    pub restore_ops: u64,
    pub restored: bool,
    pub follower_ops: u64,
    pub lease_renewed: i64,
    pub unreachable_since: Option<i64>,
    pub ops_read: u64,
    pub bytes_read: u64,
    pub write_time_ms: u64,
    pub shards: u32,
    pub settings: BTreeMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub leader_alias: String,
    pub name: String,
    pub pattern: String,
    pub follower_pattern: Option<String>,
    pub settings: Value,
    pub success: u64,
    pub failed: u64,
    pub failed_indices: Vec<String>,
    pub last_execution: i64,
}

#[derive(Debug, Default)]
pub struct Ccr {
    pub reps: BTreeMap<String, Replication>,
    pub rules: BTreeMap<String, Rule>,
    pub last_autofollow: i64,
}

impl Replication {
    /// The reason a follower shows once its shard tasks gave up on the leader.
    pub fn auto_pause_reason(leader: &str, why: &str) -> String {
        format!("AutoPaused:  + [[{leader}][0] - {why}]")
    }
}
