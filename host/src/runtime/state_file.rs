//! Plugin state kept on disk: one JSON file per (tenant, plugin), replaced atomically on every
//! write (write a temp file, fsync, rename), so a crash leaves the old or the new state,
//! never a torn one. This is what makes a failover fence survive a host restart.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::env::StateStore;
use crate::cluster::ApiError;

/// Total bytes of keys and values one plugin may keep.
pub const MAX_TOTAL: usize = 1 << 20;

/// A file-backed [`StateStore`].
#[derive(Debug)]
pub struct FileState {
    path: PathBuf,
    map: Mutex<BTreeMap<String, String>>,
}

impl FileState {
    /// Open (or start) the state of `tenant`/`plugin` under `dir`. A corrupt file is an
    /// error: silently starting empty could repeat a fenced action.
    pub fn open(dir: &Path, tenant: &str, plugin: &str) -> std::io::Result<Self> {
        let path = dir
            .join(sanitize(tenant))
            .join(format!("{}.json", sanitize(plugin)));
        let map = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("plugin state {} is corrupt: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        Ok(Self {
            path,
            map: Mutex::new(map),
        })
    }

    fn persist(&self, map: &BTreeMap<String, String>) -> Result<(), ApiError> {
        let fail = |e: std::io::Error| {
            ApiError::Unavailable(format!(
                "cannot write plugin state {}: {e}",
                self.path.display()
            ))
        };
        let bytes = serde_json::to_vec(map).map_err(|e| ApiError::Other(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(fail)?;
        f.write_all(&bytes).map_err(fail)?;
        f.sync_data().map_err(fail)?;
        std::fs::rename(&tmp, &self.path).map_err(fail)?;
        Ok(())
    }

    fn update(&self, f: impl FnOnce(&mut BTreeMap<String, String>)) -> Result<(), ApiError> {
        let mut guard = self
            .map
            .lock()
            .map_err(|_| ApiError::Other("plugin state lock poisoned".into()))?;
        let mut next = guard.clone();
        f(&mut next);
        let total: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
        if total > MAX_TOTAL {
            return Err(ApiError::Invalid(format!(
                "plugin state would be {total} bytes, over the {MAX_TOTAL} byte limit"
            )));
        }
        self.persist(&next)?;
        *guard = next;
        Ok(())
    }
}

/// File names from tenant and plugin names: keep `[A-Za-z0-9._-]`, replace the rest.
fn sanitize(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.starts_with('.') || t.is_empty() {
        format!("_{t}")
    } else {
        t
    }
}

#[async_trait::async_trait]
impl StateStore for FileState {
    fn get(&self, key: &str) -> Option<String> {
        self.map.lock().ok()?.get(key).cloned()
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), ApiError> {
        self.update(|m| {
            m.insert(key.to_string(), value.to_string());
        })
    }

    async fn delete(&self, key: &str) -> Result<(), ApiError> {
        self.update(|m| {
            m.remove(key);
        })
    }

    fn keys(&self) -> Vec<String> {
        self.map
            .lock()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn state_survives_a_reopen() {
        let dir = std::env::temp_dir().join(format!("lg-state-{}", std::process::id()));
        let s = FileState::open(&dir, "team/a", "fail-over").unwrap();
        s.set("fence", "7").await.unwrap();
        s.set("x", "1").await.unwrap();
        s.delete("x").await.unwrap();
        let again = FileState::open(&dir, "team/a", "fail-over").unwrap();
        assert_eq!(again.get("fence").as_deref(), Some("7"));
        assert_eq!(again.keys(), vec!["fence".to_string()]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_total_limit_holds_and_nothing_is_half_applied() {
        let dir = std::env::temp_dir().join(format!("lg-state-lim-{}", std::process::id()));
        let s = FileState::open(&dir, "t", "p").unwrap();
        let big = "x".repeat(MAX_TOTAL / 2);
        s.set("a", &big).await.unwrap();
        assert!(matches!(s.set("b", &big).await, Err(ApiError::Invalid(_))));
        assert_eq!(s.get("b"), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn names_cannot_escape_the_directory() {
        assert_eq!(sanitize("../../etc"), "_.._.._etc");
        assert_eq!(sanitize(".."), "_..");
    }
}
