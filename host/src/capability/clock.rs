//! `lifeguard:plugin/clock`.
use std::time::{Duration, Instant};

use crate::bindings::clock::Host;
use crate::runtime::ClockView;

impl Host for ClockView<'_> {
    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(self.env.clock.now_ms())
    }

    /// Async in the host: the guest's fiber is parked and burns no fuel. A sleep that would end
    /// past the run's deadline ends the run now, as a `deadline` trap.
    async fn sleep(&mut self, ms: u64) -> wasmtime::Result<()> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let wanted = Duration::from_millis(ms);
        if wanted > remaining {
            *self.slept_past_deadline = true;
            wasmtime::bail!(
                "sleep({ms} ms) would pass the run's deadline ({} ms left)",
                remaining.as_millis()
            );
        }
        tokio::time::sleep(wanted).await;
        Ok(())
    }
}
