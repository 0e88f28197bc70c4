//! `_cat/indices`, `_cat/aliases` and `_cat/allocation` bodies (and the `_nodes` join over
//! the latter): any bytes, never a panic; errors name the endpoint.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lifeguard::cluster::parse;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse::cat_indices(data) {
        assert!(e.to_string().starts_with("_cat/indices: "), "{e}");
    }
    if let Err(e) = parse::cat_aliases(data) {
        assert!(e.to_string().starts_with("_cat/aliases: "), "{e}");
    }
    if let Ok(rows) = parse::cat_allocation(data) {
        assert!(rows.iter().all(|r| r.node != "UNASSIGNED"));
    }
    let _ = parse::nodes(br#"{"nodes":{}}"#, data);
});
