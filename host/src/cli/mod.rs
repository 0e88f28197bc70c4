//! One file per `lifeguard` subcommand. `main.rs` parses and dispatches; the work is here.
pub mod check;
pub mod demo;
pub mod new;
pub mod plan;
pub mod record;
pub mod run;
pub mod sim;
pub mod test;
