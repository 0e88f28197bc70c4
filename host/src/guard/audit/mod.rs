//! The audit log: one JSON line per mutation attempt, whatever its outcome.
//!
//! Lines are appended to a file opened with `O_APPEND`, each with a single `write_all` of the
//! whole line and its `\n`, then `sync_data`. A crash can therefore only tear the last line.
//! On open, a torn tail is sealed with a `\n`, so the next line starts clean instead of
//! gluing onto the fragment; the reader skips fragments and reports them.
mod file;
mod summary;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use file::{read_audit, read_audit_report, AuditRead, FileAudit, Rotation};
pub use summary::{summarize_json, summarize_text, truncate, SUMMARY_MAX};

/// How a mutation attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Sent to the cluster, which accepted it.
    Sent,
    /// Outside the tenant's grant.
    Denied,
    /// Maintenance window, breaker or budget.
    Throttled,
    /// Recorded and answered as if done; not sent.
    DryRun,
    /// Sent (or about to be) and failed: the cluster's error, or a failed policy backup.
    Error,
    /// Written and fsynced before the request is sent; its outcome line follows with the
    /// same `id`. An intent with no outcome means the process died in between.
    Intent,
    /// The outcome line a restart writes for an intent left without one: the request may or
    /// may not have reached the cluster.
    UnknownAfterCrash,
    /// Refused because this replica's lease was not provably live or it did not own the
    /// tenant (`[coordination]`).
    Fenced,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Sent => "sent",
            Verdict::Denied => "denied",
            Verdict::Throttled => "throttled",
            Verdict::DryRun => "dry_run",
            Verdict::Error => "error",
            Verdict::Intent => "intent",
            Verdict::UnknownAfterCrash => "unknown_after_crash",
            Verdict::Fenced => "fenced",
        }
    }
}

/// One audit line. Unknown fields are ignored when reading, so lines written by a newer
/// version still parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    /// RFC 3339, UTC.
    pub time: String,
    pub time_ms: u64,
    pub tenant: String,
    pub plugin: String,
    /// The plugin's content hash.
    pub plugin_version: String,
    /// Cluster alias.
    pub cluster: String,
    /// The `ClusterApi` method, e.g. `put_settings`, `ism_add`, `raw`.
    pub verb: String,
    /// Index, pattern, alias, policy id or raw path.
    pub target: String,
    /// A short, redacted summary of the request body.
    #[serde(default)]
    pub request: String,
    pub outcome: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the plugin said it was doing (`log.set-reason`).
    #[serde(default)]
    pub reason: String,
    /// Where the previous policy body was saved, for policy writes and deletes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// Joins a sent mutation's `intent` line to its outcome line. Absent on lines of
    /// attempts that were never sent (denied, throttled, dry run) and on older logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A fresh intent id, unique across restarts: process id, start time and a counter.
pub fn next_intent_id(now_ms: u64) -> String {
    use std::sync::atomic::AtomicU64;
    use std::sync::OnceLock;
    static START: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let start = *START.get_or_init(|| now_ms);
    format!(
        "{:x}-{start:x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Intents in `lines` that no later line with the same id answers, oldest first.
pub fn dangling_intents(lines: &[AuditLine]) -> Vec<AuditLine> {
    let answered: std::collections::HashSet<&str> = lines
        .iter()
        .filter(|l| l.outcome != Verdict::Intent)
        .filter_map(|l| l.id.as_deref())
        .collect();
    lines
        .iter()
        .filter(|l| l.outcome == Verdict::Intent)
        .filter(|l| l.id.as_deref().is_some_and(|id| !answered.contains(id)))
        .cloned()
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit line: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("audit writer task failed: {0}")]
    Join(String),
}

/// Where audit lines go. Tests use [`MemoryAudit`]; the host, [`FileAudit`], teed with
/// [`TeeAudit`] into a [`MemoryAudit`] when `plan` or `demo` read the lines back.
#[async_trait]
pub trait AuditSink: Send + Sync {
    /// Append one line durably.
    async fn record(&self, line: AuditLine) -> Result<(), AuditError>;
    /// The last `n` lines recorded by this process, oldest first.
    fn recent(&self, n: usize) -> Vec<AuditLine>;
    /// False after a failed write: the guard stops sending mutations until a write succeeds.
    fn healthy(&self) -> bool {
        true
    }
}

/// A bounded in-memory tail of lines.
#[derive(Debug)]
struct Ring {
    cap: usize,
    lines: Mutex<VecDeque<AuditLine>>,
}

impl Ring {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            lines: Mutex::new(VecDeque::new()),
        }
    }

    fn push(&self, line: AuditLine) {
        if let Ok(mut l) = self.lines.lock() {
            if l.len() >= self.cap.max(1) {
                l.pop_front();
            }
            l.push_back(line);
        }
    }

    fn last(&self, n: usize) -> Vec<AuditLine> {
        self.lines
            .lock()
            .map(|l| l.iter().skip(l.len().saturating_sub(n)).cloned().collect())
            .unwrap_or_default()
    }
}

/// Keeps lines in memory only.
#[derive(Debug)]
pub struct MemoryAudit(Ring);

impl MemoryAudit {
    pub fn new(keep: usize) -> Self {
        Self(Ring::new(keep))
    }

    /// Every line kept, oldest first.
    pub fn lines(&self) -> Vec<AuditLine> {
        self.0.last(usize::MAX)
    }

    /// Every line kept, oldest first, leaving none: what a reader that polls gets as "new".
    pub fn take(&self) -> Vec<AuditLine> {
        self.0
            .lines
            .lock()
            .map(|mut l| l.drain(..).collect())
            .unwrap_or_default()
    }
}

/// Writes each line to `primary` and, once it is durable there, to `copy`. Health and the
/// recent tail are the primary's: the copy is for readers in the same process.
pub struct TeeAudit {
    primary: Arc<dyn AuditSink>,
    copy: Arc<dyn AuditSink>,
}

impl TeeAudit {
    pub fn new(primary: Arc<dyn AuditSink>, copy: Arc<dyn AuditSink>) -> Self {
        Self { primary, copy }
    }
}

#[async_trait]
impl AuditSink for TeeAudit {
    async fn record(&self, line: AuditLine) -> Result<(), AuditError> {
        self.primary.record(line.clone()).await?;
        self.copy.record(line).await
    }

    fn recent(&self, n: usize) -> Vec<AuditLine> {
        self.primary.recent(n)
    }

    fn healthy(&self) -> bool {
        self.primary.healthy()
    }
}

impl Default for MemoryAudit {
    fn default() -> Self {
        Self::new(10_000)
    }
}

#[async_trait]
impl AuditSink for MemoryAudit {
    async fn record(&self, line: AuditLine) -> Result<(), AuditError> {
        self.0.push(line);
        Ok(())
    }

    fn recent(&self, n: usize) -> Vec<AuditLine> {
        self.0.last(n)
    }
}
