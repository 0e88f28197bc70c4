//! The host side of the WIT interfaces: one file per interface, each implementing the
//! generated `Host` trait for its borrowed view of the store ([`crate::runtime::ClusterView`]
//! and friends), so a capability sees only what its interface needs.
//!
//! Every call that names a cluster goes through [`ClusterView::api`], which refuses aliases the
//! tenant was not given; the view it returns is already guarded (scope, breaker, dry-run,
//! budget, audit), so capabilities only translate between WIT and [`crate::cluster`].
mod ccr;
mod clock;
mod cluster;
mod ism;
mod log;
mod metrics;
mod state;

use serde_json::Value;
use tracing::Span;

use crate::bindings::types::{self, Error as WitError};
use crate::cluster::DynCluster;
use crate::runtime::{ClusterView, HostState};

impl types::Host for HostState {}

impl ClusterView<'_> {
    /// The tenant's view of cluster `alias`, or `denied`.
    pub(crate) fn api(&self, alias: &str) -> Result<DynCluster, WitError> {
        self.env.clusters.get(alias).cloned().ok_or_else(|| {
            WitError::Denied(format!(
                "cluster alias [{alias}] is not granted to tenant [{}]",
                self.env.tenant
            ))
        })
    }

    /// The span of one host call.
    pub(crate) fn call_span(&self, verb: &'static str, cluster: &str) -> Span {
        tracing::debug_span!("host_call", tenant = %self.env.tenant, plugin = %self.env.plugin, cluster = %cluster, verb)
    }

    /// Parse a JSON argument, refusing it if it is over the size cap.
    pub(crate) fn json_arg(&self, what: &str, text: &str) -> Result<Value, WitError> {
        self.check_arg(what, text.len())?;
        serde_json::from_str(text)
            .map_err(|e| WitError::Invalid(format!("{what} is not valid JSON: {e}")))
    }

    /// `invalid` if an argument is over the configured cap.
    pub(crate) fn check_arg(&self, what: &str, len: usize) -> Result<(), crate::cluster::ApiError> {
        if len > self.max_arg_bytes {
            return Err(crate::cluster::ApiError::Invalid(format!(
                "{what} is {len} bytes, over the {} byte cap for host-call arguments",
                self.max_arg_bytes
            )));
        }
        Ok(())
    }

    /// Refuse strings over the size cap.
    pub(crate) fn args(&self, what: &str, parts: &[&str]) -> Result<(), WitError> {
        let len = parts.iter().map(|p| p.len()).sum();
        Ok(self.check_arg(what, len)?)
    }
}

/// Resolve the cluster and check argument sizes, or return the WIT error from the host call.
macro_rules! api {
    ($self:ident, $cluster:expr, $($arg:expr),* $(,)?) => {{
        if let Err(e) = $self.args("argument", &[$cluster.as_str(), $($arg),*]) {
            return Ok(Err(e));
        }
        match $self.api(&$cluster) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        }
    }};
}
pub(crate) use api;

/// Return the WIT error from the host call on `Err`.
macro_rules! try_wit {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(Err(e.into())),
        }
    };
}
pub(crate) use try_wit;
