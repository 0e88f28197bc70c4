//! End-to-end tests of the tenant plugins (issue 6): each decision proven on the wire, in the
//! simulator's request log and its state afterwards.
pub(crate) mod ccr_failover;
mod ccr_guard;
mod fallback_router;
pub(crate) mod ism_doctor;
mod rollover_tuner;
mod twins;
