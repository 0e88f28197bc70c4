//! End-to-end tests: one binary, a module per area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_config;
mod browser;
mod check;
mod crash;
mod daemon;
mod examples;
mod faults;
mod guard_wire;
mod ha;
mod hostile;
mod plan;
mod plugins;
mod sandbox;
mod scaffold;
mod scope_escape;
mod secrets;
mod sim;
mod support;
mod tenant_loop;
