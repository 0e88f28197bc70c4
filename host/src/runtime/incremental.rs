//! Cranelift's incremental compilation cache, kept on disk. A Python or JS plugin is mostly
//! the same interpreter from one version to the next (the tenant's code sits in a data
//! segment), so a reload finds most functions' machine code here and compiles only the rest.
//!
//! The store is one append-only file of records `LGIC | key len | value len | key | value`
//! (lengths u32 little-endian). Only an index (SHA-256 of the key → offset) lives in memory;
//! values are read back on demand. A torn last record (a crash mid-append) is cut off at open.
//! It is a cache: nothing is fsynced, and a file over its size cap starts again empty.
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

const MAGIC: &[u8; 4] = b"LGIC";
const HEADER: u64 = 12;
/// A cache file larger than this starts again empty at the next open.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

type KeyHash = [u8; 32];

/// An on-disk `wasmtime::CacheStore`.
#[derive(Debug)]
pub struct DiskCacheStore {
    path: PathBuf,
    reader: File,
    inner: Mutex<Appender>,
}

#[derive(Debug)]
struct Appender {
    file: File,
    len: u64,
    max_bytes: u64,
    index: HashMap<KeyHash, (u64, u32)>,
}

fn key_hash(key: &[u8]) -> KeyHash {
    Sha256::digest(key).into()
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The index of every whole record in `bytes`, and where the whole records end.
fn scan(bytes: &[u8]) -> (HashMap<KeyHash, (u64, u32)>, u64) {
    let mut index = HashMap::new();
    let mut at = 0usize;
    while bytes.get(at..at + 4) == Some(MAGIC.as_slice()) {
        let (Some(kl), Some(vl)) = (u32_at(bytes, at + 4), u32_at(bytes, at + 8)) else {
            break;
        };
        let key_start = at + HEADER as usize;
        let value_start = key_start + kl as usize;
        let end = value_start + vl as usize;
        let Some(key) = bytes.get(key_start..value_start) else {
            break;
        };
        if end > bytes.len() {
            break;
        }
        index.insert(key_hash(key), (value_start as u64, vl));
        at = end;
    }
    (index, at as u64)
}

impl DiskCacheStore {
    /// Open (or create) the cache file at `path`.
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (index, len) = if bytes.len() as u64 > max_bytes {
            (HashMap::new(), 0)
        } else {
            scan(&bytes)
        };
        if len != bytes.len() as u64 {
            // A torn tail, or a full file starting again: appends continue after `len`.
            file.set_len(len)?;
        }
        let reader = file.try_clone()?;
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            inner: Mutex::new(Appender {
                file,
                len,
                max_bytes,
                index,
            }),
        })
    }

    /// Entries in the cache.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|a| a.index.len()).unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn append(&self, key: &[u8], value: &[u8]) -> std::io::Result<bool> {
        let (Ok(kl), Ok(vl)) = (u32::try_from(key.len()), u32::try_from(value.len())) else {
            return Ok(false);
        };
        let mut a = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("cache lock poisoned"))?;
        let record = HEADER + u64::from(kl) + u64::from(vl);
        if a.len + record > a.max_bytes {
            return Ok(false);
        }
        let mut buf = Vec::with_capacity(record as usize);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&kl.to_le_bytes());
        buf.extend_from_slice(&vl.to_le_bytes());
        buf.extend_from_slice(key);
        buf.extend_from_slice(value);
        a.file.write_all(&buf)?;
        let value_at = a.len + HEADER + u64::from(kl);
        a.len += record;
        a.index.insert(key_hash(key), (value_at, vl));
        Ok(true)
    }
}

impl wasmtime::CacheStore for DiskCacheStore {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let (at, len) = *self.inner.lock().ok()?.index.get(&key_hash(key))?;
        let mut value = vec![0; len as usize];
        self.reader.read_exact_at(&mut value, at).ok()?;
        Some(Cow::Owned(value))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        match self.append(key, &value) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "incremental compile cache: append failed");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::CacheStore;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lifeguard-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("incremental.cache")
    }

    #[test]
    fn entries_survive_a_reopen_and_a_torn_tail_is_cut() {
        let path = temp("inc-cache");
        {
            let c = DiskCacheStore::open(&path, DEFAULT_MAX_BYTES).unwrap();
            assert!(c.insert(b"k1", b"one".to_vec()));
            assert!(c.insert(b"k2", vec![7; 1000]));
            assert_eq!(c.get(b"k1").as_deref(), Some(&b"one"[..]));
            assert!(c.get(b"nope").is_none());
        }
        // A crash mid-append leaves half a record.
        let whole = std::fs::metadata(&path).unwrap().len();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"LGIC\x02\0\0\0\xff\0\0\0k3").unwrap();
        drop(f);
        let c = DiskCacheStore::open(&path, DEFAULT_MAX_BYTES).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
        assert_eq!(c.get(b"k2").as_deref(), Some(&[7u8; 1000][..]));
        assert!(c.insert(b"k3", b"three".to_vec()));
        drop(c);
        let c = DiskCacheStore::open(&path, DEFAULT_MAX_BYTES).unwrap();
        assert_eq!(c.get(b"k3").as_deref(), Some(&b"three"[..]));
        assert_eq!(c.get(b"k1").as_deref(), Some(&b"one"[..]));
    }

    #[test]
    fn a_full_cache_refuses_and_an_oversized_file_starts_again() {
        let path = temp("inc-cache-cap");
        let c = DiskCacheStore::open(&path, 40).unwrap();
        assert!(c.insert(b"k", vec![1; 20]));
        assert!(!c.insert(b"l", vec![1; 20]), "over the cap");
        drop(c);
        let c = DiskCacheStore::open(&path, 10).unwrap();
        assert!(c.is_empty(), "the file was over the smaller cap");
    }
}
