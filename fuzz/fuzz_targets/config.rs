//! The config loader on arbitrary text: it may refuse, never panic, and every refusal is
//! rendered with the file name.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = lifeguard::config::parse_str(Path::new("fuzz.toml"), text) {
        assert!(e.to_string().starts_with("fuzz.toml"), "{e}");
    }
});
