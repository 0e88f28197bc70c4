//! Parser throughput on cluster-sized responses: a 10k-index ISM explain and a 10k-row
//! `_cat/indices`. Criterion reports MB/s (`Throughput::Bytes`); the goal is ≥ 100 MB/s in
//! release. Run with `cargo bench -p lifeguard --bench parse`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lifeguard::cluster::parse;

const N: usize = 10_000;

/// Explain entries in the mix a real cluster shows: mostly mid-policy, some failed with a
/// cause, some transitioning or completed, some unmanaged.
fn explain_body() -> String {
    let mut s = String::from("{");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let name = format!("logs-app{}-{:06}", i % 37, i);
        let head = format!(
            r#""{name}":{{"index.plugins.index_state_management.policy_id":"hot_warm_delete","index.opendistro.index_state_management.policy_id":"hot_warm_delete","index":"{name}","index_uuid":"yPHItytKTNO8OI8EB{i:05}","policy_id":"hot_warm_delete","policy_seq_no":{},"policy_primary_term":1,"#,
            3 + i % 5
        );
        let _ = match i % 10 {
            0 => write!(
                s,
                r#""{name}":{{"index.plugins.index_state_management.policy_id":null,"index.opendistro.index_state_management.policy_id":null,"enabled":null}}"#
            ),
            1 => write!(
                s,
                r#"{head}"index_creation_date":1684830592835,"transition_to":"warm","retry_info":{{"failed":false,"consumed_retries":0}},"info":{{"message":"Transitioning to warm [index={name}]"}},"enabled":true}}"#
            ),
            2 => write!(
                s,
                r#"{head}"index_creation_date":1684830592835,"policy_completed":true,"enabled":false}}"#
            ),
            3 => write!(
                s,
                r#"{head}"rolled_over":false,"index_creation_date":1684917000100,"state":{{"name":"hot","start_time":1684917300500}},"action":{{"name":"rollover","start_time":1684917600000,"index":0,"failed":true,"consumed_retries":3,"last_retry_time":1684918500000}},"step":{{"name":"attempt_rollover","start_time":1684917600000,"step_status":"failed"}},"retry_info":{{"failed":false,"consumed_retries":0}},"info":{{"message":"Failed to rollover index [index={name}]","cause":"index name [{name}] does not match pattern '^.*-\\d+$'"}},"enabled":false}}"#
            ),
            _ => write!(
                s,
                r#"{head}"rolled_over":true,"rolled_over_index_name":"{name}x","index_creation_date":1684830592835,"state":{{"name":"warm","start_time":1684917000000}},"action":{{"name":"transition","start_time":1684917300000,"index":-1,"failed":false,"consumed_retries":0,"last_retry_time":0}},"step":{{"name":"attempt_transition_step","start_time":1684917300000,"step_status":"condition_not_met"}},"retry_info":{{"failed":false,"consumed_retries":0}},"info":{{"message":"Evaluating transition conditions [index={name}]"}},"enabled":true}}"#
            ),
        };
    }
    let _ = write!(s, r#","total_managed_indices":{}}}"#, N - N / 10);
    s
}

/// `_cat/indices?format=json&bytes=b` rows, every tenth one closed (nulls).
fn cat_body() -> String {
    let mut s = String::from("[");
    for i in 0..N {
        if i > 0 {
            s.push(',');
        }
        let _ = if i % 10 == 9 {
            write!(
                s,
                r#"{{"health":null,"status":"close","index":"logs-app{}-{:06}","uuid":"yPHItytKTNO8OI8EB{i:05}","pri":"1","rep":"1","docs.count":null,"docs.deleted":null,"store.size":null,"pri.store.size":null,"creation.date":"1684830592835"}}"#,
                i % 37,
                i
            )
        } else {
            write!(
                s,
                r#"{{"health":"green","status":"open","index":"logs-app{}-{:06}","uuid":"yPHItytKTNO8OI8EB{i:05}","pri":"3","rep":"1","docs.count":"{}","docs.deleted":"{}","store.size":"{}","pri.store.size":"{}","creation.date":"1684830592835"}}"#,
                i % 37,
                i,
                i * 1013,
                i % 17,
                i * 208_011,
                i * 104_003
            )
        };
    }
    s.push(']');
    s
}

fn bench(c: &mut Criterion) {
    let explain = explain_body();
    assert_eq!(parse::ism_explain(explain.as_bytes()).unwrap().len(), N);
    let cat = cat_body();
    assert_eq!(parse::cat_indices(cat.as_bytes()).unwrap().len(), N);

    let mut g = c.benchmark_group("parse");
    g.sample_size(30);
    g.throughput(Throughput::Bytes(explain.len() as u64));
    g.bench_function("ism_explain_10k", |b| {
        b.iter(|| parse::ism_explain(black_box(explain.as_bytes())).unwrap())
    });
    g.throughput(Throughput::Bytes(cat.len() as u64));
    g.bench_function("cat_indices_10k", |b| {
        b.iter(|| parse::cat_indices(black_box(cat.as_bytes())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
