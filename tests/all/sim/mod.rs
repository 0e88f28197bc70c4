//! The simulated cluster: acceptance scenarios driven by `/_sim/clock`, the spec's YAML
//! stories with schema checks, and the official Python client.
mod acceptance;
mod bench;
mod ccr;
mod common;
mod docs;
mod exceptions;
mod faults;
mod pyclient;
mod schema;
mod stories;
