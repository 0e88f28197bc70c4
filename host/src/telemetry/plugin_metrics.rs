//! The plugins' own metrics: named by the plugin at run time, so they cannot be registered up
//! front. They live in families created on first use and are exposed through a collector,
//! with a cap on distinct series per (tenant, plugin) so that one plugin labelling by request
//! id cannot grow the host's memory or the scrape without bound.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use tracing::debug;

use super::escape::{is_metric_ident, label_value};
use crate::runtime::MetricKind;

/// Series per (tenant, plugin) unless configured otherwise.
pub const DEFAULT_SERIES_CAP: usize = 100;

/// Buckets for plugin histograms: Prometheus' defaults, since the unit is the plugin's.
const PLUGIN_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Sample names (after `lifeguard_plugin_`) that the host's own metrics already use:
/// `lifeguard_plugin_series_dropped_total`, `lifeguard_plugin_traps_total`, and so on.
const RESERVED: [&str; 4] = [
    "series_dropped_total",
    "traps_total",
    "reloads_total",
    "version_info",
];

type Labels = Vec<(String, String)>;
type HistFamily = Family<Labels, Histogram, fn() -> Histogram>;
pub(crate) type DroppedFamily = Family<[(&'static str, String); 2], Counter>;

fn plugin_histogram() -> Histogram {
    Histogram::new(PLUGIN_BUCKETS)
}

#[derive(Debug)]
enum PluginFamily {
    Counter(Family<Labels, Counter<f64, AtomicU64>>),
    Gauge(Family<Labels, Gauge<f64, AtomicU64>>),
    Histogram(HistFamily),
}

impl PluginFamily {
    fn new(kind: MetricKind) -> Self {
        match kind {
            MetricKind::Counter => PluginFamily::Counter(Family::default()),
            MetricKind::Gauge => PluginFamily::Gauge(Family::default()),
            MetricKind::Histogram => {
                PluginFamily::Histogram(Family::new_with_constructor(plugin_histogram))
            }
        }
    }

    fn kind(&self) -> MetricKind {
        match self {
            PluginFamily::Counter(_) => MetricKind::Counter,
            PluginFamily::Gauge(_) => MetricKind::Gauge,
            PluginFamily::Histogram(_) => MetricKind::Histogram,
        }
    }

    fn record(&self, labels: &Labels, value: f64) {
        match self {
            PluginFamily::Counter(f) => {
                f.get_or_create(labels).inc_by(value);
            }
            PluginFamily::Gauge(f) => {
                f.get_or_create(labels).set(value);
            }
            PluginFamily::Histogram(f) => f.get_or_create(labels).observe(value),
        }
    }

    fn remove(&self, labels: &Labels) {
        match self {
            PluginFamily::Counter(f) => f.remove(labels),
            PluginFamily::Gauge(f) => f.remove(labels),
            PluginFamily::Histogram(f) => f.remove(labels),
        };
    }

    fn encode(&self, name: &str, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let help = "Reported by a tenant plugin.";
        match self {
            PluginFamily::Counter(f) => {
                f.encode(encoder.encode_descriptor(name, help, None, f.metric_type())?)
            }
            PluginFamily::Gauge(f) => {
                f.encode(encoder.encode_descriptor(name, help, None, f.metric_type())?)
            }
            PluginFamily::Histogram(f) => {
                f.encode(encoder.encode_descriptor(name, help, None, f.metric_type())?)
            }
        }
    }
}

/// The sample names a family of `kind` called `base` puts into the exposition.
fn exposed_names(kind: MetricKind, base: &str) -> Vec<String> {
    match kind {
        MetricKind::Counter => vec![format!("{base}_total")],
        MetricKind::Gauge => vec![base.to_owned()],
        MetricKind::Histogram => ["bucket", "sum", "count"]
            .iter()
            .map(|s| format!("{base}_{s}"))
            .collect(),
    }
}

type Pair = (String, String);

#[derive(Debug, Default)]
struct Inner {
    /// Family name (without the `lifeguard_plugin_` prefix) → family.
    families: BTreeMap<String, PluginFamily>,
    /// How many live series each family holds, so empty ones can be dropped.
    family_series: HashMap<String, usize>,
    /// Every sample name in use, so two families never collide in the exposition.
    taken: HashSet<String>,
    /// (tenant, plugin) → its live series (family name, full label set). Bounded by the cap.
    series: HashMap<Pair, HashSet<(String, Labels)>>,
}

/// Plugin metrics with a per-plugin series cap. Registered as a collector under the
/// `lifeguard_plugin_` prefix.
#[derive(Debug)]
pub(crate) struct PluginMetrics {
    cap: usize,
    inner: Mutex<Inner>,
    dropped: DroppedFamily,
}

impl PluginMetrics {
    pub(crate) fn new(cap: usize, dropped: DroppedFamily) -> Self {
        Self {
            cap,
            inner: Mutex::new(Inner::default()),
            dropped,
        }
    }

    /// The job's dropped-series counter, at 0.
    pub(crate) fn job_started(&self, tenant: &str, plugin: &str) {
        let labels = [
            ("tenant", label_value(tenant)),
            ("plugin", label_value(plugin)),
        ];
        drop(self.dropped.get_or_create(&labels));
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the maps consistent (every update
        // is a single insert), so the data is still good to use.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn drop_series(&self, tenant: &str, plugin: &str, why: &str, name: &str) {
        debug!(
            tenant,
            plugin,
            metric = name,
            why,
            "dropped a plugin metric series"
        );
        self.dropped
            .get_or_create(&[
                ("tenant", label_value(tenant)),
                ("plugin", label_value(plugin)),
            ])
            .inc();
    }

    pub(crate) fn record(
        &self,
        tenant: &str,
        plugin: &str,
        kind: MetricKind,
        name: &str,
        value: f64,
        labels: &[(String, String)],
    ) {
        // Malformed input is the capability layer's to reject; these checks only keep the
        // exposition well-formed whoever calls us.
        if !value.is_finite() || (kind == MetricKind::Counter && value < 0.0) {
            return;
        }
        let base = match kind {
            // The encoder appends `_total` to counters itself.
            MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
            _ => name,
        };
        if !is_metric_ident(base) || labels.iter().any(|(k, _)| !is_metric_ident(k)) {
            return;
        }
        let mut own: Labels = labels
            .iter()
            .map(|(k, v)| (k.clone(), label_value(v)))
            .collect();
        own.sort();
        if own.windows(2).any(|w| w[0].0 == w[1].0)
            || own.iter().any(|(k, _)| k == "tenant" || k == "plugin")
        {
            return;
        }
        let mut full = Vec::with_capacity(own.len() + 2);
        full.push(("tenant".to_owned(), label_value(tenant)));
        full.push(("plugin".to_owned(), label_value(plugin)));
        full.extend(own);

        let mut inner = self.lock();
        let inner = &mut *inner;
        if let Some(family) = inner.families.get(base) {
            if family.kind() != kind {
                drop_conflict(self, tenant, plugin, base);
                return;
            }
        }
        let pair = (tenant.to_owned(), plugin.to_owned());
        let key = (base.to_owned(), full);
        let known = inner.series.get(&pair).is_some_and(|s| s.contains(&key));
        if !known {
            let count = inner.series.get(&pair).map_or(0, HashSet::len);
            if count >= self.cap {
                self.drop_series(tenant, plugin, "series cap reached", base);
                return;
            }
            if !inner.families.contains_key(base) {
                let names = exposed_names(kind, base);
                if names
                    .iter()
                    .any(|n| RESERVED.contains(&n.as_str()) || inner.taken.contains(n))
                {
                    drop_conflict(self, tenant, plugin, base);
                    return;
                }
                inner.taken.extend(names);
                inner
                    .families
                    .insert(base.to_owned(), PluginFamily::new(kind));
            }
            *inner.family_series.entry(base.to_owned()).or_default() += 1;
            inner.series.entry(pair).or_default().insert(key.clone());
        }
        if let Some(family) = inner.families.get(base) {
            family.record(&key.1, value);
        }
    }

    /// Removes every series of one plugin, e.g. when it is unloaded or renamed, so stale
    /// values don't linger and its cap starts afresh.
    pub(crate) fn forget(&self, tenant: &str, plugin: &str) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(series) = inner.series.remove(&(tenant.to_owned(), plugin.to_owned())) else {
            return;
        };
        for (name, labels) in series {
            if let Some(family) = inner.families.get(&name) {
                family.remove(&labels);
            }
            let left = inner.family_series.entry(name.clone()).or_default();
            *left = left.saturating_sub(1);
            if *left == 0 {
                inner.family_series.remove(&name);
                if let Some(family) = inner.families.remove(&name) {
                    for n in exposed_names(family.kind(), &name) {
                        inner.taken.remove(&n);
                    }
                }
            }
        }
    }

    /// The sum of a plugin-reported counter (`name`, with or without `_total`) per tenant,
    /// over every plugin and label set.
    pub(crate) fn counter_by_tenant(&self, name: &str) -> BTreeMap<String, f64> {
        let base = name.strip_suffix("_total").unwrap_or(name);
        let inner = self.lock();
        let mut out = BTreeMap::new();
        let Some(PluginFamily::Counter(family)) = inner.families.get(base) else {
            return out;
        };
        for ((tenant, _), series) in &inner.series {
            for (_, labels) in series.iter().filter(|(f, _)| f == base) {
                if let Some(c) = family.get(labels) {
                    *out.entry(tenant.clone()).or_insert(0.0) += c.get();
                }
            }
        }
        out
    }

    /// Live series of one plugin.
    pub(crate) fn series_count(&self, tenant: &str, plugin: &str) -> usize {
        self.lock()
            .series
            .get(&(tenant.to_owned(), plugin.to_owned()))
            .map_or(0, HashSet::len)
    }
}

fn drop_conflict(m: &PluginMetrics, tenant: &str, plugin: &str, name: &str) {
    m.drop_series(tenant, plugin, "name clashes with another metric", name);
}

impl Collector for PluginMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let inner = self.lock();
        for (name, family) in &inner.families {
            family.encode(name, &mut encoder)?;
        }
        Ok(())
    }
}
