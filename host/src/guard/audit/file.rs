//! The audit log on disk: appends, rotation by size, and reading it back.
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{dangling_intents, AuditError, AuditLine, AuditSink, Ring, Verdict};

/// When the log rolls over. Once the live file reaches `max_bytes` it is renamed
/// `<name>.1`, older files shift up to `<name>.<keep>`, the oldest is removed, and a fresh
/// live file starts. A line is never split across files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    pub max_bytes: u64,
    /// Rotated files kept besides the live one (at least 1).
    pub keep: usize,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            keep: 10,
        }
    }
}

impl Rotation {
    /// `<name>.<n>`, the n-th newest rotated file.
    pub fn rotated(path: &Path, n: usize) -> PathBuf {
        let mut s = path.as_os_str().to_owned();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    /// Shift the files and open a fresh live one. The live file is renamed last, so a
    /// crash midway leaves every line in some file.
    fn roll(&self, path: &Path) -> std::io::Result<File> {
        let keep = self.keep.max(1);
        // Fewer files than `keep` exist until the log has rolled that often.
        let unless_missing = |r: std::io::Result<()>| match r {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
        unless_missing(std::fs::remove_file(Self::rotated(path, keep)))?;
        for n in (1..keep).rev() {
            unless_missing(std::fs::rename(
                Self::rotated(path, n),
                Self::rotated(path, n + 1),
            ))?;
        }
        std::fs::rename(path, Self::rotated(path, 1))?;
        let file = open_append(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the renames durable too.
            File::open(dir)?.sync_all()?;
        }
        Ok(file)
    }
}

/// One line as it is written: JSON and a newline.
fn encode(line: &AuditLine) -> Result<Vec<u8>, AuditError> {
    let mut buf = serde_json::to_vec(line)?;
    buf.push(b'\n');
    Ok(buf)
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
}

/// Appends JSON lines to a file, keeping the last few in memory for the status page.
#[derive(Debug)]
pub struct FileAudit {
    path: PathBuf,
    // Visible to the sibling tests, which swap in a read-only handle.
    pub(super) file: Arc<Mutex<File>>,
    rotation: Rotation,
    recent: Ring,
    healthy: AtomicBool,
}

impl FileAudit {
    /// Open (creating it and its directory) the log at `path`, keeping `keep_recent` lines
    /// in memory and rotating by [`Rotation::default`]. A torn last line from an earlier
    /// crash is sealed off.
    pub fn open(path: impl Into<PathBuf>, keep_recent: usize) -> Result<Self, AuditError> {
        Self::open_rotating(path, keep_recent, Rotation::default())
    }

    /// [`Self::open`] with an explicit rotation.
    pub fn open_rotating(
        path: impl Into<PathBuf>,
        keep_recent: usize,
        rotation: Rotation,
    ) -> Result<Self, AuditError> {
        let path = path.into();
        let io = |source| AuditError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = open_append(&path).map_err(io)?;
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
        // An intent written just before a rotation has its outcome in the live file, or
        // none: read the newest rotated file's tail too.
        let mut tail = match File::open(Rotation::rotated(&path, 1)) {
            Ok(mut older) => {
                let len = older.metadata().map_err(io)?.len();
                tail_lines(&mut older, len).map_err(io)?
            }
            Err(_) => Vec::new(),
        };
        tail.extend(tail_lines(&mut file, len).map_err(io)?);
        // A crash between an intent and its outcome leaves the intent alone: answer it now,
        // before this process sends anything, so every sent mutation ends with an outcome.
        let dangling = dangling_intents(&tail);
        for line in tail {
            recent.push(line);
        }
        for intent in dangling {
            tracing::warn!(id = ?intent.id, verb = %intent.verb, target = %intent.target, "a mutation's outcome was lost to a crash; recording it as unknown");
            let line = AuditLine {
                outcome: Verdict::UnknownAfterCrash,
                error: Some("the process stopped after the intent was written and before the cluster's answer was recorded; the request may or may not have been applied".into()),
                ..intent
            };
            file.write_all(&encode(&line)?).map_err(io)?;
            recent.push(line);
        }
        file.sync_data().map_err(io)?;
        Ok(Self {
            path,
            file: Arc::new(Mutex::new(file)),
            rotation,
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
        let buf = encode(&line)?;
        self.recent.push(line);
        let file = self.file.clone();
        let path = self.path.clone();
        let rotation = self.rotation;
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
            f.sync_data().map_err(io)?;
            // The line is durable; a failed rotation only means the live file grows on.
            if f.metadata().map_err(io)?.len() >= rotation.max_bytes {
                match rotation.roll(&path) {
                    Ok(fresh) => *f = fresh,
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "audit log rotation failed; appending to the current file")
                    }
                }
            }
            Ok(())
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
