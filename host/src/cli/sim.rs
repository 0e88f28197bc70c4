//! `lifeguard sim`: serve the simulated cluster (being built).
