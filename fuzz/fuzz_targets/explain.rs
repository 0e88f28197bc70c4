//! `_plugins/_ism/explain` bodies: any bytes, never a panic; an entry per object member.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match lifeguard::cluster::parse::ism_explain(data) {
        Ok(entries) => assert!(entries.len() <= data.len()),
        Err(e) => assert!(e.to_string().starts_with("_ism/explain: "), "{e}"),
    }
});
