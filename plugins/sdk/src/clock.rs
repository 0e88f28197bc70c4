//! Time. The host's clock may be simulated.

use crate::bindings::lifeguard::plugin::clock as raw;

/// Current time, epoch milliseconds.
pub fn now_ms() -> u64 {
    raw::now_ms()
}

/// Wait `ms` milliseconds without burning fuel (bounded by the run's deadline).
pub fn sleep_ms(ms: u64) {
    raw::sleep(ms);
}
