//! The guarded raw request: the allowlist decides ([`raw::plan`]), names that are aliases are
//! resolved against the cluster, and every refusal, read or write, gets its audit line.
use std::collections::BTreeSet;

use super::audit::{summarize_text, Verdict};
use super::dry_run;
use super::guarded::{Guarded, Mutation};
use super::raw;
use crate::cluster::model::RawResponse;
use crate::cluster::ApiError;
use crate::pattern::matches_expression;

impl Guarded {
    pub(super) async fn raw_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<RawResponse, ApiError> {
        let method = method.to_ascii_uppercase();
        let mut m = Mutation::new("raw", format!("{method} {path}"))
            .request(body.map(summarize_text).unwrap_or_default());
        let planned = match raw::plan(&self.ctx.grant, &method, path, body) {
            Ok(p) => p,
            Err(r) => {
                let e = ApiError::Denied(r.message(&self.ctx.tenant));
                return self.refuse(&m, Verdict::Denied, e).await;
            }
        };
        if let Err(subject) = self.cluster_scope(&self.ctx.cluster) {
            return self
                .refuse(&m, Verdict::Denied, self.denied(&subject))
                .await;
        }
        if !planned.read && !self.ctx.grant.allows_raw_write() {
            let e = ApiError::Denied(format!(
                "raw {method} requests need the raw_write grant; tenant [{}] has read-only raw access",
                self.ctx.tenant
            ));
            return self.refuse(&m, Verdict::Denied, e).await;
        }
        // A fenced replica reads nothing either, not even the alias check's read.
        if let Err(reason) = self.fence_check() {
            if planned.read {
                return Err(ApiError::Throttled(reason));
            }
            return self.fenced(&m, reason, None).await;
        }
        let names: Vec<&str> = planned.names.iter().map(String::as_str).collect();
        if let Err(e) = self.alias_guard(&names).await {
            return self.refuse(&m, outcome_of(&e), e).await;
        }
        if planned.read {
            return self.inner.raw(&method, &planned.path, body).await;
        }
        if method == "DELETE" {
            m = m.delete();
        }
        if let Some(id) = planned
            .path
            .split('?')
            .next()
            .and_then(|p| p.strip_prefix("/_plugins/_ism/policies/"))
        {
            m = m.backup(id);
        }
        self.mutate(
            m,
            async { dry_run::raw() },
            self.inner.raw(&method, &planned.path, body),
        )
        .await
    }

    /// [`Guarded::alias_guard`] for a typed mutation, once its own scope holds: one that is
    /// denied anyway is refused by the chain without a cluster read.
    pub(super) async fn alias_guard_for(
        &self,
        m: &Mutation,
        exprs: &[&str],
    ) -> Result<(), ApiError> {
        // Refusals `mutate` gives anyway (scope, fence) go first, without a read.
        if m.scope.is_err()
            || self.cluster_scope(&self.ctx.cluster).is_err()
            || self.fence_check().is_err()
        {
            return Ok(());
        }
        self.alias_guard(exprs).await
    }

    /// Refuse when a name the request uses is an alias with a backing index outside the
    /// grant: the name itself may match the grant's globs while the alias reaches another
    /// tenant's data. The answer does not say which index: that name is not the tenant's.
    /// A failed alias read refuses too: nothing is sent on a guess.
    pub(super) async fn alias_guard(&self, exprs: &[&str]) -> Result<(), ApiError> {
        let exprs: BTreeSet<&str> = exprs.iter().copied().collect();
        for expr in exprs {
            let entries = self.inner.aliases(expr).await.map_err(|e| {
                ApiError::Unavailable(format!(
                    "could not resolve aliases of [{expr}] to check the grant: {e}"
                ))
            })?;
            if let Some(a) = entries.iter().find(|a| {
                matches_expression(expr, &a.alias) && !self.ctx.grant.allows_name(&a.index)
            }) {
                return Err(ApiError::Denied(format!(
                    "alias [{}] points at indices outside the grant of tenant [{}]",
                    a.alias, self.ctx.tenant
                )));
            }
        }
        Ok(())
    }
}

/// The audit outcome of a refusal: scope refusals are `denied`, failed checks `error`.
pub(super) fn outcome_of(e: &ApiError) -> Verdict {
    match e {
        ApiError::Denied(_) => Verdict::Denied,
        _ => Verdict::Error,
    }
}
