//! Plugin metrics. The host prefixes names with `lifeguard_plugin_` and adds `tenant` and
//! `plugin` labels. Names are `[a-z_][a-z0-9_]*`.

use crate::bindings::lifeguard::plugin::metrics as raw;

fn owned(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Add `value` to a counter.
pub fn counter(name: &str, value: u64, labels: &[(&str, &str)]) {
    raw::counter(name, value, &owned(labels));
}

/// Add one to a counter.
pub fn inc(name: &str, labels: &[(&str, &str)]) {
    counter(name, 1, labels);
}

/// Set a gauge.
pub fn gauge(name: &str, value: f64, labels: &[(&str, &str)]) {
    raw::gauge(name, value, &owned(labels));
}

/// Observe one value of a histogram.
pub fn histogram(name: &str, value: f64, labels: &[(&str, &str)]) {
    raw::histogram(name, value, &owned(labels));
}
