//! `lifeguard:plugin/metrics`: forwarded to the host's sink, which prefixes, labels and caps.
use tracing::debug;

use crate::bindings::metrics::Host;
use crate::runtime::{EnvView, MetricKind};

/// Labels per series a plugin may attach.
const MAX_LABELS: usize = 8;

/// `[a-z_][a-z0-9_]*`, at most 64 bytes.
pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 64
}

impl EnvView<'_> {
    fn record_metric(&self, kind: MetricKind, name: &str, value: f64, labels: &[(String, String)]) {
        let labels_ok = labels.len() <= MAX_LABELS
            && labels
                .iter()
                .all(|(k, v)| valid_name(k) && v.len() <= 128 && k != "tenant" && k != "plugin");
        if !valid_name(name) || !labels_ok || !value.is_finite() {
            debug!(tenant = %self.env.tenant, plugin = %self.env.plugin, metric = %name.chars().take(64).collect::<String>(), "dropped an invalid plugin metric");
            return;
        }
        self.env.metrics.record(
            &self.env.tenant,
            &self.env.plugin,
            kind,
            name,
            value,
            labels,
        );
    }
}

impl Host for EnvView<'_> {
    async fn counter(
        &mut self,
        name: String,
        value: u64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.record_metric(MetricKind::Counter, &name, value as f64, &labels);
        Ok(())
    }

    async fn gauge(
        &mut self,
        name: String,
        value: f64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.record_metric(MetricKind::Gauge, &name, value, &labels);
        Ok(())
    }

    async fn histogram(
        &mut self,
        name: String,
        value: f64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.record_metric(MetricKind::Histogram, &name, value, &labels);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn metric_names_follow_prometheus_rules() {
        assert!(valid_name("ingest_rate"));
        assert!(valid_name("_x1"));
        assert!(!valid_name("1x"));
        assert!(!valid_name("Ingest"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name(""));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
