//! Policy backups: before a policy is overwritten or deleted, its stored body is saved next
//! to the audit log, at `<audit dir>/policy-backups/<cluster>/<policy>-<seq_no>.json`, and the
//! audit line names the file. Restore by `put_policy(id, backup.policy, None)` (or with the
//! current seq_no) after reading it with [`PolicyBackups::load`]. Each policy keeps its
//! newest `keep` backups (by seq_no, `guard.policy_backups_keep`, default 20); older ones are
//! removed after a new one is durable.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cluster::model::PolicyDoc;

/// One saved policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyBackup {
    pub cluster: String,
    pub policy_id: String,
    pub seq_no: i64,
    pub primary_term: i64,
    /// Epoch ms when it was saved.
    pub saved_ms: u64,
    /// The `policy` object as the cluster returned it.
    pub policy: Value,
}

/// Writes policy backups under one directory.
#[derive(Debug, Clone)]
pub struct PolicyBackups {
    dir: PathBuf,
    keep: usize,
}

/// Backups kept per policy unless configured.
pub const DEFAULT_BACKUPS_KEEP: usize = 20;

impl PolicyBackups {
    /// Backups under `<audit_dir>/policy-backups`.
    pub fn new(audit_dir: &Path) -> Self {
        Self {
            dir: audit_dir.join("policy-backups"),
            keep: DEFAULT_BACKUPS_KEEP,
        }
    }

    /// Keep only the newest `keep` backups of each policy (at least 1).
    pub fn with_keep(mut self, keep: usize) -> Self {
        self.keep = keep.max(1);
        self
    }

    /// Save `doc` durably (temp file, fsync, rename) and return its path. An existing
    /// backup of the same seq_no is the same body, so it is simply replaced.
    pub async fn save(
        &self,
        cluster: &str,
        doc: &PolicyDoc,
        now_ms: u64,
    ) -> std::io::Result<PathBuf> {
        let policy = serde_json::from_str(&doc.body).unwrap_or(Value::String(doc.body.clone()));
        let backup = PolicyBackup {
            cluster: cluster.to_string(),
            policy_id: doc.id.clone(),
            seq_no: doc.seq_no,
            primary_term: doc.primary_term,
            saved_ms: now_ms,
            policy,
        };
        let dir = self.dir.join(safe_name(cluster));
        let id = safe_name(&doc.id);
        let path = dir.join(format!("{id}-{}.json", doc.seq_no));
        let bytes = serde_json::to_vec_pretty(&backup).map_err(std::io::Error::other)?;
        let out = path.clone();
        let keep = self.keep;
        let doc_seq = u64::try_from(doc.seq_no).unwrap_or(0);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let tmp = path.with_extension("json.tmp");
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            prune(&dir, &id, doc_seq, keep)
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(out)
    }

    /// Read a backup written by [`Self::save`].
    pub fn load(path: &Path) -> std::io::Result<PolicyBackup> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

/// Remove all but the newest `keep` backups of policy `id` in `dir`; the one just written
/// (`written`) counts as the newest, since an audit line names it. Only files named exactly
/// `<id>-<digits>.json` count, so another policy whose id extends this one (`app1` and
/// `app1-hot`) is never touched.
fn prune(dir: &Path, id: &str, written: u64, keep: usize) -> std::io::Result<()> {
    let mut seqs: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(seq) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| n.strip_prefix(id))
            .and_then(|n| n.strip_prefix('-'))
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok())
        else {
            continue;
        };
        seqs.push((seq, entry.path()));
    }
    seqs.sort_unstable_by_key(|(seq, _)| (*seq != written, std::cmp::Reverse(*seq)));
    for (_, old) in seqs.into_iter().skip(keep) {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

/// A path component from a cluster alias or policy id: anything but `[A-Za-z0-9._-]` becomes
/// `_`, and a leading `.` too, so no name escapes the backup directory.
fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::temp_dir;

    #[tokio::test]
    async fn save_and_load() {
        let dir = temp_dir("backup");
        let b = PolicyBackups::new(&dir);
        let doc = PolicyDoc {
            id: "app1-hot".into(),
            seq_no: 7,
            primary_term: 2,
            body: r#"{"description":"d","states":[]}"#.into(),
        };
        let p = b.save("prod", &doc, 42).await.unwrap();
        assert_eq!(p, dir.join("policy-backups/prod/app1-hot-7.json"));
        let back = PolicyBackups::load(&p).unwrap();
        assert_eq!(back.seq_no, 7);
        assert_eq!(back.policy["description"], "d");
        assert_eq!(back.saved_ms, 42);
    }

    #[test]
    fn names_stay_inside() {
        assert_eq!(safe_name("../../etc"), "_.._.._etc");
        assert_eq!(safe_name(".."), "_..");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("a/b"), "a_b");
    }

    #[tokio::test]
    async fn backups_are_pruned_per_policy_to_the_newest_n() {
        let dir = temp_dir("backup-prune");
        let b = PolicyBackups::new(&dir).with_keep(2);
        let doc = |id: &str, seq_no: i64| PolicyDoc {
            id: id.into(),
            seq_no,
            primary_term: 1,
            body: "{}".into(),
        };
        b.save("prod", &doc("app1-hot", 3), 1).await.unwrap();
        for seq in [1, 9, 10, 2] {
            b.save("prod", &doc("app1", seq), 1).await.unwrap();
        }
        let mut left: Vec<String> = std::fs::read_dir(dir.join("policy-backups/prod"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        // The one just written stays (an audit line names it), then the highest seq_no;
        // `app1-hot` is another policy.
        assert_eq!(left, ["app1-10.json", "app1-2.json", "app1-hot-3.json"]);
    }
}
