//! Runs the Rust twin's decision logic on `cases.json` and prints every case with its output
//! (`test/golden.json`), so the JS port can be checked against the real thing under `node --test`.
//! Floats travel as their IEEE bits in hex, so no JSON float parsing is involved.

#[allow(dead_code)]
#[path = "../../../../rust/rollover-tuner/src/logic.rs"]
mod logic;

use std::collections::BTreeMap;

use lifeguard_sdk::units;
use logic::{AliasState, Config, IndexSample, Thresholds};
use serde_json::{json, Value};

fn f(v: &Value) -> f64 {
    f64::from_bits(u64::from_str_radix(v.as_str().unwrap(), 16).unwrap())
}

fn bits(x: f64) -> Value {
    json!(format!("{:016x}", x.to_bits()))
}

fn u(v: &Value) -> u64 {
    v.as_str().unwrap().parse().unwrap()
}

fn cfg(v: &Value) -> Config {
    Config::parse(v.as_str().unwrap()).unwrap()
}

fn thresholds_of(v: &Value) -> Thresholds {
    Thresholds {
        min_index_age_ms: u(&v["min_index_age_ms"]),
        min_primary_shard_size: u(&v["min_primary_shard_size"]),
        min_doc_count: v["min_doc_count"].as_str().map(|s| s.parse().unwrap()),
        template: u(&v["template"]),
    }
}

fn current(v: &Value) -> BTreeMap<String, IndexSample> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                IndexSample {
                    docs: u(&r[1]),
                    bytes: u(&r[2]),
                    created_ms: u(&r[3]),
                },
            )
        })
        .collect()
}

fn run(case: &Value) -> Value {
    let input = &case["in"];
    match case["kind"].as_str().unwrap() {
        "config" => match Config::parse(input.as_str().unwrap()) {
            Ok(c) => json!({"ok": {
                "cluster": c.cluster,
                "policy_id": c.policy_id,
                "write_aliases": c.write_aliases,
                "rollover_state": c.state_name(),
                "target_primary_shard_size": c.target_primary_shard_size.to_string(),
                "buffer_pct": bits(c.buffer_pct),
                "min_age": c.min_age.to_string(),
                "max_age": c.max_age.to_string(),
                "min_doc_count": c.min_doc_count.map(|n| n.to_string()),
                "hysteresis_pct": bits(c.hysteresis_pct),
                "ewma_alpha": bits(c.ewma_alpha),
                "replicated_size_cap": c.replicated_size_cap.to_string(),
                "sync_batch": c.sync_batch,
                "min_sample_interval": c.min_sample_interval.to_string(),
                "policy_text": c.policy.to_string(),
                "template": logic::fnv(&c.policy.to_string()).to_string(),
            }}),
            Err(e) => json!({"err": e.message(), "transient": e.is_transient()}),
        },
        "age" => {
            let c = cfg(&input["config"]);
            let ms = logic::min_index_age_ms(u(&input["target"]), f(&input["v"]), &c);
            json!(ms.to_string())
        }
        "thresholds" => {
            let c = cfg(&input["config"]);
            let t = logic::thresholds(&c, f(&input["v"]), input["replicated"].as_bool().unwrap());
            json!(serde_json::to_string(&t).unwrap())
        }
        "should_apply" => {
            let a = (!input["applied"].is_null()).then(|| thresholds_of(&input["applied"]));
            let n = thresholds_of(&input["next"]);
            json!(logic::should_apply(a.as_ref(), &n, f(&input["h"])))
        }
        "render" => {
            let c = cfg(&input["config"]);
            let t = thresholds_of(&input["t"]);
            json!(logic::render(&c, &t).unwrap().to_string())
        }
        "update" => {
            let c = cfg(&input["config"]);
            let mut prev: Option<AliasState> = None;
            let mut out = Vec::new();
            for step in input["steps"].as_array().unwrap() {
                let (next, measured) = logic::update(
                    prev.as_ref(),
                    u(&step["now"]),
                    current(&step["current"]),
                    step["primaries"].as_u64().unwrap() as u32,
                    &c,
                );
                out.push(json!({"state": serde_json::to_string(&next).unwrap(), "measured": measured,
                    "shard_bytes_h": next.shard_bytes_h.map(bits), "docs_h": next.docs_h.map(bits)}));
                prev = Some(next);
            }
            json!(out)
        }
        "decode_state" => {
            let text = input.as_str().unwrap();
            let a = lifeguard_sdk::state::decode::<AliasState>("k", text)
                .map(|s| serde_json::to_string(&s).unwrap())
                .map_err(|e| e.to_string());
            let t = lifeguard_sdk::state::decode::<Thresholds>("k", text)
                .map(|s| serde_json::to_string(&s).unwrap())
                .map_err(|e| e.to_string());
            json!({"alias": a.ok(), "applied": t.ok()})
        }
        "size" => match units::parse_size(input.as_str().unwrap()) {
            Ok(n) => json!({"ok": n.to_string(), "fmt": units::format_size(n)}),
            Err(e) => json!({"err": e.to_string()}),
        },
        "duration" => match units::parse_duration_ms(input.as_str().unwrap()) {
            Ok(n) => json!({"ok": n.to_string(), "fmt": units::format_duration_ms(n)}),
            Err(e) => json!({"err": e.to_string()}),
        },
        "f64" => {
            let x = f(input);
            json!({"json": serde_json::to_string(&x).unwrap(), "fixed0": format!("{:.0}", x)})
        }
        "value" => match serde_json::from_str::<Value>(input.as_str().unwrap()) {
            Ok(v) => json!({"ok": v.to_string(), "fnv": logic::fnv(&v.to_string()).to_string()}),
            Err(_) => json!({"err": true}),
        },
        other => panic!("unknown case kind {other}"),
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: golden <cases.json>");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let out: Vec<Value> = cases
        .into_iter()
        .map(|c| {
            let out = run(&c);
            json!({"kind": c["kind"], "in": c["in"], "out": out})
        })
        .collect();
    // One case per line: readable diffs when the twin changes.
    let lines: Vec<String> = out.iter().map(|c| c.to_string()).collect();
    println!("[\n{}\n]", lines.join(",\n"));
}
