//! End-to-end tests: one binary, a module per area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod check;
mod daemon;
mod examples;
mod guard_wire;
mod plan;
mod plugins;
mod sandbox;
mod scaffold;
mod sim;
mod support;
