//! Scenarios (TOML or JSON): nodes with attributes and disks, indices, aliases, templates,
//! policies, ingest rates, and a timeline of fault events.
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::error::SimError;
use super::faults::FaultAction;
use super::model::Cluster;
use super::nodes::Node;
use super::ops;
use super::util::{make_uuid, parse_bytes, parse_time_ms};
use super::world::World;

/// A leader of three 10 TB nodes and policy `p`, whose rollover never fires: the base of the
/// large-cluster benchmarks and load tests, which append their own `[[leader.indices]]`.
pub const LARGE_LEADER: &str = r#"
[leader]
[[leader.nodes]]
name = "n1"
disk_total = "10tb"
[[leader.nodes]]
name = "n2"
disk_total = "10tb"
[[leader.nodes]]
name = "n3"
disk_total = "10tb"
[leader.policies.p]
default_state = "hot"
states = [{ name = "hot", actions = [{ rollover = { min_doc_count = 1000000000 } }], transitions = [] }]
"#;

/// [`LARGE_LEADER`] with 10k indices managed by `p` (one replica, 1,000 docs each), at 3600×.
pub fn ten_thousand_managed_indices() -> String {
    format!(
        r#"speed = 3600.0
{LARGE_LEADER}
[[leader.indices]]
name = "idx"
count = 10000
replicas = 1
docs = 1000
policy_id = "p"
settings = {{ "plugins.index_state_management.rollover_alias" = "never" }}
"#
    )
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub speed: Option<f64>,
    /// Start of simulated time, epoch milliseconds.
    #[serde(default)]
    pub start_ms: Option<i64>,
    #[serde(default, alias = "cluster")]
    pub leader: ClusterSpec,
    #[serde(default)]
    pub follower: Option<ClusterSpec>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default)]
    pub models: Option<ModelSpec>,
    /// Expectations of `lifeguard test`; the simulator ignores them, so one file serves both.
    #[serde(default)]
    pub expect: Vec<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub ccr_ops_per_sec: Option<f64>,
    pub ccr_restore_bytes_per_sec: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub name: Option<String>,
    pub processors: Option<u32>,
    #[serde(default)]
    pub nodes: Vec<NodeSpec>,
    /// Persistent cluster settings (nested or flat).
    #[serde(default)]
    pub settings: Option<Value>,
    /// Transient cluster settings (nested or flat), as a recording found them.
    #[serde(default)]
    pub transient_settings: Option<Value>,
    #[serde(default)]
    pub templates: BTreeMap<String, Value>,
    /// Policy id → the `policy` object of a PUT body.
    #[serde(default)]
    pub policies: BTreeMap<String, Value>,
    /// Policy id → its `_seq_no`, `_primary_term` and `_version`, as a recording found them
    /// (otherwise numbered in id order from 0).
    #[serde(default)]
    pub policy_versions: BTreeMap<String, PolicyVersion>,
    /// CCR auto-follow rules of this (follower) cluster.
    #[serde(default)]
    pub autofollow: Vec<AutofollowSpec>,
    #[serde(default)]
    pub indices: Vec<IndexSpec>,
    #[serde(default)]
    pub ingest: Vec<IngestSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub disk_total: Option<String>,
    pub disk_used_percent: Option<f64>,
    /// Bytes used by everything but shards (exact; a recording writes it instead of a
    /// percentage, which would round).
    pub disk_other_bytes: Option<u64>,
    pub processors: Option<u32>,
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    pub name: String,
    /// Creates `count` indices named `<name>-000001`… instead of one.
    pub count: Option<u32>,
    pub shards: Option<u32>,
    pub replicas: Option<u32>,
    #[serde(default)]
    pub settings: Option<Value>,
    #[serde(default)]
    pub aliases: BTreeMap<String, Value>,
    #[serde(default)]
    pub docs: u64,
    pub bytes_per_doc: Option<f64>,
    /// How long before the start the index was created ("3d").
    pub age: Option<String>,
    pub policy_id: Option<String>,
    /// The index UUID (a recording keeps it; otherwise one is derived from the seed).
    pub uuid: Option<String>,
    /// Exact store size of the primaries, instead of `docs * bytes_per_doc`.
    pub primary_bytes: Option<u64>,
    #[serde(default)]
    pub deleted_docs: u64,
    /// A closed index.
    #[serde(default)]
    pub closed: bool,
    /// The index's ISM state as `_plugins/_ism/explain` reported it: `{}` or absent `policy_id`
    /// means unmanaged. Overrides `policy_id` and any `ism_template` match.
    pub ism: Option<Value>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyVersion {
    pub seq_no: i64,
    pub primary_term: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutofollowSpec {
    /// The remote (leader) cluster alias.
    pub leader_alias: String,
    pub name: String,
    pub pattern: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSpec {
    /// An alias (its write index receives the docs) or an index name.
    pub alias: String,
    pub docs_per_sec: f64,
    #[serde(default = "default_bpd")]
    pub bytes_per_doc: f64,
}

fn default_bpd() -> f64 {
    500.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// Offset from the start of the scenario ("90m").
    pub at: String,
    pub event: FaultAction,
}

impl Scenario {
    /// Parses TOML or JSON (JSON when the text starts with `{`).
    pub fn parse(text: &str) -> Result<Self, SimError> {
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| SimError::Scenario(e.to_string()))
        } else {
            toml::from_str(text).map_err(|e| SimError::Scenario(e.to_string()))
        }
    }
}

/// Default nodes: one per cluster, like the upstream single-node test clusters.
pub fn default_cluster(id: usize, name: &str, seed: u64, processors: u32) -> Cluster {
    let mut cl = Cluster::new(id, name, seed);
    let mut node = Node::new(
        make_uuid(seed ^ 0x70DE, (id as u64) << 20),
        &format!("{name}-node-1"),
        0,
        processors,
    );
    node.transport_port = 9300 + 100 * id as u16;
    cl.nodes.push(node);
    cl
}

fn apply_cluster(world: &mut World, c: usize, spec: &ClusterSpec) -> Result<(), SimError> {
    let seed = world.seed;
    if let Some(n) = &spec.name {
        world.clusters[c].name = n.clone();
    }
    if !spec.nodes.is_empty() {
        let mut nodes = Vec::new();
        for (i, ns) in spec.nodes.iter().enumerate() {
            let p = ns.processors.or(spec.processors).unwrap_or(8);
            let mut n = Node::new(
                make_uuid(seed ^ 0x70DE, ((c as u64) << 20) + i as u64),
                &ns.name,
                i,
                p,
            );
            n.transport_port = 9300 + 100 * c as u16 + i as u16;
            n.attributes = ns.attributes.clone();
            if let Some(t) = &ns.disk_total {
                n.disk_total = parse_bytes(t)
                    .ok_or_else(|| SimError::Scenario(format!("bad disk_total [{t}]")))?;
            }
            if let Some(pct) = ns.disk_used_percent {
                n.disk_other = (n.disk_total as f64 * pct / 100.0) as u64;
            }
            if let Some(b) = ns.disk_other_bytes {
                n.disk_other = b;
            }
            if let Some(r) = &ns.roles {
                n.roles = r.clone();
            }
            nodes.push(n);
        }
        world.clusters[c].nodes = nodes;
    }
    if let Some(s) = &spec.settings {
        for (k, v) in super::settings::flatten(s) {
            if let Some(v) = v {
                world.clusters[c]
                    .settings
                    .persistent
                    .insert(k, setting_value(v));
            }
        }
    }
    if let Some(s) = &spec.transient_settings {
        for (k, v) in super::settings::flatten(s) {
            if let Some(v) = v {
                world.clusters[c]
                    .settings
                    .transient
                    .insert(k, setting_value(v));
            }
        }
    }
    for (name, t) in &spec.templates {
        world.clusters[c].templates.insert(name.clone(), t.clone());
    }
    for (id, body) in &spec.policies {
        // Policies exist before any scenario index, so their ism_templates may match them;
        // a recorded policy keeps its own update time.
        let updated = body
            .get("last_updated_time")
            .and_then(Value::as_i64)
            .unwrap_or(world.now - 1);
        let parsed = super::ism::policy::parse(id, body, updated)
            .map_err(|e| SimError::Scenario(format!("policy [{id}]: {}", e.reason)))?;
        let cl = &mut world.clusters[c];
        cl.policy_seq += 1;
        let v = spec
            .policy_versions
            .get(id)
            .copied()
            .unwrap_or(PolicyVersion {
                seq_no: cl.policy_seq,
                primary_term: 1,
                version: 1,
            });
        cl.policy_seq = cl.policy_seq.max(v.seq_no);
        cl.policies.insert(
            id.clone(),
            super::ism::policy::StoredPolicy {
                policy: parsed,
                seq_no: v.seq_no,
                primary_term: v.primary_term,
                version: v.version,
            },
        );
    }
    for ing in &spec.ingest {
        world.clusters[c]
            .ingest
            .insert(ing.alias.clone(), (ing.docs_per_sec, ing.bytes_per_doc));
    }
    for ix in &spec.indices {
        let names: Vec<String> = match ix.count {
            Some(n) => (1..=n).map(|i| format!("{}-{i:06}", ix.name)).collect(),
            None => vec![ix.name.clone()],
        };
        for name in names {
            create_from_spec(world, c, &name, ix)?;
        }
    }
    ops::sync_ingest_all(world, c);
    for r in &spec.autofollow {
        let rule = super::ccr::api::RuleSpec {
            leader_alias: &r.leader_alias,
            name: &r.name,
            pattern: &r.pattern,
            follower_pattern: None,
            settings: json!({}),
        };
        super::ccr::api::put_autofollow_rule(world, c, &rule).map_err(|e| {
            SimError::Scenario(format!("auto-follow rule [{}]: {}", r.name, e.reason))
        })?;
    }
    Ok(())
}

/// Cluster settings are stored as strings, as OpenSearch returns them.
fn setting_value(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}

fn create_from_spec(
    world: &mut World,
    c: usize,
    name: &str,
    ix: &IndexSpec,
) -> Result<(), SimError> {
    let now = world.now;
    let mut settings = ix.settings.clone().unwrap_or(json!({}));
    if let Some(o) = settings.as_object_mut() {
        if let Some(s) = ix.shards {
            o.insert("index.number_of_shards".into(), json!(s));
        }
        if let Some(r) = ix.replicas {
            o.insert("index.number_of_replicas".into(), json!(r));
        }
        if let Some(age) = &ix.age {
            let ms =
                parse_time_ms(age).ok_or_else(|| SimError::Scenario(format!("bad age [{age}]")))?;
            o.insert("index.creation_date".into(), json!((now - ms).to_string()));
        }
    }
    let body = json!({"settings": settings, "aliases": ix.aliases});
    let spec = ops::parse_create_body(&body)
        .map_err(|e| SimError::Scenario(format!("index [{name}]: {}", e.reason)))?;
    ops::create_index(world, c, name, spec)
        .map_err(|e| SimError::Scenario(format!("index [{name}]: {}", e.reason)))?;
    if let Some(i) = world.clusters[c].indices.get_mut(name) {
        let bpd = ix.bytes_per_doc.unwrap_or(500.0);
        let bytes = ix.primary_bytes.unwrap_or((ix.docs as f64 * bpd) as u64);
        i.docs.add(ix.docs, bytes);
        i.docs.bytes_per_doc = bpd;
        i.docs.deleted = ix.deleted_docs;
        if let Some(u) = &ix.uuid {
            i.uuid = u.clone();
            i.settings.insert("index.uuid".into(), u.clone());
        }
        if ix.closed {
            i.open = false;
        }
    }
    if let Some(ism) = &ix.ism {
        return super::ism::restore::restore(world, c, name, ism)
            .map_err(|e| SimError::Scenario(format!("index [{name}]: ism: {e}")));
    }
    if let Some(p) = &ix.policy_id {
        let (seq, term) = world.clusters[c]
            .policies
            .get(p)
            .map(|sp| (sp.seq_no, sp.primary_term))
            .ok_or_else(|| SimError::Scenario(format!("index [{name}]: unknown policy [{p}]")))?;
        if world.clusters[c]
            .indices
            .get(name)
            .is_some_and(|i| i.managed.is_none())
        {
            super::ism::jobs::attach(world, c, name, p, seq, term);
        }
    }
    Ok(())
}

/// Applies a scenario to a world (clusters must already exist).
pub fn apply(world: &mut World, s: &Scenario) -> Result<(), SimError> {
    if let Some(m) = &s.models {
        if let Some(v) = m.ccr_ops_per_sec {
            world.models.ccr_ops_per_sec = v;
        }
        if let Some(v) = m.ccr_restore_bytes_per_sec {
            world.models.ccr_restore_bytes_per_sec = v;
        }
    }
    apply_cluster(world, 0, &s.leader)?;
    if let (Some(f), true) = (&s.follower, world.clusters.len() > 1) {
        apply_cluster(world, 1, f)?;
    }
    for c in 0..world.clusters.len() {
        super::alloc::reroute_all(&mut world.clusters[c]);
        super::alloc::refresh_disk(&mut world.clusters[c], world.now);
    }
    let start = world.now;
    for t in &s.timeline {
        let at = parse_time_ms(&t.at)
            .ok_or_else(|| SimError::Scenario(format!("bad timeline offset [{}]", t.at)))?;
        super::faults::schedule_at(world, start + at, t.event.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_large_cluster_scenarios_parse() {
        let base = Scenario::parse(LARGE_LEADER).unwrap();
        assert!(base.leader.indices.is_empty());
        let big = Scenario::parse(&ten_thousand_managed_indices()).unwrap();
        assert_eq!(big.speed, Some(3600.0));
        assert_eq!(big.leader.indices.len(), 1);
        assert_eq!(big.leader.indices[0].count, Some(10_000));
    }
}
