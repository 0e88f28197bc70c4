//! Runs the OpenAPI spec's YAML stories (`shared/opensearch-api-spec/tests/`) against the
//! simulator (a fresh one per story; replication stories against the leader of a pair, whose
//! remote seeds map back to itself as upstream) or against `LIFEGUARD_LEADER_URL` when set.
//! Response bodies are validated against the spec's schemas.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lifeguard::sim::SimOptions;
use serde_json::{json, Value};

use super::common::{live_urls, Env};
use super::exceptions::{schema_exception, story_exception};
use super::schema::{spec_dir, Spec};

const SIM_VERSION: (u64, u64, u64) = (2, 19, 1);

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

fn parse_version(s: &str) -> (u64, u64, u64) {
    let mut it = s.trim().split('.').map(|x| x.parse().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

/// Evaluates a semver range like ">= 2.12" or "< 2.0" (space-separated parts are AND-ed).
fn version_ok(range: Option<&Value>, v: (u64, u64, u64)) -> bool {
    let Some(range) = range.and_then(Value::as_str) else {
        return true;
    };
    let tokens: Vec<&str> = range.split_whitespace().collect();
    let mut i = 0;
    while i < tokens.len() {
        let (op, ver) = if tokens[i].chars().next().is_some_and(|c| c.is_ascii_digit()) {
            ("=", tokens[i])
        } else if tokens[i].chars().last().is_some_and(|c| c.is_ascii_digit()) {
            let split = tokens[i].find(|c: char| c.is_ascii_digit()).unwrap();
            (&tokens[i][..split], &tokens[i][split..])
        } else {
            i += 1;
            (tokens[i - 1], tokens.get(i).copied().unwrap_or("0"))
        };
        let w = parse_version(ver);
        let ok = match op {
            ">=" => v >= w,
            ">" => v > w,
            "<=" => v <= w,
            "<" => v < w,
            _ => v == w,
        };
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

fn lookup(outputs: &BTreeMap<String, Value>, expr: &str) -> Option<Value> {
    let (id, field) = expr.split_once('.')?;
    outputs.get(id)?.get(field).cloned()
}

/// Replaces `${id.field}` references with captured outputs.
fn substitute(v: &Value, outputs: &BTreeMap<String, Value>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(inner) = s.strip_prefix("${").and_then(|x| x.strip_suffix('}')) {
                return lookup(outputs, inner).unwrap_or(Value::Null);
            }
            let mut out = s.clone();
            while let Some(start) = out.find("${") {
                let Some(end) = out[start..].find('}') else {
                    break;
                };
                let val = lookup(outputs, &out[start + 2..start + end]).map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                });
                out.replace_range(start..start + end + 1, &val.unwrap_or_default());
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, outputs)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), substitute(x, outputs)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn param_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(param_string).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b','
            | b'*'
            | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `expected` is a subset of `actual` (objects by key, arrays by position).
fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(v, av))),
        (Value::Array(e), Value::Array(a)) => {
            e.len() <= a.len() && e.iter().zip(a).all(|(x, y)| subset(x, y))
        }
        (e, a) => e == a,
    }
}

struct StepResult {
    status: u16,
    content_type: String,
    body: Value,
}

async fn send(
    env: &Env,
    base: &str,
    step: &Value,
    outputs: &BTreeMap<String, Value>,
) -> StepResult {
    let method = step["method"].as_str().unwrap_or("GET");
    let params = substitute(step.get("parameters").unwrap_or(&json!({})), outputs);
    let mut path = step["path"].as_str().unwrap().to_string();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    let mut query = Vec::new();
    for (k, v) in params.as_object().cloned().unwrap_or_default() {
        let placeholder = format!("{{{k}}}");
        if path.contains(&placeholder) {
            path = path.replace(&placeholder, &encode(&param_string(&v)));
        } else {
            query.push(format!("{}={}", encode(&k), encode(&param_string(&v))));
        }
    }
    let url = if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{}", query.join("&"))
    };
    let mut rb = env.http.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        &url,
    );
    if let Some(req) = step.get("request") {
        let payload = substitute(req.get("payload").unwrap_or(&Value::Null), outputs);
        let ct = req
            .get("content_type")
            .and_then(Value::as_str)
            .unwrap_or("application/json");
        if !payload.is_null() {
            let body = if ct == "application/x-ndjson" {
                payload
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
            } else {
                payload.to_string()
            };
            rb = rb.header("content-type", ct).body(body);
        }
    }
    let resp = rb
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    StepResult {
        status,
        content_type,
        body,
    }
}

fn capture(step: &Value, o: &StepResult, outputs: &mut BTreeMap<String, Value>) {
    let (Some(id), Some(out)) = (
        step.get("id").and_then(Value::as_str),
        step.get("output").and_then(Value::as_object),
    ) else {
        return;
    };
    let mut captured = serde_json::Map::new();
    for (name, path) in out {
        let mut cur = json!({"payload": o.body});
        for part in path.as_str().unwrap_or("").split('.') {
            cur = cur.get(part).cloned().unwrap_or(Value::Null);
        }
        captured.insert(name.clone(), cur);
    }
    outputs.insert(id.to_string(), Value::Object(captured));
}

async fn advance(env: &Env) {
    if env.sim.is_some() {
        env.leader("POST", "/_sim/clock", Some(json!({"advance": "1s"})))
            .await;
    } else {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

async fn run_story(
    rel: &str,
    story: &Value,
    spec: &Spec,
    version: (u64, u64, u64),
    failures: &mut Vec<String>,
    checked: &mut usize,
) {
    if !version_ok(story.get("version"), version) {
        return;
    }
    let replication = rel.starts_with("plugins/replication");
    let env = match live_urls() {
        Some(_) => Env::start().await,
        None => {
            Env::sim(if replication {
                SimOptions::pair()
            } else {
                SimOptions::default()
            })
            .await
        }
    };
    let base = env.leader.clone();
    let mut outputs = BTreeMap::new();
    for step in story["prologues"].as_array().cloned().unwrap_or_default() {
        let o = send(&env, &base, &step, &outputs).await;
        let allowed: Vec<u16> = step["status"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_u64().map(|x| x as u16))
                    .collect()
            })
            .unwrap_or_default();
        if (allowed.is_empty() && !(200..300).contains(&o.status))
            || (!allowed.is_empty() && !allowed.contains(&o.status))
        {
            failures.push(format!(
                "{rel}: prologue {} {} -> {} {}",
                step["method"], step["path"], o.status, o.body
            ));
        }
        capture(&step, &o, &mut outputs);
    }
    for ch in story["chapters"].as_array().cloned().unwrap_or_default() {
        let synopsis = ch["synopsis"].as_str().unwrap_or_default().to_string();
        if !version_ok(ch.get("version"), version) {
            continue;
        }
        if let Some(reason) = story_exception(rel, &synopsis) {
            eprintln!("skipped {rel} / {synopsis}: {reason}");
            continue;
        }
        let want = ch["response"]["status"].as_u64().unwrap_or(200) as u16;
        let tries = ch["retry"]["count"].as_u64().unwrap_or(0) + 1;
        let mut o = send(&env, &base, &ch, &outputs).await;
        for _ in 1..tries {
            if o.status == want {
                break;
            }
            advance(&env).await;
            o = send(&env, &base, &ch, &outputs).await;
        }
        *checked += 1;
        let tag = format!(
            "{rel}: {synopsis} ({} {})",
            ch["method"].as_str().unwrap_or(""),
            ch["path"].as_str().unwrap_or("")
        );
        if o.status != want {
            failures.push(format!("{tag}: status {} != {want}: {}", o.status, o.body));
            continue;
        }
        if let Some(ct) = ch["response"]["content_type"].as_str() {
            if !o.content_type.starts_with(ct) {
                failures.push(format!("{tag}: content-type {} != {ct}", o.content_type));
            }
        }
        if let Some(p) = ch["response"].get("payload") {
            if !subset(p, &o.body) {
                failures.push(format!("{tag}: payload {p} not in {}", o.body));
            }
        }
        let path = ch["path"].as_str().unwrap_or_default();
        let method = ch["method"].as_str().unwrap_or("GET");
        if o.content_type.starts_with("application/json")
            && schema_exception(path, method).is_none()
        {
            if let Some(ptr) = spec.response_schema(path, method, o.status) {
                for e in spec.validate(&ptr, &o.body) {
                    failures.push(format!("{tag}: schema {ptr}: {e}"));
                }
            }
        }
        capture(&ch, &o, &mut outputs);
    }
    for step in story["epilogues"].as_array().cloned().unwrap_or_default() {
        let o = send(&env, &base, &step, &outputs).await;
        let allowed: Vec<u16> = step["status"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_u64().map(|x| x as u16))
                    .collect()
            })
            .unwrap_or_default();
        if (allowed.is_empty() && !(200..300).contains(&o.status))
            || (!allowed.is_empty() && !allowed.contains(&o.status))
        {
            failures.push(format!(
                "{rel}: epilogue {} {} -> {} {}",
                step["method"], step["path"], o.status, o.body
            ));
        }
    }
    env.shutdown().await;
}

#[tokio::test]
async fn spec_stories_pass_with_schema_checks() {
    let dir = spec_dir().join("tests");
    let mut files = Vec::new();
    collect(&dir, &mut files);
    assert!(files.len() >= 25, "stories found under {}", dir.display());
    let spec = Spec::load();
    let version = match live_urls() {
        Some((leader, _)) => {
            let v: Value = reqwest::get(&leader).await.unwrap().json().await.unwrap();
            parse_version(v["version"]["number"].as_str().unwrap_or("0"))
        }
        None => SIM_VERSION,
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &files {
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let story: Value = serde_yaml::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        run_story(&rel, &story, &spec, version, &mut failures, &mut checked).await;
    }
    eprintln!(
        "{} stories, {checked} chapters checked, {} failures",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "story failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn version_ranges() {
    assert!(version_ok(Some(&json!(">= 2.12")), (2, 19, 1)));
    assert!(!version_ok(Some(&json!("< 2.0")), (2, 19, 1)));
    assert!(version_ok(Some(&json!(">= 1.1")), (2, 19, 1)));
}
