//! Reading a cluster for a recording: GET requests only, one per area (and one per follower
//! index for its CCR status), each answer kept as the cluster sent it.
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::cluster::DynCluster;

use super::RecordError;

/// One full read of a cluster, the raw JSON of each API.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The cluster's own clock (`_nodes/stats` timestamp), epoch ms.
    pub now_ms: i64,
    pub cluster_name: Option<String>,
    /// `_nodes`: `nodes.<id>` with name, roles, attributes, os.
    pub nodes: Map<String, Value>,
    /// `_cat/allocation`: rows with `node`, `disk.indices`, `disk.used`, `disk.total`.
    pub allocation: Vec<Value>,
    /// `_cat/thread_pool`: rows with `node_name`, `name`, `size`.
    pub thread_pools: Vec<Value>,
    /// `_cluster/settings?include_defaults&flat_settings`.
    pub cluster_settings: Value,
    /// `_index_template`: `index_templates[]`.
    pub templates: Vec<Value>,
    /// `_plugins/_ism/policies`: `policies[]` (`_id`, `_seq_no`, `_primary_term`, `policy`).
    pub policies: Vec<Value>,
    /// `_cat/indices`, by index.
    pub cat: BTreeMap<String, Value>,
    /// `<pattern>/_settings?flat_settings`, by index.
    pub settings: BTreeMap<String, Map<String, Value>>,
    /// `<pattern>/_alias`, by index.
    pub aliases: BTreeMap<String, Map<String, Value>>,
    /// `_plugins/_ism/explain/<pattern>?show_policy`, by index.
    pub explain: BTreeMap<String, Value>,
    /// `_plugins/_replication/autofollow_stats`.
    pub autofollow: Value,
    /// `_plugins/_replication/<index>/_status` of each follower index.
    pub ccr_status: BTreeMap<String, Value>,
}

/// GET `path` and decode its JSON; any status but 200 is an error naming the path.
pub async fn get(api: &DynCluster, path: &str) -> Result<Value, RecordError> {
    let resp = api
        .raw("GET", path, None)
        .await
        .map_err(|e| RecordError::Read {
            path: path.to_string(),
            message: e.to_string(),
        })?;
    if resp.status != 200 {
        return Err(RecordError::Read {
            path: path.to_string(),
            message: format!(
                "HTTP {}: {}",
                resp.status,
                resp.body.chars().take(300).collect::<String>()
            ),
        });
    }
    serde_json::from_str(&resp.body).map_err(|e| RecordError::Read {
        path: path.to_string(),
        message: format!("not JSON: {e}"),
    })
}

/// Like [`get`], but a 404 (an API the cluster lacks, e.g. no CCR plugin) is `None`.
async fn get_optional(api: &DynCluster, path: &str) -> Result<Option<Value>, RecordError> {
    match api.raw("GET", path, None).await {
        Ok(r) if r.status == 404 || r.status == 400 => {
            tracing::info!(
                path,
                status = r.status,
                "API not available; left out of the recording"
            );
            Ok(None)
        }
        _ => get(api, path).await.map(Some),
    }
}

fn rows(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// The cluster's clock: the largest node stats timestamp, else the local clock.
pub async fn cluster_now(api: &DynCluster) -> Result<i64, RecordError> {
    let stats = get(api, "/_nodes/stats/fs").await?;
    let ts = stats
        .get("nodes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|n| n.get("timestamp").and_then(Value::as_i64))
        .max();
    Ok(ts.unwrap_or_else(|| {
        use crate::time::Clock as _;
        crate::time::SystemClock.now_ms() as i64
    }))
}

/// `_cat/indices` for `pattern`, by index name.
pub async fn cat_indices(
    api: &DynCluster,
    pattern: &str,
) -> Result<BTreeMap<String, Value>, RecordError> {
    let path = format!("/_cat/indices/{pattern}?format=json&bytes=b&h=health,status,index,uuid,pri,rep,docs.count,docs.deleted,creation.date,creation.date.string,store.size,pri.store.size&s=index");
    let mut out = BTreeMap::new();
    for row in rows(get(api, &path).await?) {
        if let Some(name) = row.get("index").and_then(Value::as_str) {
            out.insert(name.to_string(), row.clone());
        }
    }
    Ok(out)
}

/// Read everything a scenario needs. `progress` is told each area as it is read.
pub async fn read(
    api: &DynCluster,
    pattern: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<Reading, RecordError> {
    let mut r = Reading {
        now_ms: cluster_now(api).await?,
        ..Reading::default()
    };
    progress("nodes");
    let mut nodes = object(get(api, "/_nodes").await?);
    r.cluster_name = nodes
        .get("cluster_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    r.nodes = nodes.remove("nodes").map(object).unwrap_or_default();
    r.allocation = rows(get(api, "/_cat/allocation?format=json&bytes=b").await?);
    r.thread_pools = rows(
        get(
            api,
            "/_cat/thread_pool?format=json&h=node_name,name,type,size,queue_size",
        )
        .await?,
    );
    progress("cluster settings");
    r.cluster_settings = get(
        api,
        "/_cluster/settings?include_defaults=true&flat_settings=true",
    )
    .await?;
    progress("templates");
    r.templates = object(get(api, "/_index_template").await?)
        .remove("index_templates")
        .map(rows)
        .unwrap_or_default();
    progress("policies");
    if let Some(v) = get_optional(api, "/_plugins/_ism/policies?size=10000").await? {
        r.policies = object(v).remove("policies").map(rows).unwrap_or_default();
    }
    progress("indices");
    r.cat = cat_indices(api, pattern).await?;
    if r.cat.is_empty() {
        return Ok(r);
    }
    progress("index settings");
    for (name, v) in object(
        get(
            api,
            &format!("/{pattern}/_settings?flat_settings=true&expand_wildcards=all"),
        )
        .await?,
    ) {
        let s = object(v).remove("settings").map(object).unwrap_or_default();
        r.settings.insert(name, s);
    }
    progress("aliases");
    for (name, v) in object(get(api, &format!("/{pattern}/_alias")).await?) {
        let a = object(v).remove("aliases").map(object).unwrap_or_default();
        r.aliases.insert(name, a);
    }
    progress("ISM explain");
    if let Some(v) = get_optional(
        api,
        &format!("/_plugins/_ism/explain/{pattern}?show_policy=true"),
    )
    .await?
    {
        for (name, e) in object(v) {
            if e.is_object() {
                r.explain.insert(name, e);
            }
        }
    }
    progress("CCR");
    if let Some(v) = get_optional(api, "/_plugins/_replication/autofollow_stats").await? {
        r.autofollow = v;
    }
    let followers: Vec<String> = r
        .settings
        .iter()
        .filter(|(_, s)| s.contains_key("index.plugins.replication.follower.leader_index"))
        .map(|(n, _)| n.clone())
        .collect();
    for name in followers {
        if let Some(v) =
            get_optional(api, &format!("/_plugins/_replication/{name}/_status")).await?
        {
            r.ccr_status.insert(name, v);
        }
    }
    Ok(r)
}
