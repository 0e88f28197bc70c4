//! The host's clock during the demo: the simulator's own time.
use std::sync::Arc;

use crate::runtime::Clock;
use crate::sim::SimHandle;

/// Reads `now_ms` from the running simulator, so plugins see simulated time.
pub struct SimClock(pub Arc<SimHandle>);

impl Clock for SimClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.now_ms()).unwrap_or(0)
    }
}
