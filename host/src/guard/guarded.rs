//! [`Guarded`]: a tenant's view of one cluster, with the guard chain in front of every call.
//!
//! Mutations: scope → maintenance window → breaker → dry-run → (audit writable) → budget →
//! (policy backup) → send, and exactly one audit line for the attempt, whatever happened.
//! Reads: scope only; list reads are narrowed to the grant and their results filtered, and
//! reads work whatever the breaker says.
use std::future::Future;
use std::sync::Arc;

use super::audit::{AuditLine, AuditSink, Verdict};
use super::backup::PolicyBackups;
use super::breaker::Breaker;
use super::budget::Budget;
use super::scope::Grant;
use super::window::MaintenanceWindows;
use crate::cluster::{ApiError, DynCluster};
use crate::runtime::{Clock, ReasonCell};
use crate::time;

/// Everything the guard needs for one run of one plugin against one cluster.
#[derive(Clone)]
pub struct GuardCtx {
    pub tenant: String,
    pub plugin: String,
    /// The plugin's content hash.
    pub plugin_version: String,
    /// The cluster alias this view is for.
    pub cluster: String,
    pub grant: Arc<Grant>,
    pub dry_run: bool,
    /// The tenant's budget for this tick, shared by all its runs and clusters.
    pub budget: Arc<Budget>,
    /// The breaker of this cluster.
    pub breaker: Arc<Breaker>,
    /// Global and tenant windows.
    pub windows: Arc<MaintenanceWindows>,
    pub audit: Arc<dyn AuditSink>,
    /// Where previous policy bodies are kept; `None` keeps none (tests, `check`).
    pub backups: Option<Arc<PolicyBackups>>,
    /// The reason the plugin stated, copied into every audit line.
    pub reason: ReasonCell,
    /// Time for windows and audit stamps.
    pub clock: Arc<dyn Clock>,
    /// With coordination: whether this replica may still act for the tenant.
    pub fence: Option<Arc<dyn super::Fence>>,
}

/// The guarded view. Build one per (run, cluster) and hand it to the run as a `DynCluster`.
pub struct Guarded {
    pub(super) inner: DynCluster,
    pub(super) ctx: GuardCtx,
}

/// One mutation attempt, described for the chain and the audit line.
pub(super) struct Mutation {
    pub verb: &'static str,
    pub target: String,
    pub request: String,
    /// `Err(subject)` when something it names is outside the grant.
    pub scope: Result<(), String>,
    pub delete: bool,
    /// Back this policy up before sending.
    pub backup_policy: Option<String>,
}

impl Mutation {
    pub fn new(verb: &'static str, target: impl Into<String>) -> Self {
        Self {
            verb,
            target: target.into(),
            request: String::new(),
            scope: Ok(()),
            delete: false,
            backup_policy: None,
        }
    }

    pub fn request(mut self, summary: String) -> Self {
        self.request = summary;
        self
    }

    /// Add a scope check; the first failure wins.
    pub fn scope(mut self, check: Result<(), String>) -> Self {
        if self.scope.is_ok() {
            self.scope = check;
        }
        self
    }

    pub fn delete(mut self) -> Self {
        self.delete = true;
        self
    }

    pub fn backup(mut self, policy: &str) -> Self {
        self.backup_policy = Some(policy.to_string());
        self
    }
}

impl Guarded {
    pub fn new(inner: DynCluster, ctx: GuardCtx) -> Self {
        Self { inner, ctx }
    }

    /// Wrap `inner` as a shareable view.
    pub fn wrap(inner: DynCluster, ctx: GuardCtx) -> DynCluster {
        Arc::new(Self::new(inner, ctx))
    }

    pub fn ctx(&self) -> &GuardCtx {
        &self.ctx
    }

    // ---- scope helpers: `Err(subject)` names what is outside the grant ----

    pub(super) fn index_scope(&self, target: &str) -> Result<(), String> {
        self.ctx
            .grant
            .check_target(target)
            .map_err(|el| format!("index or alias [{el}]"))
    }

    pub(super) fn policy_scope(&self, id: &str) -> Result<(), String> {
        if self.ctx.grant.allows_policy(id) {
            Ok(())
        } else {
            Err(format!("policy [{id}]"))
        }
    }

    pub(super) fn cluster_scope(&self, alias: &str) -> Result<(), String> {
        if self.ctx.grant.allows_cluster(alias) {
            Ok(())
        } else {
            Err(format!("cluster alias [{alias}]"))
        }
    }

    pub(super) fn denied(&self, subject: &str) -> ApiError {
        ApiError::Denied(format!(
            "{subject} is outside the grant of tenant [{}]",
            self.ctx.tenant
        ))
    }

    /// `Err(reason)` when the fence says this replica may no longer act for the tenant.
    pub(super) fn fence_check(&self) -> Result<(), String> {
        match &self.ctx.fence {
            Some(f) => f.check(&self.ctx.tenant),
            None => Ok(()),
        }
    }

    /// A mutation the fence stopped: counted, audited `fenced`, answered `throttled`.
    pub(super) async fn fenced<T>(
        &self,
        m: &Mutation,
        reason: String,
        id: Option<String>,
    ) -> Result<T, ApiError> {
        if let Some(f) = &self.ctx.fence {
            f.fenced(&self.ctx.tenant);
        }
        let e = ApiError::Throttled(reason);
        self.audit_id(m, Verdict::Fenced, Some(&e), None, id).await;
        Err(e)
    }

    /// The scope of a read: this view's cluster, plus `extra`. A fenced run stops here too,
    /// at its next host call.
    pub(super) fn read_scope(&self, extra: Result<(), String>) -> Result<(), ApiError> {
        self.fence_check().map_err(ApiError::Throttled)?;
        self.cluster_scope(&self.ctx.cluster)
            .and(extra)
            .map_err(|s| self.denied(&s))
    }

    /// Narrow a read pattern; `None` means nothing in the grant can match.
    pub(super) fn narrow(&self, pattern: &str) -> Result<Option<String>, ApiError> {
        self.read_scope(Ok(()))?;
        let n = self
            .ctx
            .grant
            .narrow(pattern)
            .map_err(|el| self.denied(&format!("index pattern [{el}]")))?;
        Ok((!n.is_empty()).then(|| n.pattern()))
    }

    /// Run one mutation through the chain. `dry` answers in dry-run; `send` sends. Neither
    /// future runs unless chosen.
    pub(super) async fn mutate<T, D, S>(&self, m: Mutation, dry: D, send: S) -> Result<T, ApiError>
    where
        D: Future<Output = T> + Send,
        S: Future<Output = Result<T, ApiError>> + Send,
        T: Send,
    {
        let now = self.ctx.clock.now_ms();
        if let Err(subject) = self.cluster_scope(&self.ctx.cluster).and(m.scope.clone()) {
            return self
                .refuse(&m, Verdict::Denied, self.denied(&subject))
                .await;
        }
        if let Some(w) = self.ctx.windows.active(now) {
            let e = ApiError::Throttled(w.message());
            return self.refuse(&m, Verdict::Throttled, e).await;
        }
        if let Err(reason) = self.ctx.breaker.check_mutation() {
            let e = ApiError::Throttled(format!("breaker open: {reason}"));
            return self.refuse(&m, Verdict::Throttled, e).await;
        }
        if self.ctx.dry_run {
            let answer = dry.await;
            self.audit(&m, Verdict::DryRun, None, None).await;
            return Ok(answer);
        }
        if let Err(reason) = self.fence_check() {
            return self.fenced(&m, reason, None).await;
        }
        if !self.ctx.audit.healthy() {
            let e = ApiError::Unavailable(
                "the audit log is not writable; mutations wait until it is".into(),
            );
            return self.refuse(&m, Verdict::Error, e).await;
        }
        if let Err(reason) = self.ctx.budget.try_take(m.delete) {
            return self
                .refuse(&m, Verdict::Throttled, ApiError::Throttled(reason))
                .await;
        }
        let backup = match &m.backup_policy {
            Some(id) => match self.backup(id, now).await {
                Ok(p) => p,
                Err(e) => return self.refuse(&m, Verdict::Error, e).await,
            },
            None => None,
        };
        // Write-ahead: the intent is durable before the request leaves, so a crash at any
        // point leaves either no line (never sent) or an intent the next start answers.
        let id = super::audit::next_intent_id(now);
        let intent = self.line(&m, Verdict::Intent, None, backup.clone(), Some(id.clone()));
        if let Err(e) = self.ctx.audit.record(intent).await {
            tracing::error!(error = %e, "intent line not written; the mutation is not sent");
            return Err(ApiError::Unavailable(format!(
                "the audit log is not writable ({e}); the mutation was not sent"
            )));
        }
        // The intent's fsync takes time: look again, as close to the send as it gets.
        if let Err(reason) = self.fence_check() {
            return self.fenced(&m, reason, Some(id)).await;
        }
        let r = send.await;
        match &r {
            Ok(_) => {
                self.audit_id(&m, Verdict::Sent, None, backup, Some(id))
                    .await
            }
            Err(e) => {
                self.audit_id(&m, Verdict::Error, Some(e), backup, Some(id))
                    .await
            }
        }
        r
    }

    pub(super) async fn refuse<T>(
        &self,
        m: &Mutation,
        outcome: Verdict,
        e: ApiError,
    ) -> Result<T, ApiError> {
        self.audit(m, outcome, Some(&e), None).await;
        Err(e)
    }

    /// Save the stored body of `id` before it is changed. A missing policy needs no backup.
    async fn backup(&self, id: &str, now: u64) -> Result<Option<String>, ApiError> {
        let Some(b) = &self.ctx.backups else {
            return Ok(None);
        };
        let doc = match self.inner.get_policy(id).await {
            Ok(doc) => doc,
            Err(ApiError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        b.save(&self.ctx.cluster, &doc, now)
            .await
            .map(|p| Some(p.display().to_string()))
            .map_err(|e| {
                ApiError::Unavailable(format!(
                    "could not back up policy [{id}] before changing it: {e}"
                ))
            })
    }

    async fn audit(
        &self,
        m: &Mutation,
        outcome: Verdict,
        error: Option<&ApiError>,
        backup: Option<String>,
    ) {
        self.audit_id(m, outcome, error, backup, None).await;
    }

    async fn audit_id(
        &self,
        m: &Mutation,
        outcome: Verdict,
        error: Option<&ApiError>,
        backup: Option<String>,
        id: Option<String>,
    ) {
        let line = self.line(m, outcome, error, backup, id);
        match outcome {
            Verdict::Sent | Verdict::DryRun => {
                tracing::info!(tenant = %line.tenant, cluster = %line.cluster, verb = %line.verb, target = %line.target, outcome = outcome.as_str(), "mutation")
            }
            _ => {
                tracing::warn!(tenant = %line.tenant, cluster = %line.cluster, verb = %line.verb, target = %line.target, outcome = outcome.as_str(), error = ?line.error, "mutation refused or failed")
            }
        }
        if let Err(e) = self.ctx.audit.record(line).await {
            tracing::error!(error = %e, "audit line not written");
        }
    }

    fn line(
        &self,
        m: &Mutation,
        outcome: Verdict,
        error: Option<&ApiError>,
        backup: Option<String>,
        id: Option<String>,
    ) -> AuditLine {
        let now = self.ctx.clock.now_ms();
        AuditLine {
            time: time::rfc3339_ms(now),
            time_ms: now,
            tenant: self.ctx.tenant.clone(),
            plugin: self.ctx.plugin.clone(),
            plugin_version: self.ctx.plugin_version.clone(),
            cluster: self.ctx.cluster.clone(),
            verb: m.verb.to_string(),
            target: super::audit::truncate(&m.target),
            request: m.request.clone(),
            outcome,
            error: error.map(|e| e.to_string()),
            reason: super::audit::truncate(&self.ctx.reason.get()),
            backup,
            id,
        }
    }
}
