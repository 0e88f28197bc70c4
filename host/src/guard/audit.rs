//! The audit log: one JSON line per mutation attempt, whatever its outcome.
//!
//! Lines are appended to a file opened with `O_APPEND`, each with a single `write_all` of the
//! whole line and its `\n`, then `sync_data`. A crash can therefore only tear the last line.
//! On open, a torn tail is sealed with a `\n`, so the next line starts clean instead of
//! gluing onto the fragment; the reader skips fragments and reports them.
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a mutation attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
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
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Denied => "denied",
            Outcome::Throttled => "throttled",
            Outcome::DryRun => "dry_run",
            Outcome::Error => "error",
            Outcome::Intent => "intent",
            Outcome::UnknownAfterCrash => "unknown_after_crash",
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
    pub outcome: Outcome,
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
        .filter(|l| l.outcome != Outcome::Intent)
        .filter_map(|l| l.id.as_deref())
        .collect();
    lines
        .iter()
        .filter(|l| l.outcome == Outcome::Intent)
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

/// Where audit lines go. Tests use [`MemoryAudit`]; the host, [`FileAudit`].
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

/// Appends JSON lines to a file, keeping the last few in memory for the status page.
#[derive(Debug)]
pub struct FileAudit {
    path: PathBuf,
    file: Arc<Mutex<File>>,
    recent: Ring,
    healthy: AtomicBool,
}

impl FileAudit {
    /// Open (creating it and its directory) the log at `path`, keeping `keep_recent` lines
    /// in memory. A torn last line from an earlier crash is sealed off.
    pub fn open(path: impl Into<PathBuf>, keep_recent: usize) -> Result<Self, AuditError> {
        let path = path.into();
        let io = |source| AuditError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(io)?;
            file.read_exact(&mut last).map_err(io)?;
            if last[0] != b'\n' {
                tracing::warn!(path = %path.display(), "audit log ends in a torn line; sealing it");
                file.write_all(b"\n").map_err(io)?;
                file.sync_data().map_err(io)?;
            }
        }
        let recent = Ring::new(keep_recent);
        // The status page shows the latest lines from before a restart too.
        let tail = tail_lines(&mut file, len).map_err(io)?;
        // A crash between an intent and its outcome leaves the intent alone: answer it now,
        // before this process sends anything, so every sent mutation ends with an outcome.
        let dangling = dangling_intents(&tail);
        for line in tail {
            recent.push(line);
        }
        for intent in dangling {
            tracing::warn!(id = ?intent.id, verb = %intent.verb, target = %intent.target, "a mutation's outcome was lost to a crash; recording it as unknown");
            let line = AuditLine {
                outcome: Outcome::UnknownAfterCrash,
                error: Some("the process stopped after the intent was written and before the cluster's answer was recorded; the request may or may not have been applied".into()),
                ..intent
            };
            let mut buf = serde_json::to_vec(&line)?;
            buf.push(b'\n');
            file.write_all(&buf).map_err(io)?;
            recent.push(line);
        }
        file.sync_data().map_err(io)?;
        Ok(Self {
            path,
            file: Arc::new(Mutex::new(file)),
            recent,
            healthy: AtomicBool::new(true),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory the log lives in (policy backups go under it).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

#[async_trait]
impl AuditSink for FileAudit {
    async fn record(&self, line: AuditLine) -> Result<(), AuditError> {
        let mut buf = serde_json::to_vec(&line)?;
        buf.push(b'\n');
        self.recent.push(line);
        let file = self.file.clone();
        let path = self.path.clone();
        // File IO and fsync block; keep them off the async workers.
        let r = tokio::task::spawn_blocking(move || -> Result<(), AuditError> {
            let io = |source| AuditError::Io {
                path: path.clone(),
                source,
            };
            let mut f = file
                .lock()
                .map_err(|_| AuditError::Join("audit file lock poisoned".into()))?;
            f.write_all(&buf).map_err(io)?;
            f.sync_data().map_err(io)
        })
        .await
        .map_err(|e| AuditError::Join(e.to_string()))
        .and_then(|r| r);
        self.healthy.store(r.is_ok(), Ordering::Relaxed);
        r
    }

    fn recent(&self, n: usize) -> Vec<AuditLine> {
        self.recent.last(n)
    }

    fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}

/// How much of an existing log is read back at open for [`AuditSink::recent`].
const TAIL_BYTES: u64 = 256 * 1024;

/// The parseable lines in the last [`TAIL_BYTES`] of the file (the first, likely partial,
/// line of the window is dropped unless the window starts at the beginning).
fn tail_lines(file: &mut File, len: u64) -> std::io::Result<Vec<AuditLine>> {
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut buf)?;
    let mut parts = buf.split(|b| *b == b'\n');
    if start > 0 {
        parts.next();
    }
    Ok(parts
        .filter_map(|p| serde_json::from_slice::<AuditLine>(p).ok())
        .collect())
}

/// What [`read_audit_report`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRead {
    pub lines: Vec<AuditLine>,
    /// 1-based numbers of lines that did not parse (torn by a crash, then sealed).
    pub skipped: Vec<usize>,
    /// Whether the file ended in a fragment without `\n` (a crash mid-write).
    pub torn_tail: bool,
}

/// Read an audit log, skipping torn lines (and logging that it did).
pub fn read_audit(path: &Path) -> Result<Vec<AuditLine>, AuditError> {
    let r = read_audit_report(path)?;
    if r.torn_tail || !r.skipped.is_empty() {
        tracing::warn!(path = %path.display(), torn_tail = r.torn_tail, skipped = ?r.skipped, "audit log has torn lines; skipped them");
    }
    Ok(r.lines)
}

/// Read an audit log and say what was skipped.
pub fn read_audit_report(path: &Path) -> Result<AuditRead, AuditError> {
    let bytes = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = AuditRead {
        lines: Vec::new(),
        skipped: Vec::new(),
        torn_tail: false,
    };
    let mut parts: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The piece after the last `\n` is empty for a clean file, a fragment after a crash.
    if let Some(tail) = parts.pop() {
        out.torn_tail = !tail.is_empty();
    }
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match serde_json::from_slice::<AuditLine>(part) {
            Ok(l) => out.lines.push(l),
            Err(_) => out.skipped.push(i + 1),
        }
    }
    Ok(out)
}

/// Longest request summary kept in a line.
pub const SUMMARY_MAX: usize = 512;

/// Keys whose values never reach the audit log.
fn secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "credential",
        "authorization",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|s| k.contains(s))
}

fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if secret_key(k) {
                        Value::String("<redacted>".into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A JSON body, redacted and truncated.
pub fn summarize_json(v: &Value) -> String {
    truncate(&redact(v).to_string())
}

/// A text body: redacted when it is JSON, truncated either way.
pub fn summarize_text(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(v) => summarize_json(&v),
        Err(_) => truncate(body),
    }
}

/// Cut `s` to [`SUMMARY_MAX`] bytes on a char boundary, saying how much was cut.
pub fn truncate(s: &str) -> String {
    if s.len() <= SUMMARY_MAX {
        return s.to_string();
    }
    let mut end = SUMMARY_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…(+{} bytes)", &s[..end], s.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::testing::temp_dir;

    fn line(n: u64) -> AuditLine {
        AuditLine {
            time: crate::guard::time::rfc3339_ms(n),
            time_ms: n,
            tenant: "app1".into(),
            plugin: "p".into(),
            plugin_version: "abc".into(),
            cluster: "prod".into(),
            verb: "put_settings".into(),
            target: format!("logs-app1-{n}"),
            request: "{}".into(),
            outcome: Outcome::Sent,
            error: None,
            reason: "because".into(),
            backup: None,
            id: None,
        }
    }

    #[tokio::test]
    async fn lines_round_trip_and_recent() {
        let dir = temp_dir("audit-rt");
        let path = dir.join("audit.jsonl");
        let a = FileAudit::open(&path, 2).unwrap();
        for n in 1..=3 {
            a.record(line(n)).await.unwrap();
        }
        let read = read_audit(&path).unwrap();
        assert_eq!(read, vec![line(1), line(2), line(3)]);
        assert_eq!(a.recent(10), vec![line(2), line(3)]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""outcome":"sent""#));
        assert_eq!(text.lines().count(), 3);
    }

    #[tokio::test]
    async fn crash_mid_write_keeps_earlier_lines() {
        let dir = temp_dir("audit-crash");
        let path = dir.join("audit.jsonl");
        {
            let a = FileAudit::open(&path, 10).unwrap();
            for n in 1..=3 {
                a.record(line(n)).await.unwrap();
            }
        }
        // Simulate a crash in the middle of writing line 3.
        let full = std::fs::read(&path).unwrap();
        let third = full.len() - serde_json::to_vec(&line(3)).unwrap().len() - 1;
        std::fs::write(&path, &full[..third + 40]).unwrap();
        let r = read_audit_report(&path).unwrap();
        assert!(r.torn_tail);
        assert_eq!(r.lines, vec![line(1), line(2)]);
        assert_eq!(read_audit(&path).unwrap(), vec![line(1), line(2)]);

        // After restart, new lines don't glue onto the fragment, and the status page still
        // has the lines from before.
        let a = FileAudit::open(&path, 10).unwrap();
        assert_eq!(a.recent(10), vec![line(1), line(2)]);
        a.record(line(4)).await.unwrap();
        let r = read_audit_report(&path).unwrap();
        assert!(!r.torn_tail);
        assert_eq!(r.skipped, vec![3]);
        assert_eq!(r.lines, vec![line(1), line(2), line(4)]);
    }

    #[tokio::test]
    async fn unwritable_log_is_unhealthy() {
        let dir = temp_dir("audit-ro");
        let path = dir.join("audit.jsonl");
        let a = FileAudit::open(&path, 10).unwrap();
        assert!(a.healthy());
        // Swap the handle for a read-only one: the next write fails.
        let ro = File::open(&path).unwrap();
        *a.file.lock().unwrap() = ro;
        assert!(a.record(line(1)).await.is_err());
        assert!(!a.healthy());
    }

    #[test]
    fn summaries_redact_and_truncate() {
        let v = serde_json::json!({"a": 1, "auth": {"password": "hunter2", "API_KEY": "k"}});
        let s = summarize_json(&v);
        assert!(!s.contains("hunter2") && !s.contains("\"k\""), "{s}");
        assert!(s.contains("<redacted>"));
        let big = "é".repeat(600);
        let t = summarize_text(&big);
        assert!(t.len() < 600 && t.ends_with("bytes)"), "{t}");
        assert_eq!(summarize_text("plain"), "plain");
    }
}
