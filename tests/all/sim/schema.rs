//! Response validation against the OpenAPI spec's schemas. All spec files are merged into one
//! JSON document and every `$ref` is rewritten to a pointer inside it, so the `jsonschema`
//! crate resolves them without any retriever.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/opensearch-api-spec")
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn normalize(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for p in rel.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn rewrite(v: &mut Value, file: &str) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                let (target, frag) = r.split_once('#').unwrap_or((r.as_str(), ""));
                let target_file = if target.is_empty() { file.to_string() } else { normalize(file, target) };
                *r = format!("#/files/{}{}", escape(&target_file), frag);
            }
            for child in m.values_mut() {
                rewrite(child, file);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rewrite(c, file)),
        _ => {}
    }
}

pub struct Spec {
    pub root: Value,
    cache: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl Spec {
    pub fn load() -> Spec {
        let mut files = Map::new();
        for dir in ["spec/namespaces", "spec/schemas"] {
            for entry in std::fs::read_dir(spec_dir().join(dir)).unwrap() {
                let p = entry.unwrap().path();
                let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
                let mut v: Value = serde_yaml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                rewrite(&mut v, &name);
                files.insert(name, v);
            }
        }
        Spec { root: json!({"files": files}), cache: Mutex::new(HashMap::new()) }
    }

    fn pointer(&self, ptr: &str) -> Option<&Value> {
        self.root.pointer(ptr.trim_start_matches('#'))
    }

    /// The JSON pointer of the response schema for (spec path, method, status), if any.
    pub fn response_schema(&self, path: &str, method: &str, status: u16) -> Option<String> {
        let namespaces = self.root["files"].as_object()?;
        for (name, doc) in namespaces.iter().filter(|(n, _)| n.starts_with("spec/namespaces/")) {
            let Some(op) = doc.get("paths").and_then(|p| p.get(path)).and_then(|p| p.get(method.to_ascii_lowercase())) else { continue };
            let mut resp = op.get("responses")?.get(status.to_string())?.clone();
            let mut guard = 0;
            while let Some(r) = resp.get("$ref").and_then(Value::as_str) {
                resp = self.pointer(r)?.clone();
                guard += 1;
                if guard > 5 {
                    return None;
                }
            }
            let _ = name;
            let schema = resp.get("content")?.get("application/json")?.get("schema")?;
            return Some(match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => r.to_string(),
                None => {
                    // Inline schema: address it through the operation itself.
                    format!("#/files/{}/paths/{}/{}/responses/{status}/content/application~1json/schema", escape(name), escape(path), method.to_ascii_lowercase())
                }
            });
        }
        None
    }

    /// Validates `body` against the schema at `ptr`; returns the errors.
    pub fn validate(&self, ptr: &str, body: &Value) -> Vec<String> {
        let validator = {
            let mut cache = self.cache.lock().unwrap();
            cache
                .entry(ptr.to_string())
                .or_insert_with(|| {
                    let mut schema = self.root.clone();
                    schema["$ref"] = json!(ptr);
                    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
                    std::sync::Arc::new(jsonschema::options().should_validate_formats(false).build(&schema).unwrap_or_else(|e| panic!("schema {ptr}: {e}")))
                })
                .clone()
        };
        validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }
}
