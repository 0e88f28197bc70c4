//! The official Python client (`opensearch-py`) through a small workflow against the simulator:
//! health, cat indices, put policy, add, explain, rollover. Skipped (with the reason printed)
//! when the module is not installed.
use std::process::Command;

use super::common::{live_urls, Env};

const SCRIPT: &str = r#"
import json, sys
from opensearchpy import OpenSearch
c = OpenSearch(hosts=[sys.argv[1]], use_ssl=False, verify_certs=False)
h = c.cluster.health()
assert h["status"] in ("green", "yellow"), h
c.indices.create(index="py-000001", body={"settings": {"plugins.index_state_management.rollover_alias": "py"},
                                           "aliases": {"py": {"is_write_index": True}}})
rows = c.cat.indices(format="json")
assert any(r["index"] == "py-000001" and isinstance(r["pri"], str) for r in rows), rows
policy = {"policy": {"description": "py", "default_state": "hot",
          "states": [{"name": "hot", "actions": [{"rollover": {"min_doc_count": 1}}], "transitions": []}]}}
r = c.transport.perform_request("PUT", "/_plugins/_ism/policies/py-policy", body=policy)
assert r["_id"] == "py-policy" and r["policy"]["policy"]["states"][0]["actions"][0]["retry"]["count"] == 3, r
r = c.transport.perform_request("POST", "/_plugins/_ism/add/py-000001", body={"policy_id": "py-policy"})
assert r == {"updated_indices": 1, "failures": False, "failed_indices": []}, r
e = c.transport.perform_request("GET", "/_plugins/_ism/explain/py-000001")
assert e["py-000001"]["index.plugins.index_state_management.policy_id"] == "py-policy", e
c.index(index="py", body={"a": 1}, id="1")
r = c.indices.rollover(alias="py")
assert r["rolled_over"] and r["new_index"] == "py-000002", r
print("ok")
"#;

#[tokio::test]
async fn opensearch_py_workflow() {
    let have = Command::new("python3").args(["-c", "import opensearchpy"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !have {
        eprintln!("SKIPPED opensearch_py_workflow: `python3 -c \"import opensearchpy\"` failed (pip install opensearch-py)");
        return;
    }
    let env = Env::start().await;
    let url = env.leader.clone();
    let out = tokio::task::spawn_blocking(move || Command::new("python3").args(["-c", SCRIPT, &url]).output().unwrap()).await.unwrap();
    assert!(out.status.success(), "python client failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if live_urls().is_none() {
        let (_, log) = env.leader("GET", "/_sim/requests?path_prefix=/_plugins", None).await;
        assert!(log["total"].as_u64().unwrap() >= 3);
    }
    env.shutdown().await;
}
