//! 1b. One run taken apart: the criterion bench `run_phases` (run before this one) left a
//! median per cumulative step under `target/criterion/run_phases`; each row is a step and
//! what it adds to the one before.
use crate::common::{self, Row};

/// (criterion id, what the step adds, the step it builds on).
const STEPS: &[(&str, &str, Option<&str>)] = &[
    (
        "1_env_and_ctx",
        "clone the run's env, build its context",
        None,
    ),
    ("2_host_state", "WASI context, limiter, output cap", None),
    (
        "3_store",
        "`Store` with fuel, epoch deadline, limiter",
        Some("2_host_state"),
    ),
    (
        "4_block_on",
        "a tokio `block_on` around the store (the async floor)",
        Some("3_store"),
    ),
    (
        "5_instantiate",
        "`instantiate_async` from the `InstancePre`, then drop",
        Some("4_block_on"),
    ),
    (
        "6_first_call",
        "first `reconcile` call: guest start-up and the call",
        Some("5_instantiate"),
    ),
    (
        "7_second_call",
        "a second call on the same instance",
        Some("6_first_call"),
    ),
    (
        "8_reconcile",
        "the whole run as the scheduler makes it",
        None,
    ),
    (
        "9_reconcile_keep_resident_0",
        "whole run, 0 bytes kept resident per slot",
        None,
    ),
    (
        "9_reconcile_keep_resident_1m",
        "whole run, 1 MiB kept resident per slot",
        None,
    ),
    (
        "9_reconcile_keep_resident_16m",
        "whole run, 16 MiB kept resident per slot",
        None,
    ),
];

fn median_ns(id: &str) -> Option<f64> {
    common::criterion_median_ns("run_phases", id)
}

fn us(ns: f64) -> String {
    format!("{:.2} µs", ns / 1e3)
}

pub fn phases() -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (id, what, after) in STEPS {
        let Some(ns) = median_ns(id) else {
            rows.push(Row::new(
                format!("run step `{id}`"),
                "no criterion result (run `cargo bench --bench run_phases`)",
            ));
            continue;
        };
        let value = match after.and_then(median_ns) {
            Some(before) => format!(
                "{} (+{} over `{}`)",
                us(ns),
                us(ns - before),
                after.unwrap_or("")
            ),
            None => us(ns),
        };
        let row = Row::new(format!("run step `{id}`: {what}"), value);
        rows.push(if *id == "8_reconcile" {
            row.goal("≤ 10 µs", ns <= 10_000.0)
        } else {
            row
        });
    }
    Ok(rows)
}
