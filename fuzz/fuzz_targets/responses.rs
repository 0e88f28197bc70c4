//! Every other response parser: health, settings, rollover, allocation explain, ISM status
//! and policy, CCR status, thread pools, nodes, error bodies. Any bytes, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lifeguard::cluster::parse;

fuzz_target!(|data: &[u8]| {
    // Two bodies for the joins: split at the first NUL, if any.
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let _ = parse::cluster_health(data);
    let _ = parse::index_settings(data, "x");
    let _ = parse::rollover_result(data);
    let _ = parse::allocation_explain(data);
    let _ = parse::status_response(data);
    let _ = parse::policy_doc(data, "p");
    let _ = parse::replication_status(data);
    let _ = parse::thread_pools(a, b);
    let _ = parse::nodes(a, b);
    let _ = parse::error_summary(data).to_string();
});
