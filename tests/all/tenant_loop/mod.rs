//! The tenant's inner loop (issue 15): `lifeguard record` a cluster into a scenario and
//! replay it (sim → record → sim, compared field by field), and `lifeguard test` each
//! shipped plugin against its scenario, passing and deliberately failing.
mod plugin_tests;
mod round_trip;
