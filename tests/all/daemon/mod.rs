//! The daemon end to end on the simulator: scheduling, isolation, hot reload, the shared
//! snapshot, shutdown.
mod isolation;
pub(crate) mod reload;
mod scrape;
mod snapshot;
