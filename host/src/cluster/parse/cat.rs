//! `_cat/indices`, `_cat/aliases` and `_cat/allocation` with `format=json`: arrays of objects
//! whose values are all strings, `null` where not applicable.
use std::borrow::Cow;

use serde::Deserialize;

use super::lenient::{Flag, Num};
use super::{health_status, json, ParseError};
use crate::cluster::model::{AliasEntry, DiskUsage, IndexRow};

/// Borrowing where possible keeps a 10k-row response at a handful of allocations per row.
#[derive(Deserialize)]
struct RawIndexRow<'a> {
    #[serde(borrow, default)]
    health: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    index: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uuid: Option<Cow<'a, str>>,
    #[serde(default)]
    pri: Num,
    #[serde(default)]
    rep: Num,
    #[serde(rename = "docs.count", default)]
    docs_count: Num,
    #[serde(rename = "docs.deleted", default)]
    docs_deleted: Num,
    #[serde(rename = "store.size", default)]
    store_size: Num,
    #[serde(rename = "pri.store.size", default)]
    pri_store_size: Num,
    #[serde(rename = "creation.date", default)]
    creation_date: Num,
}

/// `GET _cat/indices?format=json&bytes=b&h=health,status,index,uuid,pri,rep,docs.count,
/// docs.deleted,store.size,pri.store.size,creation.date`. Rows without an index name are
/// dropped: nothing can address them.
pub fn cat_indices(body: &[u8]) -> Result<Vec<IndexRow>, ParseError> {
    let rows: Vec<RawIndexRow> = json("_cat/indices", body)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(IndexRow {
                index: r.index?.into_owned(),
                uuid: r.uuid.map(Cow::into_owned).unwrap_or_default(),
                health: r.health.as_deref().and_then(health_status),
                status: r.status.map(Cow::into_owned).unwrap_or_default(),
                primaries: r.pri.u32().unwrap_or(0),
                replicas: r.rep.u32().unwrap_or(0),
                docs_count: r.docs_count.u64(),
                docs_deleted: r.docs_deleted.u64(),
                store_bytes: r.store_size.u64(),
                primary_store_bytes: r.pri_store_size.u64(),
                creation_date_ms: r.creation_date.u64(),
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct RawAliasRow {
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    index: Option<String>,
    #[serde(default)]
    is_write_index: Flag,
}

/// `GET _cat/aliases?format=json`. `is_write_index` is `"true"`, `"false"` or `"-"` (unset).
pub fn cat_aliases(body: &[u8]) -> Result<Vec<AliasEntry>, ParseError> {
    let rows: Vec<RawAliasRow> = json("_cat/aliases", body)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AliasEntry {
                alias: r.alias?,
                index: r.index?,
                is_write_index: r.is_write_index.0,
            })
        })
        .collect())
}

/// One row of `_cat/allocation`: the disk and shard count of one node, by node name.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationRow {
    /// The node name (`node` column).
    pub node: String,
    /// Shards allocated to the node.
    pub shards: u32,
    /// Disk figures; `None` when the row has none.
    pub disk: Option<DiskUsage>,
}

#[derive(Deserialize)]
struct RawAllocationRow {
    #[serde(default)]
    node: Option<String>,
    #[serde(default)]
    shards: Num,
    #[serde(rename = "disk.used", default)]
    used: Num,
    #[serde(rename = "disk.avail", default)]
    avail: Num,
    #[serde(rename = "disk.total", default)]
    total: Num,
    #[serde(rename = "disk.percent", default)]
    percent: Num,
}

/// `GET _cat/allocation?format=json&bytes=b`. The `UNASSIGNED` pseudo-row is dropped: it is
/// not a node.
pub fn cat_allocation(body: &[u8]) -> Result<Vec<AllocationRow>, ParseError> {
    let rows: Vec<RawAllocationRow> = json("_cat/allocation", body)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let node = r.node.filter(|n| n != "UNASSIGNED")?;
            let disk = match (r.total.u64(), r.used.u64(), r.avail.u64()) {
                (Some(total_bytes), Some(used_bytes), Some(available_bytes)) => Some(DiskUsage {
                    total_bytes,
                    used_bytes,
                    available_bytes,
                    // `disk.percent` is rounded to an integer; recompute when we can.
                    used_percent: if total_bytes > 0 {
                        used_bytes as f64 * 100.0 / total_bytes as f64
                    } else {
                        r.percent.f64().unwrap_or(0.0)
                    },
                }),
                _ => None,
            };
            Some(AllocationRow {
                node,
                shards: r.shards.u32().unwrap_or(0),
                disk,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::model::HealthStatus;

    #[test]
    fn open_index_row_from_the_notes() {
        let body = br#"[{"health":"green","status":"open","index":"logs-000001","uuid":"yPHItytKTNO8OI8EBrHnyQ","pri":"1","rep":"1",
  "docs.count":"1000","docs.deleted":"0","store.size":"208011","pri.store.size":"104003","creation.date":"1684830592835"}]"#;
        let rows = cat_indices(body).unwrap();
        assert_eq!(
            rows,
            vec![IndexRow {
                index: "logs-000001".into(),
                uuid: "yPHItytKTNO8OI8EBrHnyQ".into(),
                health: Some(HealthStatus::Green),
                status: "open".into(),
                primaries: 1,
                replicas: 1,
                docs_count: Some(1000),
                docs_deleted: Some(0),
                store_bytes: Some(208011),
                primary_store_bytes: Some(104003),
                creation_date_ms: Some(1684830592835),
            }]
        );
    }

    #[test]
    fn closed_index_has_no_docs_or_store() {
        let body = br#"[{"health":null,"status":"close","index":"old","uuid":"u","pri":"1","rep":"1",
  "docs.count":null,"docs.deleted":null,"store.size":null,"pri.store.size":null,"creation.date":"5","extra":"x"}]"#;
        let row = &cat_indices(body).unwrap()[0];
        assert_eq!(row.status, "close");
        assert_eq!(row.health, None);
        assert_eq!(row.docs_count, None);
        assert_eq!(row.store_bytes, None);
        assert_eq!(row.creation_date_ms, Some(5));
    }

    #[test]
    fn aliases_with_unset_write_flag() {
        let body = br#"[{"alias":"logs","index":"logs-000002","filter":"-","routing.index":"-","routing.search":"-","is_write_index":"true"},
                        {"alias":"logs","index":"logs-000001","filter":"-","is_write_index":"-"}]"#;
        let rows = cat_aliases(body).unwrap();
        assert_eq!(rows[0].is_write_index, Some(true));
        assert_eq!(rows[1].is_write_index, None);
        assert_eq!(rows[1].index, "logs-000001");
    }

    #[test]
    fn allocation_rows_skip_unassigned() {
        let body = br#"[{"shards":"12","disk.indices":"1263539","disk.used":"48604590080","disk.avail":"58655768576",
  "disk.total":"107260358656","disk.percent":"45","host":"10.0.0.11","ip":"10.0.0.11","node":"data-1"},
  {"shards":"5","disk.indices":null,"disk.used":null,"disk.avail":null,"disk.total":null,"disk.percent":null,"host":null,"ip":null,"node":"UNASSIGNED"}]"#;
        let rows = cat_allocation(body).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].shards, 12);
        let disk = rows[0].disk.as_ref().unwrap();
        assert_eq!(disk.total_bytes, 107260358656);
        assert_eq!(disk.available_bytes, 58655768576);
        assert!(
            (disk.used_percent - 45.31).abs() < 0.01,
            "{}",
            disk.used_percent
        );
    }

    #[test]
    fn not_an_array_is_an_error() {
        assert!(cat_indices(br#"{"error":"x"}"#).is_err());
        assert!(cat_aliases(b"").is_err());
    }
}
