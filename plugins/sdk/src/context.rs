//! The input of one reconcile run.

use serde::de::DeserializeOwned;

use crate::bindings::lifeguard::plugin::types::Context as RawContext;
use crate::{Cluster, ReconcileError};

/// The input of one reconcile run: who it runs for, when, the cluster aliases it may use, and
/// its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    raw: RawContext,
}

impl Context {
    #[doc(hidden)]
    pub fn from_raw(raw: RawContext) -> Self {
        Context { raw }
    }

    /// Build a context by hand, for unit tests of code that takes a `&Context`.
    pub fn for_test(config: &str, clusters: &[&str], now_ms: u64) -> Self {
        Context {
            raw: RawContext {
                tenant: "test".into(),
                plugin: "test".into(),
                tick: 1,
                now_ms,
                dry_run: false,
                clusters: clusters.iter().map(|c| (*c).to_string()).collect(),
                config: config.into(),
            },
        }
    }

    /// The tenant this run acts for.
    pub fn tenant(&self) -> &str {
        &self.raw.tenant
    }

    /// The plugin entry name in the tenant's configuration.
    pub fn plugin(&self) -> &str {
        &self.raw.plugin
    }

    /// Monotonic tick counter of this job, starting at 1.
    pub fn tick(&self) -> u64 {
        self.raw.tick
    }

    /// Time at the start of the run (possibly simulated), epoch milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.raw.now_ms
    }

    /// When true, mutations are recorded and answered as if done, but never sent.
    pub fn dry_run(&self) -> bool {
        self.raw.dry_run
    }

    /// Cluster aliases this tenant may address; the first is the default.
    pub fn clusters(&self) -> &[String] {
        &self.raw.clusters
    }

    /// The raw JSON configuration.
    pub fn config_json(&self) -> &str {
        &self.raw.config
    }

    /// Parse the configuration into `T`. An empty or `null` configuration parses as `{}`, so a
    /// config struct whose fields all have defaults needs none. A bad configuration is a
    /// [`ReconcileError::Terminal`] naming the field, e.g.
    /// `invalid config at `targets[0].alias`: invalid type: integer `3`, expected a string`.
    /// Use `#[serde(deny_unknown_fields)]` on `T` to reject misspelt keys.
    pub fn config<T: DeserializeOwned>(&self) -> Result<T, ReconcileError> {
        parse_config(&self.raw.config)
    }

    /// The default cluster (the first alias in [`Context::clusters`]).
    ///
    /// If the tenant has no cluster at all, the handle carries an empty alias and every call on
    /// it returns `denied`.
    pub fn cluster(&self) -> Cluster {
        Cluster::new(self.raw.clusters.first().cloned().unwrap_or_default())
    }

    /// A named cluster. The alias must be one of [`Context::clusters`], or the host answers
    /// `denied`; this returns a terminal error at once when it is not.
    pub fn cluster_named(&self, alias: &str) -> Result<Cluster, ReconcileError> {
        if self.raw.clusters.iter().any(|c| c == alias) {
            Ok(Cluster::new(alias.to_string()))
        } else {
            Err(ReconcileError::terminal(format!(
                "cluster alias `{alias}` is not one of this tenant's clusters {:?}",
                self.raw.clusters
            )))
        }
    }
}

/// Parse a JSON configuration as [`Context::config`] does (exposed for unit tests).
pub fn parse_config<T: DeserializeOwned>(json: &str) -> Result<T, ReconcileError> {
    let text = json.trim();
    let text = if text.is_empty() || text == "null" {
        "{}"
    } else {
        text
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            ReconcileError::terminal(format!("invalid config: {inner}"))
        } else {
            ReconcileError::terminal(format!("invalid config at `{path}`: {inner}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        #[serde(default)]
        n: u32,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        alias: String,
    }

    #[test]
    fn empty_config_is_defaults() {
        let c: Cfg = parse_config("").unwrap();
        assert_eq!(c.n, 0);
        let c: Cfg = parse_config("null").unwrap();
        assert!(c.items.is_empty());
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_config::<Cfg>(r#"{"items":[{"alias":3}]}"#).unwrap_err();
        assert!(!e.is_transient());
        assert!(e.message().contains("items[0].alias"), "{}", e.message());
        let e = parse_config::<Cfg>(r#"{"nn":1}"#).unwrap_err();
        assert!(
            e.message().contains("unknown field `nn`"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn cluster_named_checks_alias() {
        let ctx = Context::for_test("{}", &["leader", "follower"], 0);
        assert_eq!(ctx.cluster().alias(), "leader");
        assert_eq!(ctx.cluster_named("follower").unwrap().alias(), "follower");
        assert!(ctx.cluster_named("other").is_err());
    }
}
