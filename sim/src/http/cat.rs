//! `_cat/*`: tables with `h=`, `s=`, `v`, `help`, `bytes=`, and `format=json|yaml|cbor|text`.
//! Every value is a string (or null), exactly as OpenSearch sends them.
use serde_json::{Map, Value};

use super::types::{Body, HResult, Req, Resp};
use crate::error::OsError;
use crate::util::{bytes_in_unit, iso8601, wildcard_match};
use crate::world::World;

use super::cat_cols::{
    Col, Table, ALIASES, ALLOCATION, HEALTH, INDICES, NODES, SHARDS, THREAD_POOL,
};

fn s<T: ToString>(v: T) -> Option<String> {
    Some(v.to_string())
}

pub fn handle(w: &mut World, r: &Req, rest: &[String]) -> HResult {
    let now = w.now;
    let unit = r.q("bytes");
    let b = |x: u64| Some(bytes_in_unit(x, unit));
    let cl = &w.clusters[r.cluster];
    let what = rest.first().map(String::as_str).unwrap_or("");
    let arg = rest.get(1).map(String::as_str);
    let table = match what {
        "" => {
            let list = [
                "indices",
                "allocation",
                "nodes",
                "thread_pool",
                "shards",
                "aliases",
                "health",
                "count",
            ]
            .iter()
            .map(|x| format!("/_cat/{x}\n"))
            .collect::<String>();
            return Ok(Resp::text(
                200,
                format!("=^.^=\n{list}"),
                "text/plain; charset=UTF-8",
            ));
        }
        "indices" => {
            let names = match arg {
                Some(a) => cl.resolve_strict(a)?,
                None => cl.indices.keys().cloned().collect(),
            };
            let rows = names
                .iter()
                .map(|n| {
                    let ix = &cl.indices[n];
                    let open = ix.open;
                    vec![
                        s(ix.health()),
                        s(if open { "open" } else { "close" }),
                        s(&ix.name),
                        s(&ix.uuid),
                        s(ix.num_shards()),
                        s(ix.num_replicas()),
                        if open { s(ix.docs.count(now)) } else { None },
                        if open { s(ix.docs.deleted) } else { None },
                        s(ix.creation_date),
                        s(iso8601(ix.creation_date)),
                        if open { b(ix.total_bytes(now)) } else { None },
                        if open { b(ix.primary_bytes(now)) } else { None },
                    ]
                })
                .collect();
            Table {
                cols: INDICES,
                rows,
            }
        }
        "allocation" => {
            let mut counts = vec![0usize; cl.nodes.len()];
            let mut bytes = vec![0u64; cl.nodes.len()];
            let mut unassigned = 0;
            for ix in cl.indices.values() {
                let sb = ix.shard_bytes(now);
                for sc in &ix.shards {
                    match sc.node {
                        Some(n) => {
                            counts[n] += 1;
                            bytes[n] += sb;
                        }
                        None if ix.open => unassigned += 1,
                        None => {}
                    }
                }
            }
            let filter = arg.map(|a| super::cluster_api::select_nodes(cl, a));
            let mut rows: Vec<Vec<Option<String>>> = cl
                .nodes
                .iter()
                .enumerate()
                .filter(|(n, node)| node.up && filter.as_ref().is_none_or(|f| f.contains(n)))
                .map(|(n, node)| {
                    let used = node.disk_other + bytes[n];
                    let used = used.min(node.disk_total);
                    vec![
                        s(counts[n]),
                        b(bytes[n]),
                        b(used),
                        b(node.disk_total - used),
                        b(node.disk_total),
                        s((used as f64 * 100.0 / node.disk_total.max(1) as f64).round() as u64),
                        s(&node.ip),
                        s(&node.ip),
                        s(&node.name),
                    ]
                })
                .collect();
            if unassigned > 0 {
                rows.push(vec![
                    s(unassigned),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    s("UNASSIGNED"),
                ]);
            }
            Table {
                cols: ALLOCATION,
                rows,
            }
        }
        "nodes" => {
            let manager = cl.nodes.iter().position(|n| n.up);
            let rows = cl
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.up)
                .map(|(i, n)| {
                    let used = n.disk_used();
                    vec![
                        s(&n.id),
                        s(&n.ip),
                        s(n.heap_percent),
                        s(75),
                        s(10),
                        s("0.50"),
                        s("0.40"),
                        s("0.30"),
                        b(n.disk_total),
                        b(used),
                        b(n.disk_total - used),
                        s(format!("{:.2}", n.disk_percent())),
                        s(n.role_letters()),
                        s(n.roles.join(",")),
                        s(if Some(i) == manager { "*" } else { "-" }),
                        s(&n.name),
                    ]
                })
                .collect();
            Table { cols: NODES, rows }
        }
        "thread_pool" => {
            let pats: Vec<&str> = arg.map(|a| a.split(',').collect()).unwrap_or_default();
            let mut rows = Vec::new();
            for n in cl.nodes.iter().filter(|n| n.up) {
                for p in &n.pools {
                    if !pats.is_empty() && !pats.iter().any(|x| wildcard_match(x, p.name)) {
                        continue;
                    }
                    let scaling = p.kind == "scaling";
                    rows.push(vec![
                        s(&n.name),
                        s(&n.id[..4.min(n.id.len())]),
                        s(&n.id),
                        s(4242),
                        s(&n.ip),
                        s(&n.ip),
                        s(n.transport_port),
                        s(p.name),
                        s(p.kind),
                        s(p.active),
                        s(p.threads()),
                        s(p.queue),
                        s(p.queue_size),
                        s(p.rejected),
                        s(p.largest),
                        s(p.completed),
                        if scaling { s(p.core) } else { None },
                        if scaling { s(p.size) } else { None },
                        if scaling { None } else { s(p.size) },
                        if scaling { s("5m") } else { None },
                        s(if p.name == "search" { "0s" } else { "-1" }),
                    ]);
                }
            }
            Table {
                cols: THREAD_POOL,
                rows,
            }
        }
        "shards" => {
            let names = match arg {
                Some(a) => cl.resolve_strict(a)?,
                None => cl.indices.keys().cloned().collect(),
            };
            let mut rows = Vec::new();
            for name in names {
                let ix = &cl.indices[&name];
                let per_docs = ix.docs.count(now) / u64::from(ix.num_shards().max(1));
                for sc in &ix.shards {
                    let node = sc.node.map(|n| &cl.nodes[n]);
                    let state = if node.is_some() {
                        "STARTED"
                    } else {
                        "UNASSIGNED"
                    };
                    rows.push(vec![
                        s(&name),
                        s(sc.shard),
                        s(if sc.primary { "p" } else { "r" }),
                        s(state),
                        node.map(|_| per_docs.to_string()),
                        node.and_then(|_| b(ix.shard_bytes(now))),
                        node.map(|n| n.ip.clone()),
                        node.map(|n| n.id.clone()),
                        node.map(|n| n.name.clone()),
                        if node.is_none() {
                            s(sc.unassigned_reason)
                        } else {
                            None
                        },
                        if node.is_none() {
                            s(iso8601(sc.unassigned_at))
                        } else {
                            None
                        },
                    ]);
                }
            }
            Table { cols: SHARDS, rows }
        }
        "aliases" => {
            let mut rows = Vec::new();
            for (alias, members) in &cl.aliases {
                if arg.is_some_and(|a| !a.split(',').any(|p| wildcard_match(p, alias))) {
                    continue;
                }
                for idx in members {
                    let m = cl
                        .indices
                        .get(idx)
                        .and_then(|ix| ix.aliases.get(alias))
                        .cloned()
                        .unwrap_or_default();
                    let routing = m.routing.clone().unwrap_or_else(|| "-".into());
                    rows.push(vec![
                        s(alias),
                        s(idx),
                        s(if m.filter.is_some() { "*" } else { "-" }),
                        s(&routing),
                        s(&routing),
                        s(m.is_write_index
                            .map(|x| x.to_string())
                            .unwrap_or_else(|| "-".into())),
                    ]);
                }
            }
            Table {
                cols: ALIASES,
                rows,
            }
        }
        "health" => {
            let (mut total, mut pri, mut un) = (0, 0, 0);
            let mut status = "green";
            for ix in cl.indices.values() {
                for sc in &ix.shards {
                    if sc.node.is_some() {
                        total += 1;
                        if sc.primary {
                            pri += 1;
                        }
                    } else if ix.open {
                        un += 1;
                    }
                }
                match ix.health() {
                    "red" => status = "red",
                    "yellow" if status == "green" => status = "yellow",
                    _ => {}
                }
            }
            let up = cl.nodes.iter().filter(|n| n.up).count();
            let pct = if total + un == 0 {
                100.0
            } else {
                total as f64 * 100.0 / (total + un) as f64
            };
            let ts = iso8601(now);
            Table {
                cols: HEALTH,
                rows: vec![vec![
                    s(now / 1000),
                    s(&ts[11..19]),
                    s(&cl.name),
                    s(status),
                    s(up),
                    s(up),
                    s("true"),
                    s(total),
                    s(pri),
                    s(0),
                    s(0),
                    s(un),
                    s(0),
                    s("-"),
                    s(format!("{pct:.1}%")),
                ]],
            }
        }
        _ => return Ok(super::no_handler(r)),
    };
    render(r, table)
}

fn select(r: &Req, cols: &'static [Col]) -> Result<Vec<(usize, String)>, OsError> {
    let Some(h) = r.q("h") else {
        return Ok(cols
            .iter()
            .enumerate()
            .filter(|(_, c)| c.3)
            .map(|(i, c)| (i, c.0.to_string()))
            .collect());
    };
    let mut out = Vec::new();
    for tok in h.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if tok.contains('*') {
            out.extend(
                cols.iter()
                    .enumerate()
                    .filter(|(_, c)| wildcard_match(tok, c.0))
                    .map(|(i, c)| (i, c.0.to_string())),
            );
        } else if let Some(i) = cols
            .iter()
            .position(|c| c.0 == tok || c.1.split(',').any(|a| a == tok))
        {
            out.push((i, tok.to_string()));
        } else {
            return Err(OsError::illegal_argument(format!(
                "header [{tok}] not found"
            )));
        }
    }
    Ok(out)
}

fn render(r: &Req, mut t: Table) -> HResult {
    if r.flag("help") {
        let text: String = t
            .cols
            .iter()
            .map(|c| format!("{} | {} | {}\n", c.0, c.1, c.2))
            .collect();
        return Ok(Resp::text(200, text, "text/plain; charset=UTF-8"));
    }
    let cols = select(r, t.cols)?;
    if let Some(sort) = r.q("s") {
        for key in sort.split(',').rev() {
            let (name, desc) = match key.split_once(':') {
                Some((n, d)) => (n, d == "desc"),
                None => (key, false),
            };
            if let Some(i) = t
                .cols
                .iter()
                .position(|c| c.0 == name || c.1.split(',').any(|a| a == name))
            {
                t.rows.sort_by(|a, b| {
                    let (x, y) = (&a[i], &b[i]);
                    let ord = match (
                        x.as_deref().and_then(|v| v.parse::<f64>().ok()),
                        y.as_deref().and_then(|v| v.parse::<f64>().ok()),
                    ) {
                        (Some(p), Some(q)) => {
                            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
                        }
                        _ => x.cmp(y),
                    };
                    if desc {
                        ord.reverse()
                    } else {
                        ord
                    }
                });
            }
        }
    }
    let objects = || -> Vec<Map<String, Value>> {
        t.rows
            .iter()
            .map(|row| {
                cols.iter()
                    .map(|(i, key)| {
                        (
                            key.clone(),
                            row[*i].clone().map(Value::String).unwrap_or(Value::Null),
                        )
                    })
                    .collect()
            })
            .collect()
    };
    match r.q("format").unwrap_or("text") {
        "json" => Ok(Resp::ok(Value::Array(
            objects().into_iter().map(Value::Object).collect(),
        ))),
        "yaml" => {
            let mut y = String::from("---\n");
            for o in objects() {
                let mut first = true;
                for (k, v) in o {
                    let val = match v {
                        Value::String(s) => {
                            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
                        }
                        _ => "null".into(),
                    };
                    y.push_str(&format!("{}{k}: {val}\n", if first { "- " } else { "  " }));
                    first = false;
                }
            }
            Ok(Resp::text(200, y, "application/yaml"))
        }
        "cbor" => Ok(Resp {
            status: 200,
            body: Body::Bytes(cbor(&objects()), "application/cbor"),
            headers: vec![],
        }),
        "text" | "txt" => {
            let mut lines: Vec<Vec<String>> = Vec::new();
            if r.flag("v") {
                lines.push(cols.iter().map(|(_, k)| k.clone()).collect());
            }
            for row in &t.rows {
                lines.push(
                    cols.iter()
                        .map(|(i, _)| row[*i].clone().unwrap_or_default())
                        .collect(),
                );
            }
            let widths: Vec<usize> = (0..cols.len())
                .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
                .collect();
            let text: String = lines
                .iter()
                .map(|l| {
                    let cells: Vec<String> = l
                        .iter()
                        .zip(&widths)
                        .map(|(v, w)| format!("{v:<w$}"))
                        .collect();
                    format!("{}\n", cells.join(" ").trim_end())
                })
                .collect();
            Ok(Resp::text(200, text, "text/plain; charset=UTF-8"))
        }
        other => Err(OsError::illegal_argument(format!(
            "Unsupported format [{other}]"
        ))),
    }
}

/// A minimal CBOR encoding of a list of string→(string|null) maps.
fn cbor(rows: &[Map<String, Value>]) -> Vec<u8> {
    fn head(out: &mut Vec<u8>, major: u8, n: usize) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            _ => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
        }
    }
    fn text(out: &mut Vec<u8>, s: &str) {
        head(out, 3, s.len());
        out.extend(s.as_bytes());
    }
    let mut out = Vec::new();
    head(&mut out, 4, rows.len());
    for row in rows {
        head(&mut out, 5, row.len());
        for (k, v) in row {
            text(&mut out, k);
            match v {
                Value::String(s) => text(&mut out, s),
                _ => out.push(0xf6),
            }
        }
    }
    out
}
