//! The SDK's size and duration strings: never a panic, and whatever parses formats back to
//! the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lifeguard_sdk::units::{format_duration, format_size, parse_duration, parse_size};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = parse_size(s) {
        assert_eq!(parse_size(&format_size(n)), Ok(n), "{s:?}");
    }
    if let Ok(d) = parse_duration(s) {
        assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{s:?}");
    }
});
