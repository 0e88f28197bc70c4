//! The document APIs the guard's raw allowlist names, with OpenSearch's semantics: `_bulk`
//! action lines with `_index`, `_mget`, `_msearch`, and `_search` with the terms lookup that
//! reads another index's document.
use lifeguard::sim::SimOptions;
use serde_json::{json, Value};

use super::common::Env;

async fn ndjson(env: &Env, path: &str, body: &str) -> (u16, Value) {
    let r = env
        .http
        .post(format!("{}{path}", env.leader))
        .header("content-type", "application/x-ndjson")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn seeded() -> Env {
    let env = Env::sim(SimOptions::default()).await;
    for i in ["a-1", "b-1"] {
        let (s, _) = env.leader("PUT", &format!("/{i}"), None).await;
        assert_eq!(s, 200, "create {i}");
    }
    let bulk = concat!(
        "{\"index\":{\"_index\":\"a-1\",\"_id\":\"1\"}}\n{\"user\":\"ann\",\"n\":1}\n",
        "{\"index\":{\"_id\":\"2\"}}\n{\"user\":\"bob\",\"n\":2}\n",
        "{\"index\":{\"_index\":\"b-1\",\"_id\":\"s\"}}\n{\"users\":[\"bob\"],\"secret\":\"b-secret\"}\n",
    );
    let (s, v) = ndjson(&env, "/a-1/_bulk", bulk).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["errors"], false, "{v}");
    assert_eq!(
        v["items"][2]["index"]["_index"], "b-1",
        "the line's _index wins"
    );
    env
}

#[tokio::test]
async fn mget_reads_across_indices_with_per_doc_answers() {
    let env = seeded().await;
    let (s, v) = env
        .leader(
            "POST",
            "/a-1/_mget",
            Some(json!({"docs":[{"_id":"1"},{"_index":"b-1","_id":"s"},{"_index":"a-1","_id":"9"},{"_index":"nope","_id":"1"}]})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let docs = v["docs"].as_array().unwrap();
    assert_eq!(docs[0]["_source"]["user"], "ann");
    assert_eq!(
        docs[1]["_source"]["secret"], "b-secret",
        "another index, by body"
    );
    assert_eq!(docs[2]["found"], false);
    assert_eq!(docs[3]["error"]["type"], "index_not_found_exception");
    let (s, v) = env
        .leader("POST", "/a-1/_mget", Some(json!({"ids":["1","2"]})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["docs"][1]["_source"]["user"], "bob");
    let (s, v) = env
        .leader("POST", "/_mget", Some(json!({"ids":["1"]})))
        .await;
    assert_eq!(s, 400, "ids need an index: {v}");
    assert_eq!(v["error"]["type"], "action_request_validation_exception");
    env.shutdown().await;
}

#[tokio::test]
async fn msearch_answers_each_search_on_its_own() {
    let env = seeded().await;
    let body = concat!(
        "{\"index\":\"b-1\"}\n{\"query\":{\"match_all\":{}}}\n",
        "{}\n{\"query\":{\"term\":{\"user\":\"bob\"}}}\n",
        "{\"index\":\"missing\"}\n{}\n",
    );
    let (s, v) = ndjson(&env, "/a-1/_msearch", body).await;
    assert_eq!(s, 200, "{v}");
    let r = v["responses"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["hits"]["hits"][0]["_source"]["secret"], "b-secret");
    assert_eq!(r[0]["status"], 200);
    let hits = r[1]["hits"]["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["_id"], "2");
    assert_eq!(r[2]["status"], 404);
    assert_eq!(r[2]["error"]["type"], "index_not_found_exception");
    env.shutdown().await;
}

#[tokio::test]
async fn the_terms_lookup_reads_the_other_index() {
    let env = seeded().await;
    let q = json!({"query":{"terms":{"user":{"index":"b-1","id":"s","path":"users"}}}});
    let (s, v) = env.leader("POST", "/a-1/_search", Some(q)).await;
    assert_eq!(s, 200, "{v}");
    let hits = v["hits"]["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{v}");
    assert_eq!(hits[0]["_source"]["user"], "bob", "values came from b-1/s");
    let q = json!({"query":{"bool":{"must":[{"exists":{"field":"n"}}],"must_not":[{"ids":{"values":["1"]}}]}}});
    let (_, v) = env.leader("POST", "/a-1/_search", Some(q)).await;
    assert_eq!(v["hits"]["total"]["value"], 1);
    let q = json!({"query":{"terms":{"user":{"index":"nope","id":"s","path":"users"}}}});
    let (s, _) = env.leader("POST", "/a-1/_search", Some(q)).await;
    assert_eq!(s, 404);
    env.shutdown().await;
}
