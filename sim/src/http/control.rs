//! The simulator's own API under `/_sim/*`: clock, faults, request log, scenarios, ingest,
//! state. Documented in `sim/README.md`.
use serde_json::{json, Value};

use super::types::{Req, Resp};
use crate::error::OsError;
use crate::faults::{self, FaultAction};
use crate::util::{iso8601, parse_time_ms};
use crate::world::World;

fn bad(msg: impl Into<String>) -> Resp {
    Resp::from(OsError::illegal_argument(msg))
}

pub fn clock_json(w: &World) -> Value {
    json!({"now_ms": w.now, "now": iso8601(w.now), "speed": w.clock.speed, "pending_events": w.pending_events()})
}

fn body(r: &Req) -> Result<Value, Resp> {
    r.json().map_err(Resp::from)
}

pub fn handle(w: &mut World, r: &Req) -> Resp {
    let segs: Vec<&str> = r.segs.iter().map(String::as_str).collect();
    match (r.method.as_str(), segs.as_slice()) {
        ("GET", ["_sim", "clock"]) => Resp::ok(clock_json(w)),
        ("POST" | "PUT", ["_sim", "clock"]) => {
            let b = match body(r) {
                Ok(b) => b,
                Err(e) => return e,
            };
            if let Some(s) = b.get("speed").and_then(Value::as_f64) {
                w.set_speed(s);
            }
            let adv = match (b.get("advance"), b.get("advance_ms")) {
                (Some(Value::String(s)), _) => match parse_time_ms(s) {
                    Some(ms) => Some(ms),
                    None => return bad(format!("invalid duration [{s}]")),
                },
                (_, Some(v)) => v.as_i64(),
                _ => None,
            };
            if let Some(ms) = adv {
                crate::events::advance(w, ms);
            }
            Resp::ok(clock_json(w))
        }
        ("GET", ["_sim", "faults"]) => Resp::ok(json!({"rules": w.faults.rules})),
        ("POST" | "PUT", ["_sim", "faults"]) => {
            let b = match body(r) {
                Ok(b) => b,
                Err(e) => return e,
            };
            let list = match b.get("faults") {
                Some(Value::Array(a)) => a.clone(),
                _ => vec![b],
            };
            let mut results = Vec::new();
            for item in list {
                let action: FaultAction = match serde_json::from_value(item) {
                    Ok(a) => a,
                    Err(e) => return bad(format!("invalid fault: {e}")),
                };
                match faults::apply(w, &action) {
                    Ok(v) => results.push(v),
                    Err(e) => return bad(e),
                }
            }
            Resp::ok(json!({"acknowledged": true, "results": results}))
        }
        ("DELETE", ["_sim", "faults"]) => {
            w.faults.rules.clear();
            Resp::ok(json!({"acknowledged": true}))
        }
        ("DELETE", ["_sim", "faults", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            w.faults.rules.retain(|x| x.id != id);
            Resp::ok(json!({"acknowledged": true}))
        }
        ("GET", ["_sim", "requests"]) => {
            let cluster = r.q("cluster");
            let prefix = r.q("path_prefix");
            let list: Vec<_> = w
                .log
                .all()
                .into_iter()
                .filter(|x| cluster.is_none_or(|c| x.cluster == c))
                .filter(|x| prefix.is_none_or(|p| x.path.starts_with(p)))
                .collect();
            Resp::ok(json!({"total": list.len(), "requests": list}))
        }
        ("DELETE", ["_sim", "requests"]) => {
            w.log.clear();
            Resp::ok(json!({"acknowledged": true}))
        }
        ("POST" | "PUT", ["_sim", "scenario"]) => {
            let text = String::from_utf8_lossy(&r.body).to_string();
            match crate::scenario::Scenario::parse(&text)
                .and_then(|s| crate::scenario::apply(w, &s))
            {
                Ok(()) => Resp::ok(json!({"acknowledged": true})),
                Err(e) => bad(e.to_string()),
            }
        }
        ("POST" | "PUT", ["_sim", "ingest"]) => {
            let b = match body(r) {
                Ok(b) => b,
                Err(e) => return e,
            };
            let Some(alias) = b.get("alias").and_then(Value::as_str) else {
                return bad("alias is required");
            };
            let c = match faults::cluster_index(
                w,
                &b.get("cluster").and_then(Value::as_str).map(str::to_string),
            ) {
                Ok(c) => c,
                Err(e) => return bad(e),
            };
            let dps = b.get("docs_per_sec").and_then(Value::as_f64).unwrap_or(0.0);
            let bpd = b
                .get("bytes_per_doc")
                .and_then(Value::as_f64)
                .unwrap_or(500.0);
            crate::ops::set_ingest(w, c, alias, dps, bpd);
            Resp::ok(json!({"acknowledged": true}))
        }
        ("GET", ["_sim", "notifications"]) => {
            let all: Vec<Value> = w
                .clusters
                .iter()
                .flat_map(|c| c.notifications.iter().cloned())
                .collect();
            Resp::ok(json!({"notifications": all}))
        }
        ("GET", ["_sim", "state"]) | ("GET", ["_sim"]) => {
            let clusters: Vec<Value> = w
                .clusters
                .iter()
                .map(|c| {
                    json!({"name": c.name, "http": c.http_addr, "indices": c.indices.len(),
                        "managed": c.indices.values().filter(|i| i.managed.is_some()).count(),
                        "replications": c.ccr.reps.len(), "unavailable": c.unavailable, "refusing": c.refusing,
                        "nodes": c.nodes.iter().map(|n| json!({"name": n.name, "id": n.id, "up": n.up,
                            "disk_percent": n.disk_percent(), "attributes": n.attributes})).collect::<Vec<_>>()})
                })
                .collect();
            Resp::ok(json!({"clock": clock_json(w), "seed": w.seed, "clusters": clusters}))
        }
        _ => super::no_handler(r),
    }
}
